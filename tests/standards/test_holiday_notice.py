"""The holiday schedule read from the State Council notice's lines (or lines typed the same way)."""

from datetime import date

import pytest

from kefu.standards.calendar import bundled_schedules
from kefu.standards.holiday_notice import NoticeError, estimate_problems, notice_lines, parse_notice

NOTICE_2027 = """一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历腊月廿九）至11日（农历正月初五）放假调休，共7天。2月14日（星期日）、2月20日（星期六）上班。
三、清明节：4月3日至5日放假，共3天。
四、劳动节：5月1日至5日放假调休，共5天。4月25日（星期日）、5月8日（星期六）上班。
五、端午节：6月9日放假。
六、中秋节：9月15日至17日放假，共3天。9月26日（星期日）上班。
七、国庆节：10月1日至7日放假调休，共7天。10月9日（星期六）上班。"""


def test_a_notice_pasted_as_text_gives_its_days_off_and_its_make_up_days():
    schedule = parse_notice(2027, NOTICE_2027, "国务院办公厅关于2027年部分节假日安排的通知")
    assert schedule.holidays[date(2027, 2, 5)] == "spring_festival"
    assert schedule.holidays[date(2027, 6, 9)] == "dragon_boat"
    assert sum(c == "national_day" for c in schedule.holidays.values()) == 7
    assert sorted(schedule.workdays) == [
        date(2027, 2, 14), date(2027, 2, 20), date(2027, 4, 25), date(2027, 5, 8), date(2027, 9, 26), date(2027, 10, 9),
    ]  # fmt: skip
    assert estimate_problems(schedule) == []


def test_what_kefu_shows_of_a_schedule_reads_back_to_the_same_schedule():
    shipped = bundled_schedules()[2026]
    lines = notice_lines(shipped)
    assert lines.splitlines()[1] == "春节 2026-02-15 至 2026-02-23 放假；2026-02-14、2026-02-28 上班"
    assert parse_notice(2026, lines, shipped.source) == shipped


def test_traditional_characters_and_full_width_digits_are_read():
    typed = "春節：２月５日至１１日放假。２月１４日上班。"
    schedule = parse_notice(2027, typed, "通知")
    assert len(schedule.holidays) == 7 and schedule.workdays == {date(2027, 2, 14)}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("放假 6月9日", "第 1 行：没有认出节日名称"),
        ("元旦：1月1日放假\n春节放假调休", "第 2 行：春节没有写放假日期"),
        ("国庆节：10月1日至40日放假", "第 1 行：日期不存在：10月40日"),
        ("端午节：9日放假", "第 1 行：“9日”没有写月份"),
        ("劳动节：5月5日至1日放假", "结束日期早于开始日期"),
        ("劳动节：5月1日至5日放假\n国庆节：5月3日放假", "第 2 行：2027-05-03 已列为劳动节"),
        ("春节：2月5日至11日放假。2月6日上班。", "2027-02-06 既写成放假又写成上班"),
        (
            "春节：2月5日至11日放假。2月10日（星期三）上班。",
            "第 1 行：2027-02-10 是星期三，调休上班日必须是周六或周日",
        ),
    ],
)
def test_a_line_that_cannot_be_read_says_which_and_why(text, message):
    with pytest.raises(NoticeError, match=message):
        parse_notice(2027, text, "通知")


def test_a_mistyped_month_is_caught_by_the_lunar_estimate():
    schedule = parse_notice(2027, NOTICE_2027.replace("2月5日（农历腊月廿九）至11日", "3月5日至11日"), "通知")
    assert estimate_problems(schedule) == ["春节（2月6日，按农历或节气推算）不在放假日期里，请核对月份与年份"]
    only_new_year = parse_notice(2027, "元旦：1月1日至3日放假", "通知")
    assert "端午节（6月9日，按农历或节气推算）不在放假日期里，请核对月份与年份" in estimate_problems(
        only_new_year
    )
