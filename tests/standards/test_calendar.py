"""The working calendar: statutory holidays, 调休, estimates, loaded schedules, service hours."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.standards.calendar import (
    HOLIDAY_NAMES,
    SHANGHAI,
    SOURCE_NAMES,
    ServiceHours,
    WorkingCalendar,
    YearSchedule,
    bundled_schedules,
    estimated_holidays,
    load_schedule_file,
)

CAL = WorkingCalendar()


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def days(first: str, last: str) -> list[date]:
    a, b = date.fromisoformat(first), date.fromisoformat(last)
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


# The 2026 notice of the State Council General Office, typed in by hand.
HOLIDAYS_2026 = (
    [(d, "new_year") for d in days("2026-01-01", "2026-01-03")]
    + [(d, "spring_festival") for d in days("2026-02-15", "2026-02-23")]
    + [(d, "tomb_sweeping") for d in days("2026-04-04", "2026-04-06")]
    + [(d, "labour_day") for d in days("2026-05-01", "2026-05-05")]
    + [(d, "dragon_boat") for d in days("2026-06-19", "2026-06-21")]
    + [(d, "mid_autumn") for d in days("2026-09-25", "2026-09-27")]
    + [(d, "national_day") for d in days("2026-10-01", "2026-10-07")]
)
MAKEUP_2026 = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]


def test_holiday_names_are_the_agreed_codes() -> None:
    assert HOLIDAY_NAMES["new_year"] == "元旦"
    assert HOLIDAY_NAMES["spring_festival"] == "春节"
    assert HOLIDAY_NAMES["tomb_sweeping"] == "清明节"
    assert HOLIDAY_NAMES["labour_day"] == "劳动节"
    assert HOLIDAY_NAMES["dragon_boat"] == "端午节"
    assert HOLIDAY_NAMES["mid_autumn"] == "中秋节"
    assert HOLIDAY_NAMES["national_day"] == "国庆节"


@pytest.mark.parametrize(("day", "code"), HOLIDAYS_2026, ids=str)
def test_every_2026_holiday_is_a_day_off(day: date, code: str) -> None:
    info = CAL.day_info(day)
    assert not info.workday
    assert info.holiday == code
    assert info.holiday_name == HOLIDAY_NAMES[code]
    assert info.source == "chinese_calendar"
    assert CAL.holiday(day) == code


@pytest.mark.parametrize("day", MAKEUP_2026)
def test_2026_makeup_days_are_working_weekend_days(day: str) -> None:
    info = CAL.day_info(date.fromisoformat(day))
    assert info.workday and info.weekend and info.makeup_workday
    assert info.holiday is None


def test_ordinary_weekday_and_weekend() -> None:
    wed = CAL.day_info(date(2026, 3, 11))
    assert wed.workday and not wed.weekend and wed.holiday is None and not wed.makeup_workday
    sat = CAL.day_info(date(2026, 3, 14))
    assert not sat.workday and sat.weekend and sat.holiday is None


def test_old_one_off_anniversary_day_is_mapped() -> None:
    assert CAL.holiday(date(2015, 9, 3)) == "anniversary"


def test_coverage_by_year() -> None:
    assert CAL.coverage(2026) == "chinese_calendar"
    assert CAL.coverage(2027) == "estimated"


# ---------------------------------------------------------------- estimates (2027, not in the package)

ESTIMATED_2027 = [
    ("2027-01-01", "new_year"),
    ("2027-01-03", "new_year"),  # Sunday touching the Friday holiday
    ("2027-02-05", "spring_festival"),  # 除夕
    ("2027-02-06", "spring_festival"),  # 正月初一
    ("2027-02-12", "spring_festival"),  # 初七
    ("2027-04-05", "tomb_sweeping"),  # 清明 solar term
    ("2027-05-05", "labour_day"),
    ("2027-06-09", "dragon_boat"),  # lunar 5/5
    ("2027-09-15", "mid_autumn"),  # lunar 8/15
    ("2027-10-07", "national_day"),
]


@pytest.mark.parametrize(("day", "code"), ESTIMATED_2027)
def test_2027_holidays_are_estimated_and_say_so(day: str, code: str) -> None:
    info = CAL.day_info(date.fromisoformat(day))
    assert not info.workday
    assert info.holiday == code
    assert info.source == "estimated"


@pytest.mark.parametrize("year", [2025, 2026])
def test_estimates_match_the_official_days_off_of_the_modern_pattern(year: int) -> None:
    for day in estimated_holidays(year):
        assert not CAL.is_workday(day) or day.weekday() >= 5, day
    assert CAL.day_info(date(2027, 1, 1)).source in SOURCE_NAMES
    assert "估算" in SOURCE_NAMES["estimated"]


def test_2027_has_no_estimated_makeup_days() -> None:
    saturdays = [d for d in days("2027-01-01", "2027-12-31") if d.weekday() == 5]
    assert not any(CAL.is_workday(d) for d in saturdays)
    assert CAL.is_workday(date(2027, 2, 15))  # Monday after the estimated 春节 break


def test_qingming_follows_the_solar_term_in_other_years() -> None:
    assert CAL.holiday(date(2028, 4, 4)) == "tomb_sweeping"  # 清明 2028 is 4 April
    assert CAL.is_workday(date(2028, 4, 6))


# ---------------------------------------------------------------- loaded schedules

SCHEDULE_2027 = {
    "year": 2027,
    "source": "测试用安排（非官方）",
    "holidays": {
        "2027-01-01": "new_year",
        **{d.isoformat(): "spring_festival" for d in days("2027-02-06", "2027-02-14")},
    },
    "workdays": ["2027-02-20"],
}


def test_loaded_schedule_overrides_estimates() -> None:
    cal = WorkingCalendar({2027: YearSchedule.from_dict(SCHEDULE_2027)})
    assert cal.coverage(2027) == "loaded"
    makeup = cal.day_info(date(2027, 2, 20))
    assert makeup.workday and makeup.makeup_workday and makeup.source == "loaded"
    assert cal.is_workday(date(2027, 2, 5))  # 除夕: a day off only in the estimate
    assert cal.is_workday(date(2027, 9, 15))  # 中秋 not in this (partial) schedule
    assert cal.holiday(date(2027, 2, 14)) == "spring_festival"
    assert CAL.is_workday(date(2027, 2, 20)) is False  # the estimate alone knows no make-up days


def test_loaded_schedule_overrides_the_package() -> None:
    only_new_year = {"year": 2026, "source": "测试", "holidays": {"2026-01-01": "new_year"}}
    cal = WorkingCalendar({2026: YearSchedule.from_dict(only_new_year)})
    assert cal.is_workday(date(2026, 10, 1))
    assert not cal.is_workday(date(2026, 10, 10))
    assert cal.day_info(date(2026, 1, 1)).source == "loaded"


def test_bundled_2026_schedule_agrees_with_the_package_every_day() -> None:
    loaded = WorkingCalendar(bundled_schedules())
    assert loaded.coverage(2026) == "loaded"
    for d in days("2026-01-01", "2026-12-31"):
        assert loaded.is_workday(d) == CAL.is_workday(d), d
        assert loaded.holiday(d) == CAL.holiday(d), d


def test_schedule_accepts_yaml_dates_and_round_trips() -> None:
    data = {"year": 2027, "source": "通知", "holidays": {date(2027, 1, 1): "new_year"}, "workdays": []}
    schedule = YearSchedule.from_dict(data)
    assert schedule.holidays == {date(2027, 1, 1): "new_year"}
    assert YearSchedule.from_dict(schedule.to_dict()) == schedule


def test_schedule_may_start_in_the_previous_december() -> None:
    data = {
        "year": 2019,
        "source": "通知",
        "holidays": {"2018-12-30": "new_year"},
        "workdays": ["2018-12-29"],
    }
    cal = WorkingCalendar({2019: YearSchedule.from_dict(data)})
    assert cal.is_workday(date(2018, 12, 29))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"year": None}, "年份"),
        ({"year": "2027年"}, "2027年"),
        ({"source": ""}, "source"),
        ({"holidays": {"2027-02-30": "spring_festival"}}, "2027-02-30"),
        ({"holidays": {"2027-01-01": "christmas"}}, "christmas"),
        ({"holidays": {"2028-01-01": "new_year"}}, "2028-01-01"),
        ({"holidays": ["2027-01-01"]}, "holidays"),
        ({"workdays": ["2027-02-03"]}, "2027-02-03.*星期三"),
        ({"workdays": ["2027-02-13"], "holidays": {"2027-02-13": "spring_festival"}}, "同时"),
        ({"workdays": "2027-02-20"}, "workdays"),
        ({"weekdays": []}, "weekdays"),
    ],
)
def test_bad_schedule_is_rejected_naming_the_entry(change: dict, message: str) -> None:
    data = {**SCHEDULE_2027, **change}
    if change.get("year") is None and "year" in change:
        del data["year"]
    with pytest.raises(ValueError, match=message):
        YearSchedule.from_dict(data)


def test_schedule_files_yaml_and_json(tmp_path) -> None:
    as_json = tmp_path / "2027.json"
    as_json.write_text(json.dumps(SCHEDULE_2027, ensure_ascii=False), encoding="utf-8")
    as_yaml = tmp_path / "2027.yaml"
    as_yaml.write_text(
        "year: 2027\nsource: 通知\nholidays:\n  2027-01-01: new_year\nworkdays: [2027-02-20]\n",
        encoding="utf-8",
    )
    assert load_schedule_file(as_json).workdays == {date(2027, 2, 20)}
    assert load_schedule_file(as_yaml).holidays == {date(2027, 1, 1): "new_year"}
    broken = tmp_path / "broken.yaml"
    broken.write_text("year: 2027\nsource: 通知\nholidays: {2027-01-01: easter}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.yaml.*easter"):
        load_schedule_file(broken)


# ---------------------------------------------------------------- working days


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [
        (at(2026, 9, 30, 16), 3, at(2026, 10, 10, 16)),  # acceptance: 国庆, then make-up Saturday
        (at(2026, 3, 11, 9, 30), 1, at(2026, 3, 12, 9, 30)),  # ordinary Wednesday
        (at(2026, 3, 13, 11), 1, at(2026, 3, 16, 11)),  # Friday -> Monday
        (at(2026, 3, 14, 16), 1, at(2026, 3, 16, 16)),  # Saturday start: Monday is day 1
        (at(2026, 3, 14, 16), 3, at(2026, 3, 18, 16)),
        (at(2026, 2, 13, 10), 1, at(2026, 2, 14, 10)),  # 春节: make-up Saturday before
        (at(2026, 2, 14, 10), 1, at(2026, 2, 24, 10)),  # across the 9-day break
        (at(2026, 2, 27, 10), 1, at(2026, 2, 28, 10)),  # make-up Saturday after
        (at(2025, 12, 31, 10), 1, at(2026, 1, 4, 10)),  # year end, make-up Sunday
        (at(2025, 12, 31, 10), 2, at(2026, 1, 5, 10)),
        (at(2026, 9, 18, 15), 1, at(2026, 9, 20, 15)),  # Friday before a make-up Sunday
        (at(2026, 12, 31, 9), 1, at(2027, 1, 4, 9)),  # into estimated 2027 (元旦 + weekend)
        (at(2027, 2, 4, 9), 1, at(2027, 2, 15, 9)),  # estimated 春节 2027
        (at(2026, 3, 11, 9), 0, at(2026, 3, 11, 9)),
    ],
)
def test_add_working_days(start: datetime, n: int, due: datetime) -> None:
    assert CAL.add_working_days(start, n) == due


def test_add_working_days_accepts_other_zones_and_answers_in_shanghai() -> None:
    due = CAL.add_working_days(datetime(2026, 9, 30, 8, tzinfo=UTC), 3)
    assert due == at(2026, 10, 10, 16)
    assert due.tzinfo == SHANGHAI


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.add_working_days(datetime(2026, 3, 11, 9), 1),  # noqa: DTZ001
        lambda: CAL.add_working_time(datetime(2026, 3, 11, 9), timedelta(hours=1)),  # noqa: DTZ001
        lambda: CAL.working_time_between(datetime(2026, 3, 11, 9), at(2026, 3, 12)),  # noqa: DTZ001
        lambda: CAL.is_open(datetime(2026, 3, 11, 9)),  # noqa: DTZ001
        lambda: CAL.add_working_days(at(2026, 3, 11), -1),
        lambda: CAL.add_working_time(at(2026, 3, 11), timedelta(hours=-1)),
    ],
)
def test_naive_or_negative_input_is_refused(call) -> None:
    with pytest.raises(ValueError):
        call()


# ---------------------------------------------------------------- service hours (default 09:00-18:00)


@pytest.mark.parametrize(
    ("start", "delta", "due"),
    [
        (at(2026, 3, 11, 10), timedelta(hours=2), at(2026, 3, 11, 12)),
        (at(2026, 3, 11, 17), timedelta(hours=1), at(2026, 3, 11, 18)),  # ends exactly at closing
        (at(2026, 3, 11, 7), timedelta(hours=1), at(2026, 3, 11, 10)),  # before opening
        (at(2026, 3, 11, 20), timedelta(minutes=30), at(2026, 3, 12, 9, 30)),  # after closing
        (at(2026, 3, 13, 17), timedelta(hours=2), at(2026, 3, 16, 10)),  # across a weekend
        (at(2026, 9, 30, 17), timedelta(hours=2), at(2026, 10, 8, 10)),  # across 国庆
        (at(2026, 10, 9, 17), timedelta(hours=2), at(2026, 10, 10, 10)),  # make-up Saturday is open
        (at(2026, 3, 11, 10), timedelta(hours=27), at(2026, 3, 16, 10)),  # three 9-hour days
    ],
)
def test_add_working_time_office_hours(start: datetime, delta: timedelta, due: datetime) -> None:
    assert CAL.add_working_time(start, delta) == due
    assert CAL.working_time_between(start, due) == delta


def test_round_the_clock_service_still_skips_days_off() -> None:
    cal = WorkingCalendar(service_hours=ServiceHours(time(0), time(0)))
    assert cal.add_working_time(at(2026, 3, 13, 22), timedelta(hours=4)) == at(2026, 3, 16, 2)
    assert cal.working_time_between(at(2026, 3, 13, 22), at(2026, 3, 16, 2)) == timedelta(hours=4)


def test_service_open_on_holidays_counts_every_day() -> None:
    cal = WorkingCalendar(service_hours=ServiceHours(time(0), time(0), open_on_holidays=True))
    assert cal.add_working_time(at(2026, 3, 13, 22), timedelta(hours=4)) == at(2026, 3, 14, 2)
    chat = WorkingCalendar(service_hours=ServiceHours(time(8), time(22), open_on_holidays=True))
    assert chat.is_open(at(2026, 10, 1, 21, 59))
    assert not chat.is_open(at(2026, 10, 1, 22))


def test_working_time_between_is_negative_backwards() -> None:
    assert CAL.working_time_between(at(2026, 3, 16, 10), at(2026, 3, 13, 17)) == -timedelta(hours=2)
    assert CAL.working_time_between(at(2026, 10, 1, 10), at(2026, 10, 7, 10)) == timedelta(0)


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (at(2026, 3, 11, 10), True),
        (at(2026, 3, 11, 8, 59), False),
        (at(2026, 3, 11, 18), False),
        (at(2026, 3, 14, 10), False),  # Saturday
        (at(2026, 10, 10, 10), True),  # make-up Saturday
        (at(2026, 10, 2, 10), False),  # 国庆
    ],
)
def test_is_open(moment: datetime, open_: bool) -> None:
    assert CAL.is_open(moment) is open_


def test_service_hours_must_not_run_backwards() -> None:
    with pytest.raises(ValueError, match="早于"):
        ServiceHours(time(22), time(6))


# ---------------------------------------------------------------- properties

moments = st.datetimes(
    min_value=datetime(2025, 11, 1),  # noqa: DTZ001
    max_value=datetime(2027, 12, 1),  # noqa: DTZ001
).map(lambda d: d.replace(second=0, microsecond=0, tzinfo=SHANGHAI))


@settings(max_examples=150, deadline=None)
@given(start=moments, minutes=st.integers(min_value=0, max_value=60 * 9 * 40))
def test_add_working_time_round_trips(start: datetime, minutes: int) -> None:
    delta = timedelta(minutes=minutes)
    due = CAL.add_working_time(start, delta)
    assert due >= start
    assert CAL.working_time_between(start, due) == delta
    if minutes:
        assert CAL.is_open(due - timedelta(minutes=1))


@settings(max_examples=150, deadline=None)
@given(start=moments, n=st.integers(min_value=1, max_value=30))
def test_add_working_days_lands_on_the_nth_working_day(start: datetime, n: int) -> None:
    due = CAL.add_working_days(start, n)
    assert due.time() == start.time()
    assert CAL.is_workday(due.date())
    between = [d for d in days(start.date().isoformat(), due.date().isoformat())[1:] if CAL.is_workday(d)]
    assert len(between) == n


def test_a_working_clock_knows_when_it_stops_and_starts_again() -> None:
    cal = WorkingCalendar(service_hours=ServiceHours(time(8), time(22)))
    assert cal.counting(at(2026, 11, 24, 21, 59)) == (True, at(2026, 11, 24, 22)), "stops at closing"
    assert cal.counting(at(2026, 11, 24, 22, 30)) == (False, at(2026, 11, 25, 8)), (
        "waits for the next opening"
    )
    # Friday evening: the next opening is Monday; the National Day week and its make-up Saturday are honoured
    assert cal.counting(at(2026, 11, 27, 23)) == (False, at(2026, 11, 30, 8))
    assert cal.counting(at(2026, 9, 30, 23)) == (False, at(2026, 10, 8, 8))
    assert cal.counting(at(2026, 10, 9, 23)) == (False, at(2026, 10, 10, 8)), "调休 Saturday works"
    # whole working days run on from one day into the next until a day off
    assert cal.counting(at(2026, 11, 24, 3), whole_days=True) == (True, at(2026, 11, 28))
    always = WorkingCalendar(service_hours=ServiceHours(time(0), time(0), open_on_holidays=True))
    assert always.counting(at(2026, 11, 24, 3)) == (True, None), "round the clock never stops"
