from django.db import migrations

DEPARTMENTS = [
    ("outlet", "营业部"),
    ("hub", "分拨中心"),
    ("after_sales", "售后"),
    ("tech", "技术支持"),
    ("finance", "财务"),
]


def add(apps, schema_editor):
    Department = apps.get_model("accounts", "Department")
    for code, name in DEPARTMENTS:
        Department.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
