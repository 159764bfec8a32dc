"""Database triggers that keep ticket history append-only, whatever client writes to the database."""

MESSAGE = "工单历史只能追加，不能修改或删除"

SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS tickets_event_no_update BEFORE UPDATE ON tickets_ticketevent "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    f"CREATE TRIGGER IF NOT EXISTS tickets_event_no_delete BEFORE DELETE ON tickets_ticketevent "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS tickets_event_no_update",
    "DROP TRIGGER IF EXISTS tickets_event_no_delete",
]

# PostgreSQL: row triggers; TRUNCATE (a database owner's act) is not a row change.
POSTGRES = [
    f"CREATE OR REPLACE FUNCTION tickets_event_append_only() RETURNS trigger AS $$ "
    f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$ LANGUAGE plpgsql;",
    "DROP TRIGGER IF EXISTS tickets_event_append_only ON tickets_ticketevent;",
    "CREATE TRIGGER tickets_event_append_only BEFORE UPDATE OR DELETE ON tickets_ticketevent "
    "FOR EACH ROW EXECUTE FUNCTION tickets_event_append_only();",
]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS tickets_event_append_only ON tickets_ticketevent;"]


def _run(cursor_owner, statements) -> None:
    with cursor_owner.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def install(connection) -> None:
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(connection.vendor, [])
    _run(connection, statements)


def uninstall(connection) -> None:
    statements = {"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}.get(connection.vendor, [])
    _run(connection, statements)
