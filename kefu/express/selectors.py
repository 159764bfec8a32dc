"""Reads for express: waybill lookups, the brand's own number format, the customer timeline, reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from kefu import typed
from kefu.accounts import access
from kefu.brands.models import Brand
from kefu.customers.models import Customer
from kefu.customers.rules import normalize_phone
from kefu.errors import NotFound, ServiceError
from kefu.express.models import (
    CLAIM_FLOW,
    ArrivalFollowUp,
    Claim,
    Courier,
    ImportJob,
    PickupOrder,
    ProblemParcel,
    Scan,
    ScanKind,
    Settlement,
    Statement,
    Station,
    Waybill,
)
from kefu.express.rules import (
    STATION_LABELS,
    STEP_STATES,
    InputError,
    Place,
    ProblemParcelKind,
    QueryClassification,
    classify_query,
    default_rulebook,
    next_step,
    normalise_waybill,
    problem_parcel_kind,
    zone_for,
)
from kefu.express.rules import Scan as RuleScan
from kefu.express.rules.waybill import _formats
from kefu.tickets.models import Ticket
from kefu.tickets.rules import OPEN_STATUSES
from kefu.timeutil import local_now


def carrier_code_for(brand: Brand) -> str:
    """The waybill-rulebook brand entry of a Django brand (matched by name or code, as data)."""
    for entry in default_rulebook().waybill.get("brands", []):
        if entry["name"] == brand.name or str(entry["code"]).lower() == brand.code.lower():
            return str(entry["code"])
    raise ServiceError(f"品牌“{brand.name}”在运单号规则中没有自己的单号格式", field="brand")


def own_number_check(brand: Brand) -> Callable[[str], bool]:
    """A fast test: does a normalised number fit one of the brand's own formats?"""
    code = carrier_code_for(brand)
    patterns = [f.pattern for f in _formats(default_rulebook()) if f.own and f.carrier == code]
    return lambda number: any(p.fullmatch(number) for p in patterns)


def express_brand_get(code: str | None) -> Brand:
    """A brand that has its own waybill format; without a code, the first such brand."""
    brands = Brand.objects.filter(code=code) if code else Brand.objects.order_by("id")
    for brand in brands:
        try:
            carrier_code_for(brand)
        except ServiceError:
            continue
        return brand
    raise NotFound(f"没有找到经营快递的品牌：{code}" if code else "没有经营快递的品牌", field="brand")


def express_brand_for_user(code: str | None, user) -> Brand:
    """The express brand a page or API call asks for (the first one by default), if the user serves it."""
    brand = express_brand_get(code)
    access.require_brand(user, brand)
    return brand


def waybill_get(brand: Brand, number: str) -> Waybill | None:
    return (
        Waybill.objects.select_related("origin", "destination", "contract_customer")
        .filter(brand=brand, number=normalise_waybill(number))
        .first()
    )


def scans_of(waybill: Waybill) -> list[Scan]:
    return list(waybill.scans.select_related("station").order_by("at", "id"))


def waybill_search(
    brand: Brand, *, sender_phone: str = "", sender_name: str = "", day: date | None = None, limit: int = 20
) -> list[Waybill]:
    """无单号查询 (004 第二节 一 5): find the face sheet by the sender's phone, name and date."""
    if not (sender_phone or sender_name):
        return []
    qs = Waybill.objects.filter(brand=brand)
    if sender_phone:
        qs = qs.filter(sender_phone__in=sorted({typed.width(sender_phone), normalize_phone(sender_phone)}))
    if sender_name:
        qs = qs.filter(sender_name__in=typed.name_forms(sender_name))
    if day is not None:
        start = datetime(day.year, day.month, day.day, tzinfo=_sh())
        qs = qs.filter(shipped_at__gte=start, shipped_at__lt=start + timedelta(days=1))
    return list(qs.select_related("origin", "destination").order_by("-shipped_at")[:limit])


def place_of(station: Station) -> Place:
    return Place(province=station.province, city=station.city, district=station.district)


@dataclass
class QueryPreview:
    """What the rules say about a tracking query before any ticket is opened."""

    result: QueryClassification
    waybill: Waybill | None
    matches: list[Waybill] = field(default_factory=list)


def query_classify(
    brand: Brand,
    number: str,
    *,
    now: datetime,
    sender_phone: str = "",
    sender_name: str = "",
    day: date | None = None,
) -> QueryPreview:
    """Classify a tracking query as seed 004 第二节 一 does, from the stored waybill and its scans.

    Without a number (or an unknown one) the face sheets are searched by the sender's phone, name
    and date (第二节 一 5).
    """
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
        raise ServiceError(exc.message, field=exc.field) from exc
    matches = (
        waybill_search(brand, sender_phone=sender_phone, sender_name=sender_name, day=day)
        if result.kind in ("no_number", "not_found")
        else []
    )
    return QueryPreview(result=result, waybill=waybill, matches=matches)


def _sh():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


ARRIVED_KINDS = [ScanKind.ARRIVED, ScanKind.OUT_FOR_DELIVERY, ScanKind.SIGNED, ScanKind.PROBLEM]


def _not_arrived(departures: QuerySet[Scan]) -> QuerySet[Scan]:
    """发出 scans whose waybill has no 到达 (or later) scan at the station it was sent to.

    Each scan carries `follow_up`: the number of the follow-up ticket, or None when not followed up yet.
    """
    arrived = Scan.objects.filter(
        waybill_id=OuterRef("waybill_id"), station_id=OuterRef("next_station_id"), kind__in=ARRIVED_KINDS
    )
    follow_up = ArrivalFollowUp.objects.filter(
        station_id=OuterRef("next_station_id"), waybill_id=OuterRef("waybill_id")
    )
    return (
        departures.filter(kind=ScanKind.DEPARTED)
        .filter(~Exists(arrived))
        .annotate(follow_up=Subquery(follow_up.values("ticket__number")[:1]))
    )


def sent_not_arrived(station: Station, *, since: datetime, until: datetime) -> QuerySet[Scan]:
    """有发无到 at `station`: parcels sent to it in [since, until) that never arrived there."""
    departures = Scan.objects.filter(next_station=station, at__gte=since, at__lt=until)
    return _not_arrived(departures).select_related("waybill", "station").order_by("station__code", "at")


@dataclass
class ArrivalGroup:
    """What one origin station sent here that never arrived; `pending` are those not followed up yet."""

    origin: Station
    scans: list[Scan] = field(default_factory=list)

    @property
    def pending(self) -> list[Scan]:
        return [scan for scan in self.scans if scan.follow_up is None]


def sent_not_arrived_by_origin(station: Station, *, since: datetime, until: datetime) -> list[ArrivalGroup]:
    """The missing parcels grouped by the station that sent them, in station-code order."""
    groups: dict[int, ArrivalGroup] = {}
    for scan in sent_not_arrived(station, since=since, until=until):
        groups.setdefault(scan.station_id, ArrivalGroup(scan.station)).scans.append(scan)
    return list(groups.values())


PICKUP_OPEN = [PickupOrder.Status.DISPATCHED, PickupOrder.Status.UNASSIGNED]


def pickups_overdue(now: datetime) -> QuerySet[PickupOrder]:
    return PickupOrder.objects.filter(
        status__in=PICKUP_OPEN, pickup_until__lt=now, late_notified_at__isnull=True
    )


def pickups_open(brand: Brand) -> QuerySet[PickupOrder]:
    """Orders still waiting for their courier, the one due first at the top."""
    return (
        PickupOrder.objects.filter(brand=brand, status__in=PICKUP_OPEN)
        .select_related("courier", "courier__station", "ticket")
        .order_by("pickup_until", "pk")
    )


def pickups_done(brand: Brand, limit: int = 15) -> QuerySet[PickupOrder]:
    return (
        PickupOrder.objects.filter(brand=brand)
        .exclude(status__in=PICKUP_OPEN)
        .select_related("courier", "ticket")
        .order_by("-created_at")[:limit]
    )


def pickup_get_for_user(pk: int, user) -> PickupOrder:
    """A pickup order by id; another brand's order is refused like its brand's pages."""
    return access.get_for_user(PickupOrder.objects.select_related("brand", "ticket"), user, "取件订单", pk=pk)


def import_jobs_of(brand: Brand, user, limit: int = 20) -> QuerySet[ImportJob]:
    """The brand's latest imports; imports are for supervisors only."""
    access.require(user, "express.import")
    return ImportJob.objects.filter(brand=brand).select_related("created_by")[:limit]


def import_job_get_for_user(pk: int, user) -> ImportJob:
    """An import job of one of the user's brands."""
    access.require(user, "express.import")
    return access.get_for_user(
        ImportJob.objects.select_related("brand", "created_by"), user, "导入任务", pk=pk
    )


def settlements_of(brand: Brand, user) -> QuerySet[Settlement]:
    """The brand's monthly settlements (月结 is for supervisors)."""
    access.require(user, "express.settlement")
    return Settlement.objects.filter(brand=brand)


def settlement_get_for_user(brand: Brand, month: date, user) -> Settlement:
    settlement = settlements_of(brand, user).filter(month=month).first()
    if settlement is None:
        raise NotFound(f"{month:%Y年%m月}尚未月结", field="month")
    return settlement


def statement_get_for_user(pk: int, user) -> Statement:
    """One contract customer's statement of a month."""
    access.require(user, "express.settlement")
    return access.get_for_user(
        Statement.objects.select_related("customer", "settlement", "settlement__brand"),
        user,
        "对账单",
        field="settlement__brand",
        pk=pk,
    )


def couriers_of(brand: Brand) -> QuerySet[Courier]:
    return (
        Courier.objects.filter(station__brand=brand, active=True)
        .select_related("station")
        .order_by("station__code", "name")
    )


def waybill_timeline(customer: Customer, limit: int):
    """Waybills of a customer (as contract customer, or by sender/recipient phone) on the customer timeline."""
    from kefu.customers.selectors import TimelineEntry

    # One index range per way a waybill belongs to the customer, each newest first and cut at the limit: an OR
    # of the three would fetch every waybill of a big contract customer to sort them.
    base = Waybill.objects.filter(brand_id=customer.brand_id).select_related("origin", "destination")
    ways = [Q(contract_customer=customer)]
    if customer.phone:
        ways += [Q(sender_phone=customer.phone), Q(recipient_phone=customer.phone)]
    found: dict[int, Waybill] = {}
    for way in ways:
        for w in base.filter(way).order_by("-shipped_at")[:limit]:
            found[w.pk] = w
    qs = sorted(found.values(), key=lambda w: w.shipped_at, reverse=True)[:limit]
    return [
        TimelineEntry(
            at=w.shipped_at,
            kind="waybill",
            title=f"运单 · {w.get_payment_display()}",
            detail=f"{w.origin.name} → {w.destination.name}，{w.item_name or '快件'} {w.pieces} 件",
            ref=w.number,
        )
        for w in qs
    ]


# ---------------------------------------------------------------- claims and problem parcels


def claim_get_for_user(pk: int, user) -> Claim:
    """A claim by id; another brand's claim is refused like its ticket."""
    return access.get_for_user(
        Claim.objects.select_related("ticket", "waybill"), user, "理赔", field="ticket__brand", pk=pk
    )


def problem_get_for_user(pk: int, user) -> ProblemParcel:
    """A problem parcel by id; another brand's parcel is refused like its ticket."""
    return access.get_for_user(
        ProblemParcel.objects.select_related("ticket", "waybill", "reported_by", "origin"),
        user,
        "问题件",
        field="ticket__brand",
        pk=pk,
    )


def claims_of(brand: Brand, *, limit: int = 50) -> list[Claim]:
    return list(
        Claim.objects.filter(ticket__brand=brand)
        .select_related("ticket", "waybill")
        .order_by("-filed_at")[:limit]
    )


def problems_open(brand: Brand) -> QuerySet[ProblemParcel]:
    """Problem parcels whose ticket is still open, oldest first (the longest-waiting parcel on top)."""
    return (
        ProblemParcel.objects.filter(ticket__brand=brand, ticket__status__in=[s.value for s in OPEN_STATUSES])
        .select_related("ticket", "waybill", "reported_by", "origin")
        .order_by("created_at")
    )


def problems_recently_done(brand: Brand, *, limit: int = 10) -> QuerySet[ProblemParcel]:
    return (
        ProblemParcel.objects.filter(ticket__brand=brand)
        .exclude(ticket__status__in=[s.value for s in OPEN_STATUSES])
        .select_related("ticket", "waybill", "reported_by", "origin")
        .order_by("-ticket__resolved_at")[:limit]
    )


@dataclass
class ProblemCard:
    """A problem parcel as an agent reads it: the kind, the stations by name, each step's state."""

    problem: ProblemParcel
    kind: ProblemParcelKind
    steps: list[dict]
    next: dict | None
    choice_name: str
    notice: str  # what the customer is told at the step that informs them


def problem_card(problem: ProblemParcel) -> ProblemCard:
    kind = problem_parcel_kind(problem.kind)
    stations = {"destination": problem.reported_by.name, "origin": problem.origin.name}
    steps = [
        {
            **step,
            "station_name": stations[step["station"]],
            "station_label": STATION_LABELS[step["station"]],
            "state_name": STEP_STATES[step["state"]],
            "when_name": kind.choice(step["when"]).name if step["when"] else "",
            "at": datetime.fromisoformat(step["at"]) if step["at"] else None,
        }
        for step in problem.steps
    ]
    pending = next_step(problem.steps)
    return ProblemCard(
        problem=problem,
        kind=kind,
        steps=steps,
        next=next(s for s in steps if s["no"] == pending["no"]) if pending else None,
        choice_name=kind.choice(problem.choice).name if problem.choice else "",
        notice=kind.notice(problem.choice or None, **problem.notice_values),
    )


# What the button says for each next state of a claim.
CLAIM_ACTIONS = {
    Claim.State.ACKNOWLEDGED: "受理并答复客户",
    Claim.State.PROPOSED: "提出赔偿方案",
    Claim.State.AGREED: "已与客户达成一致",
    Claim.State.PAID: "已支付赔金",
    Claim.State.REFUSED: "不予赔偿",
}


def claim_rows(claims: list[Claim]) -> list[dict]:
    """Claims as the claims page shows them: the engine's rules that fired, deadlines and the ticket's clocks."""
    from kefu.tickets.selectors import clock_states

    return [
        {
            "claim": claim,
            "fired": claim.decision.get("fired", []),
            "breakdown": claim.decision.get("breakdown", []),
            "clocks": clock_states(claim.ticket),
            "next": [
                {"to": state.value, "label": CLAIM_ACTIONS[state]}
                for state in sorted(CLAIM_FLOW.get(Claim.State(claim.state), ()), key=list(Claim.State).index)
            ],
        }
        for claim in claims
    ]


def express_overview(brand: Brand) -> dict[str, int]:
    """Open work per express page, for the hub (有发无到: sent in the 7 days before today, not followed up)."""
    today = local_now().replace(hour=0, minute=0, second=0, microsecond=0)
    open_statuses = [s.value for s in OPEN_STATUSES]
    tickets = Ticket.objects.filter(brand=brand, status__in=open_statuses)
    return {
        "queries": tickets.filter(type__code="query").count(),
        "problems": problems_open(brand).count(),
        "claims": Claim.objects.filter(ticket__brand=brand)
        .exclude(state__in=[Claim.State.PAID, Claim.State.REFUSED])
        .count(),
        "complaints": tickets.filter(type__is_complaint=True).count(),
        "pickups": PickupOrder.objects.filter(
            brand=brand, status__in=[PickupOrder.Status.DISPATCHED, PickupOrder.Status.UNASSIGNED]
        ).count(),
        "arrivals": _not_arrived(
            Scan.objects.filter(next_station__brand=brand, at__gte=today - timedelta(days=7), at__lt=today)
        )
        .filter(follow_up__isnull=True)
        .count(),
    }
