import django.db.models.deletion
from django.db import migrations, models


def copy_customer(apps, schema_editor):
    log = apps.get_model("customers", "CustomerAccessLog")
    for row in log.objects.select_related("customer").iterator():
        row.customer_ref, row.customer_name, row.brand_id = row.customer_id, row.customer.name, row.customer.brand_id
        row.via = row.via or row.reason or "查看"
        row.save(update_fields=["customer_ref", "customer_name", "brand", "via"])


class Migration(migrations.Migration):
    dependencies = [
        ("brands", "0002_alter_calendaryear_loaded_at"),
        ("customers", "0003_alter_customer_created_at_alter_customeraccesslog_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="customeraccesslog",
            name="customer_ref",
            field=models.PositiveBigIntegerField(db_index=True, null=True, verbose_name="客户编号"),
        ),
        migrations.AddField(
            model_name="customeraccesslog",
            name="customer_name",
            field=models.CharField(default="", max_length=50, verbose_name="客户姓名"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="customeraccesslog",
            name="brand",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="brands.brand",
                verbose_name="品牌",
            ),
        ),
        migrations.AddField(
            model_name="customeraccesslog",
            name="via",
            field=models.CharField(
                default="", help_text="页面或接口，如 工单页 T20261201-0001", max_length=100, verbose_name="查看途径"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(copy_customer, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="customeraccesslog",
            name="customer_ref",
            field=models.PositiveBigIntegerField(db_index=True, verbose_name="客户编号"),
        ),
        migrations.AlterField(
            model_name="customeraccesslog",
            name="brand",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="brands.brand", verbose_name="品牌"
            ),
        ),
        migrations.AlterField(
            model_name="customeraccesslog",
            name="customer",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="access_log",
                to="customers.customer",
                verbose_name="客户",
            ),
        ),
    ]
