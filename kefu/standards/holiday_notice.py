"""A year's holiday schedule as people write it: the State Council notice's lines pasted as text, or one line a
holiday typed by hand, read into a YearSchedule, checked against the lunar estimate, and written back.

Both of these read the same (one holiday a line; the days off, then the make-up working days 上班):

    二、春节：2月5日（农历腊月廿九）至11日（农历正月初六）放假调休，共7天。2月14日（星期日）、2月20日（星期六）上班。
    春节 2027-02-05 至 2027-02-11 放假；2027-02-14、2027-02-20 上班

Pure: no Django. The holiday names are the calendar's (calendar.HOLIDAY_NAMES) with their short forms.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from chinese_calendar import get_solar_terms
from lunardate import LunarDate

from kefu import typed
from kefu.standards.calendar import HOLIDAY_NAMES, YearSchedule

# what a notice calls each holiday (the longest first, so 国庆节 is not read as 国庆 + 节)
_NAMES = {
    "元旦": "new_year",
    "春节": "spring_festival",
    "清明节": "tomb_sweeping",
    "清明": "tomb_sweeping",
    "劳动节": "labour_day",
    "五一": "labour_day",
    "端午节": "dragon_boat",
    "端午": "dragon_boat",
    "中秋节": "mid_autumn",
    "中秋": "mid_autumn",
    "国庆节": "national_day",
    "国庆": "national_day",
    "纪念日": "anniversary",
}
_NAME = re.compile("|".join(sorted(_NAMES, key=len, reverse=True)))
# 2027年2月5日, 2月5日, 5日 (the month of the date before it), 2027-02-05, 2027/2/5
_DAY = r"(?:(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*)?(\d{1,2})\s*日|(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
_RANGE = re.compile(rf"({_DAY})\s*(?:至|到|—|–|-|~|～)\s*({_DAY})")
_SINGLE = re.compile(_DAY)
_NOTE = re.compile(r"[（(][^）)]*[）)]")  # （星期日） （农历正月初一）: blanked before the dates are read


class NoticeError(ValueError):
    """What is wrong, with the line it is on."""


def _dates(text: str, year: int, where: str) -> list[date]:
    """Every day the text names, ranges spelled out, in the order written."""
    found: list[date] = []
    month: int | None = None

    def day(groups: tuple[str | None, ...]) -> date:
        nonlocal month
        y, m, d, iy, im, idd = groups
        try:
            if iy:
                month = int(im)  # type: ignore[arg-type]
                return date(int(iy), int(im), int(idd))  # type: ignore[arg-type]
            if m:
                month = int(m)
            if month is None:
                raise NoticeError(f"{where}“{d}日”没有写月份")
            return date(int(y) if y else year, month, int(d))  # type: ignore[arg-type]
        except ValueError as exc:
            if isinstance(exc, NoticeError):
                raise
            said = f"{iy}-{im}-{idd}" if iy else f"{y + '年' if y else ''}{m or month}月{d}日"
            raise NoticeError(f"{where}日期不存在：{said}") from None

    pos = 0
    text = _NOTE.sub(lambda m: " " * len(m.group()), text)
    while pos < len(text):
        ranged = _RANGE.search(text, pos)
        single = _SINGLE.search(text, pos)
        if single is None:
            break
        if ranged is not None and ranged.start() == single.start():
            first = day(ranged.groups()[1:7])
            last = day(ranged.groups()[8:14])
            if last.year == first.year and last.month < first.month:
                last = last.replace(year=last.year + 1)  # 12月31日至1月2日
            if last < first:
                raise NoticeError(f"{where}{first:%m月%d日}至{last:%m月%d日}：结束日期早于开始日期")
            if (last - first).days > 31:
                raise NoticeError(f"{where}{first:%m月%d日}至{last:%m月%d日}超过一个月，请检查")
            found += [first + timedelta(days=i) for i in range((last - first).days + 1)]
            pos = ranged.end()
        else:
            found.append(day(single.groups()))
            pos = single.end()
    return found


def parse_notice(year: int, text: str, source: str) -> YearSchedule:
    """Read a year's schedule from its notice's lines (or lines typed the same way), traditional characters
    and full-width digits accepted. A line names its holiday and its days off; the days of a sentence that says
    上班 are make-up working days. Errors name their line, in Chinese."""
    holidays: dict[date, str] = {}
    workdays: list[date] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = str(typed.t2s().convert(typed.width(raw))).strip()
        if not line:
            continue
        where = f"第 {number} 行："
        named = _NAME.search(line)
        if named is None:
            known = "、".join(n for n in _NAMES if n.endswith(("节", "旦")))
            raise NoticeError(f"{where}没有认出节日名称（{known}）：{raw.strip()}")
        code = _NAMES[named.group()]
        said_any = False
        for sentence in re.split(r"[。；;]", line[named.end() :]):
            days = _dates(sentence, year, where)
            said_any = said_any or bool(days)
            if "上班" in sentence:
                for d in days:
                    if d.weekday() < 5:
                        raise NoticeError(
                            f"{where}{d.isoformat()} 是星期{'一二三四五'[d.weekday()]}，调休上班日必须是周六或周日"
                        )
                workdays += days
                continue
            for d in days:
                if d in holidays and holidays[d] != code:
                    raise NoticeError(
                        f"{where}{d.isoformat()} 已列为{HOLIDAY_NAMES[holidays[d]]}，不能同时是{HOLIDAY_NAMES[code]}"
                    )
                holidays[d] = code
        if not said_any:
            raise NoticeError(f"{where}{named.group()}没有写放假日期（如 1月1日至3日放假）")
    both = sorted(set(workdays) & set(holidays))
    if both:
        raise NoticeError(f"{both[0].isoformat()} 既写成放假又写成上班，请只留一处")
    return YearSchedule.from_dict(
        {
            "year": year,
            "source": source,
            "holidays": {d.isoformat(): c for d, c in holidays.items()},
            "workdays": sorted({d.isoformat() for d in workdays}),
        }
    )


def estimate_problems(schedule: YearSchedule) -> list[str]:
    """Where the schedule and the estimate of its year disagree: each holiday's own day (1月1日, 正月初一, 清明,
    5月1日, 五月初五, 八月十五, 10月1日, from the lunar calendar and the solar terms) is a day off in every year's
    notice; one that is not points at a mistyped month or year."""
    return [
        f"{name}（{anchor.month}月{anchor.day}日，按农历或节气推算）不在放假日期里，请核对月份与年份"
        for code, name in HOLIDAY_NAMES.items()
        if code != "anniversary" and (anchor := _anchor(code, schedule.year)) not in schedule.holidays
    ]


def _anchor(code: str, year: int) -> date:
    """The festival's own day."""
    lunar = {"spring_festival": (1, 1), "dragon_boat": (5, 5), "mid_autumn": (8, 15)}
    if code in lunar:
        return LunarDate(year, *lunar[code]).to_solar_date()
    if code == "tomb_sweeping":
        return next(d for d, name in get_solar_terms(date(year, 4, 1), date(year, 4, 30)) if name == "清明")
    return {"new_year": date(year, 1, 1), "labour_day": date(year, 5, 1), "national_day": date(year, 10, 1)}[
        code
    ]


def notice_lines(schedule: YearSchedule) -> str:
    """The schedule as lines parse_notice reads back: one holiday a line, its days off, then its 上班 days (a make-up
    day goes with the holiday it is nearest to)."""
    blocks: dict[str, list[date]] = {}
    for d, code in sorted(schedule.holidays.items()):
        blocks.setdefault(code, []).append(d)
    extra: dict[str, list[date]] = {code: [] for code in blocks}
    for w in sorted(schedule.workdays):
        if blocks:
            nearest = min(blocks, key=lambda c: min(abs((w - d).days) for d in blocks[c]))
            extra[nearest].append(w)
    lines = []
    for code, days in blocks.items():
        runs: list[list[date]] = []  # consecutive days
        for d in days:
            if runs and (d - runs[-1][-1]).days == 1:
                runs[-1].append(d)
            else:
                runs.append([d])
        spans = [
            r[0].isoformat() if len(r) == 1 else f"{r[0].isoformat()} 至 {r[-1].isoformat()}" for r in runs
        ]
        line = f"{HOLIDAY_NAMES[code]} {'、'.join(spans)} 放假"
        if extra[code]:
            line += f"；{'、'.join(d.isoformat() for d in extra[code])} 上班"
        lines.append(line)
    return "\n".join(lines)
