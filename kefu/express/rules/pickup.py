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

from .money import SHANGHAI, InputError, iso, to_datetime, to_decimal
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
    price: PriceBreakdown
    pickup_from: datetime
    pickup_until: datetime
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
            "price": self.price.to_dict(),
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


def assess_pickup(
    request: PickupRequest, now: datetime, rulebook: Rulebook | None = None
) -> PickupAssessment:
    """Everything the agent tells the customer at once when taking a pickup order."""
    book = rulebook or default_rulebook()
    if request.pieces < 1:
        raise InputError("件数至少为 1", "pieces")
    if request.weight_kg <= 0:
        raise InputError("重量必须大于 0", "weight_kg")
    in_network, reason = check_network(request.destination, book)
    vehicle, vehicle_reasons = vehicle_need(request, book)
    start, until, note = pickup_window(now, request.pickup_time, book)
    return PickupAssessment(
        in_network=in_network,
        network_reason=reason,
        item_matches=match_items(request.item_name, book),
        needs_vehicle=vehicle,
        vehicle_reasons=vehicle_reasons,
        waybills_needed=request.pieces,
        price=quote(request, book),
        pickup_from=start,
        pickup_until=until,
        special_handling_notes=special_handling_notes(request.special_handling, book),
        notes=(note,) if note else (),
    )


def place_from_mapping(data: Mapping[str, Any], field_name: str) -> Place:
    if not isinstance(data, Mapping) or not data.get("province"):
        raise InputError(f"{field_name} 需要省份（province）", field_name)
    return Place(str(data["province"]), str(data.get("city", "")), str(data.get("district", "")))


def parse_pickup(data: Any) -> PickupRequest:
    """Build a PickupRequest from JSON-shaped data (API/form); raises InputError in Chinese.

    Keys: customer_name, returning_customer, origin {province, city, district},
    destination {…}, item_name, pieces, weight_kg, dimensions_cm [L, W, H] (per piece),
    special_handling, contact_name, phone, address, pickup_time (ISO, optional).
    """
    if not isinstance(data, Mapping):
        raise InputError("取件数据应为 JSON 对象")
    for key in ("destination", "origin", "item_name", "weight_kg"):
        if data.get(key) in (None, ""):
            raise InputError(f"缺少 {key}", key)
    pieces = data.get("pieces", 1)
    if isinstance(pieces, bool) or not isinstance(pieces, int):
        raise InputError("pieces（件数）应为整数", "pieces")
    dims = data.get("dimensions_cm")
    dimensions: tuple[Decimal, Decimal, Decimal] | None = None
    if dims is not None:
        if not isinstance(dims, list | tuple) or len(dims) != 3:
            raise InputError("dimensions_cm 应为 [长, 宽, 高]（厘米）", "dimensions_cm")
        length, width, height = (to_decimal(v, "dimensions_cm") for v in dims)
        dimensions = (length, width, height)
    pickup_time = data.get("pickup_time")
    return PickupRequest(
        customer_name=str(data.get("customer_name", "")),
        returning_customer=bool(data.get("returning_customer", False)),
        origin=place_from_mapping(data["origin"], "origin"),
        destination=place_from_mapping(data["destination"], "destination"),
        item_name=str(data["item_name"]),
        pieces=pieces,
        weight_kg=to_decimal(data["weight_kg"], "weight_kg"),
        dimensions_cm=dimensions,
        special_handling=str(data.get("special_handling") or ""),
        contact_name=str(data.get("contact_name", "")),
        phone=str(data.get("phone", "")),
        address=str(data.get("address", "")),
        pickup_time=None if pickup_time in (None, "") else to_datetime(pickup_time, "pickup_time"),
    )
