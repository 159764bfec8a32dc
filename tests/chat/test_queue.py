"""The customer's side of the queue: the place, an honest expected wait, and leaving a message (issue 12 3).

Every moment is given (``at=``): a Wednesday in the test brand's service hours (09:00–21:00), its evening after
closing, and a New Year's Day for a brand that does not serve on holidays.
"""

from datetime import datetime, timedelta

import pytest

from kefu.chat import rules
from kefu.standards.calendar import SHANGHAI

WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI)


def test_the_expected_wait_is_the_place_at_the_pace_places_free_up():
    # three agents holding two chats each, chats of 6 minutes: a place frees every minute
    assert rules.expected_wait(1, handle_seconds=360, slots=6) == 60
    assert rules.expected_wait(3, handle_seconds=360, slots=6) == 180
    assert rules.expected_wait(3, handle_seconds=None, slots=6) is None  # no recent chat to go by: no guess
    assert rules.expected_wait(3, handle_seconds=360, slots=0) is None  # nobody taking chats


@pytest.fixture
def queued(cast, chat_start):
    """Agent A signed in but on 小休 (the brand is staffed, nobody takes work), three customers waiting."""
    from kefu.chat.presence import agent_set_status, agent_sign_in

    agent_sign_in(agent=cast.agent_a, at=WEDNESDAY - timedelta(hours=1))
    agent_set_status(agent=cast.agent_a, status="break", at=WEDNESDAY - timedelta(hours=1))
    return [
        chat_start(visitor_name=f"客户{n}", at=WEDNESDAY + timedelta(seconds=10 * n), first=f"第{n}位的问题")
        for n in range(3)
    ]


@pytest.mark.django_db
def test_places_follow_the_distribution_order_and_count_down_as_chats_are_taken(
    cast, queued, chat_start, signed
):
    from kefu.chat import distribution, queue
    from kefu.chat.models import Offer
    from kefu.chat.presence import agent_set_status
    from kefu.chat.services import chat_end, offer_claim

    at = WEDNESDAY + timedelta(minutes=1)
    places = queue.waiting([cast.brand_a.pk], at=at)
    assert [places[s.pk]["position"] for s in queued] == [1, 2, 3]
    assert all(places[s.pk]["expected"] is None for s in queued)  # no chat ended lately, nobody taking chats
    assert all(places[s.pk]["why"] is None for s in queued)
    first_offer = Offer.objects.get(session=queued[0])
    assert places[queued[0].pk]["leave_at"] == (first_offer.created_at + timedelta(seconds=300)).timestamp()

    # a VIP who comes later is served first (kefu.chat.distribution), and is told so
    vip = chat_start(visitor_name="李红", at=at, first="在吗", **signed(cast.vip_a))
    places = queue.waiting([cast.brand_a.pk], at=at)
    assert places[vip.pk]["position"] == 1 and places[queued[2].pk]["position"] == 4

    agent_set_status(agent=cast.agent_a, status="ready", at=at)
    distribution.distribute(brand_ids=[cast.brand_a.pk], at=at)
    offer_claim(offer_id=Offer.objects.get(session=vip).pk, agent=cast.agent_a, at=at + timedelta(seconds=5))
    places = queue.waiting([cast.brand_a.pk], at=at + timedelta(seconds=10))
    assert vip.pk not in places
    assert [places[s.pk]["position"] for s in queued] == [1, 2, 3]

    # a chat of 6 minutes ended; the agent back to 就绪 holds three at once: a place frees every 2 minutes
    done = at + timedelta(seconds=5 + 360)
    chat_end(session=vip, actor=cast.agent_a, at=done)
    assert {queue.waiting([cast.brand_a.pk], at=done)[s.pk]["expected"] for s in queued} == {None}  # 话后处理
    agent_set_status(agent=cast.agent_a, status="ready", at=done)
    places = queue.waiting([cast.brand_a.pk], at=done)
    assert [places[s.pk]["expected"] for s in queued] == [120, 240, 360]


@pytest.mark.django_db
def test_the_brand_is_closed_outside_its_hours_and_unstaffed_when_nobody_is_signed_in(cast):
    from kefu.chat import queue
    from kefu.chat.presence import agent_sign_in, agent_sign_out

    assert queue.closed_reason(cast.brand_a, at=WEDNESDAY) == queue.NOBODY
    agent_sign_in(agent=cast.agent_a, at=WEDNESDAY)
    assert queue.closed_reason(cast.brand_a, at=WEDNESDAY) is None
    assert queue.closed_reason(cast.brand_a, at=WEDNESDAY.replace(hour=21, minute=30)) == queue.CLOSED
    assert queue.closed_reason(cast.brand_b, at=WEDNESDAY) == queue.NOBODY  # agent A serves brand A only
    agent_sign_out(agent=cast.agent_a, at=WEDNESDAY + timedelta(hours=1))
    assert queue.closed_reason(cast.brand_a, at=WEDNESDAY + timedelta(hours=1)) == queue.NOBODY


@pytest.mark.django_db
def test_a_customer_who_waited_past_the_limit_leaves_a_message_that_stays_open_work(cast, queued):
    from kefu.chat.models import Offer
    from kefu.chat.services import chat_leave_message, chat_rate
    from kefu.errors import Conflict, ServiceError

    session = queued[0]
    with pytest.raises(
        Conflict
    ) as early:  # 2 minutes is inside the brand's 5: the page does not offer it yet
        chat_leave_message(
            session=session, client_id="l-1", body="请回电", at=WEDNESDAY + timedelta(minutes=2)
        )
    assert early.value.code == "not_yet"
    with pytest.raises(ServiceError) as no_phone:
        chat_leave_message(
            session=session, client_id="l-1", body="请回电", at=WEDNESDAY + timedelta(minutes=6)
        )
    assert no_phone.value.field == "phone"

    at = WEDNESDAY + timedelta(minutes=6)
    chat_leave_message(
        session=session, client_id="l-1", body="运单 SF123 三天没动，请回电", phone="138 0013 8001", at=at
    )
    chat_leave_message(
        session=session, client_id="l-1", body="运单 SF123 三天没动，请回电", phone="13800138001", at=at
    )
    session.refresh_from_db()
    ticket = session.ticket
    assert (
        session.state == "ended" and session.message_left_at == at and session.visitor_phone == "13800138001"
    )
    assert ticket.status not in ("resolved", "closed")
    left = ticket.events.get(kind="customer_message")
    assert left.body == "运单 SF123 三天没动，请回电" and left.data["contact"] == "13800138001"
    # one first-reply clock: the chat's was replaced by the left message's, 5 minutes of service time
    chat_clock = ticket.clocks.get(name="在线首次回复")
    assert (
        chat_clock.replaced_at == at
        and ticket.events.filter(kind="sla_replaced", sla_clock=chat_clock).exists()
    )
    clock = ticket.clocks.get(replaced_at__isnull=True, code="first_response")
    assert clock.name == "留言首次回复" and clock.due_at == at + timedelta(minutes=5)
    said = session.messages.filter(sender="system").last()
    assert said.body == "您的留言我们已经收到，会在12月2日 10:11前与您联系，感谢您的耐心等待。"
    # the chat is nobody's to take now; the ticket is work for the next agent
    assert not Offer.objects.filter(session=session, withdrawn_at__isnull=True).exists()
    assert Offer.objects.filter(ticket=ticket, session=None, claimed_by=None, withdrawn_at=None).exists()
    assert [m.body for m in session.messages.filter(sender="customer")][
        -1
    ] == "【留言】运单 SF123 三天没动，请回电"
    with pytest.raises(Conflict):
        chat_rate(
            session=session, score=5, at=at + timedelta(minutes=1)
        )  # nobody served them: nothing to rate


@pytest.mark.django_db
def test_a_message_left_after_closing_is_due_after_the_next_opening(cast, chat_start):
    from kefu.chat.services import chat_leave_message
    from kefu.tickets.models import Ticket

    evening = WEDNESDAY.replace(hour=22, minute=30)
    before = Ticket.objects.count()
    session = chat_start(first=None, visitor_name="周先生", phone="13600136000", at=evening)
    assert Ticket.objects.count() == before  # opening the page is no ticket
    chat_leave_message(
        session=session, client_id="l-1", body="明天请联系我", at=evening + timedelta(minutes=1)
    )
    session.refresh_from_db()
    clock = session.ticket.clocks.get(replaced_at__isnull=True, code="first_response")
    assert clock.due_at == datetime(2026, 12, 3, 9, 5, tzinfo=SHANGHAI)
    assert "12月3日 09:05前" in session.messages.filter(sender="system").last().body
    assert session.ticket.events.get(kind="customer_message").data["contact"] == "13600136000"


@pytest.mark.django_db
def test_a_brand_closed_on_holidays_answers_a_new_years_day_message_on_the_next_workday(cast, chat_start):
    from kefu.chat import queue
    from kefu.chat.services import chat_leave_message

    cast.brand_a.open_on_holidays = False
    cast.brand_a.save()
    new_year = datetime(2027, 1, 1, 11, 0, tzinfo=SHANGHAI)  # a Friday, 元旦
    assert queue.closed_reason(cast.brand_a, at=new_year) == queue.CLOSED
    assert (
        "工作日09:00–21:00（周末及法定节假日休息）" in queue.notices(cast.brand_a, at=new_year)[queue.CLOSED]
    )
    session = chat_start(first=None, visitor_name="周先生", phone="13600136000", at=new_year)
    chat_leave_message(session=session, client_id="l-1", body="请联系我", at=new_year)
    session.refresh_from_db()
    clock = session.ticket.clocks.get(replaced_at__isnull=True, code="first_response")
    assert clock.due_at == datetime(2027, 1, 4, 9, 5, tzinfo=SHANGHAI)  # Monday's opening + 5 minutes


@pytest.mark.django_db
def test_a_second_hand_off_replaces_the_open_feedback_clock(cast, ticket_types):
    from kefu.accounts.models import Department
    from kefu.tickets.services import ticket_create, ticket_hand_off

    ticket = ticket_create(
        brand=cast.brand_a,
        type=ticket_types["咨询"],
        channel="phone",
        subject="改地址",
        actor=cast.agent_a,
        at=WEDNESDAY,
    )
    department = Department.objects.first()
    for hours in (0, 2):
        ticket_hand_off(
            ticket=ticket,
            department=department,
            actor=cast.agent_a,
            promise="24小时内回复",
            at=WEDNESDAY + timedelta(hours=hours),
        )
    feedback = ticket.clocks.filter(code="feedback")
    assert feedback.count() == 2
    assert feedback.filter(replaced_at__isnull=True).get().started_at == WEDNESDAY + timedelta(hours=2)
    replaced = ticket.events.get(kind="sla_replaced", data__code="feedback")
    assert replaced.sla_clock.started_at == WEDNESDAY and replaced.data["by"] == "转交后反馈进展"
