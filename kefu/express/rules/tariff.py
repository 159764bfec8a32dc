"""The tariff (资费): a shipment's zone, chargeable weight and price.

Used twice: the agent quotes it when taking a pickup order (seed 004 第一节 二 3 向客户报价), and monthly
settlement prices every 月结 waybill again to find freight that does not match the tariff (004 第五篇
二 (一) 月结核对). Zones, rates, the volumetric divisor and the rounding step are the `tariff` rulebook
section; a contract customer's negotiated discount is data on the customer.

Money is Decimal yuan, rounded half up to the fen where a cashier rounds: the additional-weight charge,
then the contract discount.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Any

from .money import InputError, money
from .rulebook import Rulebook, RulebookError, default_rulebook
from .text import same_place


@dataclass(frozen=True)
class Place:
    province: str
    city: str = ""
    district: str = ""

    def label(self) -> str:
        """上海市浦东新区: a municipality is its own city, named once."""
        city = "" if self.city == self.province else self.city
        return "".join(p for p in (self.province, city, self.district) if p)


@dataclass(frozen=True)
class Rate:
    """A zone's rate: first weight at a fixed price, each further kilogram (or step) at a price per kg."""

    zone: str
    zone_name: str
    first_weight_kg: Decimal
    first_price: Decimal
    additional_per_kg: Decimal
    source: str


@dataclass(frozen=True)
class PriceBreakdown:
    zone: str
    zone_name: str
    actual_weight_kg: Decimal
    volumetric_weight_kg: Decimal
    chargeable_weight_kg: Decimal
    first_weight_kg: Decimal
    first_price: Decimal
    additional_weight_kg: Decimal
    additional_per_kg: Decimal
    additional_price: Decimal
    total: Decimal
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.__dict__.items()}


def zone_for(origin: Place, destination: Place, rulebook: Rulebook | None = None) -> tuple[str, str]:
    """(zone code, Chinese zone name) for a shipment, by the ordered zone rules."""
    tariff = (rulebook or default_rulebook()).tariff
    same_province = same_place(origin.province, destination.province)
    regions = [r for r in tariff["regions"].values()]
    conditions = {
        "same_city": same_province and same_place(origin.city, destination.city),
        "same_province": same_province,
        "remote": any(
            same_place(p, end.province) for p in tariff["remote_provinces"] for end in (origin, destination)
        ),
        "same_region": any(
            any(same_place(p, origin.province) for p in r)
            and any(same_place(p, destination.province) for p in r)
            for r in regions
        ),
        "any": True,
    }
    for zone in tariff["zones"]:
        if conditions[zone["when"]]:
            return str(zone["code"]), str(zone["name"])
    raise InputError("无法确定计费分区", "destination")


def promised_hours(zone: str, rulebook: Rulebook | None = None) -> int:
    rates = (rulebook or default_rulebook()).tariff["rates"]
    if zone not in rates:
        raise InputError(f"未知的计费分区：{zone}", "zone")
    return int(rates[zone]["promised_hours"])


def rate_between(origin: Place, destination: Place, rulebook: Rulebook | None = None) -> Rate:
    """The rate of the zone a shipment from `origin` to `destination` falls in."""
    book = rulebook or default_rulebook()
    zone, zone_name = zone_for(origin, destination, book)
    rate = book.tariff["rates"].get(zone)
    if rate is None:
        raise RulebookError(f"价目表缺少计费分区“{zone_name}”（{zone}）的资费")
    return Rate(
        zone=zone,
        zone_name=zone_name,
        first_weight_kg=Decimal(str(rate["first_weight_kg"])),
        first_price=money(Decimal(str(rate["first_price"]))),
        additional_per_kg=money(Decimal(str(rate["additional_per_kg"]))),
        source=str(rate["source"]),
    )


def weight_rules(rulebook: Rulebook | None = None) -> tuple[Decimal, Decimal]:
    """(volumetric divisor in cm³ per kg, rounding step in kg) from the rulebook."""
    conf = (rulebook or default_rulebook()).tariff["chargeable_weight"]
    return Decimal(str(conf["volumetric_divisor"])), Decimal(str(conf["round_up_step_kg"]))


def round_up(weight: Decimal, step: Decimal) -> Decimal:
    return (weight / step).to_integral_value(rounding=ROUND_CEILING) * step


def chargeable_weight(
    actual_kg: Decimal, volume_cm3: Decimal | None, rulebook: Rulebook | None = None
) -> tuple[Decimal, Decimal]:
    """(volumetric weight, chargeable weight): volume ÷ divisor, and the larger of the two rounded up to the step."""
    divisor, step = weight_rules(rulebook)
    volumetric = Decimal(volume_cm3) / divisor if volume_cm3 else Decimal(0)
    return volumetric, round_up(max(actual_kg, volumetric), step)


def price(
    rate: Rate, weight_kg: Decimal, volume_cm3: Decimal | None = None, rulebook: Rulebook | None = None
) -> PriceBreakdown:
    """First weight + additional weight at the zone's rate; chargeable = max(actual, volumetric).

    `weight_kg` and `volume_cm3` are for all pieces together.
    """
    book = rulebook or default_rulebook()
    volumetric, chargeable = chargeable_weight(weight_kg, volume_cm3, book)
    additional_weight = max(Decimal(0), chargeable - rate.first_weight_kg)
    additional_price = money(additional_weight * rate.additional_per_kg)
    return PriceBreakdown(
        zone=rate.zone,
        zone_name=rate.zone_name,
        actual_weight_kg=weight_kg,
        volumetric_weight_kg=volumetric.quantize(Decimal("0.01")),
        chargeable_weight_kg=chargeable,
        first_weight_kg=rate.first_weight_kg,
        first_price=rate.first_price,
        additional_weight_kg=additional_weight,
        additional_per_kg=rate.additional_per_kg,
        additional_price=additional_price,
        total=money(rate.first_price + additional_price),
        source=f"{rate.source}；{book.tariff['chargeable_weight']['source']}",
    )


def quote_shipment(
    origin: Place,
    destination: Place,
    weight_kg: Decimal,
    volume_cm3: Decimal | None = None,
    rulebook: Rulebook | None = None,
) -> PriceBreakdown:
    """The tariff price of a shipment from `origin` to `destination`."""
    book = rulebook or default_rulebook()
    return price(rate_between(origin, destination, book), weight_kg, volume_cm3, book)


def contract_price(list_price: Decimal, discount: Decimal | None) -> Decimal:
    """The tariff price after a contract customer's negotiated discount (0.85 = 八五折), rounded half up."""
    if discount is None:
        return list_price
    if not Decimal(0) < discount <= Decimal(1):
        raise InputError(f"月结折扣应在 0 到 1 之间：{discount}", "discount")
    return money(list_price * discount)
