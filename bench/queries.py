"""Query plans at scale: the ticket list, searches, the workspace, the supervisor board and attendance on a
PostgreSQL database of its own holding N tickets (default 1,000,000), 10 N chat messages and 10 N waybills.

    .venv/bin/python bench/queries.py [--tickets 1000000] [--messages N] [--waybills N] [--reuse] [--runs 5]

Method: a database of its own (``--db``, default kefu_bench_queries, dropped and created again on the server of
KEFU_BENCH_ADMIN_URL, default postgres://postgres@127.0.0.1:5432/postgres), migrated, with ``kefu demo-data
--tickets 0`` (5 brands, the supervisor, the admin, agents) and 44 more agents, then loaded in SQL with
generate_series (INSERT … SELECT, no rows through Python): N/5 customers, N tickets over a year (90 % resolved
or closed), N/10 chat sessions of which 1,000 are live (waiting or active) with --messages messages between them,
--waybills waybills (a third sent by customers, a third to them), a year of status changes of 50 agents and the
SLA clocks of the open tickets; then VACUUM ANALYZE. ``--reuse`` keeps a database loaded before at the same size.

Each scenario is a real request through Django's test client (or a selector call), as the person would make
it. Every SELECT it ran is explained with EXPLAIN (ANALYZE, BUFFERS) on the same database, with its parameters.
Reported per scenario: the number of queries, the slowest query's and all queries' execution time in
PostgreSQL (best of --runs runs), the request's wall time (median of --runs), the scans the plans used, and
"index" = no sequential scan of a table of more than 10,000 rows. Bounded: the load is a few SQL statements,
each scenario runs --runs times; "most rows one scan read" counts the rows a scan returned and those its filter
threw away. Last line: queries_all_indexed=<yes|no> slowest_ms=<x> (the slowest query of any scenario). Writes var/bench-queries.json and prints a Markdown table for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BIG_TABLE = 10_000  # a sequential scan of a table larger than this is a finding
LIVE = 1_000
EXTRA_AGENTS = 44
DAYS = 365


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def admin_sql(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def setup_django(db_url: str) -> None:
    os.environ["KEFU_DATABASE_URL"] = db_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
    os.environ["KEFU_ALLOWED_HOSTS"] = "localhost,127.0.0.1,testserver"
    import django

    django.setup()


# ---------------------------------------------------------------- loading


LOAD = [
    (
        "customers",
        """
        INSERT INTO customers_customer (name, gender, title, phone, company, contract_code, vip_level, address,
                                        created_at, brand_id)
        SELECT substr(%(surnames)s, 1 + i %% length(%(surnames)s), 1) || substr(%(given)s, 1 + (i / 7) %% length(%(given)s), 1)
                   || CASE WHEN i %% 3 = 0 THEN substr(%(given)s, 1 + (i / 11) %% length(%(given)s), 1) ELSE '' END,
               CASE WHEN i %% 2 = 0 THEN 'male' ELSE 'female' END, '',
               '13' || lpad(i::text, 9, '0'),
               CASE WHEN i %% 50 = 0 THEN '公司' || i ELSE '' END, '', (i %% 20 = 0)::int * (1 + i %% 5), '',
               now() - interval '400 days', (%(brands)s::bigint[])[1 + abs(hashint4(i)) %% %(nbrands)s]
        FROM generate_series(1, %(customers)s) AS i
        """,
    ),
    (
        "tickets",
        """
        INSERT INTO tickets_ticket (number, channel, status, priority, subject, description, scope, waybill_number,
                                    created_at, updated_at, resolved_at, closed_at, brand_id, customer_id, type_id,
                                    assignee_id)
        SELECT 'KF-' || to_char(t.at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-' || lpad(i::text, 7, '0'),
               (ARRAY['phone', 'chat', 'email', 'web_form', 'outbound'])[1 + i %% 5],
               t.status, 1 + (i * 7) %% 4,
               (%(subjects)s::text[])[1 + i %% %(nsubjects)s] || ' ' || i, '', 'domestic',
               CASE WHEN i %% 2 = 0 THEN 'XTJ' || lpad(i::text, 12, '0') ELSE '' END,
               t.at, t.at,
               CASE WHEN t.status IN ('resolved', 'closed') THEN t.at + interval '1 day' END,
               CASE WHEN t.status = 'closed' THEN t.at + interval '2 days' END,
               c.brand_id, c.id, (%(types)s::bigint[])[1 + i %% %(ntypes)s],
               (%(agents)s::bigint[])[1 + i %% %(nagents)s]
        FROM generate_series(1, %(tickets)s) AS i
        CROSS JOIN LATERAL (SELECT
            now() - (%(tickets)s - i) * (interval '365 days' / %(tickets)s) AS at,
            CASE WHEN i %% 10 = 0 THEN (ARRAY['new', 'assigned', 'in_progress', 'waiting_customer',
                                             'waiting_department'])[1 + (i / 10) %% 5]
                 WHEN i %% 10 < 5 THEN 'closed' ELSE 'resolved' END AS status) AS t
        JOIN customers_customer c ON c.id = %(first_customer)s + (i * 31) %% %(customers)s
        """,
    ),
    (
        "chat sessions",
        """
        INSERT INTO chat_chatsession (token, visitor_name, state, started_at, accepted_at, ended_at,
                                      customer_read_seq, agent_read_seq, rating_comment, visitor_phone, agent_id,
                                      brand_id, customer_id, ticket_id, rating, rated_at)
        SELECT gen_random_uuid(), '', s.state, t.created_at, t.created_at + interval '30 seconds',
               CASE WHEN s.state = 'ended' THEN t.created_at + interval '20 minutes' END, 0, 0, '', '',
               CASE WHEN s.state <> 'waiting' THEN t.assignee_id END, t.brand_id, t.customer_id, t.id,
               CASE WHEN s.state = 'ended' AND t.id %% 3 = 0 THEN 1 + t.id %% 5 END,
               CASE WHEN s.state = 'ended' AND t.id %% 3 = 0 THEN t.created_at + interval '21 minutes' END
        FROM (SELECT id, created_at, brand_id, customer_id, assignee_id,
                     row_number() OVER (ORDER BY id DESC) AS back
              FROM tickets_ticket WHERE id %% 10 = 5 AND id >= %(first_ticket)s) AS t
        CROSS JOIN LATERAL (SELECT CASE WHEN t.back > %(live)s THEN 'ended'
                                        WHEN t.back %% 4 = 0 THEN 'waiting' ELSE 'active' END AS state) AS s
        """,
    ),
    (
        "chat messages",
        """
        INSERT INTO chat_chatmessage (seq, client_id, sender, body, attachment, violations, override_reason,
                                      created_at, author_id, session_id)
        SELECT g, 'm' || g, CASE WHEN g %% 2 = 1 THEN 'customer' ELSE 'agent' END,
               CASE WHEN g %% 2 = 1 THEN '您好，我的快件到哪里了？' ELSE '您好，正在为您查询，请稍候。' END,
               '', '[]', '', s.started_at + g * interval '20 seconds',
               CASE WHEN g %% 2 = 0 THEN s.agent_id END, s.id
        FROM chat_chatsession s
        CROSS JOIN generate_series(1, %(per_session)s) AS g
        WHERE s.id >= %(first_session)s
        """,
    ),
    (
        "waybills",
        """
        INSERT INTO express_waybill (number, sender_name, sender_phone, sender_address, recipient_name,
                                     recipient_phone, recipient_address, item_name, pieces, weight_kg, insured,
                                     freight, insurance_fee, payment, shipped_at, brand_id, destination_id,
                                     origin_id)
        SELECT 'XTJ9' || lpad(i::text, 11, '0'), '寄件人' || i %% 1000,
               CASE WHEN i %% 3 = 0 THEN '13' || lpad((1 + (i * 13) %% %(customers)s)::text, 9, '0')
                    ELSE '15' || lpad(i::text, 9, '0') END, '',
               '收件人' || i %% 1000,
               CASE WHEN i %% 3 = 1 THEN '13' || lpad((1 + (i * 17) %% %(customers)s)::text, 9, '0')
                    ELSE '18' || lpad(i::text, 9, '0') END, '', '文件', 1, 1.00, false, 12.00, 0.00, 'sender',
               now() - (%(waybills)s - i) * (interval '365 days' / %(waybills)s),
               (%(brands)s::bigint[])[1 + i %% %(nbrands)s],
               (%(stations)s::bigint[])[1 + (i + 1) %% %(nstations)s],
               (%(stations)s::bigint[])[1 + i %% %(nstations)s]
        FROM generate_series(1, %(waybills)s) AS i
        """,
    ),
    ("the demo's statuses (replaced by a year of them)", "DELETE FROM chat_agentstatus"),
    (
        "agent statuses",
        """
        INSERT INTO chat_agentstatus (status, started_at, ended_at, reason, agent_id)
        SELECT p.status, d.day + p.start_at, d.day + p.end_at, '', a.id
        FROM unnest(%(agents)s::bigint[]) AS a(id)
        CROSS JOIN generate_series(date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') - %(days)s * interval '1 day',
                                   date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') - interval '1 day',
                                   interval '1 day') AS d0(day_local)
        CROSS JOIN LATERAL (SELECT d0.day_local AT TIME ZONE 'Asia/Shanghai' AS day) AS d
        CROSS JOIN (VALUES ('wrap_up', interval '8 hours 40 minutes', interval '8 hours 45 minutes'),
                           ('ready', interval '8 hours 45 minutes', interval '10 hours'),
                           ('busy', interval '10 hours', interval '12 hours'),
                           ('break', interval '12 hours', interval '13 hours'),
                           ('ready', interval '13 hours', interval '15 hours'),
                           ('wrap_up', interval '15 hours', interval '17 hours 30 minutes'),
                           ('offline', interval '17 hours 30 minutes', interval '32 hours 40 minutes'))
             AS p(status, start_at, end_at)
        """,
    ),
    (
        "today's statuses",
        """
        UPDATE chat_agentstatus SET ended_at = NULL
        WHERE ended_at >= date_trunc('day', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai'
        """,
    ),
    (
        "SLA clocks",
        """
        INSERT INTO tickets_slaclock (code, name, clock, amount, unit, source, started_at, due_at, breached_at,
                                      breach_sweep, ticket_id)
        SELECT 'answer', '首次答复', 'calendar', 30, 'minutes', '', t.created_at,
               t.created_at + interval '30 minutes',
               CASE WHEN t.id %% 20 = 0 THEN t.created_at + interval '31 minutes' END, '', t.id
        FROM tickets_ticket t WHERE t.status NOT IN ('resolved', 'closed') AND t.id >= %(first_ticket)s
        """,
    ),
    (
        "offers",
        """
        INSERT INTO chat_offer (priority, created_at, brand_id, session_id, ticket_id)
        SELECT 3, s.started_at, s.brand_id, s.id, s.ticket_id FROM chat_chatsession s WHERE s.state = 'waiting' AND s.id >= %(first_session)s
        """,
    ),
]


def load(args) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from kefu.accounts.models import Team, User
    from kefu.brands.models import Brand
    from kefu.express.models import Station
    from kefu.tickets.management.commands import demo_data
    from kefu.tickets.models import TicketType

    call_command("migrate", verbosity=0)
    call_command("demo_data", tickets=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    teams = list(Team.objects.order_by("pk"))
    User.objects.bulk_create(
        User(
            username=f"bench{i}",
            password="!",
            agent_no=str(3000 + i),
            display_name=f"坐席{i}",
            team=teams[i % len(teams)],
        )
        for i in range(EXTRA_AGENTS)
    )
    agents = list(User.objects.filter(agent_no__isnull=False, role="agent").values_list("pk", flat=True))
    first_customer = _next_id("customers_customer")
    params = {
        "tickets": args.tickets,
        "customers": max(args.tickets // 5, 100),
        "first_customer": first_customer,
        "first_ticket": _next_id("tickets_ticket"),
        "first_session": _next_id("chat_chatsession"),
        "waybills": args.waybills,
        "per_session": max(1, args.messages // max(1, args.tickets // 10)),
        "live": LIVE,
        "days": DAYS,
        "brands": list(Brand.objects.values_list("pk", flat=True)),
        "stations": list(Station.objects.values_list("pk", flat=True)),
        "types": list(TicketType.objects.values_list("pk", flat=True)),
        "agents": agents,
        "surnames": demo_data.SURNAMES,
        "given": demo_data.GIVEN,
        "subjects": sorted({s for group in demo_data.SUBJECTS.values() for s in group}),
    }
    for key in ("brands", "stations", "types", "agents", "subjects"):
        params[f"n{key}"] = len(params[key])
    took = {}
    with connection.cursor() as cursor:
        for name, sql in LOAD:
            started = time.perf_counter()
            cursor.execute(sql, params)
            took[name] = (cursor.rowcount, round(time.perf_counter() - started, 1))
            log(f"  {name}: {cursor.rowcount:,} rows in {took[name][1]} s")
    connection.close()
    return {"params": {k: v for k, v in params.items() if isinstance(v, int)}, "load": took}


def _next_id(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        first = cursor.fetchone()[0]
        # the generated rows take the next ids of the sequence: start it where they begin
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s, false)", [first])
    return first


# ---------------------------------------------------------------- explaining


def scans(plan: dict, found: list[dict]) -> list[dict]:
    node = plan.get("Node Type", "")
    if "Scan" in node:
        found.append(
            {
                "node": node,
                "relation": plan.get("Relation Name"),
                "index": plan.get("Index Name"),
                "rows": plan.get("Actual Rows", 0) * plan.get("Actual Loops", 1),
                # what the scan went through: the rows it returned and those its filter threw away
                "read": (
                    plan.get("Actual Rows", 0)
                    + plan.get("Rows Removed by Filter", 0)
                    + plan.get("Rows Removed by Index Recheck", 0)
                )
                * plan.get("Actual Loops", 1),
            }
        )
    for child in plan.get("Plans", []):
        scans(child, found)
    return found


def explain(sql: str) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
        out = cursor.fetchone()[0]
    doc = out[0] if isinstance(out, list) else json.loads(out)[0]
    return {"ms": doc["Execution Time"], "scans": scans(doc["Plan"], [])}


def table_sizes() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r'")
        return dict(cursor.fetchall())


def measure(name: str, run, runs: int, sizes: dict[str, int]) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    walls, per_run = [], []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            run()
            walls.append((time.perf_counter() - started) * 1000)
        per_run.append([q["sql"] for q in ctx.captured_queries])
    queries = [sql for sql in per_run[-1] if sql.lstrip().upper().startswith("SELECT")]
    plans = []
    for sql in queries:
        best = min((explain(sql) for _ in range(runs)), key=lambda p: p["ms"])
        plans.append({"sql": sql[:300], **best})
    seq = sorted(
        {
            f"{s['relation']} ({sizes.get(s['relation'], 0):,} rows)"
            for p in plans
            for s in p["scans"]
            if s["node"] == "Seq Scan" and sizes.get(s["relation"], 0) > BIG_TABLE
        }
    )
    used = sorted({s["index"] for p in plans for s in p["scans"] if s["index"]})
    result = {
        "scenario": name,
        "queries": len(per_run[-1]),
        "selects": len(queries),
        "db_ms_total": round(sum(p["ms"] for p in plans), 2),
        "db_ms_slowest": round(max((p["ms"] for p in plans), default=0), 2),
        "wall_ms_median": round(statistics.median(walls), 1),
        "rows_read": max((sc["read"] for p in plans for sc in p["scans"]), default=0),
        "indexed": not seq,
        "seq_scans_of_big_tables": seq,
        "indexes": used,
        "plans": plans,
    }
    log(
        f"  {name}: {result['queries']} queries, slowest {result['db_ms_slowest']} ms, all "
        f"{result['db_ms_total']} ms in PostgreSQL, {result['wall_ms_median']} ms wall, "
        f"at most {result['rows_read']:,} rows read by a scan; "
        f"{'index' if result['indexed'] else 'SEQ SCAN ' + ', '.join(seq)}"
    )
    return result


def scenarios():
    from django.test import Client

    from kefu.accounts.models import ApiToken, User
    from kefu.brands.models import Brand
    from kefu.chat.models import ChatSession
    from kefu.customers.models import Customer
    from kefu.express.selectors import waybill_search
    from kefu.tickets.models import Ticket

    admin = User.objects.get(username="admin")
    supervisor = User.objects.get(username="supervisor")
    agent = User.objects.get(username="agent1001")  # the express team: brand xintianjie
    live = (
        ChatSession.objects.filter(state="active", customer__isnull=False, brand__code="xintianjie")
        .select_related("ticket", "customer")
        .order_by("-pk")
        .first()
    )
    customer = live.customer
    deep = Ticket.objects.order_by(*Ticket.LIST_ORDER).values("pk")[len_or(Ticket, 500_000)]
    from kefu.tickets.selectors import ticket_cursor

    cursor = ticket_cursor(Ticket.objects.get(pk=deep["pk"]))
    token, _ = ApiToken.objects.get_or_create(user=agent, name="bench")
    old_ticket = Ticket.objects.order_by("created_at").values_list("number", flat=True).first()
    brand = Brand.objects.get(pk=customer.brand_id)

    def page(user, url, **headers):
        client = Client(headers=headers)
        if user is not None:
            client.force_login(user)

        def run():
            res = client.get(url)
            assert res.status_code == 200, (url, res.status_code, res.content[:300])

        return run

    bearer = {"authorization": f"Bearer {token.key}"}
    day = (live.started_at).date().isoformat()
    yield "ticket list, first page (/tickets/, admin: every brand)", page(admin, "/tickets/")
    yield "ticket list, first page (/tickets/, agent: their brands)", page(agent, "/tickets/")
    yield (
        "ticket list, open only, one status (/tickets/?status=new)",
        page(admin, "/tickets/?status=new&open=1"),
    )
    yield "ticket list, page 300 (/tickets/?page=300)", page(admin, "/tickets/?page=300")
    yield "API list, 50 rows (GET /api/tickets, agent)", page(None, "/api/tickets?limit=50", **bearer)
    yield (
        "API list, keyset page deep in the list (after=cursor)",
        page(None, f"/api/tickets?limit=50&after={cursor}", **bearer),
    )
    yield "search: a customer's phone", page(admin, f"/tickets/?q={customer.phone}")
    yield "search: a ticket number", page(admin, f"/tickets/?q={old_ticket}")
    yield "search: a waybill number", page(admin, "/tickets/?q=XTJ000000000500")
    yield "search: subject words (newest 20,000)", page(admin, "/tickets/?q=破损")
    yield "search: a customer's name from its start", page(admin, f"/tickets/?q={customer.name}")
    yield "customers: last four digits (API)", page(None, f"/api/customers?q={customer.phone[-4:]}", **bearer)
    yield "workspace of a live chat (/desk/tickets/…/)", page(agent, f"/desk/tickets/{live.ticket.number}/")
    yield "supervisor board (/desk/supervisor/, 1,000 live chats)", page(supervisor, "/desk/supervisor/")
    yield "attendance of a day (/desk/attendance/)", page(supervisor, f"/desk/attendance/?day={day}")
    yield (
        "无单号查询: waybills by sender phone",
        lambda: waybill_search(brand, sender_phone=Customer.objects.get(pk=customer.pk).phone),
    )


def len_or(model, wanted: int) -> int:
    return min(wanted, max(0, model.objects.count() - 1))


def markdown(results: list[dict]) -> str:
    lines = [
        "| scenario | queries | slowest query (ms) | all queries in PostgreSQL (ms) | wall (ms, median) "
        "| most rows one scan read | index |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        index = "yes" if r["indexed"] else "**no**: " + ", ".join(r["seq_scans_of_big_tables"])
        lines.append(
            f"| {r['scenario']} | {r['queries']} | {r['db_ms_slowest']} | {r['db_ms_total']} | "
            f"{r['wall_ms_median']} | {r['rows_read']:,} | {index} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets (default 1,000,000)")
    parser.add_argument("--messages", type=int, help="chat messages (default 10 × tickets)")
    parser.add_argument("--waybills", type=int, help="waybills (default 10 × tickets)")
    parser.add_argument("--db", default="kefu_bench_queries", help="the database to create (dropped first)")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database when it holds --tickets tickets"
    )
    parser.add_argument("--runs", type=int, default=5, help="runs of each scenario (default 5)")
    args = parser.parse_args()
    if not 1_000 <= args.tickets <= 2_000_000 or not 1 <= args.runs <= 50:
        parser.error("--tickets is 1,000–2,000,000 and --runs 1–50")
    args.messages = 10 * args.tickets if args.messages is None else args.messages
    args.waybills = 10 * args.tickets if args.waybills is None else args.waybills
    admin_url = os.environ.get("KEFU_BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    db_url = admin_url.rsplit("/", 1)[0] + f"/{args.db}"
    info: dict = {}
    reuse = args.reuse and _holds(db_url, args.tickets)
    if not reuse:
        log(f"creating database {args.db}")
        admin_sql(
            admin_url, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)', f'CREATE DATABASE "{args.db}"'
        )
    setup_django(db_url)
    if reuse:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # a database loaded by an older version
        admin_sql(db_url, "ANALYZE")
    else:
        started = time.perf_counter()
        log(f"loading {args.tickets:,} tickets, {args.messages:,} messages, {args.waybills:,} waybills")
        info = load(args)
        admin_sql(db_url, "VACUUM ANALYZE")
        info["load_s"] = round(time.perf_counter() - started, 1)
        log(f"loaded in {info['load_s']} s")
    sizes = table_sizes()
    results = [measure(name, run, args.runs, sizes) for name, run in scenarios()]
    out = ROOT / "var" / "bench-queries.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"args": vars(args), **info, "sizes": sizes, "results": results}, indent=1))
    print(markdown(results))
    slowest = max(r["db_ms_slowest"] for r in results)
    print(f"queries_all_indexed={'yes' if all(r['indexed'] for r in results) else 'no'} slowest_ms={slowest}")
    return 0


def _holds(db_url: str, tickets: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(db_url) as conn:
            n = conn.execute("SELECT count(*) FROM tickets_ticket").fetchone()[0]
    except psycopg.Error:
        return False
    return abs(n - tickets) < 1000


if __name__ == "__main__":
    sys.exit(main())
