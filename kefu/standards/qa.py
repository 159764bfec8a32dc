"""Conversation quality check (质检): a score sheet for one whole conversation.

The transcript format is in :mod:`kefu.standards.transcript` (and ``rulebooks/qa.yaml``).

:func:`score` returns a :class:`ScoreSheet` that lists every criterion applying to the profile and
channel, in the rulebook's order: met (✓) or one item per deduction, each deduction pointing at the turn
(index into ``turns``) that caused it. Criteria, deductions, thresholds and intent patterns are data
(``rulebooks/qa.yaml``); forbidden phrases come from :mod:`kefu.standards.compliance`, expected
greetings from :mod:`kefu.standards.scripts`, the reply-time target from :mod:`kefu.standards.sla`.

Turns kefu sent on the agent's behalf (``sent_by: system``) are the agent's opening and closing when
their ``script`` says so; the agent's wording checks (忌语, 称呼, 模糊答复) read only what the agent wrote.
:func:`retotal` recomputes a sheet whose deductions a supervisor changed on review.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from kefu.standards import compliance, scripts, sla
from kefu.standards.rulebook import read_rulebook
from kefu.standards.text import fold
from kefu.standards.transcript import Transcript, parse_transcript

QA_RULEBOOK = Path(__file__).parent / "rulebooks" / "qa.yaml"
_CHINESE_DIGITS = str.maketrans("零〇一二三四五六七八九幺", "001234567891")
_CHINESE_NUMBER_RUN = re.compile(r"[零〇一二三四五六七八九幺]{5,}")
_NUMBER = re.compile(r"[a-z0-9]+")
_SECOND_PERSON = re.compile(r"[你妳祢]")


@dataclass
class Item:
    criterion: str
    name: str
    ok: bool
    deduction: int
    turn: int | None
    detail: str
    source: str
    severity: str | None = None  # forbidden phrases only: severe | major | minor


@dataclass
class ScoreSheet:
    total: int
    max_score: int
    pass_score: int
    passed: bool
    profile: str
    channel: str
    items: list[Item] = field(default_factory=list)

    @property
    def deductions(self) -> list[Item]:
        return [item for item in self.items if not item.ok]

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "max_score": self.max_score,
            "pass_score": self.pass_score,
            "passed": self.passed,
            "profile": self.profile,
            "channel": self.channel,
            "items": [asdict(item) for item in self.items],
        }


# ---------------------------------------------------------------- rulebook


@cache
def rulebook() -> dict[str, Any]:
    return read_rulebook(QA_RULEBOOK)


@cache
def _intent(name: str) -> re.Pattern[str]:
    patterns = rulebook()["intents"][name]
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def _has(intent: str, text: str) -> bool:
    return bool(_intent(intent).search(fold(text)))


# ---------------------------------------------------------------- scoring


class _Sheet:
    def __init__(
        self,
        transcript: Transcript,
        checker: compliance.Checker | None = None,
        policies: sla.SlaPolicies | None = None,
    ) -> None:
        self.t = transcript
        self.items: list[Item] = []
        self.policies = policies  # the brand's SLA targets, when it has its own
        # the brand's own forbidden phrases when it has changed them, so QA flags what the gate flags
        self.checker = checker or compliance.get_checker(transcript.profile)

    def _criterion(self, cid: str) -> Mapping[str, Any]:
        return rulebook()["criteria"][cid]  # type: ignore[no-any-return]

    def ok(self, cid: str, detail: str) -> None:
        c = self._criterion(cid)
        self.items.append(Item(cid, c["name"], True, 0, None, detail, c["source"]))

    def deduct(
        self, cid: str, turn: int | None, detail: str, points: int | None = None, severity: str | None = None
    ) -> None:
        c = self._criterion(cid)
        amount = int(c.get("deduction", 0) if points is None else points)
        self.items.append(Item(cid, c["name"], False, amount, turn, detail, c["source"], severity))

    def agent_turns(self) -> list[int]:
        """The turns the agent wrote (not the ones kefu sent on the agent's behalf)."""
        return [i for i, turn in enumerate(self.t.turns) if turn.authored]

    def system_turns(self, script: str) -> list[int]:
        """Turns kefu sent on the agent's behalf as this script (opening, closing)."""
        return [i for i, turn in enumerate(self.t.turns) if turn.by_system and turn.script == script]

    def has(self, cid: str) -> bool:
        return any(item.criterion == cid for item in self.items)


def _label(i: int | None) -> str:
    return "" if i is None else f"第{i + 1}句"


def _check_opening(s: _Sheet) -> None:
    system = s.system_turns("opening")
    agents = s.agent_turns()
    if system:
        # kefu greeted the customer on the agent's behalf (the chat's greeting, then the 工号 message).
        first = system[0]
        text = "".join(s.t.turns[i].text for i in system)
        s.ok("opening", f"{_label(first)}系统代坐席发送开始语")
    elif not agents:
        s.deduct("opening", None, "坐席没有任何发言，缺少开始语")
        return
    else:
        first = agents[0]
        text = s.t.turns[first].text
        if not (_has("opening", text) and _has("opening_service", text)):
            s.deduct("opening", first, f"{_label(first)}坐席首句缺少规范开始语（问候 + 服务用语）：“{text}”")
            return
        s.ok("opening", f"{_label(first)}给出开始语")
    _check_greeting(s, first, text)
    if _applies(s, "opening_agent_no"):
        # The agent may give the 工号 in their first own turn when kefu's opening did not.
        said = fold(text + (s.t.turns[agents[0]].text if system and agents else ""))
        has_no = s.t.agent_no in said if s.t.agent_no else bool(re.search(r"\d+号|工号", said))
        if has_no:
            s.ok("opening_agent_no", "开始语中报了工号")
        else:
            s.deduct("opening_agent_no", first, f"{_label(first)}开始语未报工号{s.t.agent_no or ''}")
    _check_repeated_opening(s, first if not system else system[-1])


def _check_repeated_opening(s: _Sheet, opening: int) -> None:
    """A second full opening after the first greets the customer twice."""
    for i in s.agent_turns():
        text = s.t.turns[i].text
        if i > opening and _has("opening", text) and _has("opening_full", text):
            s.deduct(
                "opening_repeated",
                i,
                f"{_label(i)}重复了开始语（客户在{_label(opening)}已得到问候）：“{text}”",
            )
            return


def _check_greeting(s: _Sheet, first: int, text: str) -> None:
    if s.t.started_at is None:
        s.ok("opening_greeting", "对话没有时间信息，未核对问候语")
        return
    expected = scripts.greeting(s.t.started_at, s.t.profile)
    said = set(_intent("greeting_words").findall(fold(text)))
    wrong = sorted(said - {expected.text})
    if expected.text in said and not wrong:
        s.ok("opening_greeting", f"问候语“{expected.text}”符合日期时段")
        return
    if expected.kind == "plain" and not wrong:
        s.ok("opening_greeting", f"问候语“{expected.text}”符合规范")
        return
    lenient = rulebook()["greeting"].get("accept_ninhao_for_time_of_day", False)
    if not wrong and expected.kind == "time_of_day" and lenient:
        s.ok("opening_greeting", f"问候语可接受（应为“{expected.text}”）")
        return
    used = "、".join(f"“{w}”" for w in wrong) if wrong else "普通问候"
    s.deduct("opening_greeting", first, f"{_label(first)}问候语应为“{expected.text}”，实际使用{used}")


def _check_closing(s: _Sheet) -> None:
    if s.t.outcome != "normal":
        s.ok("closing", "非正常结束的对话（转接、结束无声或不文明来电）不要求结束语")
        return
    agents = s.agent_turns()
    system = s.system_turns("closing")
    tail = agents[-2:] + system
    last = agents[-1] if agents else None
    if system:
        s.ok("closing", f"{_label(system[-1])}系统代坐席发送结束语")
    elif any(_has("closing", s.t.turns[i].text) for i in tail):
        s.ok("closing", "给出结束语")
    else:
        s.deduct("closing", last, f"{_label(last)}对话结束时缺少结束语（致谢、道别）")
    if _applies(s, "evaluation_invitation"):
        if any(_has("evaluation", s.t.turns[i].text) for i in tail):
            s.ok("evaluation_invitation", "结束语中邀请客户评价")
        else:
            s.deduct("evaluation_invitation", last, f"{_label(last)}结束语未邀请客户对服务进行评价")


def _check_forbidden(s: _Sheet) -> dict[int, list[tuple[int, int]]]:
    """Forbidden phrases per agent turn; returns the flagged spans so 你 inside them is not counted twice."""
    spans: dict[int, list[tuple[int, int]]] = {}
    by_severity = s._criterion("forbidden_phrase")["deduction_by_severity"]
    found = False
    for i in s.agent_turns():
        for v in s.checker.check(s.t.turns[i].text, s.t.channel):
            spans.setdefault(i, []).append((v.start, v.end))
            cid = _criterion_for(v)
            points = int(by_severity.get(v.severity, 0)) if cid == "forbidden_phrase" else None
            hint = f"，建议改为“{v.rewrite}”" if v.rewrite else ""
            kind = {"vague_answer": "模糊答复", "polite_address": "不当称呼"}.get(
                cid, f"服务忌语（{v.category}）"
            )
            s.deduct(
                cid, i, f"{_label(i)}使用{kind}“{v.text}”：{v.message.rstrip('。')}{hint}", points, v.severity
            )
            found = found or cid == "forbidden_phrase"
    if not found:
        s.ok("forbidden_phrase", "未发现服务忌语")
    return spans


def _criterion_for(violation: Any) -> str:
    """The score-sheet criterion of a checker violation (rulebook qa.yaml compliance_categories)."""
    mapping: Mapping[str, str] = rulebook().get("compliance_categories") or {}
    return mapping.get(str(violation.category_code), "forbidden_phrase")


def _check_vague(s: _Sheet, flagged: Mapping[int, list[tuple[int, int]]]) -> None:
    for i in s.agent_turns():
        if any(item.criterion == "vague_answer" and item.turn == i for item in s.items):
            continue
        match = _intent("vague").search(fold(s.t.turns[i].text))
        if match:
            s.deduct("vague_answer", i, f"{_label(i)}答复含糊（“{match.group(0)}”），应给出明确答复")
    if not any(item.criterion == "vague_answer" for item in s.items):
        s.ok("vague_answer", "未发现模糊答复")


def _numbers(text: str) -> list[str]:
    folded = _CHINESE_NUMBER_RUN.sub(lambda m: m.group(0).translate(_CHINESE_DIGITS), fold(text))
    cfg = rulebook()["read_back"]
    return [
        n
        for n in _NUMBER.findall(folded)
        if len(n) >= cfg["min_length"] and sum(ch.isdigit() for ch in n) >= cfg["min_digits"]
    ]


def _check_read_back(s: _Sheet) -> None:
    asked = 0
    for i, turn in enumerate(s.t.turns):
        if turn.speaker != "customer":
            continue
        for number in dict.fromkeys(_numbers(turn.text)):
            asked += 1
            later = [
                fold(t.text).translate(_CHINESE_DIGITS) for t in s.t.turns[i + 1 :] if t.speaker == "agent"
            ]
            if not any(number in text for text in later):
                s.deduct("read_back", i, f"{_label(i)}客户提供的号码 {number.upper()} 未向客户复述核对")
    if asked and not any(item.criterion == "read_back" for item in s.items):
        s.ok("read_back", "客户提供的号码均已复述核对")
    elif not asked:
        s.ok("read_back", "客户未提供需要核对的号码")


def _agent_turns_between(s: _Sheet, start: datetime, end: datetime) -> list[int]:
    return [i for i in s.agent_turns() if (at := s.t.turns[i].at) is not None and start < at < end]


def _check_holds(s: _Sheet) -> None:
    cfg = rulebook()["holds"]
    if not _applies(s, "hold_wait_phrase") or not s.t.holds:
        return
    limit = float(cfg["re_reminder_after_seconds"][s.t.channel])
    for h in s.t.holds:
        secs = h.seconds
        before = [i for i in s.agent_turns() if (at := s.t.turns[i].at) is not None and at <= h.start]
        after = [i for i in s.agent_turns() if (at := s.t.turns[i].at) is not None and at >= h.end]
        prev, nxt = (before[-1] if before else None), (after[0] if after else None)
        if secs >= cfg["wait_phrase_from_seconds"]:
            if prev is not None and _has("wait", s.t.turns[prev].text):
                s.ok("hold_wait_phrase", f"等待 {secs:.0f} 秒前已请客户稍等")
            else:
                s.deduct(
                    "hold_wait_phrase", prev, f"{_label(prev)}之后等待 {secs:.0f} 秒，等待前未请客户稍等"
                )
        if secs > limit:
            reminded = any(
                _has("re_reminder", s.t.turns[i].text) for i in _agent_turns_between(s, h.start, h.end)
            )
            if reminded:
                s.ok("hold_re_reminder", f"等待 {secs:.0f} 秒期间已再次提醒客户")
            else:
                s.deduct(
                    "hold_re_reminder",
                    nxt,
                    f"等待 {secs:.0f} 秒（超过 {limit:.0f} 秒）期间未再次提醒客户{('，见' + _label(nxt)) if nxt is not None else ''}",
                )
        if secs >= cfg["thanks_from_seconds"]:
            if nxt is not None and _has("thanks_for_patience", s.t.turns[nxt].text):
                s.ok("hold_thanks", f"{_label(nxt)}感谢客户耐心等待")
            else:
                s.deduct("hold_thanks", nxt, f"{_label(nxt)}等待结束后未感谢客户的耐心等待")


def _check_abusive(s: _Sheet) -> None:
    abusive = [
        i for i, t in enumerate(s.t.turns) if t.speaker == "customer" and _has("customer_abusive", t.text)
    ]
    if s.t.outcome != "ended_abusive":
        if abusive:
            s.ok("abusive_warnings", "客户有不文明用语，坐席未挂断，继续服务")
        return
    first = abusive[0] if abusive else 0
    agents = [i for i in s.agent_turns() if i > first]
    warnings = [
        i
        for i in agents
        if _has("civility_warning", s.t.turns[i].text)
        and not _has("civility_warning_exclude", s.t.turns[i].text)
    ]
    need = int(rulebook()["abusive"]["warnings_required"])
    last = s.agent_turns()[-1] if s.agent_turns() else None
    if len(warnings) >= need:
        s.ok("abusive_warnings", f"结束通话前已提醒文明用语 {len(warnings)} 次")
    else:
        s.deduct(
            "abusive_warnings",
            last,
            f"{_label(last)}结束不文明来电前只提醒了 {len(warnings)} 次文明用语（应提醒 {need} 次）",
        )


def _check_supervisor(s: _Sheet) -> None:
    asks = [
        i
        for i, t in enumerate(s.t.turns)
        if t.speaker == "customer" and _has("customer_asks_supervisor", t.text)
    ]
    if s.t.outcome != "transferred_to_supervisor":
        if asks:
            s.ok("supervisor_retention", "客户要求找上级，坐席挽留后自行处理")
        return
    first = asks[0] if asks else 0
    agents = [i for i in s.agent_turns() if i > first]
    transfer = next(
        (i for i in agents if _has("transfer", s.t.turns[i].text)), agents[-1] if agents else None
    )
    attempts = [
        i for i in agents if (transfer is None or i < transfer) and _has("retention", s.t.turns[i].text)
    ]
    need = int(rulebook()["supervisor"]["retention_required"])
    if len(attempts) >= need:
        s.ok("supervisor_retention", f"转接主管前已挽留 {len(attempts)} 次")
    else:
        s.deduct(
            "supervisor_retention",
            transfer,
            f"{_label(transfer)}转接主管前只挽留了 {len(attempts)} 次（应挽留 {need} 次）",
        )


def _check_silent(s: _Sheet) -> None:
    if s.t.outcome != "ended_silent":
        return
    agents = s.agent_turns()
    prompts = [i for i in agents[1:] if _has("silent_prompt", s.t.turns[i].text)]
    need = int(rulebook()["silent"]["prompts_required"])
    last = agents[-1] if agents else None
    ended_politely = last is not None and _has("silent_end", s.t.turns[last].text)
    if len(prompts) >= need and ended_politely:
        s.ok("silent_handling", f"客户无声，提示 {len(prompts)} 次后礼貌结束")
    elif len(prompts) < need:
        s.deduct(
            "silent_handling",
            last,
            f"{_label(last)}客户无声时只提示了 {len(prompts)} 次就结束（应提示 {need} 次）",
        )
    else:
        s.deduct("silent_handling", last, f"{_label(last)}客户无声，结束时未说明原因并请客户稍后再拨")


def reply_target_seconds(t: Transcript, policies: sla.SlaPolicies | None = None) -> float | None:
    """How long the customer may wait for a reply on this channel (the SLA rulebook's target, or ``policies``:
    the brand's own), or None."""
    cfg = rulebook()["reply_time"]
    policies = policies or sla.shipped_policies()
    brand = next((b for b in (t.brand, t.profile) if b in policies.brands), None)
    try:
        targets = policies.targets_for(
            t.ticket_type or cfg["default_ticket_type"], brand, starts_on="created", channel=t.channel
        )
    except ValueError:  # a ticket type the SLA rulebook does not know has no target of its own
        return None
    target = next((x for x in targets if x.code == cfg["sla_code"]), None)
    return None if target is None else target.duration.total_seconds()


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.0f} 分钟" if seconds >= 120 else f"{seconds:.0f} 秒"


Wait = tuple[int, datetime, int | None, datetime]


def _waits(s: _Sheet) -> list[Wait]:
    """Each time the customer waited for the agent: (the customer's first turn of the wait, since, the
    agent's answering turn or None, until). The first one is the wait for the first reply."""
    waits: list[Wait] = []
    asked: int | None = None
    since: datetime | None = None
    for i, turn in enumerate(s.t.turns):
        if turn.at is None:
            continue
        if turn.speaker == "customer" and asked is None:
            asked, since = i, turn.at
        elif turn.authored and asked is not None and since is not None:
            waits.append((asked, since, i, turn.at))
            asked = since = None
    if asked is not None and since is not None:
        end = s.t.ended_at or next((t.at for t in reversed(s.t.turns) if t.at), since)
        waits.append((asked, since, None, end))
    return waits


def _check_reply_times(s: _Sheet) -> None:
    limit = reply_target_seconds(s.t, s.policies) if _applies(s, "first_reply_late") else None
    if limit is None:
        return
    for n, (asked, since, answer, until) in enumerate(_waits(s)):
        waited = (until - since).total_seconds()
        if waited <= limit:
            if n == 0 and answer is not None:
                s.ok(
                    "first_reply_late",
                    f"{_label(answer)}首次回复用时 {_minutes(waited)}（时限 {_minutes(limit)}）",
                )
            continue
        over = f"（时限 {_minutes(limit)}）"
        if answer is None:
            s.deduct(
                "first_reply_late" if n == 0 else "long_wait_apology",
                asked,
                f"{_label(asked)}客户的消息等待 {_minutes(waited)}始终未获回复{over}",
            )
            continue
        if n == 0:
            s.deduct(
                "first_reply_late",
                answer,
                f"{_label(answer)}客户从{_label(asked)}起等待 {_minutes(waited)}才得到首次回复{over}",
            )
        if _has("wait_apology", s.t.turns[answer].text):
            s.ok("long_wait_apology", f"{_label(answer)}客户久等 {_minutes(waited)}后，坐席致歉或感谢等待")
        else:
            s.deduct(
                "long_wait_apology",
                answer,
                f"{_label(answer)}客户从{_label(asked)}起等待 {_minutes(waited)}{over}，回复未致歉或感谢客户耐心等待",
            )


def _check_resolution(s: _Sheet) -> None:
    if s.t.outcome != "normal":
        s.ok("ended_unresolved", "非正常结束的对话（转接、结束无声或不文明来电）不要求")
        return
    if s.t.ended_by != "agent":
        s.ok("ended_unresolved", "对话由客户结束" if s.t.ended_by == "customer" else "未记录由谁结束对话")
        return
    agents = s.agent_turns()
    tail = agents[-int(rulebook()["resolution"]["last_agent_turns"]) :]
    said = next((i for i in tail if _has("resolved", s.t.turns[i].text)), None)
    promised = next((i for i in tail if _has("promised", s.t.turns[i].text)), None)
    if said is not None:
        s.ok("ended_unresolved", f"{_label(said)}告知客户问题已处理")
    elif promised is not None:
        s.ok("ended_unresolved", f"{_label(promised)}向客户承诺了处理方式或时间")
    elif s.t.promises:
        s.ok("ended_unresolved", f"工单上记录了对客户的承诺：“{s.t.promises[-1].text}”")
    else:
        last = agents[-1] if agents else None
        s.deduct(
            "ended_unresolved",
            last,
            f"{_label(last)}坐席结束对话，但既未告知问题已解决，也未承诺处理方式或回复时间",
        )


def _applies(s: _Sheet, cid: str) -> bool:
    """Whether a criterion applies to this transcript's profile and channel (rulebook `applies:`)."""
    rule: Mapping[str, Any] = s._criterion(cid).get("applies") or {}
    profile = scripts.profiles()[s.t.profile]
    feature = rule.get("profile_feature")
    if feature and not getattr(profile, feature):
        return False
    channels = rule.get("profile_channels")
    if channels and s.t.channel not in getattr(profile, channels):
        return False
    if "channels" in rule and s.t.channel not in rule["channels"]:
        return False
    return not (rule.get("reply_target") and reply_target_seconds(s.t, s.policies) is None)


def _list_every_criterion(s: _Sheet) -> None:
    """Every criterion that applies is on the sheet; one nothing was found for is met."""
    order = list(rulebook()["criteria"])
    for cid in order:
        if not s.has(cid) and _applies(s, cid):
            c = s._criterion(cid)
            s.ok(cid, str(c.get("ok_detail") or f"未发现{c['name']}方面的问题"))
    s.items.sort(key=lambda item: order.index(item.criterion))


def _check_polite_address(s: _Sheet, flagged: Mapping[int, list[tuple[int, int]]]) -> None:
    for i in s.agent_turns():
        spans = flagged.get(i, [])
        hits = [
            m.start()
            for m in _SECOND_PERSON.finditer(s.t.turns[i].text)
            if not any(a <= m.start() < b for a, b in spans)
        ]
        if hits:
            s.deduct("polite_address", i, f"{_label(i)}称呼客户用了“你”，应使用“您”")
    if not any(item.criterion == "polite_address" for item in s.items):
        s.ok("polite_address", "坐席始终以“您”称呼客户")


def score(
    transcript: Mapping[str, Any] | Transcript,
    *,
    checker: compliance.Checker | None = None,
    policies: sla.SlaPolicies | None = None,
) -> ScoreSheet:
    """Score a whole conversation against the QA rulebook (``checker`` and ``policies``: the brand's forbidden
    phrases and SLA targets, when it has its own; the shipped ones otherwise)."""
    t = transcript if isinstance(transcript, Transcript) else parse_transcript(transcript)
    sheet = _Sheet(t, checker, policies)
    _check_opening(sheet)
    _check_reply_times(sheet)
    _check_closing(sheet)
    flagged = _check_forbidden(sheet)
    _check_vague(sheet, flagged)
    _check_read_back(sheet)
    _check_holds(sheet)
    _check_abusive(sheet)
    _check_supervisor(sheet)
    _check_silent(sheet)
    _check_polite_address(sheet, flagged)
    _check_resolution(sheet)
    _list_every_criterion(sheet)
    book = rulebook()
    # Cap each criterion's deductions (rulebook max_deduction); later items of a capped criterion count 0.
    used: dict[str, int] = {}
    for item in sheet.items:
        cap = book["criteria"][item.criterion].get("max_deduction")
        if cap is not None and item.deduction:
            item.deduction = max(0, min(item.deduction, int(cap) - used.get(item.criterion, 0)))
        used[item.criterion] = used.get(item.criterion, 0) + item.deduction
    total, passed = retotal(asdict(item) for item in sheet.items)
    return ScoreSheet(
        total, int(book["max_score"]), int(book["pass_score"]), passed, t.profile, t.channel, sheet.items
    )


def deduction_limit(criterion: str) -> int:
    """The most one item of this criterion may cost (a supervisor's review stays within it)."""
    c = rulebook()["criteria"][criterion]
    if "max_deduction" in c:
        return int(c["max_deduction"])
    return int(max([c.get("deduction", 0), *(c.get("deduction_by_severity") or {}).values()]))


def retotal(items: Iterable[Mapping[str, Any]]) -> tuple[int, bool]:
    """(total, passed) of sheet items (``ScoreSheet.to_dict()["items"]``), e.g. after a review changed one.

    Each criterion costs at most its max_deduction; a severe forbidden phrase still deducting fails the
    conversation when the rulebook says so."""
    book = rulebook()
    per: dict[str, int] = {}
    severe = False
    for item in items:
        amount = int(item.get("deduction") or 0)
        per[item["criterion"]] = per.get(item["criterion"], 0) + amount
        severe = severe or (item.get("severity") == "severe" and amount > 0)
    for cid, amount in per.items():
        cap = book["criteria"].get(cid, {}).get("max_deduction")
        if cap is not None:
            per[cid] = min(amount, int(cap))
    total = max(0, int(book["max_score"]) - sum(per.values()))
    passed = total >= int(book["pass_score"]) and not (severe and book.get("fail_on_severe", False))
    return total, passed
