"""Mainland China working calendar: statutory holidays, 调休 make-up working days, service hours.

Where a date's status comes from, in order of precedence:

1. ``loaded``: a year's official schedule (国务院办公厅关于某年部分节假日安排的通知) that an admin
   loaded as data (:class:`YearSchedule`, :func:`load_schedule_file`);
2. ``chinese_calendar``: the ``chinese-calendar`` package (2004–2026 in its current release);
3. ``estimated``: weekends plus the statutory festival dates computed from the solar and lunar
   calendars, for years nobody has loaded yet. Estimates never contain make-up working days,
   because those are only known once the State Council publishes them.

Estimated festivals (each block also takes in the weekend days that touch it, as the official
notices do, so a Friday 元旦 is estimated as 1–3 January):

* 元旦 1 January; 劳动节 1–5 May; 国庆节 1–7 October;
* 春节 除夕 through 正月初七 (eight days; the 2025 and 2026 schedules both had 除夕 or earlier
  through 初七 off, the pattern since the 2024 amendment of 全国年节及纪念日放假办法 added 除夕);
* 清明节 on the 清明 solar term; 端午节 on lunar 5/5; 中秋节 on lunar 8/15 (when 中秋 falls inside
  国庆, that day is labelled 中秋节, as chinese_calendar does).

Service hours: the working clock (:meth:`WorkingCalendar.add_working_time`) counts only the time
inside the brand's service hours on service days. A service day is a working day, or any day
when ``ServiceHours.open_on_holidays`` is set. Working *days* (:meth:`add_working_days`) always
follow the statutory calendar.

All datetimes must be aware; results are in Asia/Shanghai.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from chinese_calendar import get_solar_terms
from chinese_calendar.constants import holidays as _CC_HOLIDAYS
from chinese_calendar.constants import workdays as _CC_WORKDAYS
from lunardate import LunarDate

from kefu.standards.rulebook import RulebookFileError, read_rulebook

SHANGHAI = ZoneInfo("Asia/Shanghai")

HOLIDAY_NAMES: dict[str, str] = {
    "new_year": "元旦",
    "spring_festival": "春节",
    "tomb_sweeping": "清明节",
    "labour_day": "劳动节",
    "dragon_boat": "端午节",
    "mid_autumn": "中秋节",
    "national_day": "国庆节",
    # One-off days off, e.g. 2015-09-03 (抗战胜利70周年纪念日).
    "anniversary": "抗战胜利纪念日",
}

SOURCES = ("chinese_calendar", "loaded", "estimated")
# What to show a person next to a date, so an estimate is never mistaken for the official schedule.
SOURCE_NAMES: dict[str, str] = {
    "chinese_calendar": "国家法定安排",
    "loaded": "已加载的官方安排",
    "estimated": "估算（当年官方安排尚未加载，且不含调休上班日）",
}

# chinese_calendar's Holiday enum values -> our codes.
_CC_CODES = {
    "New Year's Day": "new_year",
    "Spring Festival": "spring_festival",
    "Tomb-sweeping Day": "tomb_sweeping",
    "Labour Day": "labour_day",
    "Dragon Boat Festival": "dragon_boat",
    "Mid-autumn Festival": "mid_autumn",
    "National Day": "national_day",
    "Anti-Fascist 70th Day": "anniversary",
}
_CC_FIRST_YEAR = min(d.year for d in _CC_HOLIDAYS)
_CC_LAST_YEAR = max(d.year for d in _CC_HOLIDAYS)
_CC_HOLIDAY_CODES: dict[date, str] = {d: _CC_CODES.get(v, "anniversary") for d, v in _CC_HOLIDAYS.items()}
_CC_MAKEUP: frozenset[date] = frozenset(_CC_WORKDAYS)

# lunardate covers lunar years 1900-2099; 除夕 of 1900 falls in 1899.
MIN_YEAR, MAX_YEAR = 1901, 2099
# Guard for the day-stepping loops: no sane SLA spans more than this.
_MAX_STEP_DAYS = 366 * 20


@dataclass(frozen=True)
class DayInfo:
    date: date
    workday: bool
    weekend: bool
    holiday: str | None  # code of the holiday period when the day is a day off
    holiday_name: str | None
    makeup_workday: bool  # 调休: a weekend day that is a working day
    source: str  # "chinese_calendar" | "loaded" | "estimated"


@dataclass(frozen=True)
class ServiceHours:
    """Daily service window of a brand; ``start == end`` means round the clock."""

    start: time
    end: time
    open_on_holidays: bool = False

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("服务时间只填写当地钟点（北京时间），不要带时区")
        if self.end < self.start:
            raise ValueError(
                f"服务时间的结束时间 {self.end:%H:%M} 早于开始时间 {self.start:%H:%M}；暂不支持跨午夜的服务时段"
            )

    @property
    def round_the_clock(self) -> bool:
        return self.start == self.end


DEFAULT_SERVICE_HOURS = ServiceHours(time(9, 0), time(18, 0))


# ---------------------------------------------------------------- loaded schedules

_SCHEDULE_KEYS = ("year", "source", "holidays", "workdays", "notes")


def _parse_date(value: Any, what: str) -> date:
    if isinstance(value, datetime):
        raise ValueError(f"{what}“{value}”应为日期（YYYY-MM-DD），不要带时刻")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{what}“{value}”不是有效日期，应为 YYYY-MM-DD") from None


@dataclass(frozen=True)
class YearSchedule:
    """One year's official holiday schedule, as published by the State Council."""

    year: int
    source: str
    holidays: Mapping[date, str] = field(hash=False)  # day off -> holiday code
    workdays: frozenset[date] = frozenset()  # 调休 make-up working days
    notes: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> YearSchedule:
        if not isinstance(data, Mapping):
            raise ValueError("节假日安排必须是一个映射（包含 year、source、holidays、workdays）")
        unknown = [k for k in data if k not in _SCHEDULE_KEYS]
        if unknown:
            raise ValueError(f"节假日安排含未知字段“{unknown[0]}”，可用字段：{'、'.join(_SCHEDULE_KEYS)}")
        if "year" not in data:
            raise ValueError("节假日安排缺少年份“year”")
        year = data["year"]
        if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(f"节假日安排的年份“{year}”无效，应为 {MIN_YEAR}–{MAX_YEAR} 之间的整数")
        label = f"{year}年节假日安排"
        source = data.get("source")
        if not isinstance(source, str) or not source.strip():
            raise ValueError(
                f"{label}缺少发布依据“source”（例如：国务院办公厅关于{year}年部分节假日安排的通知）"
            )

        def check_year(d: date, what: str) -> None:
            # A notice may start the 元旦 break in the December before (e.g. the 2019 notice).
            if d.year != year and not (d.year == year - 1 and d.month == 12):
                raise ValueError(
                    f"{label}{what}中的 {d.isoformat()} 不属于{year}年（只允许当年及上一年12月的日期）"
                )

        raw_holidays = data.get("holidays") or {}
        if not isinstance(raw_holidays, Mapping):
            raise ValueError(f"{label}的 holidays 应为“日期: 节日代码”的映射")
        holidays: dict[date, str] = {}
        for key, code in raw_holidays.items():
            d = _parse_date(key, f"{label} holidays 中的日期")
            check_year(d, " holidays ")
            if code not in HOLIDAY_NAMES:
                known = "、".join(f"{c}（{n}）" for c, n in HOLIDAY_NAMES.items())
                raise ValueError(
                    f"{label} holidays 中 {d.isoformat()} 的节日代码“{code}”未知，可用代码：{known}"
                )
            holidays[d] = code

        raw_workdays = data.get("workdays") or []
        if isinstance(raw_workdays, str | bytes) or not isinstance(raw_workdays, list | tuple):
            raise ValueError(f"{label}的 workdays 应为调休上班日期的列表")
        workdays: set[date] = set()
        for item in raw_workdays:
            d = _parse_date(item, f"{label} workdays 中的日期")
            check_year(d, " workdays ")
            if d.weekday() < 5:
                weekday = "一二三四五"[d.weekday()]
                raise ValueError(
                    f"{label} workdays 中的 {d.isoformat()} 是星期{weekday}，调休上班日必须是周六或周日"
                )
            if d in holidays:
                raise ValueError(f"{label}中的 {d.isoformat()} 同时列在 holidays 和 workdays 里")
            workdays.add(d)
        notes = data.get("notes") or ""
        return cls(
            year=year,
            source=source.strip(),
            holidays=MappingProxyType(dict(sorted(holidays.items()))),
            workdays=frozenset(workdays),
            notes=str(notes),
        )

    def to_dict(self) -> dict[str, Any]:
        """The inverse of :meth:`from_dict`, with ISO date strings (JSON-safe)."""
        out: dict[str, Any] = {
            "year": self.year,
            "source": self.source,
            "holidays": {d.isoformat(): c for d, c in self.holidays.items()},
            "workdays": sorted(d.isoformat() for d in self.workdays),
        }
        if self.notes:
            out["notes"] = self.notes
        return out


def load_schedule_file(path: str | Path) -> YearSchedule:
    """Read a :class:`YearSchedule` from a ``.json`` or YAML file."""
    path = Path(path)
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
        else:
            data = read_rulebook(path)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RulebookFileError) as exc:
        raise ValueError(f"无法读取节假日安排文件 {path.name}：{exc}") from exc
    try:
        return YearSchedule.from_dict(data)
    except ValueError as exc:
        raise ValueError(f"节假日安排文件 {path.name}：{exc}") from exc


def bundled_schedules_dir() -> Path:
    return Path(__file__).parent / "rulebooks" / "holidays"


def bundled_schedules() -> dict[int, YearSchedule]:
    """Official schedules shipped with kefu in ``rulebooks/holidays/`` (by year)."""
    found: dict[int, YearSchedule] = {}
    for path in sorted(bundled_schedules_dir().glob("*.y*ml")) + sorted(
        bundled_schedules_dir().glob("*.json")
    ):
        schedule = load_schedule_file(path)
        found[schedule.year] = schedule
    return found


# ---------------------------------------------------------------- estimates


@lru_cache(maxsize=256)
def estimated_holidays(year: int) -> Mapping[date, str]:
    """Estimated days off of ``year`` (no make-up days); see the module docstring for the rules."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"不支持{year}年的日历（支持 {MIN_YEAR}–{MAX_YEAR} 年）")
    days: dict[date, str] = {}

    def span(first: date, count: int, code: str) -> None:
        for i in range(count):
            days[first + timedelta(days=i)] = code

    span(date(year, 1, 1), 1, "new_year")
    new_year_eve = LunarDate(year, 1, 1).to_solar_date() - timedelta(days=1)
    span(new_year_eve, 8, "spring_festival")
    qingming = next(d for d, name in get_solar_terms(date(year, 4, 1), date(year, 4, 30)) if name == "清明")
    span(qingming, 1, "tomb_sweeping")
    span(date(year, 5, 1), 5, "labour_day")
    span(LunarDate(year, 5, 5).to_solar_date(), 1, "dragon_boat")
    span(date(year, 10, 1), 7, "national_day")
    span(LunarDate(year, 8, 15).to_solar_date(), 1, "mid_autumn")

    # Weekend days touching a block belong to it (within the same year).
    for d, code in sorted(days.items()):
        for step in (-1, 1):
            nxt = d + timedelta(days=step)
            while nxt.year == year and nxt.weekday() >= 5 and nxt not in days:
                days[nxt] = code
                nxt += timedelta(days=step)
    return MappingProxyType(dict(sorted(days.items())))


# ---------------------------------------------------------------- the calendar


def as_shanghai(value: datetime, what: str = "时间") -> datetime:
    """``value`` in Asia/Shanghai; naive datetimes are refused with a Chinese message."""
    if not isinstance(value, datetime):
        raise ValueError(f"{what}应为 datetime，收到 {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what}必须带时区（Asia/Shanghai），收到无时区的时间 {value.isoformat()}")
    return value.astimezone(SHANGHAI)


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=SHANGHAI)


Window = tuple[datetime, datetime] | None


class WorkingCalendar:
    def __init__(
        self,
        schedules: Mapping[int, YearSchedule] | None = None,
        service_hours: ServiceHours | None = None,
    ) -> None:
        self.schedules: dict[int, YearSchedule] = dict(schedules or {})
        for year, schedule in self.schedules.items():
            if schedule.year != year:
                raise ValueError(f"节假日安排登记在{year}年下，但内容是{schedule.year}年的")
        self.service_hours = service_hours or DEFAULT_SERVICE_HOURS
        self._loaded_holidays: dict[date, str] = {}
        self._loaded_makeup: set[date] = set()
        for schedule in sorted(self.schedules.values(), key=lambda s: s.year):
            self._loaded_holidays.update(schedule.holidays)
            self._loaded_makeup.update(schedule.workdays)
        self._days: dict[date, DayInfo] = {}

    # -- days

    def coverage(self, year: int) -> str:
        if year in self.schedules:
            return "loaded"
        if _CC_FIRST_YEAR <= year <= _CC_LAST_YEAR:
            return "chinese_calendar"
        return "estimated"

    def day_info(self, d: date) -> DayInfo:
        if isinstance(d, datetime):
            d = as_shanghai(d).date()
        info = self._days.get(d)
        if info is None:
            info = self._days[d] = self._compute_day_info(d)
        return info

    def _compute_day_info(self, d: date) -> DayInfo:
        if not MIN_YEAR <= d.year <= MAX_YEAR:
            raise ValueError(f"不支持{d.year}年的日历（支持 {MIN_YEAR}–{MAX_YEAR} 年）")
        source = self.coverage(d.year)
        holidays: Mapping[date, str]
        makeup: frozenset[date] | set[date]
        if source == "loaded" or d in self._loaded_holidays or d in self._loaded_makeup:
            source, holidays, makeup = "loaded", self._loaded_holidays, self._loaded_makeup
        elif source == "chinese_calendar":
            holidays, makeup = _CC_HOLIDAY_CODES, _CC_MAKEUP
        else:
            holidays, makeup = estimated_holidays(d.year), frozenset()
        weekend = d.weekday() >= 5
        is_makeup = d in makeup
        holiday = None if is_makeup else holidays.get(d)
        return DayInfo(
            date=d,
            workday=is_makeup or (not weekend and holiday is None),
            weekend=weekend,
            holiday=holiday,
            holiday_name=HOLIDAY_NAMES[holiday] if holiday else None,
            makeup_workday=is_makeup,
            source=source,
        )

    def is_workday(self, d: date) -> bool:
        return self.day_info(d).workday

    def holiday(self, d: date) -> str | None:
        return self.day_info(d).holiday

    # -- working days

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The moment ``n`` working days after ``start``, at the same time of day.

        The day of ``start`` itself never counts. So a start on a non-working day makes the first
        working day after it day 1: Saturday 16:00 plus 1 working day is Monday 16:00.
        """
        local = as_shanghai(start, "起始时间")
        if n < 0:
            raise ValueError(f"工作日数不能为负数：{n}")
        d = local.date()
        counted = 0
        for _ in range(_MAX_STEP_DAYS):
            if counted == n:
                return datetime.combine(d, local.time(), tzinfo=SHANGHAI)
            d += timedelta(days=1)
            if self.is_workday(d):
                counted += 1
        raise ValueError(f"{n} 个工作日超出了可计算的范围")

    def _workday_window(self, d: date) -> Window:
        return (_midnight(d), _midnight(d + timedelta(days=1))) if self.is_workday(d) else None

    def add_working_day_time(self, start: datetime, delta: timedelta) -> datetime:
        """Like :meth:`add_working_time` but counting whole working days (00:00–24:00)."""
        return self._advance(start, delta, self._workday_window)

    def working_day_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Time between ``a`` and ``b`` that falls on working days (whole days)."""
        return self._span(a, b, self._workday_window)

    # -- service hours

    def _service_window(self, d: date) -> Window:
        hours = self.service_hours
        if not (hours.open_on_holidays or self.is_workday(d)):
            return None
        if hours.round_the_clock:
            return _midnight(d), _midnight(d + timedelta(days=1))
        return (
            datetime.combine(d, hours.start, tzinfo=SHANGHAI),
            datetime.combine(d, hours.end, tzinfo=SHANGHAI),
        )

    def is_open(self, at: datetime) -> bool:
        local = as_shanghai(at)
        window = self._service_window(local.date())
        return window is not None and window[0] <= local < window[1]

    def add_working_time(self, start: datetime, delta: timedelta) -> datetime:
        """The earliest moment by which ``delta`` of service time has passed since ``start``."""
        return self._advance(start, delta, self._service_window)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Service time between ``a`` and ``b``; negative when ``b`` is before ``a``."""
        return self._span(a, b, self._service_window)

    def counting(self, at: datetime, *, whole_days: bool = False) -> tuple[bool, datetime | None]:
        """Whether a working clock counts at ``at`` (service hours, or working days with ``whole_days``) and when
        that changes: the end of the working time it is in, or the start of the next; None for never (a brand
        open round the clock on holidays too)."""
        window_of = self._workday_window if whole_days else self._service_window
        local = as_shanghai(at, "时间")
        d = local.date()
        for _ in range(_MAX_STEP_DAYS):
            window = window_of(d)
            if window is not None and local < window[1]:
                if local < window[0]:
                    return False, window[0]
                end = window[1]
                for _ in range(366):  # working time that runs on into the next day (00:00–24:00 windows)
                    d += timedelta(days=1)
                    following = window_of(d)
                    if following is None or following[0] != end:
                        return True, end
                    end = following[1]
                return True, None
            d += timedelta(days=1)
        return False, None

    # -- day-stepping engine shared by both clocks

    def _advance(self, start: datetime, delta: timedelta, window_of: Callable[[date], Window]) -> datetime:
        cursor = as_shanghai(start, "起始时间")
        if delta < timedelta(0):
            raise ValueError(f"时长不能为负数：{delta}")
        remaining = delta
        if not remaining:
            return cursor
        d = cursor.date()
        for _ in range(_MAX_STEP_DAYS):
            window = window_of(d)
            if window is not None:
                begin, end = max(cursor, window[0]), window[1]
                if begin < end:
                    if remaining <= end - begin:
                        return begin + remaining
                    remaining -= end - begin
            d += timedelta(days=1)
        raise ValueError(f"时长 {delta} 超出了可计算的范围")

    def _span(self, a: datetime, b: datetime, window_of: Callable[[date], Window]) -> timedelta:
        a, b = as_shanghai(a, "开始时间"), as_shanghai(b, "结束时间")
        if b < a:
            return -self._span(b, a, window_of)
        total = timedelta(0)
        d = a.date()
        while d <= b.date():
            window = window_of(d)
            if window is not None:
                begin, end = max(a, window[0]), min(b, window[1])
                if begin < end:
                    total += end - begin
            d += timedelta(days=1)
        return total
