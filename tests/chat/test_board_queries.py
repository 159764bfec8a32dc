"""The supervisor board at scale: its queries do not grow with the number of live chats, and each chat's wait
is what reading all its messages would give."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.chat.models import ChatMessage, ChatSession
from kefu.chat.selectors import supervisor_board
from kefu.tickets.models import Ticket
from tests.conftest import at

START = at("2026-11-24 09:00")


def live_chats(cast, ticket_types, n, *, first=0):
    """n live chats of brand A with every shape of conversation: nobody spoke yet, the customer waits for a
    first answer, the agent answered last, the customer wrote again after the agent."""
    made = []
    for i in range(first, first + n):
        when = START + timedelta(minutes=i)
        ticket = Ticket.objects.create(
            number=f"KF-20261124-{i:06d}",
            brand=cast.brand_a,
            type=ticket_types["咨询"],
            channel="chat",
            subject="在线咨询",
            created_at=when,
            updated_at=when,
        )
        shape = i % 4
        session = ChatSession.objects.create(
            brand=cast.brand_a,
            ticket=ticket,
            state="waiting" if shape < 2 else "active",
            agent=cast.agent_a if shape >= 2 else None,
            started_at=when,
        )
        said = {
            0: [],
            1: ["customer"],
            2: ["customer", "agent"],
            3: ["customer", "agent", "customer", "customer"],
        }
        for seq, sender in enumerate(said[shape], start=1):
            ChatMessage.objects.create(
                session=session,
                seq=seq,
                client_id=f"c{seq}",
                sender=sender,
                body="在吗" if sender == "customer" else "您好",
                created_at=when + timedelta(seconds=10 * seq),
            )
        made.append(session)
    ChatSession.objects.create(  # an ended chat is not on the board
        brand=cast.brand_a,
        ticket=Ticket.objects.create(
            number=f"KF-20261124-9{first:05d}",
            brand=cast.brand_a,
            type=ticket_types["咨询"],
            channel="chat",
            subject="已结束",
            created_at=START,
            updated_at=START,
        ),
        state="ended",
        started_at=START,
    )
    return made


def wait_by_reading_every_message(session):
    """What the board showed before: the customer's first message after the agent's last one."""
    messages = list(session.messages.order_by("seq"))
    agent = [m.seq for m in messages if m.sender == "agent"]
    after = [m for m in messages if m.sender == "customer" and m.seq > (agent[-1] if agent else 0)]
    if after:
        return after[0].created_at
    return session.started_at if session.state == "waiting" else None


def count_queries(run) -> int:
    with CaptureQueriesContext(connection) as ctx:
        run()
    return len(ctx.captured_queries)


def test_the_board_shows_each_live_chats_wait_with_the_same_queries_for_4_chats_and_for_40(
    cast, ticket_types, client
):
    from tests.conftest import Api

    now = START + timedelta(hours=1)
    live_chats(cast, ticket_types, 4)
    client.force_login(cast.supervisor)
    api = Api(client, cast.token_sup)
    runs = [
        lambda: supervisor_board(cast.supervisor, now=now),
        lambda: client.get("/desk/supervisor/"),
        lambda: api.get("/chat/board"),
    ]
    few = [count_queries(r) for r in runs]
    live_chats(cast, ticket_types, 36, first=4)
    many = [count_queries(r) for r in runs]
    assert few == many, (few, many)

    board = supervisor_board(cast.supervisor, now=now)
    assert len(board["live"]) == 40
    assert [row["started"] for row in board["live"]] == sorted(row["started"] for row in board["live"])
    sessions = ChatSession.objects.in_bulk([row["id"] for row in board["live"]])
    for row in board["live"]:
        session = sessions[row["id"]]
        assert session.state != "ended"
        since = wait_by_reading_every_message(session)
        assert row["wait_seconds"] == (int((now - since).total_seconds()) if since else 0), session


def test_the_board_sees_only_the_brands_its_supervisor_serves(cast, ticket_types):
    from kefu.accounts.models import User

    live_chats(cast, ticket_types, 3)
    lead_b = User.objects.create_user(
        "sup_b", password="pw-123456", agent_no="2100", role=User.Role.SUPERVISOR, team=cast.team_b
    )
    assert supervisor_board(lead_b)["live"] == []
    assert len(supervisor_board(cast.supervisor)["live"]) == 3
