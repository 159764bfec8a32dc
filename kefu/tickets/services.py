"""Every write to tickets: one function per use case, each in a transaction, each appending events."""

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from kefu import typed
from kefu.accounts import access
from kefu.accounts.models import Department, Team, User
from kefu.brands.models import Brand
from kefu.brands.selectors import working_calendar
from kefu.customers.models import Customer
from kefu.errors import Conflict, ServiceError
from kefu.rules.selectors import brand_policies
from kefu.standards import sla
from kefu.tickets import rules
from kefu.tickets.gate import gate_check, say
from kefu.tickets.models import DailyCounter, SlaClock, Ticket, TicketEvent, TicketType
from kefu.tickets.rules import STATUS_LABELS, Status
from kefu.timeutil import local_now

Kind = TicketEvent.Kind
# Which action meets which SLA target. Any reply meets a promise to reply (a first response, an acknowledgement,
# a 回访); a promise of a result (核实后答复, 转交后反馈结果 …) is met by the result: a reply the agent marks as the
# answer, or resolving the ticket, which meets every running clock. A 请稍等 meets no promise of a result.
MET_BY_REPLY = frozenset({"first_response", "acknowledge", "follow_up", "handoff_reply"})
MET_BY_ANSWER = MET_BY_REPLY | {"answer", "feedback"}


def _append(ticket: Ticket, kind: str, *, actor: User | None, at: datetime, **fields) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, kind=kind, actor=actor, at=at, **fields)


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _set_field(
    ticket: Ticket, field: str, value, kind: str, *, actor: User | None, at: datetime, **event
) -> TicketEvent:
    """Change one field of a locked ticket and record old → new as an event."""
    old = getattr(ticket, field)
    setattr(ticket, field, value)
    ticket.updated_at = at
    ticket.save(update_fields=[field, "updated_at"])
    shown = [str(v) if v is not None else None for v in (old, value)]
    return _append(ticket, kind, actor=actor, at=at, changes={field: shown}, **event)


def _next_number(at: datetime) -> str:
    day = timezone.localdate(at)
    for _ in range(3):
        if DailyCounter.objects.filter(day=day).update(last=F("last") + 1):
            break
        try:
            with transaction.atomic():
                DailyCounter.objects.create(day=day, last=1)
            break
        except IntegrityError:
            continue
    last = DailyCounter.objects.get(day=day).last
    return f"KF-{day:%Y%m%d}-{last:06d}"


# ---------------------------------------------------------------- SLA clocks


def _targets(ticket: Ticket, starts_on: str) -> list[sla.Target]:
    """The rulebook's targets for this ticket; a type or brand the rulebook does not know has none of its own."""
    policies = brand_policies(ticket.brand)  # the shipped targets with the brand's own (规则 → SLA 时限)
    if ticket.type.code not in policies.ticket_types():  # by its code: renaming a type keeps its clocks
        return []
    channel = ticket.channel if ticket.channel in sla.CHANNELS else None
    return policies.targets_for(
        ticket.type.code, ticket.brand.code, starts_on=starts_on, scope=ticket.scope, channel=channel
    )


def _start_clocks(
    ticket: Ticket, *, starts_on: str, at: datetime, due_override: datetime | None = None
) -> list[SlaClock]:
    """The clocks of the rulebook's targets that start on ``starts_on``."""
    return _start(ticket, _targets(ticket, starts_on), at=at, due_override=due_override)


def _replace(ticket: Ticket, old: SlaClock, *, by: str, at: datetime, due: datetime | None = None) -> None:
    old.replaced_at = at
    old.save(update_fields=["replaced_at"])
    data = {"code": old.code, "name": old.name, "by": by, **({"due_at": due.isoformat()} if due else {})}
    _append(ticket, Kind.SLA_REPLACED, actor=None, at=at, sla_clock=old, data=data)


def _start(
    ticket: Ticket, targets: Iterable[sla.Target], *, at: datetime, due_override: datetime | None = None
) -> list[SlaClock]:
    """One clock per promise: a running clock of the same kind is replaced by the new one (a second hand-off's
    feedback clock, a left message's first reply), and the history says so."""
    calendar = working_calendar(ticket.brand)
    started = []
    for target in targets:
        due = due_override or sla.compute_due(at, target, calendar)
        for old in _running_clocks(ticket).filter(code=target.code):
            _replace(ticket, old, by=target.name, at=at, due=due)
        clock = SlaClock.objects.create(
            ticket=ticket,
            code=target.code,
            name=target.name,
            clock=target.clock,
            amount=target.amount,
            unit=target.unit,
            source=target.source,
            started_at=at,
            due_at=due,
        )
        _append(
            ticket,
            Kind.SLA_STARTED,
            actor=None,
            at=at,
            sla_clock=clock,
            data={"code": target.code, "name": target.name, "due_at": due.isoformat()},
        )
        started.append(clock)
    return started


def _reopen_clocks(ticket: Ticket, at: datetime) -> None:
    """A reopened ticket owes its results again: each promise of a result it had met (by the answer or by being
    resolved) starts afresh from the reopening, with its own target; the clocks the resolution started (回访) are
    replaced, to start again at the next resolution."""
    after_resolution = [t.code for t in _targets(ticket, "resolved")]
    for clock in _running_clocks(ticket).filter(code__in=after_resolution):
        _replace(ticket, clock, by="工单重新打开", at=at)
    met = ticket.clocks.filter(met_at__isnull=False).exclude(code__in=[*MET_BY_REPLY, *after_resolution])
    latest = {clock.code: clock for clock in met.order_by("id")}  # the last promise of each kind
    _start(ticket, [clock.target for clock in latest.values()], at=at)


# a clock still counting towards its due time (or paused): not met, not breached, not replaced by a newer promise
RUNNING = Q(met_at__isnull=True, breached_at__isnull=True, replaced_at__isnull=True)


def _running_clocks(ticket: Ticket):
    return ticket.clocks.filter(RUNNING)


def _pause_clocks(ticket: Ticket, at: datetime) -> None:
    for clock in _running_clocks(ticket).filter(paused_at__isnull=True):
        clock.paused_at = at
        clock.save(update_fields=["paused_at"])
        _append(ticket, Kind.SLA_PAUSED, actor=None, at=at, sla_clock=clock, data={"code": clock.code})


def _resume_clocks(ticket: Ticket, at: datetime) -> None:
    calendar = working_calendar(ticket.brand)
    for clock in _running_clocks(ticket).filter(paused_at__isnull=False):
        old_due = clock.due_at
        clock.due_at = sla.resume_due(clock.due_at, clock.paused_at, at, clock.target, calendar)
        clock.paused_at = None
        clock.save(update_fields=["due_at", "paused_at"])
        _append(
            ticket,
            Kind.SLA_RESUMED,
            actor=None,
            at=at,
            sla_clock=clock,
            changes={"due_at": [old_due.isoformat(), clock.due_at.isoformat()]},
        )


def _meet_clocks(ticket: Ticket, at: datetime, codes: Iterable[str] | None = None) -> None:
    clocks = _running_clocks(ticket)
    if codes is not None:
        clocks = clocks.filter(code__in=list(codes))
    for clock in clocks:
        clock.met_at = at
        clock.save(update_fields=["met_at"])
        _append(ticket, Kind.SLA_MET, actor=None, at=at, sla_clock=clock, data={"code": clock.code})
        # Met after it was due, before a sweep saw it: still a breach, recorded once.
        if at > clock.due_at and SlaClock.objects.filter(pk=clock.pk, breached_at__isnull=True).update(
            breached_at=at
        ):
            _append(
                ticket,
                Kind.SLA_BREACHED,
                actor=None,
                at=at,
                sla_clock=clock,
                data={"code": clock.code, "name": clock.name, "due_at": clock.due_at.isoformat()},
            )


def sla_sweep(*, now: datetime | None = None) -> int:
    """Mark every overdue running clock breached and record one event for each.

    One set-based UPDATE claims the overdue clocks for this sweep; a sweep running at the
    same time on another node finds them already breached, so each breach is recorded once.
    """
    now = local_now(now)
    token = uuid.uuid4().hex
    with transaction.atomic():
        claimed = SlaClock.objects.filter(RUNNING, paused_at__isnull=True, due_at__lt=now).update(
            breached_at=now, breach_sweep=token
        )
        if not claimed:
            return 0
        events = [
            TicketEvent(
                ticket_id=clock.ticket_id,
                kind=Kind.SLA_BREACHED,
                at=now,
                sla_clock=clock,
                data={"code": clock.code, "name": clock.name, "due_at": clock.due_at.isoformat()},
            )
            for clock in SlaClock.objects.filter(breach_sweep=token)
        ]
        TicketEvent.objects.bulk_create(events)
    return claimed


# ---------------------------------------------------------------- tickets


def ticket_create(
    *,
    brand: Brand,
    type: TicketType,
    channel: str,
    subject: str,
    actor: User | None,
    description: str = "",
    customer: Customer | None = None,
    waybill_number: str = "",
    scope: str = "domestic",
    at: datetime | None = None,
) -> Ticket:
    at = local_now(at)
    if customer is not None and customer.brand_id != brand.pk:
        raise ServiceError("客户不属于该品牌", field="customer")
    if not subject.strip():
        raise ServiceError("请填写工单主题", field="subject")
    with transaction.atomic():
        ticket = Ticket.objects.create(
            number=_next_number(at),
            brand=brand,
            type=type,
            channel=channel,
            subject=subject.strip(),
            description=description,
            customer=customer,
            waybill_number=typed.code(waybill_number),  # as the waybill is stored, whatever was pasted
            scope=scope,
            priority=rules.priority_for(
                type.base_priority,
                vip_level=customer.vip_level if customer else 0,
                is_complaint=type.is_complaint,
            ),
            created_by=actor,
            created_at=at,
            updated_at=at,
        )
        _append(
            ticket,
            Kind.CREATED,
            actor=actor,
            at=at,
            data={
                "number": ticket.number,
                "type": type.name,
                "channel": channel,
                "priority": ticket.priority,
                "subject": ticket.subject,
            },
        )
        _start_clocks(ticket, starts_on="created", at=at)
    return ticket


def ticket_open(*, ticket: Ticket, user: User, via: str) -> Ticket:
    """Show ``user`` a ticket they may see; its customer's record is opened with it (access log)."""
    from kefu.customers.services import customer_open

    if ticket.customer_id:
        customer_open(customer=ticket.customer, user=user, via=f"{via} {ticket.number}")
    return ticket


def ticket_intake(
    *,
    actor: User,
    brand: str,
    type: str,
    channel: str,
    subject: str,
    description: str = "",
    customer_id: int | None = None,
    customer: dict | None = None,
    waybill_number: str = "",
    scope: str = "domestic",
) -> Ticket:
    """One contact in: resolve brand, type and customer (by id, or found by phone, or new), then open the ticket."""
    from kefu.customers.selectors import customer_get_for_user
    from kefu.customers.services import customer_find_or_create
    from kefu.tickets.selectors import ticket_type_get

    access.require(actor, "ticket.create")
    brand_obj = access.brand_get_for_user(brand, actor)
    kind = ticket_type_get(type)
    with transaction.atomic():  # a customer is not created for a ticket that is then refused
        found = None
        if customer_id is not None:
            found = customer_get_for_user(customer_id, actor)
        elif customer:
            found = customer_find_or_create(brand=brand_obj, actor=actor, **customer)
        return ticket_create(
            brand=brand_obj,
            type=kind,
            channel=channel,
            subject=subject,
            description=description,
            customer=found,
            waybill_number=waybill_number,
            scope=scope,
            actor=actor,
        )


def _set_status(ticket: Ticket, target: str, *, actor: User | None, at: datetime, note: str = "") -> None:
    current = ticket.status
    if current == target:
        return
    if not rules.can_transition(current, target):
        raise Conflict(
            f"工单状态不能从“{STATUS_LABELS[Status(current)]}”变为“{STATUS_LABELS[Status(target)]}”",
            code="invalid_transition",
            field="status",
        )
    kind = Kind.REOPENED if rules.is_reopen(current, target) else Kind.STATUS_CHANGED
    ticket.status = target
    ticket.updated_at = at
    if target == Status.RESOLVED:
        ticket.resolved_at = at
    if target == Status.CLOSED:
        ticket.closed_at = at
    ticket.save(update_fields=["status", "updated_at", "resolved_at", "closed_at"])
    _append(ticket, kind, actor=actor, at=at, changes={"status": [current, target]}, body=note)
    if kind == Kind.REOPENED:
        _reopen_clocks(ticket, at)
    if Status(target) in rules.PAUSED_STATUSES:
        _pause_clocks(ticket, at)
    elif Status(current) in rules.PAUSED_STATUSES:
        _resume_clocks(ticket, at)
    if target == Status.RESOLVED:
        _meet_clocks(ticket, at)
        _start_clocks(ticket, starts_on="resolved", at=at)


def ticket_transition(
    *, ticket: Ticket, to: str, actor: User | None, note: str = "", at: datetime | None = None
) -> Ticket:
    if to not in {s.value for s in Status}:
        raise ServiceError(f"未知的工单状态“{to}”", field="status")
    with transaction.atomic():
        ticket = _locked(ticket)
        _set_status(ticket, to, actor=actor, at=local_now(at), note=note)
    return ticket


def ticket_assign(*, ticket: Ticket, agent: User, actor: User | None, at: datetime | None = None) -> Ticket:
    """Give the ticket to ``agent``: a supervisor of its brand assigns anyone who serves the brand; an agent
    takes work only for themselves (a claimed chat); ``actor`` None is kefu's own routing."""
    at = local_now(at)
    if not agent.is_active:
        raise ServiceError("该人员已停用，不能分派", field="agent")
    if actor is not None:
        if actor != agent:
            access.require(actor, "ticket.assign")
        access.require_brand(actor, ticket.brand, what="该工单")
    access.require_may_take(agent, ticket.brand)
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.assignee == agent:
            return ticket
        _set_field(
            ticket, "assignee", agent, Kind.ASSIGNED, actor=actor, at=at, data={"agent_no": agent.agent_no}
        )
        if ticket.status == Status.NEW:
            _set_status(ticket, Status.ASSIGNED, actor=actor, at=at)
    return ticket


def ticket_queue(*, ticket: Ticket, team: Team, actor: User | None, at: datetime | None = None) -> Ticket:
    at = local_now(at)
    with transaction.atomic():
        ticket = _locked(ticket)
        _set_field(ticket, "queue", team, Kind.QUEUED, actor=actor, at=at)
    return ticket


def ticket_hand_off(
    *,
    ticket: Ticket,
    department: Department,
    actor: User | None,
    promise: str,
    promised_at: datetime | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Hand a ticket to a department, recording who handed it, when, and what was promised to the customer."""
    at = local_now(at)
    if not promise.strip():
        raise ServiceError("请填写向客户承诺的内容", field="promise")
    if promised_at is not None and promised_at <= at:
        raise ServiceError("承诺时间必须晚于当前时间", field="promised_at")
    with transaction.atomic():
        ticket = _locked(ticket)
        if ticket.status in (Status.NEW, Status.ASSIGNED):
            _set_status(ticket, Status.IN_PROGRESS, actor=actor, at=at)
        _set_status(ticket, Status.WAITING_DEPARTMENT, actor=actor, at=at)
        _set_field(
            ticket,
            "department",
            department,
            Kind.HANDED_OFF,
            actor=actor,
            at=at,
            body=promise.strip(),
            data={
                "department": department.code,
                "promised_at": promised_at.isoformat() if promised_at else None,
            },
        )
        _start_clocks(ticket, starts_on="handed_off", at=at, due_override=promised_at)
    return ticket


def ticket_escalate(
    *, ticket: Ticket, supervisor: User, actor: User | None, reason: str, at: datetime | None = None
) -> Ticket:
    at = local_now(at)
    if not supervisor.is_supervisor:
        raise ServiceError(f"{supervisor} 不是主管，不能升级给他", field="supervisor")
    access.require_may_take(supervisor, ticket.brand)
    if not reason.strip():
        raise ServiceError("请填写升级原因", field="reason")
    with transaction.atomic():
        ticket = _locked(ticket)
        _set_field(
            ticket, "escalated_to", supervisor, Kind.ESCALATED, actor=actor, at=at, body=reason.strip()
        )
        _start_clocks(ticket, starts_on="escalated", at=at)
    return ticket


def ticket_reply(
    *,
    ticket: Ticket,
    actor: User | None,
    body: str,
    override_reason: str = "",
    answer: bool = False,
    at: datetime | None = None,
) -> TicketEvent:
    """A reply to the customer, through the standards gate (a severe 服务忌语 needs the agent's reason, kept
    in the history); meets the promises to reply, and with ``answer`` (the reply gives the customer the result)
    the promises of a result too (MET_BY_ANSWER). `actor` None is kefu's own notice."""
    at = local_now(at)
    body = body.strip()
    if not body:
        raise ServiceError("回复内容不能为空", field="body")
    checked = gate_check(
        body=body, brand=ticket.brand, channel=ticket.channel, actor=actor, override_reason=override_reason
    )
    with transaction.atomic():
        ticket = _locked(ticket)
        data = {**checked.record(), **({"answer": True} if answer else {})}
        event = _append(ticket, Kind.REPLY, actor=actor, at=at, body=body, data=data)
        if checked.override_reason:
            _append(ticket, Kind.NOTE, actor=actor, at=at, body=checked.override_note())
        _meet_clocks(ticket, at, MET_BY_ANSWER if answer else MET_BY_REPLY)
        if ticket.status in (Status.NEW, Status.ASSIGNED):
            _set_status(ticket, Status.IN_PROGRESS, actor=actor, at=at)
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=at)
    return event


def ticket_say(
    *,
    ticket: Ticket,
    situation: str,
    actor: User | None = None,
    answer: bool = False,
    at: datetime | None = None,
    **values: object,
) -> TicketEvent:
    """kefu's own notice to the customer (a phrasebook situation, see gate.say) as the ticket's reply;
    `actor` is the agent whose action sent it, if any; ``answer`` as for ticket_reply."""
    at = local_now(at)
    body = say(situation, brand=ticket.brand, channel=ticket.channel, at=at, **values)
    return ticket_reply(ticket=ticket, actor=actor, body=body, answer=answer, at=at)


def ticket_customer_message(
    *, ticket: Ticket, body: str, contact: str = "", at: datetime | None = None
) -> TicketEvent:
    """What the customer left for the contact center (客户留言), with how they want to be reached."""
    at = local_now(at)
    with transaction.atomic():
        return _append(
            _locked(ticket), Kind.CUSTOMER_MESSAGE, actor=None, at=at, body=body, data={"contact": contact}
        )


def ticket_note(*, ticket: Ticket, actor: User, body: str, at: datetime | None = None) -> TicketEvent:
    at = local_now(at)
    if not body.strip():
        raise ServiceError("备注内容不能为空", field="body")
    with transaction.atomic():
        return _append(ticket, Kind.NOTE, actor=actor, at=at, body=body.strip())


def ticket_convert_to_complaint(
    *, ticket: Ticket, actor: User | None, reason: str, at: datetime | None = None
) -> Ticket:
    """查询到投诉的转变 (004 第二节 一 4): a new complaint linked to the query; both keep their history."""
    at = local_now(at)
    if ticket.type.is_complaint:
        raise Conflict("该工单已经是投诉", field="ticket")
    if Ticket.objects.filter(converted_from=ticket).exists():
        raise Conflict("该工单已经转为投诉", field="ticket")
    complaint_type = TicketType.objects.filter(is_complaint=True, active=True).order_by("id").first()
    if complaint_type is None:
        raise ServiceError("没有可用的投诉类型，请先在后台建立")
    with transaction.atomic():
        complaint = ticket_create(
            brand=ticket.brand,
            type=complaint_type,
            channel=ticket.channel,
            actor=actor,
            subject=f"投诉：{ticket.subject}",
            description=reason,
            customer=ticket.customer,
            waybill_number=ticket.waybill_number,
            scope=ticket.scope,
            at=at,
        )
        complaint.converted_from = ticket
        complaint.assignee = ticket.assignee
        complaint.save(update_fields=["converted_from", "assignee"])
        _append(
            complaint,
            Kind.CONVERTED,
            actor=actor,
            at=at,
            body=reason,
            data={"from": ticket.number, "direction": "from"},
        )
        _append(
            ticket,
            Kind.CONVERTED,
            actor=actor,
            at=at,
            body=reason,
            data={"to": complaint.number, "direction": "to"},
        )
    return complaint


def ticket_start_clocks(*, ticket: Ticket, starts_on: str, at: datetime | None = None) -> list[SlaClock]:
    """Start the rulebook's clocks that begin on a domain event (e.g. a claim `agreed` starts the pay clock);
    the clocks started."""
    with transaction.atomic():
        return _start_clocks(_locked(ticket), starts_on=starts_on, at=local_now(at))


def ticket_meet_clocks(*, ticket: Ticket, codes: Iterable[str], at: datetime | None = None) -> Ticket:
    """Mark running clocks with these codes met (e.g. a claim's proposal meets its `settle` clock)."""
    with transaction.atomic():
        ticket = _locked(ticket)
        _meet_clocks(ticket, local_now(at), codes)
    return ticket


def ticket_schedule_callback(
    *, ticket: Ticket, actor: User, when: datetime, note: str = "", at: datetime | None = None
) -> TicketEvent:
    """回拨: a promised call back at a time, recorded in the ticket history."""
    at = local_now(at)
    if when <= at:
        raise ServiceError("回拨时间必须晚于当前时间", field="when")
    body = f"预约回拨：{timezone.localtime(when):%Y-%m-%d %H:%M}" + (
        f"，{note.strip()}" if note.strip() else ""
    )
    return ticket_note(ticket=ticket, actor=actor, body=body, at=at)
