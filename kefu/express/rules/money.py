"""Money, ratio and time helpers for the express rules (Decimal yuan, Asia/Shanghai)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
CENT = Decimal("0.01")


class InputError(ValueError):
    """Input that cannot be interpreted; `message` is Chinese, for people."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def money(value: Decimal) -> Decimal:
    """Round to fen, half up (how a cashier rounds)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(value: Any, field: str, *, minimum: Decimal | None = Decimal(0)) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise InputError(f"{field} 必须是数字", field)
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError) as exc:
        raise InputError(f"{field} 不是有效的数字：{value!r}", field) from exc
    if not number.is_finite():
        raise InputError(f"{field} 不是有效的数字：{value!r}", field)
    if minimum is not None and number < minimum:
        raise InputError(f"{field} 不能小于 {minimum}", field)
    return number


def to_datetime(value: Any, field: str) -> datetime:
    """ISO 8601 text or datetime; naive times are read as Asia/Shanghai."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise InputError(
                f"{field} 不是有效的时间（应为 ISO 格式，如 2024-05-01T09:30:00+08:00）", field
            ) from exc
    else:
        raise InputError(f"{field} 不是有效的时间", field)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(SHANGHAI)


def add_years_end_of_day(moment: datetime, years: int) -> datetime:
    """Last instant of the same calendar day `years` later (29 Feb → 28 Feb).

    "收寄之日起1年内": a claim filed on the anniversary date is still in time.
    """
    local = moment.astimezone(SHANGHAI).date()
    try:
        day = local.replace(year=local.year + years)
    except ValueError:
        day = date(local.year + years, local.month, local.day - 1)
    return datetime.combine(day, time.max, tzinfo=SHANGHAI)


def percent(ratio: Decimal) -> str:
    """0.3 → "30%", 0.125 → "12.5%"."""
    value = (ratio * 100).quantize(CENT, rounding=ROUND_HALF_UP).normalize()
    return f"{value:f}%"


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(SHANGHAI).isoformat() if moment else None
