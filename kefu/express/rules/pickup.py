"""Pickup orders (取件): the answers seed 004 第一节 二 asks of the agent at once.

Given the intake fields (customer new/returning, destination, item name, pieces, weight,
volume, special handling, contact, phone, address, pickup time): is the destination in the
network, is the item prohibited or restricted, does the courier need a vehicle, how many
waybills, the price and the expected pickup window. All thresholds, zones and tariffs come
from the `network`, `prohibited` and `tariff` rulebook sections.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

import ahocorasick

from .divisions import check_place
from .money import SHANGHAI, InputError, iso, to_datetime
from .phone import check_phone
from .rulebook import Rulebook, default_rulebook
from .tariff import Place, PriceBreakdown, quote_shipment
from .text import fold, same_place


@dataclass(frozen=True)
class PickupRequest:
    """The intake form of seed 004 第一节 二 2 (origin is the pickup address's place)."""

    customer_name: str
    returning_customer: bool
    origin: Place
    destination: Place
    item_name: str
    pieces: int
    weight_kg: Decimal  # actual weight of all pieces together
    dimensions_cm: tuple[Decimal, Decimal, Decimal] | None = None  # per piece
    special_handling: str = ""
    contact_name: str = ""
    phone: str = ""
    address: str = ""
    pickup_time: datetime | None = None  # time the customer asks for


@dataclass(frozen=True)
class ItemMatch:
    item: str  # rulebook entry name
    matched: str  # the variant found in the item text
    kind: str  # prohibited | restricted
    category: str
    message: str
    source: str


@dataclass(frozen=True)
class PickupAssessment:
    in_network: bool
    network_reason: str | None
    item_matches: tuple[ItemMatch, ...]
    needs_vehicle: bool
    vehicle_reasons: tuple[str, ...]
    waybills_needed: int
    price: PriceBreakdown | None  # None when the order cannot be accepted: no quote, no pickup slot
    pickup_from: datetime | None
    pickup_until: datetime | None
    special_handling_notes: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def prohibited(self) -> ItemMatch | None:
        return next((m for m in self.item_matches if m.kind == "prohibited"), None)

    @property
    def restricted(self) -> tuple[ItemMatch, ...]:
        return tuple(m for m in self.item_matches if m.kind == "restricted")

    @property
    def can_accept(self) -> bool:
        return self.in_network and self.prohibited is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "can_accept": self.can_accept,
            "in_network": self.in_network,
            "network_reason": self.network_reason,
            "prohibited": [m.__dict__ for m in self.item_matches if m.kind == "prohibited"],
            "restricted": [m.__dict__ for m in self.restricted],
            "needs_vehicle": self.needs_vehicle,
            "vehicle_reasons": list(self.vehicle_reasons),
            "waybills_needed": self.waybills_needed,
            "price": self.price.to_dict() if self.price else None,
            "pickup_from": iso(self.pickup_from),
            "pickup_until": iso(self.pickup_until),
            "special_handling_notes": list(self.special_handling_notes),
            "notes": list(self.notes),
        }


# ---------------------------------------------------------------- network and zones


def check_network(place: Place, rulebook: Rulebook | None = None) -> tuple[bool, str | None]:
    """(in network, Chinese reason to tell the customer when not)."""
    net = (rulebook or default_rulebook()).network
    for area in net.get("not_open", []):
        if not same_place(area["province"], place.province):
            continue
        if area.get("city") and not same_place(area["city"], place.city):
            continue
        if area.get("district") and not same_place(area["district"], place.district):
            continue
        return False, net["message"].format(place=place.label(), reason=area["reason"])
    if not any(same_place(p, place.province) for p in net.get("provinces", [])):
        return False, net["message"].format(place=place.label(), reason="网络暂未开通")
    return True, None


# ---------------------------------------------------------------- items

_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|度)")


def _automaton(book: Rulebook) -> ahocorasick.Automaton:
    cached = book.cache.get("prohibited_automaton")
    if cached is None:
        cached = ahocorasick.Automaton()
        keys: dict[str, list[tuple[int, str]]] = {}
        for index, entry in enumerate(book.prohibited["items"]):
            for word in [entry["name"], *entry.get("variants", [])]:
                keys.setdefault(fold(str(word)), []).append((index, str(word)))
        for key, hits in keys.items():
            cached.add_word(key, hits)
        cached.make_automaton()
        book.cache["prohibited_automaton"] = cached
    return cached


def match_items(item_name: str, rulebook: Rulebook | None = None) -> tuple[ItemMatch, ...]:
    """Prohibited matches first, then restricted ones; one match per rulebook entry."""
    book = rulebook or default_rulebook()
    text = fold(item_name or "")
    if not text:
        return ()
    entries = book.prohibited["items"]
    messages = book.prohibited["messages"]
    strengths = [Decimal(m) for m in _PERCENT.findall(text)]
    found: dict[int, str] = {}
    for _, hits in _automaton(book).iter(text):
        for index, word in hits:
            found.setdefault(index, word)
    matches = []
    for index, word in sorted(found.items()):
        entry = entries[index]
        if any(fold(str(e)) in text for e in entry.get("exceptions", [])):
            continue
        kind = str(entry["kind"])
        limit = entry.get("min_percent")
        if kind == "prohibited" and limit is not None and strengths and max(strengths) < Decimal(str(limit)):
            kind = "restricted"
        message = (
            messages[kind].format(item=word, category=entry["category"], note=entry.get("note", "")).strip()
        )
        matches.append(
            ItemMatch(str(entry["name"]), word, kind, str(entry["category"]), message, str(entry["source"]))
        )
    matches.sort(key=lambda m: m.kind != "prohibited")
    return tuple(matches)


# ---------------------------------------------------------------- weight, vehicle, price


def quote(request: PickupRequest, rulebook: Rulebook | None = None) -> PriceBreakdown:
    """The price to tell the customer; dimensions are per piece, so the volume is L × W × H × pieces."""
    volume = None if request.dimensions_cm is None else math.prod(request.dimensions_cm) * request.pieces
    return quote_shipment(request.origin, request.destination, request.weight_kg, volume, rulebook)


def vehicle_need(request: PickupRequest, rulebook: Rulebook | None = None) -> tuple[bool, tuple[str, ...]]:
    conf = (rulebook or default_rulebook()).tariff["vehicle"]
    reasons = []
    if request.weight_kg >= Decimal(str(conf["weight_kg_at_least"])):
        reasons.append(f"重量 {request.weight_kg} 公斤，达到 {conf['weight_kg_at_least']} 公斤")
    if request.dimensions_cm is not None:
        volume = math.prod(request.dimensions_cm) * request.pieces
        if volume >= Decimal(str(conf["volume_cm3_at_least"])):
            reasons.append(f"体积 {volume} 立方厘米，达到 {conf['volume_cm3_at_least']} 立方厘米")
        longest = max(request.dimensions_cm)
        if longest >= Decimal(str(conf["longest_side_cm_at_least"])):
            reasons.append(f"最长边 {longest} 厘米，达到 {conf['longest_side_cm_at_least']} 厘米")
    if request.pieces >= int(conf["pieces_at_least"]):
        reasons.append(f"件数 {request.pieces} 件，达到 {conf['pieces_at_least']} 件")
    return bool(reasons), tuple(reasons)


# ---------------------------------------------------------------- pickup window


def _at(day: datetime, hhmm: str) -> datetime:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return datetime.combine(day.date(), time(hour, minute), tzinfo=SHANGHAI)


def pickup_window(
    now: datetime, requested: datetime | None = None, rulebook: Rulebook | None = None
) -> tuple[datetime, datetime, str | None]:
    """(from, until, note): same day before the cut-off, else the next morning."""
    conf = (rulebook or default_rulebook()).tariff["pickup_window"]
    local = now.astimezone(SHANGHAI)
    within = timedelta(minutes=int(conf["within_minutes"]))
    opens, cutoff = _at(local, conf["opens"]), _at(local, conf["cutoff"])
    if local < opens:
        start = opens
    elif local < cutoff:
        start = local
    else:
        start = _at(local + timedelta(days=1), conf["opens"])
    if requested is None:
        return start, start + within, None
    requested = requested.astimezone(SHANGHAI)
    if requested >= start:
        return requested, requested + timedelta(minutes=int(conf["appointment_slot_minutes"])), None
    note = f"客户要求的取件时间 {requested:%Y-%m-%d %H:%M} 无法安排，最早可在 {start:%Y-%m-%d %H:%M} 后上门。"
    return start, start + within, note


def special_handling_notes(text: str, rulebook: Rulebook | None = None) -> tuple[str, ...]:
    conf = (rulebook or default_rulebook()).tariff["special_handling"]
    folded = fold(text or "")
    if not folded:
        return ()
    notes = [str(u["message"]) for u in conf["unsupported"] if fold(str(u["name"])) in folded]
    supported = any(fold(str(s)) in folded for s in conf["supported"])
    if not notes and not supported:
        notes.append(str(conf["unknown_message"]))
    return tuple(notes)


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def check_pieces(pieces: int, rulebook: Rulebook | None = None) -> None:
    most = int((rulebook or default_rulebook()).tariff["pickup_limits"]["pieces_max"])
    if not 1 <= pieces <= most:
        raise InputError(f"件数应为 1–{most} 之间的整数，收到 {pieces}", "pieces")


def check_weight(weight_kg: Decimal, rulebook: Rulebook | None = None) -> None:
    heaviest = Decimal(str((rulebook or default_rulebook()).tariff["pickup_limits"]["weight_kg_max"]))
    if weight_kg <= 0:
        raise InputError(f"重量应大于 0 公斤，收到 {weight_kg}", "weight_kg")
    if weight_kg > heaviest:
        raise InputError(f"重量不能超过 {heaviest} 公斤，收到 {weight_kg}（大宗货物请转货运）", "weight_kg")
    if _places(weight_kg) > 2:
        raise InputError(f"重量最多保留两位小数，收到 {weight_kg}", "weight_kg")


def check_dimensions(sides: tuple[Decimal, ...] | None, rulebook: Rulebook | None = None) -> None:
    if sides is None:
        return
    longest = Decimal(str((rulebook or default_rulebook()).tariff["pickup_limits"]["side_cm_max"]))
    for side in sides:
        if not 0 < side <= longest or _places(side) > 1:
            raise InputError(
                f"每件的长、宽、高应大于 0、不超过 {longest} 厘米（最多一位小数），收到 {side}",
                "dimensions_cm",
            )


def check_limits(request: PickupRequest, rulebook: Rulebook | None = None) -> None:
    """Pieces, weight and size inside the `pickup_limits` rulebook section, or InputError (Chinese)."""
    check_pieces(request.pieces, rulebook)
    check_weight(request.weight_kg, rulebook)
    check_dimensions(request.dimensions_cm, rulebook)


def check_pickup_time(requested: datetime | None, now: datetime, rulebook: Rulebook | None = None) -> None:
    """An agreed pickup time is not in the past and at most `days_ahead_max` days ahead (InputError)."""
    if requested is None:
        return
    days = int((rulebook or default_rulebook()).tariff["pickup_limits"]["days_ahead_max"])
    local, moment = now.astimezone(SHANGHAI), requested.astimezone(SHANGHAI)
    if moment < local.replace(second=0, microsecond=0):
        raise InputError(
            f"约定取件时间 {moment:%Y-%m-%d %H:%M} 已经过去，请选择 {local:%Y-%m-%d %H:%M} 以后的时间",
            "pickup_time",
        )
    latest = local + timedelta(days=days)
    if moment > latest:
        raise InputError(
            f"约定取件时间最多提前 {days} 天（最晚 {latest:%Y-%m-%d %H:%M}），收到 {moment:%Y-%m-%d %H:%M}",
            "pickup_time",
        )


def assess_pickup(
    request: PickupRequest, now: datetime, rulebook: Rulebook | None = None
) -> PickupAssessment:
    """Everything the agent tells the customer at once when taking a pickup order.

    An order that cannot be accepted (destination not open, prohibited item) gets the reason, and neither a
    quote nor a pickup time: there is nothing to price or to send a courier for."""
    book = rulebook or default_rulebook()
    check_limits(request, book)
    check_pickup_time(request.pickup_time, now, book)
    in_network, reason = check_network(request.destination, book)
    matches = match_items(request.item_name, book)
    vehicle, vehicle_reasons = vehicle_need(request, book)
    accepted = in_network and not any(m.kind == "prohibited" for m in matches)
    start: datetime | None = None
    until: datetime | None = None
    note = None
    if accepted:
        start, until, note = pickup_window(now, request.pickup_time, book)
    return PickupAssessment(
        in_network=in_network,
        network_reason=reason,
        item_matches=matches,
        needs_vehicle=vehicle,
        vehicle_reasons=vehicle_reasons,
        waybills_needed=request.pieces,
        price=quote(request, book) if accepted else None,
        pickup_from=start,
        pickup_until=until,
        special_handling_notes=special_handling_notes(request.special_handling, book),
        notes=(note,) if note else (),
    )


PLACE_NAMES = {"origin": "寄件地", "destination": "目的地"}
FIELD_NAMES = {"item_name": "品名", "weight_kg": "重量", "pieces": "件数", "dimensions_cm": "尺寸"}


def place_from_mapping(data: Mapping[str, Any], field_name: str) -> Place:
    """A province, city and district that exist (kefu/express/rules/divisions.py), with their official names."""
    name = PLACE_NAMES.get(field_name, field_name)
    if not isinstance(data, Mapping) or not data.get("province"):
        raise InputError(f"请选择{name}的省份", f"{field_name}.province")
    parts = [data.get(k) or "" for k in ("province", "city", "district")]
    if not all(isinstance(p, str) for p in parts):
        raise InputError(f"{name}的省、市、区应为文字", field_name)
    return check_place(Place(*parts), field_name)


def parse_number(value: Any, field: str) -> Decimal:
    name = FIELD_NAMES.get(field, field)
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise InputError(f"{name}应为数字", field)
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError as exc:
        raise InputError(f"{name}应为数字，收到“{value}”", field) from exc
    if not number.is_finite():
        raise InputError(f"{name}应为数字，收到“{value}”", field)
    return number


def parse_pieces(value: Any) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"件数应为整数，收到“{value}”", "pieces")
    return value


def parse_pickup(data: Any) -> PickupRequest:
    """Build a PickupRequest from JSON-shaped data (API/form); raises InputError in Chinese.

    Keys: customer_name, returning_customer, origin {province, city, district},
    destination {…}, item_name, pieces, weight_kg, dimensions_cm [L, W, H] (per piece),
    special_handling, contact_name, phone, address, pickup_time (ISO, optional).
    """
    if not isinstance(data, Mapping):
        raise InputError("取件数据应为 JSON 对象")
    for key in ("origin", "destination"):
        if data.get(key) in (None, ""):
            raise InputError(f"请选择{PLACE_NAMES[key]}的省份", f"{key}.province")
    for key in ("item_name", "weight_kg"):
        if data.get(key) in (None, ""):
            raise InputError(f"请填写{FIELD_NAMES[key]}", key)
    dims = data.get("dimensions_cm")
    dimensions: tuple[Decimal, Decimal, Decimal] | None = None
    if dims is not None:
        if not isinstance(dims, list | tuple) or len(dims) != 3:
            raise InputError("尺寸应为 [长, 宽, 高]（厘米）", "dimensions_cm")
        length, width, height = (parse_number(v, "dimensions_cm") for v in dims)
        dimensions = (length, width, height)
    pickup_time = data.get("pickup_time")
    phone = str(data.get("phone") or "")
    return PickupRequest(
        customer_name=str(data.get("customer_name", "")),
        returning_customer=bool(data.get("returning_customer", False)),
        origin=place_from_mapping(data["origin"], "origin"),
        destination=place_from_mapping(data["destination"], "destination"),
        item_name=str(data["item_name"]),
        pieces=parse_pieces(data.get("pieces", 1)),
        weight_kg=parse_number(data["weight_kg"], "weight_kg"),
        dimensions_cm=dimensions,
        special_handling=str(data.get("special_handling") or ""),
        contact_name=str(data.get("contact_name", "")),
        phone=check_phone(phone) if phone.strip() else "",
        address=str(data.get("address", "")),
        pickup_time=None if pickup_time in (None, "") else parse_pickup_time(pickup_time),
    )


def parse_pickup_time(value: Any) -> datetime:
    try:
        return to_datetime(value, "pickup_time")
    except InputError as exc:
        raise InputError(f"约定取件时间无法识别：{value}（如 2026-10-08T15:00）", "pickup_time") from exc
