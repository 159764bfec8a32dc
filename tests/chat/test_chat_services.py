"""Chat: stored once per client id, checked for 服务忌语 before sending, scored and rated at the end."""

import pytest


@pytest.fixture
def active_chat(cast, chat_start, ready):
    from kefu.chat.models import Offer
    from kefu.chat.services import offer_claim

    ready(cast.agent_a)
    session = chat_start(visitor_name="王先生", phone="13800138000")
    offer_claim(offer_id=Offer.objects.get(session=session).pk, agent=cast.agent_a)
    session.refresh_from_db()
    return session


@pytest.mark.django_db
def test_a_chats_first_message_opens_its_ticket_and_queues_it(cast, chat_start, signed):
    from kefu.chat.services import chat_customer_message
    from kefu.tickets.models import Ticket

    tickets_before = Ticket.objects.count()
    session = chat_start(first=None, visitor_name="王先生", **signed(cast.customer_a))
    assert session.customer == cast.customer_a  # the brand's website signed who it is
    greeting = session.messages.get()
    assert greeting.sender == "system" and "欧飞" in greeting.body
    # a visitor who has said nothing is no ticket and no work for anyone
    assert session.ticket is None and not session.offers.exists()
    assert Ticket.objects.count() == tickets_before

    chat_customer_message(session=session, client_id="c-1", body="我的快件三天没动了")
    session.refresh_from_db()
    assert session.ticket.channel == "chat" and session.ticket.customer == cast.customer_a
    assert session.ticket.description == "我的快件三天没动了"
    assert session.offers.get().claimed_by is None
    assert session.ticket.events.filter(kind="queued").exists()
    assert (
        session.ticket.clocks.filter(code="first_response").get().started_at
        == session.messages.last().created_at
    )
    chat_customer_message(session=session, client_id="c-2", body="在吗")
    assert Ticket.objects.count() == tickets_before + 1 and session.offers.count() == 1


@pytest.mark.django_db
def test_a_resent_message_is_stored_once(active_chat):
    from kefu.chat.services import chat_customer_message

    first, created = chat_customer_message(session=active_chat, client_id="c-1", body="快件到哪了？")
    again, created_again = chat_customer_message(session=active_chat, client_id="c-1", body="快件到哪了？")
    assert created and not created_again and first.pk == again.pk
    assert active_chat.messages.filter(client_id="c-1").count() == 1


@pytest.mark.django_db
def test_a_reply_with_a_severe_forbidden_phrase_is_refused_without_a_reason(active_chat, cast):
    from kefu.chat.services import chat_agent_reply
    from kefu.errors import Conflict

    with pytest.raises(Conflict) as refused:
        chat_agent_reply(session=active_chat, agent=cast.agent_a, body="有本事就投诉我", client_id="a-1")
    assert refused.value.code == "severe_violation"
    assert not active_chat.messages.filter(sender="agent").exists()


@pytest.mark.django_db
def test_an_override_reason_is_kept_where_the_supervisor_sees_it(active_chat, cast):
    from kefu.chat.services import chat_agent_reply

    message, _ = chat_agent_reply(
        session=active_chat,
        agent=cast.agent_a,
        body="有本事就投诉我",
        client_id="a-1",
        override_reason="客户要求原话复述",
    )
    assert message.override_reason == "客户要求原话复述"
    note = active_chat.ticket.events.filter(kind="note").last()
    assert "客户要求原话复述" in note.body and "有本事就投诉" in note.body and "斗气" in note.body


@pytest.mark.django_db
def test_a_compliant_reply_is_sent_and_recorded_as_a_ticket_reply(active_chat, cast):
    from kefu.chat.services import chat_agent_reply

    chat_agent_reply(
        session=active_chat, agent=cast.agent_a, body="您好，请您稍等，正在为您查询。", client_id="a-1"
    )
    assert active_chat.ticket.events.filter(kind="reply", body__contains="正在为您查询").exists()


@pytest.mark.django_db
def test_another_agent_cannot_reply_in_the_chat(active_chat, cast):
    from kefu.chat.services import chat_agent_reply
    from kefu.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        chat_agent_reply(session=active_chat, agent=cast.supervisor, body="您好", client_id="s-1")


@pytest.mark.django_db
def test_ending_scores_the_conversation_resolves_the_ticket_and_allows_one_rating(active_chat, cast):
    from kefu.chat.presence import current_state
    from kefu.chat.services import chat_agent_reply, chat_customer_message, chat_end, chat_rate
    from kefu.errors import Conflict

    chat_agent_reply(
        session=active_chat, agent=cast.agent_a, body="您好，欧飞，很高兴为您服务！", client_id="a-0"
    )
    chat_customer_message(session=active_chat, client_id="c-1", body="充值没到账")
    chat_agent_reply(session=active_chat, agent=cast.agent_a, body="我不知道", client_id="a-1")
    with pytest.raises(Conflict):
        chat_rate(session=active_chat, score=5)
    session = chat_end(session=active_chat, actor=cast.agent_a)
    sheet = session.score_sheet
    assert sheet.total < sheet.max_score and sheet.agent == cast.agent_a
    assert any(not item["ok"] for item in sheet.items)
    session.ticket.refresh_from_db()
    assert session.ticket.status == "resolved"
    assert current_state(cast.agent_a) == "wrap_up"
    rated = chat_rate(session=session, score=4, comment="还行")
    assert rated.rating == 4 and rated.rating_comment == "还行"
    assert session.ticket.events.filter(kind="note", body__contains="4 分").exists()
    with pytest.raises(Conflict):
        chat_rate(session=session, score=1)


@pytest.mark.django_db
def test_a_chat_ended_with_a_promise_keeps_its_ticket_open_on_the_promised_clock(active_chat, cast):
    from datetime import timedelta

    from kefu.accounts.models import Department
    from kefu.chat.services import Pending, chat_end
    from kefu.timeutil import local_now

    now = local_now()
    promised = (now + timedelta(days=1)).replace(hour=18, minute=0, second=0, microsecond=0)
    department = Department.objects.get(name="技术支持")
    pending = Pending(department=department, promised_at=promised, promise="核实后答复")
    session = chat_end(session=active_chat, actor=cast.agent_a, pending=pending)
    ticket = session.ticket
    ticket.refresh_from_db()
    assert (
        session.state == "ended" and ticket.status == "waiting_department" and ticket.department == department
    )
    clock = ticket.clocks.get(code="feedback", met_at__isnull=True, replaced_at__isnull=True)
    assert clock.due_at == promised, "the promised time is the clock"
    told = session.messages.filter(sender="system").order_by("-seq").first().body
    assert f"{promised:%-m月%-d日} 18:00前给您答复" in told and "技术支持" in told, told
    assert session.score_sheet is not None, "scored as any finished chat"


@pytest.mark.django_db
def test_a_promise_in_the_past_is_refused_and_the_chat_goes_on(active_chat, cast):
    from datetime import timedelta

    from kefu.accounts.models import Department
    from kefu.chat.services import Pending, chat_end
    from kefu.errors import ServiceError
    from kefu.timeutil import local_now

    late = Pending(department=Department.objects.first(), promised_at=local_now() - timedelta(hours=1))
    with pytest.raises(ServiceError, match="承诺时间必须晚于当前时间"):
        chat_end(session=active_chat, actor=cast.agent_a, pending=late)
    active_chat.refresh_from_db()
    assert active_chat.state == "active" and not active_chat.messages.filter(client_id="ended").exists()


@pytest.mark.django_db
def test_a_rating_outside_one_to_five_is_refused(active_chat, cast):
    from kefu.chat.services import chat_end, chat_rate
    from kefu.errors import ServiceError

    session = chat_end(session=active_chat, actor=cast.agent_a)
    with pytest.raises(ServiceError):
        chat_rate(session=session, score=6)


@pytest.mark.django_db
def test_the_customer_card_shows_vip_open_tickets_waybills_and_last_rating(cast, new_ticket):
    from kefu.chat.selectors import customer_card

    new_ticket("查询", customer=cast.vip_a)
    from kefu.tickets.models import Ticket

    Ticket.objects.filter(customer=cast.vip_a).update(waybill_number="SF1234567890123")
    card = customer_card(cast.vip_a, cast.agent_a)
    assert card["vip_level"] == 3 and card["returning"]
    assert card["waybills"] == ["SF1234567890123"] and len(card["open_tickets"]) == 1
    assert card["phone"] == "139****9000"  # agents see it masked


@pytest.mark.django_db
def test_offers_put_vip_first_then_the_oldest(cast, chat_start, ready, signed):
    from kefu.chat.selectors import open_offers_for
    from tests.conftest import at

    ready(cast.agent_a)
    plain_old = chat_start(visitor_name="甲", **signed(cast.customer_a), at=at("2026-11-24 09:00"))
    vip_new = chat_start(visitor_name="乙", **signed(cast.vip_a), at=at("2026-11-24 09:05"))
    anonymous = chat_start(visitor_name="丙", at=at("2026-11-24 09:01"))
    order = [o.session_id for o in open_offers_for(cast.agent_a)]
    assert order == [vip_new.pk, plain_old.pk, anonymous.pk]


@pytest.mark.django_db
def test_supervisor_board_shows_statuses_queues_and_waits(cast, chat_start, ready):
    from kefu.chat.selectors import supervisor_board

    ready(cast.agent_a)
    chat_start(visitor_name="王先生")
    board = supervisor_board(cast.supervisor)
    states = {row["agent_no"]: row["label"] for row in board["agents"]}
    assert states["2001"] == "就绪" and states["2002"] == "离线"
    queue = next(q for q in board["queues"] if q["brand"]["code"] == cast.brand_a.code)
    assert queue["waiting"] == 1
    assert len(board["live"]) == 1


@pytest.mark.django_db
def test_the_end_button_asks_for_the_outcome_and_a_pending_end_needs_department_and_time(
    active_chat, cast, client
):
    client.force_login(cast.agent_a)
    url = f"/desk/chats/{active_chat.pk}/end/"
    page = client.post(url, {}, follow=True).content.decode()
    assert "请选择会话结果" in page
    page = client.post(url, {"outcome": "pending", "department": "tech"}, follow=True).content.decode()
    assert "请填写承诺答复客户的时间" in page
    active_chat.refresh_from_db()
    assert active_chat.state == "active", "nothing ended on a refused form"
    client.post(url, {"outcome": "resolved"})
    active_chat.refresh_from_db()
    active_chat.ticket.refresh_from_db()
    assert active_chat.state == "ended" and active_chat.ticket.status == "resolved"
