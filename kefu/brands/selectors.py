"""Reads for brands and the working calendar."""

from datetime import datetime
from functools import lru_cache
from typing import Any

from kefu.brands.models import Brand, CalendarYear
from kefu.rules.selectors import brand_phrases
from kefu.standards import scripts
from kefu.standards.calendar import ServiceHours, WorkingCalendar, YearSchedule


def _schedules_version() -> tuple:
    return tuple(CalendarYear.objects.order_by("year").values_list("year", "loaded_at"))


@lru_cache(maxsize=8)
def _schedules(version: tuple) -> dict[int, YearSchedule]:
    return {
        row.year: YearSchedule.from_dict({"year": row.year, "source": row.source, **row.schedule})
        for row in CalendarYear.objects.all()
    }


def working_calendar(brand: Brand | None = None) -> WorkingCalendar:
    """The Chinese working calendar with admin-loaded years and, for a brand, its service hours."""
    hours = None
    if brand is not None:
        hours = ServiceHours(brand.service_start, brand.service_end, brand.open_on_holidays)
    return WorkingCalendar(schedules=_schedules(_schedules_version()), service_hours=hours)


def script_context(brand: Brand, *, at: datetime, channel: str, **fields: Any) -> scripts.Context:
    """What the script engine needs to speak for ``brand`` at ``at`` on ``channel`` (phone/chat/email): its
    profile and its own wording (后台管理 → 规则), the name it greets with and its hotline, plus the
    conversation's ``fields`` (agent_no, customer …)."""
    return scripts.Context(
        profile=brand.profile,
        phrases=brand_phrases(brand),
        at=at,
        channel=channel,
        brand_name=brand.greeting_name,
        hotline=brand.hotline,
        **fields,
    )


# The script panel's moments, in the order a conversation meets them.
SCRIPT_SITUATIONS = (
    "opening",
    "ask_wait",
    "long_wait_reminder",
    "thanks_for_patience",
    "read_back",
    "anything_else",
    "request_accepted",
    "closing",
)


def script_panel(brand: Brand, *, at: datetime, channel: str, **fields: Any) -> list[dict[str, str]]:
    """The brand's sentences for each moment of a conversation on ``channel``, filled in (工号, greeting of the
    day, the customer's name, the number to read back); a moment the profile has no sentence for is left out."""
    ctx = script_context(brand, at=at, channel=channel, **fields)
    names = {s.id: s.name for s in scripts.situations()}
    out = []
    for situation in SCRIPT_SITUATIONS:
        if situation == "read_back" and not fields.get("number"):
            continue
        try:
            out.append({"id": situation, "name": names[situation], "text": scripts.render(situation, ctx)})
        except ValueError:
            continue
    return out


def brand_get(code_or_name: str) -> Brand:
    from kefu.errors import NotFound

    brand = Brand.objects.filter(code=code_or_name).first() or Brand.objects.filter(name=code_or_name).first()
    if brand is None:
        raise NotFound(f"没有找到品牌“{code_or_name}”", field="brand")
    return brand
