"""The supervisor board and the screen pops are computed once per change, not once per screen: three supervisors
watching cost the queries of one, three ready agents one card; each screen still sees only its brands."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import SUITE_CLOCK

pytestmark = pytest.mark.clock(SUITE_CLOCK)  # what is computed and shown, not when


def _headers(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    return [(b"cookie", cookie), (b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]


async def _frames(ws, quiet=0.5) -> list[dict]:
    frames = []
    while not await ws.receive_nothing(timeout=quiet):
        frames.append(await ws.receive_json_from(timeout=5))
    return frames


@pytest.fixture
def supervisors(cast):
    """Three supervisors of brand A (the cast's, who also serves B, and two more of team A), and one of B only."""
    from kefu.accounts.models import User

    made = [cast.supervisor]
    for i in (1, 2):
        made.append(
            User.objects.create_user(
                f"sup{i}",
                password="pw-123456",
                agent_no=f"300{i}",
                role=User.Role.SUPERVISOR,
                team=cast.team_a,
            )
        )
    only_b = User.objects.create_user(
        "sup_b", password="pw-123456", agent_no="3009", role=User.Role.SUPERVISOR, team=cast.team_b
    )
    return [_headers(u) for u in made], _headers(only_b)


def _watch_a_change(watchers, change):
    """Open a desk socket for each of ``watchers``, then count the queries from ``change`` until every screen
    has been told (the change's own, the board computed and each socket's handling)."""
    from kefu.asgi import application

    async def run():
        sockets = [WebsocketCommunicator(application, "/ws/desk/", headers=h) for h in watchers]
        for ws in sockets:
            assert (await ws.connect())[0]
        # counted on the thread the consumers' and the services' database work runs on
        queries = CaptureQueriesContext(connection)
        await sync_to_async(queries.__enter__)()
        await database_sync_to_async(change)()
        seen = [await _frames(ws) for ws in sockets]
        await sync_to_async(queries.__exit__)(None, None, None)
        count = await sync_to_async(len)(queries)  # that thread's connection holds the log
        for ws in sockets:
            await ws.disconnect()
        return count, seen

    return async_to_sync(run)()


@pytest.mark.django_db(transaction=True)
def test_three_supervisors_watching_cost_the_queries_of_one(cast, chat_start, supervisors):
    from kefu.chat.presence import agent_sign_in

    of_brand_a, only_b = supervisors
    chat_start(visitor_name="张先生")  # the first of the day reads what later ones find cached
    one, _ = _watch_a_change(of_brand_a[:1], lambda: chat_start(visitor_name="王先生"))
    three, seen_three = _watch_a_change(of_brand_a, lambda: chat_start(visitor_name="李女士"))
    assert three == one, f"one supervisor: {one} queries, three: {three}"

    for frames in seen_three:
        boards = [f for f in frames if f["type"] == "board"]
        assert [b["brand"]["code"] for b in boards] == ["oufei"]  # one part, of the brand that changed
        visitors = [row["visitor"] for row in boards[-1]["live"]]
        assert visitors == ["张先生", "王先生", "李女士"] and boards[-1]["queue"]["waiting"] == 3

    # an agent of team B signs in: brand B's board, on the screens of those who serve B, nobody else's
    _, seen = _watch_a_change([*of_brand_a, only_b], lambda: agent_sign_in(agent=cast.agent_b))
    shown = [[f["brand"]["code"] for f in frames if f["type"] == "board"] for frames in seen]
    assert shown == [["xintianjie"], [], [], ["xintianjie"]]  # the cast's supervisor is granted brand B
    board_b = next(f for f in seen[3] if f["type"] == "board")
    states = {a["agent_no"]: a["label"] for a in board_b["agents"]}
    assert states == {"2002": "已签入", "3009": "离线"}  # team B's agents only


@pytest.mark.django_db(transaction=True)
def test_a_board_never_shows_a_brand_its_supervisor_does_not_serve(cast, chat_start, supervisors):
    _, only_b = supervisors
    _, [frames] = _watch_a_change([only_b], lambda: chat_start(visitor_name="王先生"))  # a chat of brand A
    assert [f for f in frames if f["type"].startswith("board")] == []


@pytest.mark.django_db(transaction=True)
def test_a_pop_shows_on_the_desk_of_the_agent_the_chat_is_given_to_and_logs_that_look(
    cast, chat_start, ready, signed, monkeypatch
):
    from kefu.accounts.models import User
    from kefu.chat import selectors
    from kefu.customers.models import CustomerAccessLog

    agents = [cast.agent_a, cast.supervisor]
    agents.append(
        User.objects.create_user("agent_a2", password="pw-123456", agent_no="2011", team=cast.team_a)
    )
    for agent in agents:
        ready(agent)
    made = []
    card = selectors.customer_card
    monkeypatch.setattr(selectors, "customer_card", lambda *a, **k: made.append(1) or card(*a, **k))
    screens = [_headers(a) for a in agents]

    _, seen = _watch_a_change(screens, lambda: chat_start(visitor_name="王先生", **signed(cast.customer_a)))
    pops = [[f for f in frames if f["type"] == "pop"] for frames in seen]
    assert [len(p) for p in pops] == [1, 0, 0]  # the agent idle longest, and only their desk
    assert "138****8000" in pops[0][0]["html"] and "13800138000" not in pops[0][0]["html"]
    assert 'class="countdown"' in pops[0][0]["html"]  # how long they have to take it

    # the next chat goes to the next agent idle longest (the supervisor, whose role sees the whole number)
    _, seen = _watch_a_change(screens, lambda: chat_start(visitor_name="李女士", **signed(cast.customer_a)))
    pops = [[f for f in frames if f["type"] == "pop"] for frames in seen]
    assert [len(p) for p in pops] == [0, 1, 0]
    assert "13800138000" in pops[1][0]["html"]
    assert len(made) == 2  # one card per pop
    logged = CustomerAccessLog.objects.filter(customer=cast.customer_a, via__startswith="来电弹屏")
    assert sorted(logged.values_list("user__username", flat=True)) == sorted(
        [cast.agent_a.username, cast.supervisor.username]
    )


@pytest.mark.django_db(transaction=True)
def test_a_wait_on_the_board_moves_with_the_conversation_without_a_board_computed(
    cast, chat_start, ready, supervisors
):
    from kefu.chat.models import Offer
    from kefu.chat.services import chat_agent_reply, chat_customer_message, offer_claim

    session = chat_start(visitor_name="王先生")
    ready(cast.agent_a)
    offer_claim(offer_id=Offer.objects.get(session=session).pk, agent=cast.agent_a)
    of_brand_a, _ = supervisors

    def talk():
        chat_customer_message(session=session, client_id="c-1", body="在吗")
        chat_customer_message(session=session, client_id="c-2", body="我的快递")  # still the same wait
        chat_agent_reply(session=session, agent=cast.agent_a, body="您好，请讲", client_id="a-1")

    _, [frames] = _watch_a_change(of_brand_a[:1], talk)
    waits = [(f["session"], f["sender"]) for f in frames if f["type"] == "board_wait"]
    assert waits == [(session.pk, "customer"), (session.pk, "agent")]
    assert [f for f in frames if f["type"] == "board"] == []


@pytest.mark.django_db
def test_a_board_costs_the_same_queries_for_one_chat_or_many(cast, chat_start, ready):
    from kefu.accounts.models import User
    from kefu.chat.models import ChatMessage, Offer
    from kefu.chat.selectors import board_parts
    from kefu.chat.services import chat_agent_reply, chat_customer_message, offer_claim

    brands = [cast.brand_a.pk, cast.brand_b.pk]
    chat_start(visitor_name="一")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            board_parts(brands)
        return len(queries)

    few = count()
    for i in range(6):
        agent = ready(
            User.objects.create_user(f"a{i}", password="pw-123456", agent_no=f"40{i}", team=cast.team_a)
        )
        session = chat_start(visitor_name=f"客户{i}", brand=cast.brand_a if i % 2 else cast.brand_b)
        if i % 2:
            offer_claim(offer_id=Offer.objects.get(session=session).pk, agent=agent)
            chat_customer_message(session=session, client_id="c", body="在吗")
            chat_agent_reply(session=session, agent=agent, body="您好", client_id="a")
    assert count() == few
    parts = board_parts(brands)
    assert sum(len(p["live"]) for p in parts.values()) == 7
    assert len(parts[cast.brand_a.pk]["agents"]) == 2 + 6  # agent_a, the supervisor, the six new ones
    for row in parts[cast.brand_b.pk]["live"]:  # not taken yet: waiting since the customer's first words
        first = ChatMessage.objects.get(session_id=row["id"], client_id="first")
        assert row["wait_since"] == first.created_at.timestamp() and row["state"] == "waiting"
    for row in parts[cast.brand_a.pk]["live"][1:]:  # taken and answered: nobody waits
        assert row["wait_since"] is None and row["agent"]
