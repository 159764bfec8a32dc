"""Every transition rule of the ticket lifecycle, through the service, with its event."""

import itertools

import pytest

from kefu.errors import Conflict
from kefu.tickets import services
from kefu.tickets.models import Ticket, TicketEvent
from kefu.tickets.rules import ALLOWED_TRANSITIONS, Status

# The shortest way to bring a new ticket into each status.
PATHS = {
    Status.NEW: [],
    Status.ASSIGNED: [Status.ASSIGNED],
    Status.IN_PROGRESS: [Status.IN_PROGRESS],
    Status.WAITING_CUSTOMER: [Status.IN_PROGRESS, Status.WAITING_CUSTOMER],
    Status.WAITING_DEPARTMENT: [Status.IN_PROGRESS, Status.WAITING_DEPARTMENT],
    Status.RESOLVED: [Status.IN_PROGRESS, Status.RESOLVED],
    Status.CLOSED: [Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED],
}


def bring_to(ticket, status, actor):
    for step in PATHS[status]:
        ticket = services.ticket_transition(ticket=ticket, to=step, actor=actor)
    return ticket


@pytest.mark.parametrize(("start", "target"), [p for p in itertools.product(Status, Status) if p[0] != p[1]])
def test_every_transition_follows_the_lifecycle(cast, new_ticket, start, target):
    ticket = bring_to(new_ticket(), start, cast.agent_a)
    before = TicketEvent.objects.filter(ticket=ticket).count()
    if target in ALLOWED_TRANSITIONS[start]:
        ticket = services.ticket_transition(ticket=ticket, to=target, actor=cast.agent_a)
        assert Ticket.objects.get(pk=ticket.pk).status == target
        last = TicketEvent.objects.filter(ticket=ticket, changes__has_key="status").order_by("-id").first()
        assert last.changes["status"] == [start.value, target.value]
        assert last.actor == cast.agent_a
    else:
        with pytest.raises(Conflict) as err:
            services.ticket_transition(ticket=ticket, to=target, actor=cast.agent_a)
        assert "不能从" in err.value.message
        assert Ticket.objects.get(pk=ticket.pk).status == start
        assert TicketEvent.objects.filter(ticket=ticket).count() == before


def test_reopen_from_resolved_and_closed_is_recorded_as_reopened(cast, new_ticket):
    for end in (Status.RESOLVED, Status.CLOSED):
        ticket = bring_to(new_ticket(), end, cast.agent_a)
        services.ticket_transition(
            ticket=ticket, to=Status.IN_PROGRESS, actor=cast.agent_a, note="客户再次来电"
        )
        event = ticket.events.order_by("-id").filter(kind="reopened").first()
        assert event is not None and event.body == "客户再次来电"


def test_assigning_a_new_ticket_moves_it_to_assigned(cast, new_ticket):
    ticket = services.ticket_assign(ticket=new_ticket(), agent=cast.agent_a, actor=cast.supervisor)
    assert ticket.status == Status.ASSIGNED
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert "assigned" in kinds and "status_changed" in kinds


def test_numbers_are_readable_and_count_per_day(cast, new_ticket):
    from tests.conftest import at

    first = new_ticket(when=at("2026-11-22 09:00"))
    second = new_ticket(when=at("2026-11-22 10:00"))
    next_day = new_ticket(when=at("2026-11-23 09:00"))
    assert first.number == "KF-20261122-000001"
    assert second.number == "KF-20261122-000002"
    assert next_day.number == "KF-20261123-000001"


def test_vip_and_complaints_raise_priority(cast, new_ticket):
    ordinary = new_ticket("咨询")
    vip = new_ticket("咨询", customer=cast.vip_a)
    complaint = new_ticket("投诉")
    vip_complaint = new_ticket("投诉", customer=cast.vip_a)
    assert ordinary.priority == 3
    assert vip.priority < ordinary.priority
    assert complaint.priority < ordinary.priority
    assert vip_complaint.priority == 1


def test_hand_off_records_who_when_and_the_promise(cast, new_ticket):
    from kefu.accounts.models import Department

    outlet = Department.objects.get(name="营业部")
    ticket = services.ticket_hand_off(
        ticket=new_ticket("查询"), department=outlet, actor=cast.agent_a, promise="明天中午前回电告知派送时间"
    )
    assert ticket.status == Status.WAITING_DEPARTMENT and ticket.department == outlet
    event = ticket.events.get(kind="handed_off")
    assert event.actor == cast.agent_a and event.body == "明天中午前回电告知派送时间"
    assert event.changes["department"] == [None, "营业部"]


def test_escalation_goes_to_a_supervisor_only(cast, new_ticket):
    from kefu.errors import ServiceError

    with pytest.raises(ServiceError):
        services.ticket_escalate(
            ticket=new_ticket(), supervisor=cast.agent_b, actor=cast.agent_a, reason="客户要求"
        )
    ticket = services.ticket_escalate(
        ticket=new_ticket(), supervisor=cast.supervisor, actor=cast.agent_a, reason="客户要求主管处理"
    )
    assert ticket.escalated_to == cast.supervisor
    assert ticket.events.filter(kind="escalated", body="客户要求主管处理").exists()


def test_query_turned_complaint_keeps_both_histories_and_links_them(cast, new_ticket):
    query = new_ticket("查询")
    services.ticket_reply(ticket=query, actor=cast.agent_a, body="您好，快件已到达分拨中心。")
    complaint = services.ticket_convert_to_complaint(
        ticket=query, actor=cast.agent_a, reason="客户对结果不满意"
    )
    assert complaint.type.name == "投诉" and complaint.converted_from == query
    assert query.events.filter(kind="reply").exists(), "the query keeps its history"
    assert query.events.get(kind="converted").data["to"] == complaint.number
    assert complaint.events.get(kind="converted").data["from"] == query.number
    with pytest.raises(Conflict):
        services.ticket_convert_to_complaint(ticket=query, actor=cast.agent_a, reason="再次")
