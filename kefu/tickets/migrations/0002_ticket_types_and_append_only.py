"""The seeds' ticket types, and database triggers that keep ticket history append-only."""

from django.db import migrations

TYPES = [
    # code, name, base priority, is complaint
    ("consult", "咨询", 3, False),
    ("order", "订购", 3, False),
    ("query", "查询", 3, False),
    ("complaint", "投诉", 2, True),
    ("suggestion", "建议", 4, False),
    ("praise", "表扬", 4, False),
    ("claim", "理赔", 2, False),
    ("pickup", "取件", 3, False),
    ("repair", "报修", 3, False),
    ("follow_up", "回访", 4, False),
    ("order_confirm", "订单确认", 3, False),
    ("callback", "回复", 3, False),
]


def add_types(apps, schema_editor):
    TicketType = apps.get_model("tickets", "TicketType")
    for code, name, priority, complaint in TYPES:
        TicketType.objects.get_or_create(
            code=code, defaults={"name": name, "base_priority": priority, "is_complaint": complaint}
        )


def add_triggers(apps, schema_editor):
    from kefu.tickets import history_guard

    history_guard.install(schema_editor.connection)


def drop_triggers(apps, schema_editor):
    from kefu.tickets import history_guard

    history_guard.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [
        migrations.RunPython(add_types, migrations.RunPython.noop),
        migrations.RunPython(add_triggers, drop_triggers),
    ]
