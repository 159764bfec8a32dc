"""Reads for tickets that are more than a one-liner; permission-checked lookups."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.paginator import Paginator
from django.db.models import Exists, ExpressionWrapper, F, IntegerField, OuterRef, Q, QuerySet
from django.utils.functional import cached_property

from kefu import typed
from kefu.accounts import access
from kefu.accounts.models import User
from kefu.errors import NotFound, ServiceError
from kefu.lookups import any_of, starts_with
from kefu.tickets.models import SlaClock, Ticket, TicketType
from kefu.tickets.rules import DONE_RANK_OFFSET, OPEN_STATUSES, STATUS_LABELS, Status
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


# The list counts at most this many rows (the page says "10,000+ 条"): a count of the whole table costs as much as
# reading it.
LIST_COUNT_CAP = 10_000
# A search for words of a subject reads only the newest tickets' subjects (a bounded scan, no index serves
# "contains"); numbers, phones and names are looked up through indexes over every ticket.
SUBJECT_SEARCH_WINDOW = 20_000
# Customers a name or phone prefix may stand for; past this the search says it took only the first ones.
CUSTOMER_MATCH_CAP = 200
PHONE_PREFIX_MIN_DIGITS = 7
# A search matching at most this many tickets is listed from their ids (each arm found through its index, then
# sorted): left to the list's order index, the planner would walk it looking for rare matches.
SEARCH_IDS_CAP = 2_000
_CODE = re.compile(r"^[A-Za-z0-9-]+$")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"^([1-8])\.(-?\d{1,18})\.(\d{1,18})$")


@dataclass
class TicketSearch:
    """What a ticket search looked at, for the page to say (the rows are the queryset)."""

    q: str = ""
    subject_window: int = 0  # subject words were looked for among this many newest tickets only (0: all)
    customers_capped: int = 0  # more customers matched than this (CUSTOMER_MATCH_CAP): only these were taken


def _ids(qs) -> list[int]:
    return list(qs.values_list("pk", flat=True))


def _search_condition(q: str, found: TicketSearch) -> Q:
    """Tickets matching q, each arm through an index on the ticket table: number prefix, waybill number,
    the customers whose phone or name starts with q, and subject words among the newest tickets."""
    from kefu.customers.models import Customer
    from kefu.customers.rules import typed_phone

    q, code = typed.width(q), typed.code(q)
    names = typed.name_forms(q)
    cond = Q(waybill_number__in=sorted({q, code}))
    if _CODE.match(code):
        cond |= starts_with("number", code)
        if code[:1].isdigit():
            cond |= starts_with("number", f"KF-{code}")
    phone = typed_phone(q, min_digits=PHONE_PREFIX_MIN_DIGITS)
    customers = Customer.objects.none()
    if phone:
        customers = Customer.objects.filter(starts_with("phone", phone))
    elif not any(ch.isdigit() for ch in q):
        customers = Customer.objects.filter(any_of(starts_with("name", name) for name in names))
    cap = CUSTOMER_MATCH_CAP
    ids = _ids(customers.order_by("pk")[: cap + 1])
    if ids:
        found.customers_capped = cap if len(ids) > cap else 0
        cond |= Q(customer_id__in=ids[:cap])
    window = SUBJECT_SEARCH_WINDOW
    newest = Ticket.objects.order_by("-created_at").values_list("created_at", flat=True)[window - 1 : window]
    words = any_of(Q(subject__icontains=name) for name in names)
    if newest:
        found.subject_window = window
        words &= Q(created_at__gte=newest[0])
    return cond | words


def ticket_search(
    user: User,
    *,
    q: str = "",
    status: str = "",
    type: str = "",
    brand: str = "",
    only_open: bool = False,
    breached: bool = False,
    found: TicketSearch | None = None,
) -> QuerySet[Ticket]:
    """Tickets the user may see, in the list's order (Ticket.LIST_ORDER: open work first, most urgent first,
    newest first), which an index serves for every filter here: brands, types and q are resolved to ids and
    indexed columns first (a few small queries), so the list's query never joins to filter or sort."""
    found = found if found is not None else TicketSearch()
    order = Ticket.LIST_ORDER
    qs = Ticket.objects.select_related("brand", "type", "customer", "assignee", "department")
    if not access.can(user, "brand.all"):
        qs = qs.filter(brand_id__in=_ids(access.brands_for(user)))
    q = q.strip()
    if q:
        found.q = q
        cond = _search_condition(q, found)
        ids = _ids(Ticket.objects.filter(cond).order_by()[: SEARCH_IDS_CAP + 1])
        if len(ids) <= SEARCH_IDS_CAP:
            qs, order = qs.filter(pk__in=ids), _SORTED_FROM_IDS
        else:
            qs = qs.filter(cond)
    if status:
        qs = qs.filter(status=status)
    if type:
        qs = qs.filter(type_id__in=_ids(TicketType.objects.filter(Q(code=type) | Q(name=type))))
    if brand:
        from kefu.brands.models import Brand

        qs = qs.filter(brand_id__in=_ids(Brand.objects.filter(Q(code=brand) | Q(name=brand))))
    if only_open:
        qs = qs.filter(list_rank__lte=DONE_RANK_OFFSET)  # the open statuses, by the index's own column
    if breached:
        qs = qs.filter(Exists(SlaClock.objects.filter(ticket=OuterRef("pk"), breached_at__isnull=False)))
    return qs.order_by(*order)


# The list's order written so that no index serves it: a few rows found by id are sorted, rather than the
# planner walking the list's index in the hope of meeting them early.
_SORTED_FROM_IDS = (
    ExpressionWrapper(F("list_rank") + 0, output_field=IntegerField()).asc(),
    "-created_at",
    "-id",
)


def ticket_cursor(ticket: Ticket) -> str:
    """Where the list goes on after ``ticket`` (its place in Ticket.LIST_ORDER), for ``tickets_after``."""
    micros = (ticket.created_at - EPOCH) // timedelta(microseconds=1)
    return f"{ticket.list_rank}.{micros}.{ticket.pk}"


def tickets_after(qs: QuerySet[Ticket], cursor: str, limit: int) -> list[Ticket]:
    """The ``limit`` tickets of ``qs`` (ordered by Ticket.LIST_ORDER) after the cursor's place: keyset pages,
    as fast deep in the list as on its first page. At most two index range scans: the rest of the cursor's
    rank, then the ranks after it."""
    match = _CURSOR.match(cursor)
    if not match:
        raise ServiceError("翻页位置 after 无效：请使用上一页最后一条的 cursor", field="after")
    rank, micros, pk = (int(g) for g in match.groups())
    try:
        at = EPOCH + timedelta(microseconds=micros)
    except OverflowError as exc:
        raise ServiceError("翻页位置 after 无效：请使用上一页最后一条的 cursor", field="after") from exc
    same_rank = qs.filter(list_rank=rank, created_at__lte=at).filter(Q(created_at__lt=at) | Q(pk__lt=pk))
    rows = list(same_rank[:limit])
    if len(rows) < limit:
        rows += list(qs.filter(list_rank__gt=rank)[: limit - len(rows)])
    return rows


def page_rows(qs: QuerySet[Ticket], offset: int, limit: int) -> list[Ticket]:
    """``qs[offset:offset + limit]``; past the first page the page's ids come first from the list's index alone
    (an index-only scan skipping ``offset`` entries), then only those rows are read and joined."""
    if offset == 0:
        return list(qs[:limit])
    ids = _ids(qs[offset : offset + limit])
    rows = {t.pk: t for t in qs.filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


class CappedPaginator(Paginator):
    """Pages of a list whose count stops at LIST_COUNT_CAP (``capped`` then says there are more)."""

    capped = False

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cap = LIST_COUNT_CAP

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        return self._get_page(page_rows(self.object_list, bottom, top - bottom), number, self)

    @cached_property
    def count(self) -> int:
        n = self.object_list.order_by()[: self.cap + 1].count()
        self.capped = n > self.cap
        return min(n, self.cap)


def breaches_for(user: User) -> QuerySet[SlaClock]:
    """SLA breaches on tickets the user can see, newest first."""
    return (
        SlaClock.objects.filter(breached_at__isnull=False, ticket__in=tickets_for(user))
        .select_related("ticket", "ticket__brand", "ticket__type", "ticket__assignee")
        .order_by("-breached_at", "-due_at")
    )


def open_tickets_of(customer, *, before: datetime | None = None, limit: int = 5) -> list[Ticket]:
    """The customer's unfinished tickets, newest first (opened before ``before`` when given)."""
    tickets = Ticket.objects.filter(customer=customer, status__in=[s.value for s in OPEN_STATUSES])
    if before is not None:
        tickets = tickets.filter(created_at__lt=before)
    return list(tickets.select_related("type").order_by("-created_at")[:limit])


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
        target = clock.target
        if clock.met_at:
            state, label = ("met", "已达成") if clock.met_at <= clock.due_at else ("met_late", "逾期达成")
        elif clock.breached_at:
            state, label = "breached", "已超时"
        elif clock.replaced_at:
            state, label = "replaced", "已被取代"
        elif clock.paused_at:
            state, label = "paused", "已暂停"
        elif clock.due_at < now:
            state, label = "overdue", "已逾期"
        else:
            state, label = "running", "计时中"
        left, counting, changes_at, resumes_at = None, True, None, None
        if state in ("running", "overdue"):
            left = int(sla.remaining(now, clock.due_at, target, calendar).total_seconds())
            # a working-time clock counts only in working time: its countdown stops and starts with it
            if clock.clock == "working":
                whole_days = clock.unit == "days"
                counting, changes_at = calendar.counting(now, whole_days=whole_days)
                if not counting:
                    label, resumes_at = "非工作时间暂停", changes_at
                elif changes_at:
                    resumes_at = calendar.counting(changes_at, whole_days=whole_days)[1]
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
                "counting": counting,  # False: outside working time, the clock waits
                "changes_at": changes_at,  # when counting stops (or starts again)
                "resumes_at": resumes_at,  # when counting starts again after the working time ends
                "changes_in": int((changes_at - now).total_seconds()) if changes_at else None,
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
