"""Phrasebook rendering (话术): the scripted sentences of the five seeds, per brand profile.

The phrases live in ``rulebooks/phrasebook.yaml`` (situations and the generic wording) and
``rulebooks/profiles/*.yaml`` (one file per brand: name, demo hotline, greeting features and
brand-specific wording). This module only interprets them:

* :func:`greeting_for` picks 早上好/下午好/晚上好, 新年好/节日好 on festive holidays or 周末好 on
  rest-day weekends, from the working calendar (never hard-coded dates), and only the kinds a
  profile asks for; 清明节 is a holiday without a festive greeting.
* :func:`render` chooses the first phrase variant whose conditions (greeting kind, holiday,
  step, channel, required fields) hold, and fills its placeholders. Optional ``[segments]`` are
  dropped when a value is missing, so a sentence never shows ``{customer}`` or ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kefu.standards.rulebook import read_rulebook
from kefu.standards.text import fold
from kefu.timeutil import local_now

if TYPE_CHECKING:
    from kefu.standards.calendar import WorkingCalendar

RULEBOOKS = Path(__file__).parent / "rulebooks"
PHRASEBOOK_PATH = RULEBOOKS / "phrasebook.yaml"
PROFILES_DIR = RULEBOOKS / "profiles"

GREETING_KINDS = ("holiday", "weekend", "time_of_day", "plain")
CHANNELS = ("phone", "chat", "email")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_OPTIONAL = re.compile(r"\[([^\[\]]*)\]")
_TITLES = {"male": "先生", "female": "女士", "m": "先生", "f": "女士", "男": "先生", "女": "女士"}


@dataclass(frozen=True)
class Situation:
    id: str
    name: str
    description: str
    source: str
    steps: int = 1


@dataclass(frozen=True)
class Phrase:
    text: str
    when: Mapping[str, Any]
    source: str


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    brand: str
    hotline: str
    hotline_demo: bool
    seed: str
    source: str
    time_of_day_greeting: bool
    festive_greeting: bool
    weekend_greeting: bool
    agent_no_in_opening: bool
    evaluation_invitation: bool
    evaluation_channels: tuple[str, ...]
    festive: Mapping[str, str]
    festive_wish: Mapping[str, str]
    number_kind: str | None
    phrases: Mapping[str, tuple[Phrase, ...]]


@dataclass
class Context:
    """What is known about the conversation when a phrase is rendered.

    The customer is addressed as ``customer`` when given ("王先生", "李经理"); otherwise it is
    built from ``surname`` plus ``title`` ("经理") or ``gender`` ("male"/"female" → 先生/女士).
    """

    profile: str = "generic"
    at: datetime | None = None
    channel: str = "phone"
    agent_no: str | None = None
    customer: str | None = None
    surname: str | None = None
    gender: str | None = None
    title: str | None = None
    brand_name: str | None = None
    hotline: str | None = None
    number: str | None = None
    number_kind: str | None = None
    promotion: str | None = None
    referral: str | None = None
    step: int = 1
    extra: dict[str, Any] = field(default_factory=dict)
    # A brand's own wording (situation → variants), set in 后台管理; it comes before the profile's.
    phrases: Mapping[str, tuple[Phrase, ...]] = field(default_factory=dict)

    def customer_label(self) -> str | None:
        if self.customer and self.customer.strip():
            return self.customer.strip()
        surname = (self.surname or "").strip()
        if not surname:
            return None
        title = (self.title or "").strip() or _TITLES.get((self.gender or "").strip().lower(), "")
        return surname + title if title else None


@dataclass(frozen=True)
class Greeting:
    kind: str  # holiday | weekend | time_of_day | plain
    text: str
    holiday: str | None = None


# ---------------------------------------------------------------- loading


def _load_yaml(path: Path) -> dict[str, Any]:
    return read_rulebook(path)


def _phrases(raw: Any, default_source: str) -> tuple[Phrase, ...]:
    return tuple(
        Phrase(
            text=str(item["text"]),
            when=dict(item.get("when") or {}),
            source=str(item.get("source") or default_source),
        )
        for item in raw or []
    )


@cache
def _phrasebook() -> dict[str, Any]:
    return _load_yaml(PHRASEBOOK_PATH)


@cache
def _situations() -> dict[str, tuple[Situation, tuple[Phrase, ...]]]:
    out: dict[str, tuple[Situation, tuple[Phrase, ...]]] = {}
    for sid, raw in (_phrasebook().get("situations") or {}).items():
        situation = Situation(
            id=sid,
            name=str(raw["name"]),
            description=str(raw.get("description", "")),
            source=str(raw["source"]),
            steps=int(raw.get("steps", 1)),
        )
        out[sid] = (situation, _phrases(raw.get("phrases"), situation.source))
    return out


@cache
def _profiles() -> dict[str, Profile]:
    greetings = _phrasebook().get("greetings") or {}
    out: dict[str, Profile] = {}
    for path in sorted(PROFILES_DIR.glob("*.yaml")):
        raw = _load_yaml(path)
        features = raw.get("features") or {}
        source = str(raw.get("source") or raw.get("seed") or path.name)
        out[str(raw["id"])] = Profile(
            id=str(raw["id"]),
            name=str(raw["name"]),
            brand=str(raw.get("brand") or raw["name"]),
            hotline=str(raw["hotline"]),
            hotline_demo=bool(raw.get("hotline_demo", False)),
            seed=str(raw.get("seed", "")),
            source=source,
            time_of_day_greeting=bool(features.get("time_of_day_greeting", False)),
            festive_greeting=bool(features.get("festive_greeting", False)),
            weekend_greeting=bool(features.get("weekend_greeting", False)),
            agent_no_in_opening=bool(features.get("agent_no_in_opening", False)),
            evaluation_invitation=bool(features.get("evaluation_invitation", False)),
            evaluation_channels=tuple(features.get("evaluation_channels") or ()),
            festive=dict(raw.get("festive") or greetings.get("festive") or {}),
            festive_wish=dict(raw.get("festive_wish") or greetings.get("festive_wish") or {}),
            number_kind=raw.get("number_kind"),
            phrases={sid: _phrases(items, source) for sid, items in (raw.get("phrases") or {}).items()},
        )
    return out


def profiles() -> dict[str, Profile]:
    """All brand profiles by id."""
    return dict(_profiles())


def resolve_profile(name_or_id: str) -> str:
    """Profile id for an id or a brand name ('oufei', '欧飞', '歐飛' all give 'oufei')."""
    key = (name_or_id or "").strip()
    all_profiles = _profiles()
    if key.lower() in all_profiles:
        return key.lower()
    folded = fold(key)
    for profile in all_profiles.values():
        if folded in (fold(profile.name), fold(profile.brand)):
            return profile.id
    known = "、".join(f"{p.id}（{p.name}）" for p in all_profiles.values())
    raise ValueError(f"未知的品牌配置“{name_or_id}”，可选：{known}")


def situations(profile: str | None = None) -> list[Situation]:
    """Every scripted situation (the same list for every profile; wording differs per profile)."""
    if profile is not None:
        resolve_profile(profile)
    return [situation for situation, _ in _situations().values()]


def phrases_for(
    situation: str, profile: str = "generic", brand: Mapping[str, tuple[Phrase, ...]] | None = None
) -> tuple[Phrase, ...]:
    """The phrase variants used for a situation: the brand's own (``brand``, set in 后台管理), else the
    profile's, else the generic ones."""
    if situation not in _situations():
        known = "、".join(_situations())
        raise ValueError(f"未知的话术情景“{situation}”，可选：{known}")
    pid = resolve_profile(profile)
    own = (brand or {}).get(situation) or _profiles()[pid].phrases.get(situation)
    return own if own else _situations()[situation][1]


# ---------------------------------------------------------------- a brand's wording, as lines

# One variant a line, its conditions first in 【】 (a group lists values of one kind: 【电话/在线】; 【第2步】 a
# step; 【有{customer}】 only when the customer's name is known):
#   【节日】{greeting}！欢迎致电{brand}，{agent_no}号为您服务。
#   您好！欢迎致电{brand}[，{agent_no}号为您服务]。
CONDITION_WORDS: dict[str, tuple[str, Any]] = {
    "节日": ("greeting", "holiday"),
    "周末": ("greeting", "weekend"),
    "分时段": ("greeting", "time_of_day"),
    "平日": ("greeting", "plain"),
    "元旦": ("holiday", "new_year"),
    "春节": ("holiday", "spring_festival"),
    "清明": ("holiday", "tomb_sweeping"),
    "劳动节": ("holiday", "labour_day"),
    "端午": ("holiday", "dragon_boat"),
    "中秋": ("holiday", "mid_autumn"),
    "国庆": ("holiday", "national_day"),
    "电话": ("channel", "phone"),
    "在线": ("channel", "chat"),
    "邮件": ("channel", "email"),
}
_WORD_OF = {(key, value): word for word, (key, value) in CONDITION_WORDS.items()}
_CONDITIONS = re.compile(r"^\s*((?:【[^】]*】\s*)*)(.*)$")
# What a context may know (`_values`), and what every sentence can name: the brand, its hotline, the greeting.
CONTEXT_VALUES = frozenset(
    {"brand", "hotline", "agent_no", "customer", "greeting", "number", "number_kind", "promotion"}
    | {"referral_hotline", "festive_wish"}
)
_ALWAYS = frozenset({"brand", "hotline", "greeting"})


def phrase_lines(phrases: tuple[Phrase, ...]) -> str:
    """Variants as the lines a supervisor edits (see CONDITION_WORDS); `parse_phrase_lines` reads them back."""
    lines = []
    for phrase in phrases:
        groups = []
        for key, values in phrase.when.items():
            values = values if isinstance(values, list | tuple) else [values]
            if key == "step":
                groups.append("/".join(f"第{v}步" for v in values))
            elif key == "requires":
                groups.append("/".join(f"有{{{v}}}" for v in values))
            else:
                groups.append("/".join(_WORD_OF[(key, v)] for v in values))
        lines.append("".join(f"【{g}】" for g in groups) + phrase.text)
    return "\n".join(lines)


def placeholders(situation: str) -> frozenset[str]:
    """The placeholders a sentence of ``situation`` may use: what every context knows (`_values`) and the
    phrasebook's defaults, plus what its shipped wording uses (a promised {time}, an {issue} …)."""
    shipped = [p.text for p in _situations()[situation][1]] + [
        p.text for prof in _profiles().values() for p in prof.phrases.get(situation, ())
    ]
    used = {name for text in shipped for name in _PLACEHOLDER.findall(text)}
    return frozenset(used | set(_phrasebook().get("defaults") or {}) | CONTEXT_VALUES)


def parse_phrase_lines(situation: str, text: str, source: str) -> tuple[Phrase, ...]:
    """A brand's variants for ``situation`` from lines (`phrase_lines`' format). Raises ValueError naming the
    line: an unknown condition or placeholder, no line that always applies at the end."""
    known = placeholders(situation)
    out: list[Phrase] = []
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise ValueError("请至少写一句话术")
    for number, line in lines:
        match = _CONDITIONS.match(line)
        assert match is not None
        head, body = match.group(1), match.group(2).strip()
        if not body:
            raise ValueError(f"第 {number} 行只有条件，没有话术")
        when: dict[str, list[Any]] = {}
        for group in re.findall(r"【([^】]*)】", head):
            for word in re.split(r"[/、，,\s]+", group.strip()):
                step = re.fullmatch(r"第(\d+)步", word)
                known_value = re.fullmatch(r"有\{([a-z_]+)\}", word)
                value: Any
                if step:
                    key, value = "step", int(step.group(1))
                elif known_value:
                    key, value = "requires", known_value.group(1)
                elif word in CONDITION_WORDS:
                    key, value = CONDITION_WORDS[word]
                else:
                    words = "、".join(CONDITION_WORDS)
                    raise ValueError(
                        f"第 {number} 行的条件“{word}”无法识别，可用：{words}、第N步、有{{占位符}}"
                    )
                when.setdefault(key, []).append(value)
        unknown = sorted(set(_PLACEHOLDER.findall(body)) - known)
        if unknown:
            names = "、".join("{" + name + "}" for name in sorted(known))
            raise ValueError(f"第 {number} 行的占位符 {{{unknown[0]}}} 无法填写，可用：{names}")
        if body.count("[") != body.count("]"):
            raise ValueError(f"第 {number} 行的可省略部分 [ ] 没有成对")
        out.append(Phrase(text=body, when=when, source=source))
    last = out[-1]
    mandatory = set(_PLACEHOLDER.findall(_OPTIONAL.sub("", last.text)))
    defaults = set(_phrasebook().get("defaults") or {})
    if last.when or not mandatory <= _ALWAYS | defaults:
        raise ValueError(
            f"最后一行应是任何时候都能用的话术（不带条件，需要客户称呼、工号等的部分放进 [ ]），第 {lines[-1][0]} 行不是"
        )
    return tuple(out)


# ---------------------------------------------------------------- greeting


def _calendar(calendar: WorkingCalendar | None) -> WorkingCalendar:
    if calendar is not None:
        return calendar
    from kefu.standards.calendar import WorkingCalendar

    return _shared_calendar(WorkingCalendar)


@cache
def _shared_calendar(cls: type[WorkingCalendar]) -> WorkingCalendar:
    return cls()


def _time_of_day(moment: time) -> str:
    bands = _phrasebook()["greetings"]["time_of_day"]
    text = str(bands[0]["text"])
    for band in bands:
        start = time.fromisoformat(str(band["from"]))
        if moment >= start:
            text = str(band["text"])
    return text


def greeting(at: datetime | None, profile: str, calendar: WorkingCalendar | None = None) -> Greeting:
    """The greeting kind and text for a moment in a profile (see :func:`greeting_for`)."""
    prof = _profiles()[resolve_profile(profile)]
    local = local_now(at)
    day: date = local.date()
    info = _calendar(calendar).day_info(day)
    rest_day = not info.workday
    # Festive greeting only on a rest day of a festive holiday (a make-up workday is not festive).
    if prof.festive_greeting and rest_day and info.holiday and info.holiday in prof.festive:
        return Greeting("holiday", prof.festive[info.holiday], info.holiday)
    if prof.weekend_greeting and rest_day and info.weekend and not info.holiday:
        return Greeting("weekend", str(_phrasebook()["greetings"]["weekend"]))
    if prof.time_of_day_greeting:
        return Greeting("time_of_day", _time_of_day(local.time()))
    return Greeting("plain", str(_phrasebook()["greetings"]["plain"]))


def greeting_for(at: datetime, profile: str, calendar: WorkingCalendar | None = None) -> str:
    """早上好/下午好/晚上好, 新年好/节日好 (festive holidays), 周末好, or 您好 when the profile
    prescribes no time-of-day greeting."""
    return greeting(at, profile, calendar).text


# ---------------------------------------------------------------- rendering


def format_number(number: str) -> str:
    """Group a number for read-back: 13800138000 → '1380 0138 000', others in fours."""
    compact = re.sub(r"[\s\-－—_]", "", number).upper()
    if re.fullmatch(r"1\d{10}", compact):
        groups = [compact[:4], compact[4:8], compact[8:]]
    else:
        groups = [compact[i : i + 4] for i in range(0, len(compact), 4)]
    return " ".join(g for g in groups if g)


def _number_kind(ctx: Context, prof: Profile) -> str | None:
    if ctx.number_kind:
        return ctx.number_kind
    if ctx.number and re.fullmatch(r"1\d{10}", re.sub(r"\D", "", ctx.number)):
        return "手机号码"
    return prof.number_kind


def _values(ctx: Context, prof: Profile, greet: Greeting) -> dict[str, str]:
    defaults = {k: str(v) for k, v in (_phrasebook().get("defaults") or {}).items()}
    values: dict[str, str] = dict(defaults)
    candidates: dict[str, Any] = {
        "brand": ctx.brand_name or prof.brand,
        "hotline": ctx.hotline or prof.hotline,
        "agent_no": ctx.agent_no,
        "customer": ctx.customer_label(),
        "greeting": greet.text,
        "number": format_number(ctx.number) if ctx.number else None,
        "number_kind": _number_kind(ctx, prof),
        "promotion": ctx.promotion,
        "referral_hotline": ctx.referral,
        "festive_wish": prof.festive_wish.get(greet.holiday or ""),
    }
    candidates.update(ctx.extra)
    for key, value in candidates.items():
        if value is None:
            continue
        text = str(value).strip()
        if text and text != "None":
            values[key] = text
    return values


def _matches(phrase: Phrase, ctx: Context, greet: Greeting, values: Mapping[str, str]) -> bool:
    when = phrase.when
    if "greeting" in when and greet.kind not in when["greeting"]:
        return False
    if "holiday" in when and greet.holiday not in when["holiday"]:
        return False
    if "step" in when and ctx.step not in when["step"]:
        return False
    if "channel" in when and ctx.channel not in when["channel"]:
        return False
    if any(key not in values for key in when.get("requires", ())):
        return False
    # Placeholders outside optional segments must all be known.
    mandatory = _OPTIONAL.sub("", phrase.text)
    return all(name in values for name in _PLACEHOLDER.findall(mandatory))


def _fill(template: str, values: Mapping[str, str]) -> str:
    def optional(match: re.Match[str]) -> str:
        inner = match.group(1)
        if all(name in values for name in _PLACEHOLDER.findall(inner)):
            return inner
        return ""

    text = _OPTIONAL.sub(optional, template)
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


def render(situation: str, context: Context | None = None, calendar: WorkingCalendar | None = None) -> str:
    """The sentence an agent says in a situation, for the context's profile, date and time."""
    ctx = context or Context()
    variants = phrases_for(situation, ctx.profile, ctx.phrases)
    if ctx.channel not in CHANNELS:
        raise ValueError(f"未知的渠道“{ctx.channel}”，可选：{'、'.join(CHANNELS)}")
    prof = _profiles()[resolve_profile(ctx.profile)]
    greet = greeting(ctx.at, prof.id, calendar)
    values = _values(ctx, prof, greet)
    for phrase in variants:
        if _matches(phrase, ctx, greet, values):
            return _fill(phrase.text, values)
    # The rulebook test guarantees an unconditional last variant; this is a defensive message.
    raise ValueError(f"话术情景“{situation}”在当前条件下没有可用的话术")


def render_phrase(
    situation: str, context: Context | None = None, calendar: WorkingCalendar | None = None
) -> Phrase:
    """The phrase variant :func:`render` would use (for showing its source)."""
    ctx = context or Context()
    prof = _profiles()[resolve_profile(ctx.profile)]
    greet = greeting(ctx.at, prof.id, calendar)
    values = _values(ctx, prof, greet)
    for phrase in phrases_for(situation, ctx.profile, ctx.phrases):
        if _matches(phrase, ctx, greet, values):
            return phrase
    raise ValueError(f"话术情景“{situation}”在当前条件下没有可用的话术")
