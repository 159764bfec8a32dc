"""Re-pricing 月结 waybills from the tariff during settlement (运费与价目表不符).

The tariff arithmetic is kefu/express/rules/tariff.py. Calling it for each of a million waybills would
cost more than the whole settlement, so the database does the same arithmetic in exact integers (fen,
10-gram units, half-up rounding as (x + 50) / 100) in the query that reconciles the face sheets: every
(origin, destination) station pair of the month is priced once in Python (zone → first weight, first
price, price per kg) into a temporary table, and each waybill looks its pair up there. The database
only flags candidates; `tariff_check` prices each flagged waybill again with the pure rule, which gives
the amounts and the explanation people read. Tests check that both agree on rounding edges.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import BigIntegerField, ExpressionWrapper, F, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Round

from kefu.express.models import Station, Waybill
from kefu.express.rules import Place, Rate, RulebookError, contract_price, rate_between
from kefu.express.rules.rulebook import Rulebook
from kefu.express.rules.tariff import price, weight_rules
from kefu.express.selectors import place_of

TABLE = "kefu_settle_rate"
HUNDRED = Decimal(100)  # fen per yuan, and 10-gram units per kilogram
DISCOUNT_SCALE = 10_000  # Customer.contract_discount has four decimal places
INT = BigIntegerField()


def _hundredths(value: Decimal, what: str) -> int:
    scaled = value * HUNDRED
    if scaled != scaled.to_integral_value():
        raise RulebookError(f"价目表的{what}（{value}）不是 0.01 的整数倍")
    return int(scaled)


@contextmanager
def pair_rates(
    pairs: Iterable[tuple[int, int]], stations: dict[int, Station], book: Rulebook
) -> Iterator[dict[tuple[int, int], Rate]]:
    """Price every (origin, destination) pair once, into a temporary table read by `expected_fen`.

    The table lives in this connection's session until the block ends (and is replaced by the next call after
    a failure on the way).
    """
    by_places: dict[tuple[Place, Place], Rate] = {}
    rates: dict[tuple[int, int], Rate] = {}
    for origin, destination in pairs:
        places = (place_of(stations[origin]), place_of(stations[destination]))
        if places not in by_places:
            by_places[places] = rate_between(*places, book)
        rates[(origin, destination)] = by_places[places]
    rows = [
        (
            origin,
            destination,
            _hundredths(rate.first_price, "首重价格"),
            _hundredths(rate.first_weight_kg, "首重重量"),
            _hundredths(rate.additional_per_kg, "续重单价"),
        )
        for (origin, destination), rate in rates.items()
    ]
    table = connection.ops.quote_name(TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {table} (origin_id bigint NOT NULL, destination_id bigint NOT NULL, "
            "first_fen bigint NOT NULL, first_10g bigint NOT NULL, per_kg_fen bigint NOT NULL, "
            "PRIMARY KEY (origin_id, destination_id))"
        )
        cursor.executemany(f"INSERT INTO {table} VALUES (%s, %s, %s, %s, %s)", rows)
        cursor.execute(f"ANALYZE {table}")  # PostgreSQL never analyses temporary tables by itself
    try:
        yield rates
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def expected_fen(book: Rulebook):
    """Each waybill's tariff freight in fen after its customer's discount (an expression for annotating a
    Waybill query whose table is not aliased, inside `pair_rates`).

    chargeable steps = max(⌈weight / step⌉, ⌈volume / divisor / step⌉); additional = max(0, steps × step −
    first weight); price = first price + round(additional × per kg); then round(price × discount).
    """
    divisor, step = weight_rules(book)
    step_10g = _hundredths(step, "计费重量进位")
    volume_per_step = divisor * step_10g  # ⌈volume / divisor / step⌉ = ⌈volume × 100 / (divisor × step_10g)⌉
    if volume_per_step != volume_per_step.to_integral_value():
        raise RulebookError(f"体积重除数 {divisor} 乘进位 {step} 公斤再乘 100 不是整数")
    qn = connection.ops.quote_name
    larger = "MAX" if connection.vendor == "sqlite" else "GREATEST"
    w = qn(Waybill._meta.db_table)
    weight = f"CAST(ROUND({w}.{qn('weight_kg')} * 100) AS bigint)"
    volume = f"COALESCE(CAST({w}.{qn('volume_cm3')} AS bigint), 0)"
    charged_10g = (
        f"{larger}(({weight} + {step_10g - 1}) / {step_10g}, "
        f"({volume} * 100 + {int(volume_per_step) - 1}) / {int(volume_per_step)}) * {step_10g}"
    )
    list_fen = RawSQL(
        f"(SELECT r.first_fen + ({larger}({charged_10g} - r.first_10g, 0) * r.per_kg_fen + 50) / 100 "
        f"FROM {qn(TABLE)} r WHERE r.origin_id = {w}.{qn('origin_id')} "
        f"AND r.destination_id = {w}.{qn('destination_id')})",
        (),
        output_field=INT,
    )
    discount = Coalesce(
        Cast(Round(F("contract_customer__contract_discount") * Value(DISCOUNT_SCALE)), INT),
        Value(DISCOUNT_SCALE),
        output_field=INT,
    )
    return ExpressionWrapper(
        (list_fen * discount + Value(DISCOUNT_SCALE // 2)) / Value(DISCOUNT_SCALE), output_field=INT
    )


def charged_fen():
    """The freight recorded on the waybill, in fen."""
    return Cast(Round(F("freight") * Value(100)), INT)


@dataclass(frozen=True)
class TariffDifference:
    expected: Decimal
    detail: str


def tariff_check(
    rate: Rate,
    *,
    freight: Decimal,
    weight_kg: Decimal,
    volume_cm3: Decimal | None,
    discount: Decimal | None,
    book: Rulebook,
) -> TariffDifference | None:
    """The pure rule's verdict on one waybill the database flagged: None when the freight is right."""
    breakdown = price(rate, weight_kg, volume_cm3, book)
    expected = contract_price(breakdown.total, discount)
    if expected == freight:
        return None
    terms = f"{rate.zone_name}，计费重量 {breakdown.chargeable_weight_kg} 公斤"
    if discount is not None:
        terms += f"，合同折扣 {discount.normalize()}"
    difference = freight - expected
    verdict = f"多收 {difference:.2f} 元" if difference > 0 else f"少收 {-difference:.2f} 元"
    return TariffDifference(
        expected, f"价目表 {expected:.2f} 元（{terms}），运单运费 {freight:.2f} 元，{verdict}"
    )
