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
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for op in ("UPDATE", "DELETE"):
            schema_editor.execute(
                f"CREATE TRIGGER tickets_event_no_{op.lower()} BEFORE {op} ON tickets_ticketevent "
                f"BEGIN SELECT RAISE(ABORT, '工单历史只能追加'); END;"
            )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION tickets_event_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION '工单历史只能追加'; END; $$ LANGUAGE plpgsql;"
        )
        schema_editor.execute(
            "CREATE TRIGGER tickets_event_append_only BEFORE UPDATE OR DELETE ON tickets_ticketevent "
            "FOR EACH ROW EXECUTE FUNCTION tickets_event_append_only();"
        )


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS tickets_event_no_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS tickets_event_no_delete")
    elif vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS tickets_event_append_only ON tickets_ticketevent")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [
        migrations.RunPython(add_types, migrations.RunPython.noop),
        migrations.RunPython(add_triggers, drop_triggers),
    ]
