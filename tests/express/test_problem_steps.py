"""Problem parcel plans (pure): steps done in order, choices that rule out a branch, rulebook checks."""

import pytest

from kefu.express.rules import InputError, RulebookError, complete_step, next_step, problem_parcel_kind
from kefu.express.rules.problems import problem_parcel_kinds

AT = "2026-10-08T10:00:00+08:00"


def done(kind, steps, number, **kw):
    return complete_step(kind, steps, number, by=7, by_name="李娜（2002）", at=AT, **kw)


def test_a_plan_starts_with_every_step_pending_in_the_rulebooks_order():
    kind = problem_parcel_kind("wrong_phone")
    plan = kind.plan()
    assert [s["no"] for s in plan] == [1, 2, 3, 4]
    assert [s["action"] for s in plan] == [s.action for s in kind.steps]
    assert {s["state"] for s in plan} == {"pending"} and next_step(plan)["no"] == 1


def test_steps_are_done_in_order_with_who_when_and_the_note():
    kind = problem_parcel_kind("wrong_phone")
    first = done(kind, kind.plan(), 1, note="  已上报  ")
    assert first.step == {**first.step, "state": "done", "by": 7, "by_name": "李娜（2002）", "at": AT}
    assert first.step["note"] == "已上报" and not first.finished and next_step(first.steps)["no"] == 2
    with pytest.raises(InputError, match="先完成第 2 步"):
        done(kind, first.steps, 3)
    with pytest.raises(InputError, match="已经完成"):
        done(kind, first.steps, 1)
    steps = first.steps
    for no in (2, 3, 4):
        result = done(kind, steps, no)
        steps = result.steps
    assert result.finished and next_step(steps) is None


def test_the_plan_given_is_not_changed_in_place():
    kind = problem_parcel_kind("wrong_city")
    plan = kind.plan()
    done(kind, plan, 1)
    assert plan[0]["state"] == "pending"


def test_a_deciding_step_needs_a_choice_and_rules_out_the_other_branch():
    kind = problem_parcel_kind("damaged_packaging")
    with pytest.raises(InputError, match="请记录核对重量的结果：重量无误、重量有差异"):
        done(kind, kind.plan(), 1)
    short = done(kind, kind.plan(), 1, choice="weight_short")
    assert short.choice == "weight_short"
    assert [s["state"] for s in short.steps] == ["done", "not_applicable", "pending"]
    with pytest.raises(InputError, match="不适用"):
        done(kind, short.steps, 2)
    assert done(kind, short.steps, 3).finished


def test_a_choice_may_bring_its_own_notice():
    kind = problem_parcel_kind("damaged_packaging")
    assert "重新包装" in kind.notice("weight_ok")
    assert "损坏、短缺" in kind.notice("weight_short") and "重新包装" not in kind.notice("weight_short")
    assert kind.notices() == [kind.customer_notice, kind.choice("weight_short").customer_notice]


def test_every_kind_informs_the_customer_once_on_every_path():
    for kind in problem_parcel_kinds():
        for choice in [c.code for c in kind.choices] or [None]:
            steps = [s for s in kind.steps if s.when in (None, choice)]
            assert sum(s.informs_customer for s in steps) == 1, (kind.code, choice)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"steps": [{"station": "moon", "action": "x"}]}, "站点应为"),
        ({"steps": [{"station": "origin", "action": "x", "when": "nope"}]}, "when 不是可选的处理方式"),
        ({"steps": [{"station": "origin", "action": "x", "decides": True}]}, "decides 步骤需要"),
    ],
)
def test_a_malformed_kind_in_the_rulebook_is_refused(rulebook, change, message):
    spec = {"name": "测试", "source": "x", "customer_notice": "您好", **change}
    book = rulebook.with_overrides({"service": {"problem_parcels": {"kinds": {"test": spec}}}})
    with pytest.raises(RulebookError, match=message):
        problem_parcel_kinds(book)
