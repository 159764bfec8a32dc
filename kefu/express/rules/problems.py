"""Problem parcels (问题件): their kinds, step plans and the order the steps are done in (pure).

Seed 004_4ea5f35392de9aaf.txt 第五篇 二 (二): the station that cannot deliver reports the parcel and
tells the origin station; the origin station contacts the sender and decides; the destination
station acts on it. Kinds, steps, choices and customer notices are data in rulebooks/service.yaml.

A plan is a JSON-ready list of steps, one dict each::

    {"no": 1, "station": "destination", "action": "…", "when": None, "informs_customer": False,
     "decides": False, "state": "pending", "by": None, "by_name": "", "at": None, "note": ""}

`state` is pending | done | not_applicable (a branch the recorded choice ruled out).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .money import InputError
from .rulebook import Rulebook, RulebookError, default_rulebook
from .service import render

STATIONS = ("origin", "destination")
STATION_LABELS = {"destination": "派件站点", "origin": "发出站点"}
PENDING, DONE, NOT_APPLICABLE = "pending", "done", "not_applicable"
STEP_STATES = {PENDING: "待处理", DONE: "已完成", NOT_APPLICABLE: "不适用"}


@dataclass(frozen=True)
class ProblemStep:
    station: str  # origin | destination
    action: str
    when: str | None = None  # only after this choice was recorded
    informs_customer: bool = False
    decides: bool = False


@dataclass(frozen=True)
class ProblemChoice:
    code: str
    name: str
    customer_notice: str | None = None  # replaces the kind's notice when this choice is made
    source: str = ""


@dataclass(frozen=True)
class ProblemParcelKind:
    code: str
    name: str
    steps: tuple[ProblemStep, ...]
    customer_notice: str
    source: str
    choice_label: str = ""
    choices: tuple[ProblemChoice, ...] = ()

    def choice(self, code: str) -> ProblemChoice:
        for option in self.choices:
            if option.code == code:
                return option
        names = "、".join(o.name for o in self.choices)
        raise InputError(f"请记录{self.choice_label}：{names}", "choice")

    def notice(self, choice: str | None = None, **values: Any) -> str:
        """The customer notice for the recorded choice, placeholders filled (city, station, address, eta)."""
        option = self.choice(choice) if choice else None
        return render((option and option.customer_notice) or self.customer_notice, **values)

    def notices(self) -> list[str]:
        """Every notice this kind may send: the kind's own and each choice's."""
        return [self.customer_notice, *(o.customer_notice for o in self.choices if o.customer_notice)]

    def plan(self) -> list[dict[str, Any]]:
        """A fresh step plan, every step pending."""
        return [
            {
                "no": no,
                "station": step.station,
                "action": step.action,
                "when": step.when,
                "informs_customer": step.informs_customer,
                "decides": step.decides,
                "state": PENDING,
                "by": None,
                "by_name": "",
                "at": None,
                "note": "",
            }
            for no, step in enumerate(self.steps, start=1)
        ]


def _kind(code: str, spec: Mapping[str, Any]) -> ProblemParcelKind:
    choice = spec.get("choice") or {}
    options = tuple(
        ProblemChoice(
            code=str(key),
            name=str(value["name"]),
            customer_notice=value.get("customer_notice"),
            source=str(value.get("source", "")),
        )
        for key, value in (choice.get("options") or {}).items()
    )
    steps = tuple(
        ProblemStep(
            station=str(s["station"]),
            action=str(s["action"]),
            when=s.get("when"),
            informs_customer=bool(s.get("informs_customer", False)),
            decides=bool(s.get("decides", False)),
        )
        for s in spec["steps"]
    )
    codes = {o.code for o in options}
    deciding = [i for i, s in enumerate(steps) if s.decides]
    problems = [f"站点应为 origin 或 destination：{s.station}" for s in steps if s.station not in STATIONS]
    problems += [f"when 不是可选的处理方式：{s.when}" for s in steps if s.when and s.when not in codes]
    if options and len(deciding) != 1:
        problems.append("有可选处理方式的类型需要恰好一个 decides 步骤")
    if not options and deciding:
        problems.append("decides 步骤需要 choice.options")
    if deciding and any(s.when for s in steps[: deciding[0] + 1]):
        problems.append("带 when 的步骤应在 decides 步骤之后")
    if problems:
        raise RulebookError(f"问题件类型 {code} 的规则有误：{'；'.join(problems)}")
    return ProblemParcelKind(
        code=code,
        name=str(spec["name"]),
        steps=steps,
        customer_notice=str(spec["customer_notice"]),
        source=str(spec["source"]),
        choice_label=str(choice.get("label", "")),
        choices=options,
    )


def problem_parcel_kinds(rulebook: Rulebook | None = None) -> list[ProblemParcelKind]:
    book = rulebook or default_rulebook()
    return [_kind(code, spec) for code, spec in book.service["problem_parcels"]["kinds"].items()]


def problem_parcel_kind(code: str, rulebook: Rulebook | None = None) -> ProblemParcelKind:
    for kind in problem_parcel_kinds(rulebook):
        if kind.code == code:
            return kind
    raise InputError(f"未知的问题件类型：{code}", "kind")


def next_step(steps: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    return next((s for s in steps if s["state"] == PENDING), None)


@dataclass(frozen=True)
class StepDone:
    steps: list[dict[str, Any]]  # the whole plan after the step
    step: dict[str, Any]  # the step just done
    choice: str | None  # the choice recorded at this step, if it decides
    finished: bool  # no step is left pending


def complete_step(
    kind: ProblemParcelKind,
    steps: Sequence[Mapping[str, Any]],
    number: int,
    *,
    by: int | None,
    by_name: str,
    at: str,
    note: str = "",
    choice: str = "",
) -> StepDone:
    """Mark step `number` done; it must be the next pending step (no skipping, no repeating).

    A deciding step needs a choice; the steps of the other branches become not applicable.
    """
    found = next((s for s in steps if s["no"] == number), None)
    if found is None:
        raise InputError(f"没有第 {number} 步", "step")
    if found["state"] == DONE:
        raise InputError(f"第 {number} 步已经完成，请刷新页面查看最新进度", "step")
    if found["state"] == NOT_APPLICABLE:
        raise InputError(f"第 {number} 步不适用于已选择的处理方式", "step")
    pending = next_step(steps)
    if pending is not None and pending["no"] != number:
        raise InputError(f"请按顺序处理：先完成第 {pending['no']} 步（{pending['action']}）", "step")
    if found["decides"]:
        kind.choice(choice)  # a missing or unknown choice raises, naming the options
    elif choice:
        raise InputError("这一步不需要选择处理方式", "choice")
    plan = [copy.deepcopy(dict(s)) for s in steps]
    done = next(s for s in plan if s["no"] == number)
    done.update(state=DONE, by=by, by_name=by_name, at=at, note=note.strip())
    if choice:
        for step in plan:
            if step["state"] == PENDING and step["when"] and step["when"] != choice:
                step["state"] = NOT_APPLICABLE
    return StepDone(steps=plan, step=done, choice=choice or None, finished=next_step(plan) is None)
