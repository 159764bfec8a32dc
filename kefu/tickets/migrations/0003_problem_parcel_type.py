"""问题件 becomes its own ticket type (seed 004 第五篇 二 (二)); it was filed as 查询 before."""

from django.db import migrations

TYPES = [
    # code, name, base priority, is complaint
    ("problem_parcel", "问题件", 3, False),
]


def add_types(apps, schema_editor):
    TicketType = apps.get_model("tickets", "TicketType")
    for code, name, priority, complaint in TYPES:
        TicketType.objects.get_or_create(
            code=code, defaults={"name": name, "base_priority": priority, "is_complaint": complaint}
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_ticket_types_and_append_only")]
    operations = [migrations.RunPython(add_types, migrations.RunPython.noop)]
