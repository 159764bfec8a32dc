"""Every express write: imports, tracking queries, pickup orders, claims, problem parcels, complaints.

Tickets are opened and changed only through kefu.tickets.services, so every step is a ticket event
and every promised time an SLA clock from the SLA rulebook. Decisions come from the pure engine in
kefu.express.rules (seed 004_4ea5f35392de9aaf.txt).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import User
from kefu.brands.models import Brand
from kefu.customers.models import Customer
from kefu.errors import Conflict, NotFound, ServiceError
from kefu.express import imports
from kefu.express.models import Claim, Courier, PickupOrder, ProblemParcel, Station, Waybill
from kefu.express.rules import (
    InputError,
    Place,
    assess_claim,
    assess_pickup,
    classify_query,
    complaint_clock,
    complaint_type,
    parse_claim,
    parse_pickup,
    problem_parcel_kind,
    zone_for,
)
from kefu.express.rules import Scan as RuleScan
from kefu.express.selectors import pickups_overdue, scans_of, sent_not_arrived, waybill_get, waybill_search
from kefu.tickets import services as tickets
from kefu.tickets.models import Ticket
from kefu.tickets.rules import Status
from kefu.tickets.selectors import ticket_type_get
from kefu.timeutil import local_now

LATE_PICKUP_NOTICE = (
    "您好，非常抱歉，业务员未能在约定时间内上门取件，我们已催促业务员尽快上门，给您带来不便请您谅解。"
)


def _input(exc: InputError) -> ServiceError:
    return ServiceError(exc.message, field=exc.field)


def _resolve(ticket: Ticket, *, actor: User | None, note: str, at: datetime) -> Ticket:
    if ticket.status in (Status.NEW, Status.ASSIGNED, Status.WAITING_DEPARTMENT, Status.WAITING_CUSTOMER):
        ticket = tickets.ticket_transition(ticket=ticket, to=Status.IN_PROGRESS, actor=actor, at=at)
    return tickets.ticket_transition(ticket=ticket, to=Status.RESOLVED, actor=actor, note=note, at=at)


def place_of(station: Station) -> Place:
    return Place(province=station.province, city=station.city, district=station.district)


# ---------------------------------------------------------------- imports


def import_file(
    *, brand: Brand, kind: str, path: Path | str, progress: bool = False
) -> imports.ImportSummary:
    """Import waybills, scans or face-sheet fees from a CSV/JSON file; see kefu.express.imports."""
    if kind not in imports.IMPORTERS:
        raise ServiceError(f"未知的导入类型：{kind}", field="kind")
    file = imports.open_file(path)
    importer = imports.IMPORTERS[kind](brand, file)
    return importer.run(imports.read_rows(file, progress=progress))


def scans_push(*, brand: Brand, rows: list[dict[str, Any]]) -> imports.ImportSummary:
    """A sorting center pushes a batch of scans; rows are numbered from 1 in the reply."""
    return imports.ScanImporter(brand).run((i, imports.canonical(r)) for i, r in enumerate(rows, start=1))


# ---------------------------------------------------------------- tracking queries (查询)


@dataclass
class QueryResult:
    classification: dict[str, Any]
    ticket: Ticket | None
    matches: list[Waybill] = field(default_factory=list)
    refused: bool = False


def query_open(
    *,
    brand: Brand,
    number: str,
    actor: User | None,
    channel: str = "phone",
    customer: Customer | None = None,
    sender_phone: str = "",
    sender_name: str = "",
    day: date | None = None,
    at: datetime | None = None,
) -> QueryResult:
    """Classify a tracking query as seed 004 第二节 一 does and open its 查询 ticket (30-minute answer clock).

    Waybills older than the validity period are refused with the reason and no ticket (第二节 三).
    Without a number, the waybills are searched by the sender's phone, name and date (第二节 一 5).
    """
    now = local_now(at)
    waybill = waybill_get(brand, number) if number.strip() else None
    scans = (
        [RuleScan(s.kind, timezone.localtime(s.at), s.station.name) for s in scans_of(waybill)]
        if waybill
        else []
    )
    zone = zone_for(place_of(waybill.origin), place_of(waybill.destination))[0] if waybill else None
    try:
        result = classify_query(
            number,
            waybill is not None,
            scans,
            now,
            zone=zone,
            shipped_at=timezone.localtime(waybill.shipped_at) if waybill else None,
        )
    except InputError as exc:
        raise _input(exc) from exc
    data = result.to_dict()
    if result.kind == "expired":
        return QueryResult(classification=data, ticket=None, refused=True)
    matches = (
        waybill_search(brand, sender_phone=sender_phone, sender_name=sender_name, day=day)
        if result.kind in ("no_number", "not_found")
        else []
    )
    description = "\n".join(
        [
            f"分类：{result.name}",
            f"答复：{result.reply}",
            *result.guidance,
            *(f"找到面单：{w.number}（{w.sender_name} {w.shipped_at:%Y-%m-%d}）" for w in matches),
        ]
    )
    with transaction.atomic():
        ticket = tickets.ticket_create(
            brand=brand,
            type=ticket_type_get("查询"),
            channel=channel,
            actor=actor,
            customer=customer,
            subject=f"{result.name}：{result.number or '无单号'}",
            description=description,
            waybill_number=waybill.number if waybill else "",
            at=now,
        )
        if not result.follow_up and actor is not None:
            # 有结果的查询可以立即回复客户 (第二节 一 3): the answer meets the 30-minute clock at once.
            tickets.ticket_reply(ticket=ticket, actor=actor, body=result.reply, at=now)
    return QueryResult(classification=data, ticket=ticket, matches=matches)


def query_escalate(*, ticket: Ticket, actor: User | None, reason: str, at: datetime | None = None) -> Ticket:
    """查询到投诉的转变 (第二节 一 4): the complaint keeps the query's history through the link."""
    return tickets.ticket_convert_to_complaint(ticket=ticket, actor=actor, reason=reason, at=local_now(at))


# ---------------------------------------------------------------- pickup orders (取件)


def courier_for(brand: Brand, place: Place, address: str) -> Courier | None:
    """The courier whose area is named in the pickup address or district (most specific area first)."""
    couriers = Courier.objects.filter(station__brand=brand, active=True).select_related("station")
    haystack = f"{place.province}{place.city}{place.district}{address}"
    fitting = [c for c in couriers if c.area and c.area in haystack]
    return max(fitting, key=lambda c: (len(c.area), -c.pk), default=None)


def pickup_create(
    *,
    brand: Brand,
    data: dict[str, Any],
    actor: User | None,
    channel: str = "phone",
    at: datetime | None = None,
) -> PickupOrder:
    """Take a pickup order (004 第一节 二) and answer at once; dispatch it to the area's courier."""
    now = local_now(at)
    try:
        request = parse_pickup(data)
        assessment = assess_pickup(request, now)
    except InputError as exc:
        raise _input(exc) from exc
    if not request.contact_name.strip() or not request.phone.strip() or not request.address.strip():
        raise ServiceError("请填写取件联系人、电话和地址", field="contact_name")
    customer = Customer.objects.filter(brand=brand, phone=request.phone.strip()).first()
    returning = request.returning_customer or customer is not None
    dims = request.dimensions_cm
    with transaction.atomic():
        order = PickupOrder(
            brand=brand,
            customer=customer,
            customer_name=request.customer_name or request.contact_name,
            returning_customer=returning,
            origin=request.origin.label(),
            destination=request.destination.label(),
            item_name=request.item_name,
            pieces=request.pieces,
            weight_kg=request.weight_kg,
            dimensions_cm="×".join(str(d) for d in dims) if dims else "",
            special_handling=request.special_handling,
            contact_name=request.contact_name,
            phone=request.phone,
            address=request.address,
            requested_time=request.pickup_time,
            assessment=assessment.to_dict(),
            price=assessment.price.total,
            pickup_from=assessment.pickup_from,
            pickup_until=assessment.pickup_until,
            created_at=now,
            status=PickupOrder.Status.REFUSED,
        )
        if not assessment.can_accept:
            order.save()
            return order
        order.ticket = tickets.ticket_create(
            brand=brand,
            type=ticket_type_get("取件"),
            channel=channel,
            actor=actor,
            customer=customer,
            subject=f"取件：{order.customer_name} {request.item_name} → {order.destination}",
            description=f"取件地址：{request.address}\n预计取件：{assessment.pickup_from:%m-%d %H:%M}–"
            f"{assessment.pickup_until:%H:%M}\n报价：{assessment.price.total} 元",
            at=now,
        )
        order.courier = courier_for(brand, request.origin, request.address)
        order.status = PickupOrder.Status.DISPATCHED if order.courier else PickupOrder.Status.UNASSIGNED
        order.save()
        if order.courier and actor is not None:
            # 及时将取货信息通知业务人员 (第一节 二 4): notifying the courier meets the dispatch clock.
            tickets.ticket_note(
                ticket=order.ticket,
                actor=actor,
                at=now,
                body=f"已通知业务员 {order.courier.name}（{order.courier.phone}）上门取件",
            )
            tickets.ticket_meet_clocks(ticket=order.ticket, codes=["dispatch"], at=now)
    return order


def pickup_dispatch(
    *, order: PickupOrder, courier: Courier, actor: User, at: datetime | None = None
) -> PickupOrder:
    now = local_now(at)
    if order.status not in (PickupOrder.Status.UNASSIGNED, PickupOrder.Status.DISPATCHED):
        raise Conflict("该取件订单不能再分派", field="status")
    with transaction.atomic():
        order.courier, order.status = courier, PickupOrder.Status.DISPATCHED
        order.save(update_fields=["courier", "status"])
        tickets.ticket_note(
            ticket=order.ticket,
            actor=actor,
            at=now,
            body=f"已通知业务员 {courier.name}（{courier.phone}）上门取件",
        )
        tickets.ticket_meet_clocks(ticket=order.ticket, codes=["dispatch"], at=now)
    return order


def pickup_picked_up(*, order: PickupOrder, actor: User | None, at: datetime | None = None) -> PickupOrder:
    now = local_now(at)
    if order.status not in (PickupOrder.Status.UNASSIGNED, PickupOrder.Status.DISPATCHED):
        raise Conflict("该取件订单不在待取件状态", field="status")
    with transaction.atomic():
        order.status, order.picked_up_at = PickupOrder.Status.PICKED_UP, now
        order.save(update_fields=["status", "picked_up_at"])
        _resolve(order.ticket, actor=actor, note="业务员已上门取件", at=now)
    return order


def pickup_sweep(*, now: datetime | None = None) -> int:
    """Tell each customer whose pickup is late, once (idempotent: the order remembers it was told)."""
    now = local_now(now)
    told = 0
    for order in pickups_overdue(now).select_related("ticket"):
        with transaction.atomic():
            if not PickupOrder.objects.filter(pk=order.pk, late_notified_at__isnull=True).update(
                late_notified_at=now
            ):
                continue
            tickets.ticket_reply(ticket=order.ticket, actor=None, body=LATE_PICKUP_NOTICE, at=now)
            told += 1
    return told


# ---------------------------------------------------------------- claims (理赔)

CLAIM_FLOW = {
    Claim.State.FILED: {Claim.State.ACKNOWLEDGED, Claim.State.REFUSED},
    Claim.State.ACKNOWLEDGED: {Claim.State.PROPOSED, Claim.State.REFUSED},
    Claim.State.PROPOSED: {Claim.State.AGREED, Claim.State.REFUSED},
    Claim.State.AGREED: {Claim.State.PAID},
}


def _waybill_facts(waybill: Waybill) -> dict[str, Any]:
    signed = [s for s in scans_of(waybill) if s.kind == "签收"]
    facts: dict[str, Any] = {
        "number": waybill.number,
        "shipped_at": timezone.localtime(waybill.shipped_at).isoformat(),
        "fee": str(waybill.freight),
        "surcharges": {"insurance": str(waybill.insurance_fee)},
        "insured": waybill.insured,
        "scope": "domestic",
    }
    if waybill.declared_value is not None:
        facts["declared_value"] = str(waybill.declared_value)
    if signed:
        facts["signed_at"] = facts["delivered_at"] = timezone.localtime(signed[-1].at).isoformat()
    return facts


def claim_file(
    *,
    brand: Brand,
    waybill_number: str,
    claim: dict[str, Any],
    actor: User | None,
    waybill_facts: dict[str, Any] | None = None,
    customer: Customer | None = None,
    channel: str = "phone",
    at: datetime | None = None,
) -> Claim:
    """File a claim: the engine decides from the stored waybill and the claim; a 理赔 ticket starts its clocks."""
    now = local_now(at)
    waybill = waybill_get(brand, waybill_number)
    if waybill is None:
        raise NotFound(f"没有找到运单：{waybill_number}", field="waybill_number")
    request = {
        "waybill": {**_waybill_facts(waybill), **(waybill_facts or {})},
        "claim": {"filed_at": now.isoformat(), **claim},
    }
    try:
        parsed_waybill, parsed_claim = parse_claim(request)
        decision = assess_claim(parsed_waybill, parsed_claim)
    except InputError as exc:
        raise _input(exc) from exc
    verdict = (
        f"判定：可赔 {decision.amount} 元"
        if decision.eligible
        else f"判定：不予赔偿。{decision.refused_reason}"
    )
    with transaction.atomic():
        ticket = tickets.ticket_create(
            brand=brand,
            type=ticket_type_get("理赔"),
            channel=channel,
            actor=actor,
            customer=customer,
            subject=f"理赔：{waybill.number}",
            waybill_number=waybill.number,
            scope=parsed_waybill.scope,
            at=now,
            description="\n".join(
                [verdict, *(f"{item}：{amount} 元" for item, amount in decision.breakdown)]
            ),
        )
        return Claim.objects.create(
            ticket=ticket,
            waybill=waybill,
            claimant_name=parsed_claim.claimant_name,
            reason=parsed_claim.reason,
            request=request,
            decision=decision.to_dict(),
            eligible=decision.eligible,
            amount=decision.amount,
            filed_at=now,
            updated_at=now,
        )


def claim_advance(
    *,
    claim: Claim,
    to: str,
    actor: User,
    note: str = "",
    amount: Decimal | None = None,
    at: datetime | None = None,
) -> Claim:
    """Move a claim filed → acknowledged → proposed → agreed → paid (or refused), each step a ticket event.

    Acknowledging answers the claimant (meets the 24-hour clock, A.5.2); the proposal meets the 30/60-day
    clock (A.5.3); agreement starts the 7-day pay clock (A.5.4, SLA rulebook starts_on: agreed); payment
    resolves the ticket.
    """
    now = local_now(at)
    claim = Claim.objects.select_related("ticket").get(pk=claim.pk)
    current = Claim.State(claim.state)
    if to not in CLAIM_FLOW.get(current, set()):
        raise Conflict(
            f"理赔状态不能从“{current.label}”变为“{Claim.State(to).label if to in Claim.State.values else to}”",
            field="state",
        )
    target = Claim.State(to)
    ticket = claim.ticket
    with transaction.atomic():
        tickets.ticket_note(
            ticket=ticket,
            actor=actor,
            at=now,
            body=f"理赔状态：{current.label} → {target.label}" + (f"。{note}" if note else ""),
        )
        if target == Claim.State.ACKNOWLEDGED:
            deadlines = claim.decision.get("deadlines", {})
            tickets.ticket_reply(
                ticket=ticket,
                actor=actor,
                at=now,
                body=note
                or (
                    "您好，您的索赔申请我们已经受理，会在"
                    f"{(deadlines.get('proposal_by') or '')[:10] or '规定时限'}前给您提出赔偿方案。"
                ),
            )
        elif target == Claim.State.PROPOSED:
            proposed = amount if amount is not None else claim.amount
            claim.agreed_amount = proposed
            tickets.ticket_reply(
                ticket=ticket, actor=actor, at=now, body=note or f"您好，我们的赔偿方案为赔付 {proposed} 元。"
            )
            tickets.ticket_meet_clocks(ticket=ticket, codes=["settle"], at=now)
        elif target == Claim.State.AGREED:
            if amount is not None:
                claim.agreed_amount = amount
            tickets.ticket_start_clocks(ticket=ticket, starts_on="agreed", at=now)
        elif target == Claim.State.PAID:
            _resolve(ticket, actor=actor, note=f"已支付赔金 {claim.agreed_amount or claim.amount} 元", at=now)
        elif target == Claim.State.REFUSED:
            reason = note or claim.decision.get("refused_reason") or "经核实不符合赔偿条件"
            tickets.ticket_reply(ticket=ticket, actor=actor, at=now, body=reason)
            _resolve(tickets_refresh(ticket), actor=actor, note="不予赔偿", at=now)
        claim.state, claim.updated_at = target, now
        claim.save(update_fields=["state", "updated_at", "agreed_amount"])
    return claim


def tickets_refresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


# ---------------------------------------------------------------- problem parcels (问题件) and complaints


def problem_report(
    *,
    waybill: Waybill,
    kind: str,
    station: Station,
    actor: User | None,
    note: str = "",
    at: datetime | None = None,
    **notice_values: str,
) -> ProblemParcel:
    """A problem parcel: a ticket between the reporting (destination) and the origin station, with the steps."""
    now = local_now(at)
    try:
        spec = problem_parcel_kind(kind)
        values = {
            "city": waybill.destination.city or waybill.destination.province,
            "station": station.name,
            "address": station.address or station.name,
            "eta": "",
            **notice_values,
        }
        notice = spec.notice(**values)
    except InputError as exc:
        raise _input(exc) from exc
    labels = {"destination": f"派件站点（{station.name}）", "origin": f"发出站点（{waybill.origin.name}）"}
    steps = [
        f"{i}. {labels.get(s.station, s.station)}：{s.action}" for i, s in enumerate(spec.steps, start=1)
    ]
    with transaction.atomic():
        ticket = tickets.ticket_create(
            brand=waybill.brand,
            type=ticket_type_get("查询"),
            channel="outbound",
            actor=actor,
            subject=f"问题件·{spec.name}：{waybill.number}",
            waybill_number=waybill.number,
            at=now,
            description="\n".join(
                [
                    f"上报站点：{station.name}；发出站点：{waybill.origin.name}",
                    note,
                    *steps,
                    f"告知客户：{notice}",
                ]
            ).strip(),
        )
        if actor is not None:
            tickets.ticket_reply(ticket=ticket, actor=actor, body=notice, at=now)
        return ProblemParcel.objects.create(
            waybill=waybill,
            kind=kind,
            ticket=ticket,
            reported_by=station,
            origin=waybill.origin,
            created_at=now,
        )


def complaint_open(
    *,
    brand: Brand,
    type_code: str,
    actor: User | None,
    description: str,
    waybill_number: str = "",
    customer: Customer | None = None,
    channel: str = "phone",
    subtype: str = "",
    at: datetime | None = None,
) -> Ticket:
    """A typed complaint (004 第三节 一) as a 投诉 ticket with its handling steps and the 7-day result clock."""
    now = local_now(at)
    try:
        kind = complaint_type(type_code)
        clock = complaint_clock(now)
    except InputError as exc:
        raise _input(exc) from exc
    if subtype and subtype not in kind.subtypes:
        raise ServiceError(f"未知的延误类型：{subtype}", field="subtype")
    title = kind.subtypes[subtype][0] if subtype else kind.name
    steps = [f"{i}. {s}" for i, s in enumerate(kind.steps, start=1)]
    return tickets.ticket_create(
        brand=brand,
        type=ticket_type_get("投诉"),
        channel=channel,
        actor=actor,
        customer=customer,
        subject=f"{title}：{waybill_number or description[:20]}",
        waybill_number=waybill_number,
        at=now,
        description="\n".join(
            [
                description,
                f"处理步骤（{kind.source}）：",
                *steps,
                clock.acknowledge,
                f"处理结果告知客户期限：{clock.result_by:%Y-%m-%d %H:%M}（{clock.result_source}）",
            ]
        ),
    )


# ---------------------------------------------------------------- 有发无到


def sent_not_arrived_follow_up(
    *, station: Station, since: datetime, until: datetime, actor: User | None, at: datetime | None = None
) -> list[Ticket]:
    """One follow-up ticket per origin station listing what it sent here that never arrived (第五篇 二 (三))."""
    now = local_now(at)
    by_origin: dict[Station, list[str]] = {}
    for scan in sent_not_arrived(station, since=since, until=until):
        by_origin.setdefault(scan.station, []).append(scan.waybill.number)
    opened = []
    with transaction.atomic():
        for origin, numbers in sorted(by_origin.items(), key=lambda item: item[0].code):
            opened.append(
                tickets.ticket_create(
                    brand=station.brand,
                    type=ticket_type_get("查询"),
                    channel="outbound",
                    actor=actor,
                    at=now,
                    subject=f"有发无到：{origin.name} → {station.name} {len(numbers)} 件",
                    description=f"请{origin.name}及时跟进以下已发出未到达{station.name}的快件：\n"
                    + "\n".join(numbers),
                )
            )
    return opened
