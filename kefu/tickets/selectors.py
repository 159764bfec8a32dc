"""Reads for tickets that are more than a one-liner; permission-checked lookups."""

from django.db.models import Case, Q, QuerySet, Value, When

from kefu.accounts import access
from kefu.accounts.models import User
from kefu.errors import NotFound
from kefu.tickets.models import SlaClock, Ticket, TicketType
from kefu.tickets.rules import OPEN_STATUSES, STATUS_LABELS, Status
from kefu.timeutil import local_now


def tickets_for(user: User) -> QuerySet[Ticket]:
    return access.scoped(
        Ticket.objects.select_related("brand", "type", "customer", "assignee", "department"), user
    )


def ticket_get_for_user(number: str, user: User) -> Ticket:
    """A ticket by number; another brand's ticket is refused, an unknown number is not found."""
    return access.get_for_user(
        Ticket.objects.select_related("brand", "type", "customer"), user, "工单", ref=number, number=number
    )


def ticket_search(
    user: User,
    *,
    q: str = "",
    status: str = "",
    type: str = "",
    brand: str = "",
    only_open: bool = False,
    breached: bool = False,
) -> QuerySet[Ticket]:
    qs = tickets_for(user)
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(subject__icontains=q)
            | Q(customer__name__icontains=q)
            | Q(customer__phone__contains=q)
            | Q(waybill_number__iexact=q)
        )
    if status:
        qs = qs.filter(status=status)
    if type:
        qs = qs.filter(Q(type__code=type) | Q(type__name=type))
    if brand:
        qs = qs.filter(Q(brand__code=brand) | Q(brand__name=brand))
    if only_open:
        qs = qs.filter(status__in=[s.value for s in OPEN_STATUSES])
    if breached:
        qs = qs.filter(clocks__breached_at__isnull=False).distinct()
    # Open work first, most urgent first, newest first within the same urgency.
    is_done = Case(When(status__in=["resolved", "closed"], then=Value(1)), default=Value(0))
    return qs.annotate(is_done=is_done).order_by("is_done", "priority", "-created_at")


def breaches_for(user: User) -> QuerySet[SlaClock]:
    """SLA breaches on tickets the user can see, newest first."""
    return (
        SlaClock.objects.filter(breached_at__isnull=False, ticket__in=tickets_for(user))
        .select_related("ticket", "ticket__brand", "ticket__type", "ticket__assignee")
        .order_by("-breached_at", "-due_at")
    )


def ticket_type_get(code_or_name: str) -> TicketType:
    found = TicketType.objects.filter(Q(code=code_or_name) | Q(name=code_or_name), active=True).first()
    if found is None:
        raise NotFound(f"没有找到工单类型“{code_or_name}”", field="type")
    return found


def ticket_history(ticket: Ticket):
    """Every event in order, for replay on the ticket page."""
    return ticket.events.select_related("actor", "sla_clock").order_by("at", "id")


def clock_states(ticket: Ticket, *, now=None) -> list[dict]:
    """Each SLA clock with its state and the time left (working time for working clocks)."""

    from kefu.brands.selectors import working_calendar
    from kefu.standards import sla

    now = local_now(now)
    calendar = working_calendar(ticket.brand)
    states = []
    for clock in ticket.clocks.order_by("due_at"):
        target = sla.Target(
            code=clock.code, name=clock.name, amount=clock.amount, unit=clock.unit, clock=clock.clock
        )
        if clock.met_at:
            state, label = ("met", "已达成") if clock.met_at <= clock.due_at else ("met_late", "逾期达成")
        elif clock.breached_at:
            state, label = "breached", "已超时"
        elif clock.paused_at:
            state, label = "paused", "已暂停"
        elif clock.due_at < now:
            state, label = "overdue", "已逾期"
        else:
            state, label = "running", "计时中"
        left = None
        if state in ("running", "overdue"):
            left = int(sla.remaining(now, clock.due_at, target, calendar).total_seconds())
        elif state == "paused":
            left = int(sla.remaining(clock.paused_at, clock.due_at, target, calendar).total_seconds())
        states.append(
            {
                "code": clock.code,
                "name": clock.name,
                "clock": clock.clock,
                "due_at": clock.due_at,
                "state": state,
                "state_label": label,
                "remaining_seconds": left,
                "source": clock.source,
                "met_at": clock.met_at,
                "breached_at": clock.breached_at,
            }
        )
    return states


FIELD_LABELS = {
    "status": "状态",
    "assignee": "处理人",
    "department": "移交部门",
    "escalated_to": "升级至",
    "queue": "队列",
    "due_at": "到期时间",
}


def _shown(field: str, value):
    if field == "status" and value:
        return STATUS_LABELS.get(Status(value), value)
    return value


def ticket_replay(ticket: Ticket) -> list[dict]:
    """The ticket's state after each event, rebuilt from the append-only history alone, in words people read."""
    state = {"status": None, "assignee": None, "department": None, "escalated_to": None, "queue": None}
    frames = []
    for event in ticket_history(ticket):
        if event.kind == "created":
            state["status"] = Status.NEW.value
        changes = []
        for field, (old, new) in (event.changes or {}).items():
            if field in state:
                state[field] = new
            changes.append((FIELD_LABELS.get(field, field), _shown(field, old), _shown(field, new)))
        shown = {k: _shown(k, v) for k, v in state.items()}
        frames.append({"event": event, "state": dict(state), "shown": shown, "changes": changes})
    return frames
