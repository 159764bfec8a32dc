"""No way of sending text to a customer bypasses the standards gate.

Three walks: (1) every place kefu stores a customer-visible text is reached only through the gate's functions
(read from the source); (2) every path an agent types into refuses a severe 服务忌语; (3) a day's work that
touches every sender — chat start, joining, replies, take-over and end, a left message and the queue's
notices; ticket replies from the API, the
ticket page and the workspace; express query answers, problem-parcel notices, late pickups and every claim
decision — leaves no customer-visible text the gate did not check.
"""

import ast
from datetime import timedelta
from pathlib import Path

import pytest

from kefu.chat.models import ChatMessage
from kefu.standards import compliance
from kefu.tickets import gate
from kefu.tickets.models import TicketEvent
from tests.chat.conftest import chat_start, ready  # noqa: F401 (fixtures)
from tests.conftest import at
from tests.express_django.conftest import net  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[2] / "kefu"
SEVERE = "你问我，我问谁？有本事就投诉我，我就这态度！"


# ---------------------------------------------------------------- 1. from the source
def _calls(func_name):
    """(file, enclosing function, call node) for every call of `func_name` in kefu's code."""
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                    if name == func_name:
                        yield path.relative_to(ROOT.parent).as_posix(), fn.name, node


def _kw(node, name):
    return next((ast.unparse(k.value) for k in node.keywords if k.arg == name), None)


def test_customer_visible_texts_are_stored_only_behind_the_gate():
    # Chat messages are created in one place, and kefu's or an agent's only from the gate's two paths.
    creators = {
        (f, fn)
        for f, fn, node in _calls("create")
        if ast.unparse(node.func) in ("ChatMessage.objects.create", "TicketEvent.objects.create")
    }
    assert creators == {("kefu/chat/services.py", "_add_message"), ("kefu/tickets/services.py", "_append")}
    senders = {
        (fn, _kw(node, "sender")) for f, fn, node in _calls("_add_message") if f == "kefu/chat/services.py"
    }
    not_customer = {(fn, s) for fn, s in senders if s != "Sender.CUSTOMER"}
    assert not_customer == {("_say", "Sender.SYSTEM"), ("chat_agent_reply", "Sender.AGENT")}
    # A ticket reply is appended by ticket_reply alone, which calls gate_check first.
    replies = {
        fn for f, fn, node in _calls("_append") if any("Kind.REPLY" in ast.unparse(a) for a in node.args)
    }
    assert replies == {"ticket_reply"}
    bulk = [ast.unparse(n) for f, fn, n in _calls("bulk_create") if "TicketEvent" in ast.unparse(n.func)]
    assert all("REPLY" not in b for b in bulk)


# ---------------------------------------------------------------- 2. every path an agent types into
@pytest.fixture
def ticket(new_ticket):
    return new_ticket("咨询")


def _no_reply(ticket):
    return not ticket.events.filter(kind=TicketEvent.Kind.REPLY).exists()


def test_every_typed_path_refuses_a_severe_reply(client, cast, ticket, api_a, chat_start, ready):  # noqa: F811 (fixtures)
    from kefu.chat.services import offer_claim
    from kefu.errors import Conflict

    assert api_a.post(f"/tickets/{ticket.number}/replies", {"body": SEVERE}).status_code == 409
    client.force_login(cast.agent_a)
    for url in (f"/tickets/{ticket.number}/action/", f"/desk/tickets/{ticket.number}/action/"):
        page = client.post(url, {"action": "reply", "body": SEVERE}, follow=True).content.decode()
        assert "严重服务忌语" in page
    assert _no_reply(ticket)

    session = chat_start(visitor_name="访客")
    ready(cast.agent_a)
    offer_claim(offer_id=session.offers.get().pk, agent=cast.agent_a)
    res = client.post(
        f"/desk/chats/{session.pk}/reply/",
        {"body": SEVERE, "client_id": "c1"},
        content_type="application/json",
    )
    assert res.status_code == 409 and res.json()["violations"]
    assert not session.messages.filter(sender=ChatMessage.Sender.AGENT).exists()
    with pytest.raises(Conflict):
        from kefu.chat.services import chat_agent_reply

        chat_agent_reply(session=session, agent=cast.agent_a, body=SEVERE, client_id="c2")


def test_a_claim_decision_typed_by_the_agent_is_checked(net, cast):  # noqa: F811 (fixture)
    from kefu.express.services import claim_advance, claim_file
    from tests.express_django.test_claims import LOSS

    w = net.waybill("XTJ400000000009")
    claim = claim_file(brand=net.brand, waybill_number=w.number, claim=LOSS, actor=cast.agent_b)
    with pytest.raises(gate.Refused):
        claim_advance(claim=claim, to="acknowledged", actor=cast.agent_b, note=SEVERE)
    claim.refresh_from_db()
    assert claim.state == "filed" and _no_reply(claim.ticket)


# ---------------------------------------------------------------- 3. a day's work, every sender
@pytest.fixture
def checked(monkeypatch):
    """Every text the gate checked."""
    seen: list[str] = []

    class Recording:
        def __getattr__(self, name):
            return getattr(compliance, name)

        def assess(self, text, channel="phone", profile="generic", *, checker=None):
            seen.append(text)
            return compliance.assess(text, channel, profile, checker=checker)

    monkeypatch.setattr(gate, "compliance", Recording())
    return seen


def _customer_visible():
    replies = TicketEvent.objects.filter(kind=TicketEvent.Kind.REPLY).values_list("body", flat=True)
    chat = ChatMessage.objects.exclude(sender=ChatMessage.Sender.CUSTOMER).values_list("body", flat=True)
    return [*replies, *chat]


def test_a_day_of_work_leaves_no_unchecked_text(checked, client, cast, ticket, api_a, chat_start, ready, net):  # noqa: F811 (fixtures)
    from kefu.chat import queue
    from kefu.chat import services as chat
    from kefu.express.rules import problem_parcel_kinds
    from kefu.express.services import (
        claim_advance,
        claim_file,
        pickup_create,
        pickup_sweep,
        problem_advance,
        problem_report,
        query_open,
    )
    from tests.express_django.test_claims import LOSS
    from tests.express_django.test_pickup import FORM
    from tests.express_django.test_queries import scan

    # Chat: kefu's greeting, the agent's 工号, a reply, the supervisor's take-over, the end.
    session = chat_start(visitor_name="访客", phone="13900000001")
    ready(cast.agent_a)
    chat.offer_claim(offer_id=session.offers.get().pk, agent=cast.agent_a)
    chat.chat_customer_message(session=session, client_id="k1", body="我的快递到哪了")
    chat.chat_agent_reply(session=session, agent=cast.agent_a, body="您好，我帮您查一下。", client_id="a1")
    chat.chat_take_over(session=session, supervisor=cast.supervisor)
    chat.chat_end(session=session, actor=cast.supervisor)
    # A customer who waits too long leaves a message; the queue's notices on the customer's page.
    waiting = chat_start(visitor_name="访客二", phone="13900000002", at=at("2026-11-24 10:00"))
    chat.chat_leave_message(session=waiting, client_id="l1", body="请回电", at=at("2026-11-24 10:06"))
    notices = list(queue.notices(cast.brand_a, at=at("2026-11-24 10:06")).values())
    # Tickets: API, ticket page, workspace.
    api_a.post(f"/tickets/{ticket.number}/replies", {"body": "您好，您的问题我已记录。"})
    client.force_login(cast.agent_a)
    client.post(f"/tickets/{ticket.number}/action/", {"action": "reply", "body": "您好，已为您登记。"})
    client.post(f"/desk/tickets/{ticket.number}/action/", {"action": "reply", "body": "感谢您的耐心等待。"})
    # Express: a query answered at once, a problem parcel's notice, a late pickup, every claim decision.
    w = net.waybill("XTJ300000000001")
    scan(net, w, "收件", "2026-11-20 10:00")
    scan(net, w, "签收", "2026-11-22 15:00", net.sh)
    query_open(brand=net.brand, number=w.number, actor=cast.agent_b)
    kind = next(k for k in problem_parcel_kinds() if not k.choices)
    problem = problem_report(
        waybill=net.waybill("XTJ500000000001", origin=net.fq, dest=net.xm),
        kind=kind.code,
        station=net.xm,
        actor=cast.agent_b,
        eta="10月9日",
    )
    for step in problem.steps:
        problem = problem_advance(problem=problem, step=step["no"], actor=cast.agent_b, note="已办")
    order = pickup_create(brand=net.brand, data=FORM, actor=cast.agent_b, at=at("2026-11-24 08:00"))
    assert pickup_sweep(now=order.created_at + timedelta(hours=3)) == 1
    for n, to in enumerate(("acknowledged", "proposed")):
        number = net.waybill(f"XTJ40000000001{n}").number
        claim = claim_file(brand=net.brand, waybill_number=number, claim=LOSS, actor=cast.agent_b)
        claim = claim_advance(claim=claim, to="acknowledged", actor=cast.agent_b)
        if to == "proposed":
            claim_advance(claim=claim, to="proposed", actor=cast.agent_b)
    refused = claim_file(
        brand=net.brand,
        waybill_number=net.waybill("XTJ400000000020").number,
        claim={**LOSS, "reason": "damage", "damage": "total", "cause": "packaging"},
        waybill_facts={"packaged_by": "customer"},
        actor=cast.agent_b,
    )
    claim_advance(claim=refused, to="refused", actor=cast.agent_b)

    sent = _customer_visible() + notices
    kinds = set(ChatMessage.objects.values_list("client_id", flat=True))
    assert {"greeting", "ended", "message-left"} <= kinds and any(k.startswith("joined-") for k in kinds)
    assert any(k.startswith("takeover-") for k in kinds)
    for what in ("取件", "索赔申请", "赔偿方案", "按照规定", "签收", "为您服务"):
        assert any(what in t for t in sent), what
    unchecked = [t for t in sent if t not in checked]
    assert unchecked == [], unchecked
    assert all(not compliance.is_blocking(compliance.check(t, "chat")) for t in sent)
