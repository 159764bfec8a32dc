"""Phrasebook: greetings by calendar, every situation in every profile, placeholders and fallbacks."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from kefu.standards import scripts
from kefu.standards.calendar import WorkingCalendar
from kefu.standards.scripts import Context, greeting_for, profiles, render, resolve_profile, situations

SH = ZoneInfo("Asia/Shanghai")
CAL = WorkingCalendar()
FESTIVE_PROFILES = ("generic", "bufan", "oufei")
PLAIN_PROFILES = ("fangbiao", "xintianjie")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def _first_rest_day(holiday_en: str, year: int = 2026) -> date:
    """The first day off of a holiday period, read from chinese_calendar (not hard-coded)."""
    d = date(year, 1, 1)
    while d.year == year:
        on_holiday, name = chinese_calendar.get_holiday_detail(d)
        if on_holiday and name == holiday_en:
            return d
        d += timedelta(days=1)
    raise AssertionError(f"{holiday_en} not found in {year}")


FESTIVE_2026 = [
    ("New Year's Day", "新年好"),
    ("Spring Festival", "新年好"),
    ("Labour Day", "节日好"),
    ("Dragon Boat Festival", "节日好"),
    ("Mid-autumn Festival", "节日好"),
    ("National Day", "节日好"),
]


@pytest.mark.parametrize(("holiday", "expected"), FESTIVE_2026)
@pytest.mark.parametrize("profile", FESTIVE_PROFILES)
def test_festive_holidays_of_2026_get_the_festive_greeting(profile: str, holiday: str, expected: str) -> None:
    day = _first_rest_day(holiday)
    moment = datetime.combine(day, datetime.min.time(), SH).replace(hour=15)
    assert greeting_for(moment, profile) == expected


def test_known_festive_days_of_2026() -> None:
    assert greeting_for(at("2026-01-01T09:00"), "generic") == "新年好"
    assert greeting_for(at("2026-02-17T21:00"), "oufei") == "新年好"
    assert greeting_for(at("2026-10-01T09:30"), "bufan") == "节日好"


@pytest.mark.parametrize("profile", [*FESTIVE_PROFILES, *PLAIN_PROFILES, "xinying"])
def test_qingming_is_a_holiday_without_a_festive_greeting(profile: str) -> None:
    moment = at("2026-04-05T10:00")
    assert CAL.holiday(moment.date()) == "tomb_sweeping"
    assert greeting_for(moment, profile) not in {"新年好", "节日好", "春节好"}


def test_qingming_uses_time_of_day_where_the_profile_has_it() -> None:
    assert greeting_for(at("2026-04-05T10:00"), "generic") == "早上好"
    assert greeting_for(at("2026-04-05T10:00"), "oufei") == "您好"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-03-10T08:15", "早上好"),
        ("2026-03-10T11:59", "早上好"),
        ("2026-03-10T12:00", "下午好"),
        ("2026-03-10T17:30", "下午好"),
        ("2026-03-10T19:45", "晚上好"),
        ("2026-03-10T02:00", "晚上好"),
    ],
)
def test_ordinary_weekday_greets_by_time_of_day(moment: str, expected: str) -> None:
    assert greeting_for(at(moment), "generic") == expected
    assert greeting_for(at(moment), "bufan") == expected


def test_profiles_without_time_of_day_greeting_say_ninhao() -> None:
    assert greeting_for(at("2026-03-10T19:45"), "oufei") == "您好"
    assert greeting_for(at("2026-10-01T09:00"), "fangbiao") == "您好"  # no festive greeting prescribed
    assert greeting_for(at("2026-10-01T09:00"), "xintianjie") == "您好"


def test_weekend_greeting_only_for_profiles_that_ask() -> None:
    saturday = at("2026-03-14T10:00")
    assert greeting_for(saturday, "bufan") == "周末好"
    assert greeting_for(saturday, "generic") == "早上好"
    assert greeting_for(saturday, "oufei") == "您好"


def test_makeup_working_saturday_is_not_a_weekend() -> None:
    saturday = at("2026-10-10T10:00")
    assert CAL.day_info(saturday.date()).workday
    assert greeting_for(saturday, "bufan") == "早上好"


def test_makeup_working_day_inside_a_holiday_block_is_not_festive() -> None:
    # 2026-01-04 (Sunday) is the 元旦 make-up working day.
    assert greeting_for(at("2026-01-04T09:00"), "generic") == "早上好"


def test_estimated_spring_festival_2027_gets_new_year_greeting() -> None:
    moment = at("2027-02-06T10:00")  # 正月初一 2027
    assert CAL.holiday(moment.date()) == "spring_festival"
    assert greeting_for(moment, "oufei") == "新年好"
    assert render("opening", Context(profile="oufei", at=moment)) == "新年好，欧飞，很高兴为您服务！"


def test_xinying_says_chunjie_hao_and_has_no_dragon_boat_greeting() -> None:
    assert greeting_for(at("2026-02-17T10:00"), "xinying") == "春节好"
    assert greeting_for(at("2026-06-19T10:00"), "xinying") == "您好"


def test_naive_datetime_is_read_as_shanghai() -> None:
    assert greeting_for(datetime(2026, 3, 10, 8, 0), "generic") == "早上好"  # noqa: DTZ001
    assert greeting_for(datetime(2026, 3, 10, 0, 30, tzinfo=ZoneInfo("UTC")), "generic") == "早上好"


# ---------------------------------------------------------------- rendering


def test_oufei_opening_and_closing_follow_seed_003() -> None:
    daily = at("2026-03-10T10:00")
    assert render("opening", Context(profile="oufei", at=daily)) == "您好，欧飞，很高兴为您服务！"
    assert (
        render("closing", Context(profile="oufei", at=daily))
        == "请不要挂机，稍后对我的服务进行评价，谢谢，再见！"
    )
    new_year = render("closing", Context(profile="oufei", at=at("2026-01-01T10:00")))
    assert new_year == "请不要挂机，稍后对我的服务进行评价，祝您新年愉快，再见！"
    spring = render("closing", Context(profile="oufei", at=at("2026-02-18T10:00")))
    assert "祝您春节愉快" in spring
    national = render("closing", Context(profile="欧飞", at=at("2026-10-02T10:00")))
    assert "祝您节日愉快" in national
    assert "评价" not in render("closing", Context(profile="oufei", at=daily, channel="chat"))


def test_bufan_festive_and_weekend_opening() -> None:
    assert render("opening", Context(profile="bufan", at=at("2026-10-01T09:30"))).startswith("节日好！")
    weekend = Context(profile="bufan", at=at("2026-03-14T10:00"))
    assert render("opening", weekend).startswith("周末好！")
    assert render("closing", weekend) == "祝您周末愉快！感谢您的来电，再见！"


def test_opening_fills_brand_and_agent_number() -> None:
    text = render("opening", Context(profile="xintianjie", agent_no="1024", at=at("2026-03-10T10:00")))
    assert text == "您好！信天捷快递，1024号为您服务，请问有什么可以帮您？"
    fangbiao = render("opening", Context(profile="方标电信", agent_no="007"))
    assert fangbiao == "您好，方标电信，工号007为您服务，请问有什么可以帮到您？"
    generic = render("opening", Context(agent_no="1024", at=at("2026-03-10T15:00")))
    assert generic == "下午好！欢迎致电客户服务中心，1024号为您服务，请问有什么可以帮您？"


def test_brand_and_hotline_overrides() -> None:
    ctx = Context(brand_name="顺达快运", hotline="400-123-4567", customer="张女士")
    text = render("request_resolved", ctx)
    assert text.startswith("张女士，") and "400-123-4567" in text
    assert "顺达快运" in render("wrong_number", ctx)


@pytest.mark.parametrize(
    ("ctx", "expected"),
    [
        (Context(customer="王先生"), "王先生"),
        (Context(surname="李", title="经理"), "李经理"),
        (Context(surname="陈", gender="female"), "陈女士"),
        (Context(surname="陈", gender="male"), "陈先生"),
    ],
)
def test_customer_is_addressed_by_surname_and_title(ctx: Context, expected: str) -> None:
    assert render("complaint_staff", ctx).startswith(expected + "，首先我代表")


def test_missing_customer_leaves_no_placeholder() -> None:
    text = render("complaint_staff", Context(surname="陈"))  # surname without title: not addressed
    assert text.startswith("首先我代表")
    follow_up = render("follow_up", Context(profile="xinying"))
    assert "{" not in follow_up and "None" not in follow_up and "是吗" not in follow_up


def test_read_back_groups_phone_number_digits() -> None:
    text = render("read_back", Context(number="13800138000"))
    assert text == "跟您核对一下，您的手机号码是 1380 0138 000，对吗？"
    waybill = render("read_back", Context(profile="xintianjie", number="sf 1234-5678-9012"))
    assert waybill == "跟您核对一下，您的运单号是 SF12 3456 7890 12，对吗？"
    member = render("read_back", Context(number="88001234", number_kind="会员编号"))
    assert "会员编号是 8800 1234" in member


def test_multi_step_situations() -> None:
    silent = [render("customer_silent", Context(step=s)) for s in (1, 2, 3)]
    assert silent[0] == silent[1] == "您好，您的电话已接通，请讲。"
    assert "再见" in silent[2]
    retention = [render("supervisor_request", Context(step=s, customer="王先生")) for s in (1, 2, 3)]
    assert retention[0].startswith("王先生，请问您是什么问题呢")
    assert "交给我为您处理" in retention[1]
    assert "转接" in retention[2]
    abusive = [render("abusive", Context(step=s)) for s in (1, 2, 3)]
    assert "文明用语" in abusive[0] and "结束本次通话" in abusive[1] and "再见" in abusive[2]


def test_wrong_number_mentions_the_current_promotion() -> None:
    text = render("wrong_number", Context(profile="bufan", promotion="全场满199减30活动"))
    assert "不凡商城客户服务热线" in text and "满199减30" in text
    assert "近期有" not in render("wrong_number", Context(profile="bufan"))


def test_out_of_scope_refers_to_another_hotline() -> None:
    assert "建议您拨打12345进行咨询" in render("out_of_scope", Context(referral="12345"))
    assert "{" not in render("out_of_scope", Context())


def test_extra_fills_other_placeholders() -> None:
    text = render("appointment", Context(customer="刘经理", extra={"time": "明天上午10点"}))
    assert text.startswith("刘经理，您好") and "明天上午10点" in text
    days = render("request_accepted", Context(extra={"days": 5}))
    assert "5个工作日内" in days


def test_unknown_situation_and_profile_raise_chinese_errors() -> None:
    with pytest.raises(ValueError, match="未知的话术情景"):
        render("no_such_thing")
    with pytest.raises(ValueError, match="未知的品牌配置"):
        render("opening", Context(profile="nobody"))
    with pytest.raises(ValueError, match="未知的品牌配置"):
        situations("nobody")


def test_resolve_profile_accepts_id_and_chinese_name() -> None:
    assert resolve_profile("oufei") == "oufei"
    assert resolve_profile("欧飞") == "oufei"
    assert resolve_profile("歐飛") == "oufei"
    assert resolve_profile("OUFEI") == "oufei"
    assert resolve_profile("信天捷快递") == "xintianjie"


def test_profiles_have_brand_demo_hotline_and_features() -> None:
    all_profiles = profiles()
    assert {"generic", "bufan", "xintianjie", "oufei", "fangbiao", "xinying"} <= set(all_profiles)
    for profile in all_profiles.values():
        assert re.fullmatch(r"400-\d{3}-\d{4}", profile.hotline)
        assert profile.hotline_demo
    assert all_profiles["oufei"].evaluation_invitation
    assert all_profiles["bufan"].weekend_greeting
    assert not all_profiles["fangbiao"].festive_greeting


REQUIRED_SITUATIONS = {
    "opening",
    "closing",
    "ask_wait",
    "long_wait_reminder",
    "thanks_for_patience",
    "read_back",
    "customer_silent",
    "bad_line",
    "dialect_speed",
    "customer_praises",
    "customer_suggests",
    "complaint_staff",
    "repeat_chase",
    "supervisor_request",
    "abusive",
    "wrong_number",
    "system_outage",
    "out_of_scope",
    "callback",
    "follow_up",
    "appointment",
    "request_unresolved",
    "request_resolved",
}


def test_every_required_situation_exists_with_a_seed_source() -> None:
    listed = {s.id: s for s in situations()}
    assert set(listed) >= REQUIRED_SITUATIONS
    for situation in listed.values():
        assert re.search(r"00[0-4]_[0-9a-f]{16}\.txt", situation.source), situation.id
        assert re.search(r"[\u4e00-\u9fff]", situation.name)


def test_every_phrase_cites_a_seed() -> None:
    for pid in profiles():
        for situation in situations():
            for phrase in scripts.phrases_for(situation.id, pid):
                assert re.search(r"00[0-4]_[0-9a-f]{16}\.txt", phrase.source), (pid, situation.id)


MOMENTS = [
    at("2026-03-10T09:00"),
    at("2026-03-14T20:00"),
    at("2026-01-01T10:00"),
    at("2026-02-18T15:00"),
    at("2026-10-01T09:00"),
    at("2026-06-19T10:00"),
    at("2026-04-05T10:00"),
]


def _all_renderings(full: bool):
    for pid in profiles():
        for situation in situations():
            for step in range(1, situation.steps + 1):
                for channel in ("phone", "chat", "email"):
                    for moment in MOMENTS:
                        if full:
                            ctx = Context(
                                profile=pid,
                                at=moment,
                                channel=channel,
                                step=step,
                                agent_no="1024",
                                customer="王先生",
                                number="13800138000",
                                promotion="会员日满减活动",
                                referral="12345",
                                extra={
                                    "time": "明天上午",
                                    "date": "3月8日",
                                    "issue": "退款",
                                    "reason": "系统升级",
                                },
                            )
                        else:
                            ctx = Context(profile=pid, at=moment, channel=channel, step=step)
                        yield pid, situation.id, ctx, render(situation.id, ctx)


@pytest.mark.parametrize("full", [True, False], ids=["full-context", "empty-context"])
def test_every_situation_renders_in_every_profile_without_leftovers(full: bool) -> None:
    count = 0
    for pid, sid, _ctx, text in _all_renderings(full):
        count += 1
        assert text.strip(), (pid, sid)
        assert not re.search(r"[{}\[\]]|None|\*\*|XX", text), (pid, sid, text)
    assert count > 1000


def test_every_rendering_passes_the_compliance_checker() -> None:
    from kefu.standards import compliance

    seen: set[tuple[str, str]] = set()
    failures = []
    for full in (True, False):
        for pid, sid, ctx, text in _all_renderings(full):
            if (text, ctx.channel) in seen:
                continue
            seen.add((text, ctx.channel))
            violations = compliance.check(text, channel=ctx.channel, profile=pid)
            if violations:
                failures.append((pid, sid, text, [v.rule_id for v in violations]))
    assert failures == []
