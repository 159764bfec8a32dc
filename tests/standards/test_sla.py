"""SLA rulebook and due-time arithmetic."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from kefu.standards.calendar import SHANGHAI, WorkingCalendar
from kefu.standards.sla import (
    SOURCE_PATTERN,
    Target,
    compute_due,
    default_rulebook_path,
    dues_for,
    load_policies,
    remaining,
    resume_due,
)

CAL = WorkingCalendar()
POLICIES = load_policies()
SEED_FILES = {
    "000_8bbbf25f8e008225.txt",
    "001_acc61511cc9d3f80.txt",
    "002_2b4a34d48d0f8fa0.txt",
    "003_84786fa103712b07.txt",
    "004_4ea5f35392de9aaf.txt",
}


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def codes(targets: list[Target]) -> set[str]:
    return {t.code for t in targets}


def one(ticket_type: str, code: str, brand: str | None = None, **kw) -> Target:
    found = [t for t in POLICIES.targets_for(ticket_type, brand, **kw) if t.code == code]
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------- walking the rulebook

RULES = list(POLICIES.all_targets())


@pytest.mark.parametrize(
    ("group", "kind", "target"), RULES, ids=[f"{g}-{k}-{t.code}-{t.scope}" for g, k, t in RULES]
)
def test_every_rule_is_cited_reachable_and_computes_a_due_time(group: str, kind: str, target: Target) -> None:
    assert SOURCE_PATTERN.search(target.source)
    for seed in re.findall(r"\d{3}_[0-9a-f]{16}\.txt", target.source):
        assert seed in SEED_FILES, seed
    brand = None if group == "default" else group
    kinds = POLICIES.ticket_types() if kind == "*" else [kind]
    channel = target.channel or "phone"
    assert any(target in POLICIES.targets_for(k, brand, scope=target.scope, channel=channel) for k in kinds)
    start = at(2026, 9, 30, 16)
    due = compute_due(start, target, CAL)
    assert due > start
    assert remaining(start, due, target, CAL) > timedelta(0)


def test_rulebook_lists_the_thirteen_ticket_types_and_the_brands_with_their_own_targets() -> None:
    assert [POLICIES.type_name(code) for code in POLICIES.ticket_types()] == [
        "咨询", "订购", "查询", "投诉", "建议", "表扬", "理赔", "取件", "报修", "回访", "订单确认", "回复", "问题件",
    ]  # fmt: skip
    assert POLICIES.ticket_types()[:3] == ["consult", "order", "query"]  # the codes of tickets.TicketType
    assert POLICIES.brands == {"xintianjie"}  # the others (and brands added in 后台管理) have the defaults


@pytest.mark.parametrize("kind", POLICIES.ticket_types())
def test_every_ticket_type_has_a_time_promise(kind: str) -> None:
    assert POLICIES.targets_for(kind, channel="chat") or POLICIES.targets_for(kind)


# ---------------------------------------------------------------- what the seeds promise


def test_tracking_query_answer_within_30_minutes() -> None:
    target = one("查询", "answer")
    assert (target.amount, target.unit, target.clock, target.starts_on) == (
        30,
        "minutes",
        "calendar",
        "created",
    )
    assert compute_due(at(2026, 10, 2, 23, 50), target, CAL) == at(2026, 10, 3, 0, 20)


def test_request_needing_a_department_is_answered_within_3_working_days() -> None:
    target = one("咨询", "answer")
    assert target.starts_on == "handed_off" and target.describe() == "3个工作日"
    assert compute_due(at(2026, 9, 30, 16), target, CAL) == at(2026, 10, 10, 16)


def test_escalated_complaint_gets_a_reply_in_3_working_days_and_result_in_7_days() -> None:
    assert codes(POLICIES.targets_for("投诉", starts_on="escalated")) == {"answer"}
    resolve = one("投诉", "resolve", "xintianjie")
    assert "快递暂行条例" in resolve.source
    assert compute_due(at(2026, 9, 30, 16), resolve, CAL) == at(2026, 10, 7, 16)


def test_forwarded_request_feedback_within_24_hours() -> None:
    target = one("咨询", "feedback")
    assert (target.duration, target.starts_on) == (timedelta(hours=24), "handed_off")


@pytest.mark.parametrize(
    ("scope", "days"), [(None, 30), ("domestic", 30), ("hmt", 30), ("international", 60)]
)
def test_claim_settlement_depends_on_scope(scope: str | None, days: int) -> None:
    settle = one("理赔", "settle", scope=scope)
    assert settle.duration == timedelta(days=days)
    assert compute_due(at(2026, 1, 10, 9), settle, CAL) == at(2026, 1, 10, 9) + timedelta(days=days)


def test_claim_acknowledged_in_24_hours_and_paid_7_days_after_agreement() -> None:
    assert one("理赔", "acknowledge").duration == timedelta(hours=24)
    pay = one("理赔", "pay")
    assert (pay.starts_on, pay.duration, pay.clock) == ("agreed", timedelta(days=7), "calendar")


def test_sale_follow_up_within_3_days_after_resolution() -> None:
    follow_up = one("订购", "follow_up")
    assert (follow_up.starts_on, follow_up.duration) == ("resolved", timedelta(days=3))


def test_online_chat_first_reply_within_5_minutes_only_for_chat() -> None:
    assert "first_response" not in codes(POLICIES.targets_for("咨询"))
    assert "first_response" not in codes(POLICIES.targets_for("咨询", channel="phone"))
    assert one("咨询", "first_response", channel="chat", starts_on="created").duration == timedelta(minutes=5)
    # a message left instead of waiting: the same 5 minutes, of service time, from when it is left
    left = one("咨询", "first_response", channel="chat", starts_on="message_left")
    assert left.duration == timedelta(minutes=5) and left.clock == "working"
    assert "first_response" not in codes(POLICIES.targets_for("回访", channel="chat"))  # outbound: disabled


def test_brand_override_adds_the_express_30_minute_complaint_reply() -> None:
    assert "acknowledge" in codes(POLICIES.targets_for("投诉", "xintianjie"))
    assert "acknowledge" not in codes(POLICIES.targets_for("投诉", "bufan"))


def test_traditional_input_and_bad_arguments() -> None:
    assert POLICIES.targets_for("投訴") == POLICIES.targets_for("投诉")
    with pytest.raises(ValueError, match="未知工单类型"):
        POLICIES.targets_for("退款")
    assert POLICIES.targets_for("投诉", "shunfeng") == POLICIES.targets_for("投诉")  # no group of its own
    with pytest.raises(ValueError, match="scope"):
        POLICIES.targets_for("理赔", scope="mars")


def test_dues_for_uses_only_events_that_happened() -> None:
    created = at(2026, 3, 11, 10)
    dues = dict((t.code, due) for t, due in dues_for(POLICIES, "查询", None, {"created": created}, CAL))
    assert dues == {"answer": at(2026, 3, 11, 10, 30)}


# ---------------------------------------------------------------- overrides and bad rulebooks


def test_overrides_replace_disable_and_add_targets() -> None:
    policies = load_policies(
        overrides={
            "default": {"查询": [{"code": "feedback", "starts_on": "handed_off", "disabled": True}]},
            "oufei": {
                "查询": [
                    {
                        "code": "answer",
                        "name": "查询答复",
                        "amount": 15,
                        "unit": "minutes",
                        "clock": "working",
                        "source": "《欧飞服务协议》",
                    }
                ]
            },
        }
    )
    assert "feedback" not in codes(policies.targets_for("查询"))
    assert one("查询", "answer").amount == 30
    answer = [t for t in policies.targets_for("查询", "oufei") if t.code == "answer"]
    assert [(t.amount, t.clock) for t in answer] == [(15, "working")]


def _rulebook(tmp_path: Path, mutate) -> Path:
    data = yaml.safe_load(default_rulebook_path().read_text(encoding="utf-8"))
    mutate(data)
    path = tmp_path / "sla.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _first_query_target(data: dict) -> dict:
    return data["policies"]["default"]["query"][0]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: _first_query_target(d).update(unit="weeks"), "query 第1条.*weeks"),
        (lambda d: _first_query_target(d).update(amount=0), "amount"),
        (lambda d: _first_query_target(d).update(clock="lunar"), "clock"),
        (lambda d: _first_query_target(d).update(starts_on="paid"), "starts_on"),
        (lambda d: _first_query_target(d).pop("source"), "source"),
        (lambda d: _first_query_target(d).update(source="经验"), "种子文件名"),
        (lambda d: _first_query_target(d).update(colour="red"), "colour"),
        (lambda d: d["policies"]["default"].pop("praise"), "缺少工单类型“表扬”（praise"),
        (lambda d: d["policies"]["default"].update(退款=[]), "退款"),
        (lambda d: d["policies"].update({"顺丰": {}}), "既不是 default 也不是品牌代码"),
        (lambda d: d["policies"]["default"]["query"].append(_first_query_target(d)), "重复"),
        (lambda d: d.update(ticket_types="投诉"), "ticket_types"),
    ],
)
def test_bad_rulebook_is_rejected_in_chinese(tmp_path: Path, mutate, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_policies(_rulebook(tmp_path, mutate))


def test_unreadable_rulebook(tmp_path: Path) -> None:
    path = tmp_path / "sla.yaml"
    path.write_text("policies: [", encoding="utf-8")
    with pytest.raises(ValueError, match="无法读取"):
        load_policies(path)


# ---------------------------------------------------------------- clocks

WORKING_HOURS = Target("answer", "答复", 2, "hours", "working", source="测试")
WORKING_DAYS = Target("answer", "答复", 3, "days", "working", source="测试")
CALENDAR_DAY = Target("resolve", "办结", 24, "hours", "calendar", source="测试")


def test_compute_due_per_clock() -> None:
    friday = at(2026, 3, 13, 17)
    assert compute_due(friday, WORKING_HOURS, CAL) == at(2026, 3, 16, 10)
    assert compute_due(friday, WORKING_DAYS, CAL) == at(2026, 3, 18, 17)
    assert compute_due(friday, CALENDAR_DAY, CAL) == at(2026, 3, 14, 17)
    with pytest.raises(ValueError):
        compute_due(datetime(2026, 3, 13, 17), CALENDAR_DAY, CAL)  # noqa: DTZ001


def test_remaining_is_negative_when_overdue_and_counts_working_time() -> None:
    due = at(2026, 3, 16, 10)
    assert remaining(at(2026, 3, 13, 17), due, WORKING_HOURS, CAL) == timedelta(hours=2)
    assert remaining(at(2026, 3, 14, 12), due, WORKING_HOURS, CAL) == timedelta(hours=1)  # Saturday
    assert remaining(at(2026, 3, 16, 12), due, WORKING_HOURS, CAL) == -timedelta(hours=2)
    assert remaining(at(2026, 3, 16, 12), due, CALENDAR_DAY, CAL) == -timedelta(hours=2)
    assert remaining(at(2026, 3, 14, 10), at(2026, 3, 16, 10), WORKING_DAYS, CAL) == timedelta(hours=10)


def test_pause_shifts_a_calendar_clock_by_the_pause() -> None:
    due = at(2026, 3, 14, 17)
    resumed = resume_due(due, at(2026, 3, 14, 9), at(2026, 3, 14, 15), CALENDAR_DAY, CAL)
    assert resumed == at(2026, 3, 14, 23)


def test_pause_keeps_the_working_time_left() -> None:
    # Due Monday 10:00; paused Friday 17:30 with 1.5 working hours left; customer replies Tuesday 16:00.
    due = at(2026, 3, 16, 10)
    assert resume_due(due, at(2026, 3, 13, 17, 30), at(2026, 3, 17, 16), WORKING_HOURS, CAL) == at(
        2026, 3, 17, 17, 30
    )
    # Paused over 国庆: 3 working days due 2026-10-10 16:00, paused 30 Sep 16:00 (all 3 days left).
    assert resume_due(
        at(2026, 10, 10, 16), at(2026, 9, 30, 16), at(2026, 10, 12, 16), WORKING_DAYS, CAL
    ) == at(2026, 10, 15, 16)


def test_pause_does_not_undo_a_breach_and_must_end_after_it_starts() -> None:
    due = at(2026, 3, 16, 10)
    assert resume_due(due, at(2026, 3, 16, 11), at(2026, 3, 17, 11), WORKING_HOURS, CAL) == due
    with pytest.raises(ValueError, match="早于暂停时间"):
        resume_due(due, at(2026, 3, 16, 9), at(2026, 3, 16, 8), WORKING_HOURS, CAL)


moments = st.datetimes(
    min_value=datetime(2025, 12, 1),  # noqa: DTZ001
    max_value=datetime(2027, 3, 1),  # noqa: DTZ001
).map(lambda d: d.replace(second=0, microsecond=0, tzinfo=SHANGHAI))


@settings(max_examples=100, deadline=None)
# found by a run: 5 working days from a Monday are due Monday 00:00; their time runs out at Friday 24:00
@example(
    start=datetime(2025, 12, 1, tzinfo=SHANGHAI),
    amount=5,
    unit="days",
    clock="working",
    pause_at=0.0,
    pause_minutes=0,
)
@given(
    start=moments,
    amount=st.integers(min_value=1, max_value=72),
    unit=st.sampled_from(["minutes", "hours", "days"]),
    clock=st.sampled_from(["calendar", "working"]),
    pause_at=st.floats(min_value=0, max_value=0.99),
    pause_minutes=st.integers(min_value=0, max_value=60 * 24 * 10),
)
def test_pausing_never_shortens_the_time_left(
    start: datetime, amount: int, unit: str, clock: str, pause_at: float, pause_minutes: int
) -> None:
    target = Target("answer", "答复", amount, unit, clock, source="测试")
    due = compute_due(start, target, CAL)
    paused = (start + (due - start) * pause_at).replace(second=0, microsecond=0)
    left = remaining(paused, due, target, CAL)
    resumed = paused + timedelta(minutes=pause_minutes)
    new_due = resume_due(due, paused, resumed, target, CAL)
    assert new_due >= due
    assert remaining(resumed, new_due, target, CAL) == left
