"""The ticket list at scale: its order is an indexed column, its count stops at a cap, its search goes through
indexes, its pages go on by keyset, and the number of queries does not grow with the number of tickets."""

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.tickets import selectors
from kefu.tickets.models import Ticket
from kefu.tickets.rules import Status, list_rank
from tests.conftest import at

STATUSES = [s.value for s in Status]


def many(cast, ticket_types, n, *, brand=None, start=0, customer=None, subject="查件", **fields):
    """n tickets straight into the table (bulk), with every status and priority, a minute apart."""
    kinds = list(ticket_types.values())
    base = at("2026-11-01 08:00")
    rows = []
    for i in range(start, start + n):
        when = base + timedelta(minutes=i)
        rows.append(
            Ticket(
                number=f"KF-20261101-{i:06d}",
                brand=brand or cast.brand_a,
                type=kinds[i % len(kinds)],
                channel="phone",
                status=STATUSES[i % len(STATUSES)],
                priority=1 + i % 4,
                subject=f"{subject} {i}",
                customer=customer or cast.customer_a,
                created_at=when,
                updated_at=when,
                **fields,
            )
        )
    Ticket.objects.bulk_create(rows)


def expected_order(tickets):
    return sorted(tickets, key=lambda t: (list_rank(t.status, t.priority), -t.created_at.timestamp(), -t.pk))


def test_the_database_keeps_the_list_rank_through_every_kind_of_write(cast, new_ticket):
    from kefu.tickets import services

    ticket = new_ticket("咨询")
    ticket.refresh_from_db()
    assert ticket.list_rank == list_rank(ticket.status, ticket.priority)
    services.ticket_transition(ticket=ticket, to="in_progress", actor=cast.agent_a)
    services.ticket_transition(ticket=ticket, to="resolved", actor=cast.agent_a)
    ticket.refresh_from_db()
    assert ticket.list_rank == ticket.priority + 4
    Ticket.objects.filter(pk=ticket.pk).update(status="in_progress", priority=1)  # not through a service
    ticket.refresh_from_db()
    assert ticket.list_rank == 1
    for status, priority in itertools.product(STATUSES, range(1, 5)):
        Ticket.objects.filter(pk=ticket.pk).update(status=status, priority=priority)
        assert Ticket.objects.get(pk=ticket.pk).list_rank == list_rank(status, priority)


def test_the_list_order_is_open_first_most_urgent_first_newest_first(cast, ticket_types, api_a):
    many(cast, ticket_types, 60)
    shown = [t["number"] for t in api_a.get("/tickets", limit=500).json()]
    assert shown == [t.number for t in expected_order(Ticket.objects.all())]
    open_only = [t["number"] for t in api_a.get("/tickets", limit=500, only_open="true").json()]
    assert open_only == [
        t.number for t in expected_order(Ticket.objects.exclude(status__in=["resolved", "closed"]))
    ]


def test_keyset_pages_walk_the_same_list_as_offsets(cast, ticket_types, api_a):
    many(cast, ticket_types, 57)
    # two tickets at the same moment: the id breaks the tie, no row is skipped or shown twice
    Ticket.objects.filter(number="KF-20261101-000010").update(created_at=at("2026-11-01 08:03"))
    everything = [t["number"] for t in api_a.get("/tickets", limit=500).json()]
    walked, after = [], ""
    while True:
        page = api_a.get("/tickets", limit=7, **({"after": after} if after else {})).json()
        if not page:
            break
        walked += [t["number"] for t in page]
        after = page[-1]["cursor"]
    assert walked == everything and len(walked) == 57
    by_offset = []
    for offset in range(0, 57, 7):
        by_offset += [t["number"] for t in api_a.get("/tickets", limit=7, offset=offset).json()]
    assert by_offset == everything
    for bad in ("x", "9.1.1", "1.999999999999999999.1", "1.1", "1.-999999999999999999.1"):
        res = api_a.get("/tickets", after=bad)
        assert res.status_code == 400 and res.json()["field"] == "after", bad
    res = api_a.get("/tickets", after="1.0.1", offset=3)
    assert res.status_code == 400 and "不能同时使用" in res.json()["message"]


def test_search_by_number_waybill_phone_name_and_recent_subject_words(cast, ticket_types, api_a, monkeypatch):
    from kefu.customers.services import customer_create

    many(cast, ticket_types, 30)
    other = customer_create(brand=cast.brand_a, name="欧阳修", phone="13612345678")
    many(cast, ticket_types, 2, start=100, customer=other, subject="破损理赔")
    Ticket.objects.filter(number="KF-20261101-000101").update(waybill_number="XTJ123456789012")

    def found(q):
        return {t["number"] for t in api_a.get("/tickets", q=q, limit=500).json()}

    assert found("KF-20261101-000101") == {"KF-20261101-000101"}
    assert found("kf-20261101-00010") == {f"KF-20261101-{i:06d}" for i in (*range(100, 102),)}
    assert found("20261101-000029") == {"KF-20261101-000029"}, "the KF- may be left out"
    assert found("XTJ123456789012") == found("xtj123456789012") == {"KF-20261101-000101"}
    assert found("XTJ 1234 5678 9012") == found("ｘｔｊ123456789012 ") == {"KF-20261101-000101"}, "as pasted"
    ouyang = {"KF-20261101-000100", "KF-20261101-000101"}
    assert found("1361234") == found("136 1234 5678") == found("136-1234-5678") == ouyang
    assert found("+86 136 1234 5678") == found("１３６１２３４５６７８") == ouyang, (
        "+86 and full-width digits"
    )
    assert found("欧阳") == found("歐陽") == ouyang, "a name from its start, in either script"
    assert found("理赔") == found("理賠") == ouyang, "words of a subject"
    # subject words are looked for among the newest tickets only (here: the newest 5)
    monkeypatch.setattr(selectors, "SUBJECT_SEARCH_WINDOW", 5)
    assert found("查件 3") == set(), "查件 3 is older than the newest five"
    Ticket.objects.filter(number="KF-20261101-000003").update(created_at=at("2026-11-20 08:00"))
    assert found("查件 3") == {"KF-20261101-000003"}


def test_the_page_counts_up_to_a_cap_and_says_what_a_search_looked_at(
    client, cast, ticket_types, monkeypatch
):
    many(cast, ticket_types, 50)
    client.force_login(cast.agent_a)
    page = client.get("/tickets/").content.decode()
    assert "共 50 条" in page and "第 1/2 页" in page
    monkeypatch.setattr(selectors, "LIST_COUNT_CAP", 35)
    page = client.get("/tickets/").content.decode()
    assert "超过 35 条，只列出前 35 条" in page and "第 1/2 页" in page
    assert client.get("/tickets/?page=2").content.decode().count("/tickets/KF-") == 5
    page = client.get("/tickets/?q=查件&open=1").content.decode()  # 36 open tickets: two pages
    assert "主题关键词在全部工单中查找" in page and "open=1&page=2" in page
    monkeypatch.setattr(selectors, "SUBJECT_SEARCH_WINDOW", 10)
    assert "只在最近 10 条工单中查找" in client.get("/tickets/?q=查件").content.decode()


def _queries(run) -> int:
    with CaptureQueriesContext(connection) as ctx:
        run()
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["agent_a", "admin"])
def test_the_list_runs_the_same_queries_for_fifty_tickets_and_for_three_hundred(
    client, cast, ticket_types, who
):
    from tests.conftest import Api

    client.force_login(getattr(cast, who))
    token = cast.token_a if who == "agent_a" else None
    api = Api(client, token) if token else None
    requests = [
        lambda: client.get("/tickets/"),
        lambda: client.get("/tickets/?q=13800138000&open=1&page=1"),
        lambda: client.get("/tickets/?status=new&type=咨询"),
        lambda: client.get("/tickets/?q=查件"),
    ]
    if api:
        requests += [
            lambda: api.get("/tickets", limit=50),
            lambda: api.get("/tickets", q="KF-2026", breached=True),
        ]
    many(cast, ticket_types, 50)  # every filter above finds some
    small = [_queries(r) for r in requests]
    many(cast, ticket_types, 250, start=50)
    large = [_queries(r) for r in requests]
    assert small == large


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_serves_the_first_page_from_the_list_index(cast, ticket_types):
    """With a few thousand tickets and fresh statistics, the planner reads the first page (and a brand's, a
    status's, the open tickets', a search's) from an index: no sort of the table, no sequential scan."""
    many(cast, ticket_types, 3000)
    many(cast, ticket_types, 3000, start=3000, brand=cast.brand_b, customer=cast.customer_b)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tickets_ticket")
        cursor.execute("ANALYZE customers_customer")

    def plan(qs) -> str:
        return qs.explain()

    first = plan(selectors.ticket_search(cast.admin)[:30])
    assert "ticket_list_idx" in first and "Seq Scan on tickets_ticket" not in first, first
    assert "Sort" not in first.split("ticket_list_idx")[0], first
    agent = plan(selectors.ticket_search(cast.agent_a)[:30])
    assert "Seq Scan on tickets_ticket" not in agent and "_list_idx" in agent, agent
    for search in (
        selectors.ticket_search(cast.admin, status="new")[:30],
        selectors.ticket_search(cast.admin, only_open=True)[:30],
        selectors.ticket_search(cast.admin, brand="oufei")[:30],
        selectors.ticket_search(cast.admin, q="KF-20261101-0001")[:30],
        selectors.ticket_search(cast.admin, q="13700137000")[:30],
    ):
        shown = plan(search)
        assert "Seq Scan on tickets_ticket" not in shown, shown
