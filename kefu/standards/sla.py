"""SLA targets per ticket type and brand, and due-time arithmetic on calendar or working clocks.

The targets live in ``rulebooks/sla.yaml`` (format documented at its top); this module only
interprets them. A clock starts on a ticket event (``starts_on``); a ``calendar`` clock runs in
plain time, a ``working`` clock counts statutory working days (unit ``days``) or the brand's service
hours on service days (``hours``/``minutes``), see :mod:`kefu.standards.calendar`. Clocks pause
while the ticket waits on the customer (:func:`resume_due`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from kefu import typed
from kefu.standards.calendar import WorkingCalendar, as_shanghai
from kefu.standards.rulebook import RulebookFileError, read_rulebook

UNITS = ("minutes", "hours", "days")
UNIT_NAMES = {"minutes": "分钟", "hours": "小时", "days": "天"}
CLOCKS = ("calendar", "working")
STARTS_ON = ("created", "handed_off", "escalated", "acknowledged", "agreed", "resolved", "message_left")
STARTS_ON_NAMES = {
    "created": "建单",
    "handed_off": "转交部门",
    "escalated": "升级",
    "acknowledged": "答复索赔",
    "agreed": "就赔偿达成一致",
    "resolved": "办结",
    "message_left": "客户留言",
}
SCOPES = ("domestic", "hmt", "international")
DEFAULT_SCOPE = "domestic"  # 同城和国内异地: the common case of 004 A.5.3 a)
CHANNELS = ("chat", "phone", "email")
ALL_TYPES = "*"
DEFAULT_GROUP = "default"

# A rule's source must name a seed file (e.g. 004_4ea5f35392de9aaf.txt), a law in 《》, or say it is the brand's
# own decision (品牌自定, what kefu.rules writes for a target a supervisor changed).
SOURCE_PATTERN = re.compile(r"\d{3}_[0-9a-f]{16}\.txt|《[^》]+》|品牌自定")

_TARGET_KEYS = (
    "code",
    "name",
    "amount",
    "unit",
    "clock",
    "starts_on",
    "source",
    "scope",
    "channel",
    "disabled",
)
_RULEBOOK_KEYS = ("version", "ticket_types", "policies")
# A brand's group is named by the brand's code (brands.Brand.code, a slug); the brands themselves live in the database.
_BRAND_CODE = re.compile(r"[-a-zA-Z0-9_]+")

Key = tuple[str, str | None, str | None, str]  # (code, scope, channel, starts_on)


def _choice(value: Any, allowed: Sequence[str], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"{what}“{value}”无效，应为 {' | '.join(allowed)}")


@dataclass(frozen=True)
class Target:
    code: str
    name: str
    amount: int
    unit: str
    clock: str
    starts_on: str = "created"
    source: str = ""
    scope: str | None = None
    channel: str | None = None  # only for tickets that came in on this channel

    def __post_init__(self) -> None:
        where = f"时限“{self.code}”"
        if not isinstance(self.code, str) or not self.code.strip():
            raise ValueError("时限缺少代码 code")
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"{where}缺少中文名称 name")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount <= 0:
            raise ValueError(f"{where}的数量 amount“{self.amount}”无效，应为正整数")
        _choice(self.unit, UNITS, f"{where}的单位 unit")
        _choice(self.clock, CLOCKS, f"{where}的计时方式 clock")
        _choice(self.starts_on, STARTS_ON, f"{where}的起算事件 starts_on")
        if self.scope is not None:
            _choice(self.scope, SCOPES, f"{where}的寄递范围 scope")
        if self.channel is not None:
            _choice(self.channel, CHANNELS, f"{where}的渠道 channel")

    @property
    def duration(self) -> timedelta:
        return timedelta(**{self.unit: self.amount})

    @property
    def key(self) -> Key:
        return self.code, self.scope, self.channel, self.starts_on

    def describe(self) -> str:
        """The promise as a person reads it, e.g. ``3个工作日``, ``30分钟``, ``7天``."""
        if self.unit == "days":
            return f"{self.amount}个工作日" if self.clock == "working" else f"{self.amount}天"
        text = f"{self.amount}{UNIT_NAMES[self.unit]}"
        return f"{text}（服务时间）" if self.clock == "working" else text


@dataclass(frozen=True)
class _Disabled:
    key: Key


_Entry = Target | _Disabled


def _normalize(text: str) -> str:
    return str(typed.t2s().convert(text.strip()))


def _type_code(given: object, types: Mapping[str, str], where: str = "") -> str:
    """A ticket type's code, from its code or its name as a person writes it."""
    if isinstance(given, str):
        if given in types:
            return given
        name = _normalize(given)
        for code, known in types.items():
            if known == name:
                return code
    listed = "、".join(f"{name}（{code}）" for code, name in types.items())
    raise ValueError(f"{where}未知工单类型“{given}”，可用类型：{listed}")


class SlaPolicies:
    """Resolved SLA rulebook: default targets per ticket type plus per-brand overrides."""

    def __init__(
        self, ticket_types: Mapping[str, str], groups: Mapping[str, Mapping[str, Sequence[_Entry]]]
    ) -> None:
        self._types = dict(ticket_types)  # code → name
        self._groups = {g: {t: list(entries) for t, entries in types.items()} for g, types in groups.items()}

    @property
    def brands(self) -> frozenset[str]:
        """The codes of the brands with targets of their own (the others have the defaults)."""
        return frozenset(self._groups) - {DEFAULT_GROUP}

    def ticket_types(self) -> list[str]:
        """The ticket types' codes (as tickets.TicketType.code)."""
        return list(self._types)

    def type_name(self, code: str) -> str:
        return self._types[code]

    def normalize_type(self, ticket_type: str) -> str:
        """The code of a ticket type given by its code or by its name (traditional characters accepted)."""
        return _type_code(ticket_type, self._types)

    def targets_for(
        self,
        ticket_type: str,
        brand: str | None = None,
        *,
        starts_on: str | None = None,
        scope: str | None = None,
        channel: str | None = None,
    ) -> list[Target]:
        """Targets that apply to a ticket.

        ``scope`` picks among scoped targets (claims) and defaults to ``domestic``; targets tied to
        a channel apply only when ``channel`` is given and matches.
        """
        kind = self.normalize_type(ticket_type)
        scope = scope or DEFAULT_SCOPE
        _choice(scope, SCOPES, "寄递范围 scope")
        if channel is not None:
            _choice(channel, CHANNELS, "渠道 channel")
        if starts_on is not None:
            _choice(starts_on, STARTS_ON, "起算事件 starts_on")
        merged: dict[Key, Target | None] = {}
        for group in (DEFAULT_GROUP, brand):
            if group is None:
                continue
            for type_key in (ALL_TYPES, kind):
                for entry in self._groups.get(group, {}).get(type_key, ()):
                    merged[entry.key] = entry if isinstance(entry, Target) else None
        return [
            t
            for t in merged.values()
            if t is not None
            and (t.scope is None or t.scope == scope)
            and (t.channel is None or t.channel == channel)
            and (starts_on is None or t.starts_on == starts_on)
        ]

    def with_brand(self, brand: str, targets: Mapping[str, Sequence[Mapping[str, Any]]]) -> SlaPolicies:
        """The policies with a brand's own ``targets`` (ticket type code → targets in the rulebook's format): each
        replaces the shipped target with the same (code, scope, channel, starts_on) for that brand."""
        groups = {g: {t: list(entries) for t, entries in types.items()} for g, types in self._groups.items()}
        for kind, entries in targets.items():
            where = f"品牌 {brand} 的{self._types.get(kind, kind)}时限"
            parsed = [_parse_entry(e, f"{where}第{i}条") for i, e in enumerate(entries, 1)]
            groups.setdefault(brand, {}).setdefault(self.normalize_type(kind), []).extend(parsed)
        return SlaPolicies(self._types, groups)

    def entries(self, ticket_type: str, brand: str | None) -> list[Target]:
        """Every target of a ticket type for a brand, whatever its scope, channel or start."""
        kind = self.normalize_type(ticket_type)
        merged: dict[Key, Target | None] = {}
        for group in (DEFAULT_GROUP, brand):
            for type_key in (ALL_TYPES, kind):
                for entry in self._groups.get(group or "", {}).get(type_key, ()):
                    merged[entry.key] = entry if isinstance(entry, Target) else None
        return [t for t in merged.values() if t is not None]

    def all_targets(self) -> Iterable[tuple[str, str, Target]]:
        """Every target as written in the rulebook: (group, ticket type or "*", target)."""
        for group, types in self._groups.items():
            for kind, entries in types.items():
                for entry in entries:
                    if isinstance(entry, Target):
                        yield group, kind, entry


# ---------------------------------------------------------------- loading


def default_rulebook_path() -> Path:
    return Path(__file__).parent / "rulebooks" / "sla.yaml"


def _parse_entry(raw: Any, where: str) -> _Entry:
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}应为一个映射（code、name、amount、unit、clock、source…）")
    unknown = [k for k in raw if k not in _TARGET_KEYS]
    if unknown:
        raise ValueError(f"{where}含未知字段“{unknown[0]}”，可用字段：{'、'.join(_TARGET_KEYS)}")
    if raw.get("disabled"):
        code = raw.get("code")
        if not isinstance(code, str) or not code:
            raise ValueError(f"{where}：disabled 的时限也要写明 code")
        return _Disabled((code, raw.get("scope"), raw.get("channel"), raw.get("starts_on", "created")))
    for required in ("code", "name", "amount", "unit", "clock", "source"):
        if raw.get(required) in (None, ""):
            raise ValueError(f"{where}缺少字段“{required}”")
    source = str(raw["source"])
    if not SOURCE_PATTERN.search(source):
        raise ValueError(
            f"{where}的出处 source 必须写明种子文件名（如 004_4ea5f35392de9aaf.txt）或《法规名称》"
        )
    try:
        return Target(
            code=raw["code"],
            name=raw["name"],
            amount=raw["amount"],
            unit=raw["unit"],
            clock=raw["clock"],
            starts_on=raw.get("starts_on") or "created",
            source=source,
            scope=raw.get("scope"),
            channel=raw.get("channel"),
        )
    except ValueError as exc:
        raise ValueError(f"{where}：{exc}") from None


def _parse_groups(raw: Any, where: str, types: Mapping[str, str]) -> dict[str, dict[str, list[_Entry]]]:
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}应为“default 或品牌代码 → 工单类型 → 时限列表”的映射")
    groups: dict[str, dict[str, list[_Entry]]] = {}
    for group, per_type in raw.items():
        if not isinstance(group, str) or not _BRAND_CODE.fullmatch(group):
            raise ValueError(f"{where}中的“{group}”既不是 default 也不是品牌代码（字母、数字、- 或 _）")
        if not isinstance(per_type, Mapping):
            raise ValueError(f"{where}.{group} 应为“工单类型 → 时限列表”的映射")
        for kind, entries in per_type.items():
            name = kind if kind == ALL_TYPES else _type_code(kind, types, f"{where}.{group} 中：")
            if entries is None:
                entries = []
            if not isinstance(entries, list):
                raise ValueError(f"{where}.{group}.{kind} 应为时限列表")
            parsed = [_parse_entry(e, f"{where}.{group}.{kind} 第{i}条") for i, e in enumerate(entries, 1)]
            seen: set[Key] = set()
            for i, entry in enumerate(parsed, 1):
                if entry.key in seen:
                    raise ValueError(
                        f"{where}.{group}.{kind} 第{i}条与前面的时限重复（code、scope、channel、starts_on 相同）"
                    )
                seen.add(entry.key)
            groups.setdefault(group, {}).setdefault(name, []).extend(parsed)
    return groups


def load_policies(path: Path | None = None, overrides: Mapping[str, Any] | None = None) -> SlaPolicies:
    """Load and validate the SLA rulebook.

    ``overrides`` has the shape of the rulebook's ``policies`` section (``{"default" or brand:
    {ticket type or "*": [targets]}}``); its targets replace the file's ones with the same
    (code, scope, channel, starts_on), and ``disabled: true`` removes one.
    """
    path = path or default_rulebook_path()
    label = f"SLA 规则库 {Path(path).name}"
    try:
        data = read_rulebook(Path(path))
    except RulebookFileError as exc:
        raise ValueError(f"无法读取{label}：{exc}") from exc
    if not isinstance(data, Mapping):
        raise ValueError(f"{label}应为一个映射（ticket_types、policies）")
    unknown = [k for k in data if k not in _RULEBOOK_KEYS]
    if unknown:
        raise ValueError(f"{label}含未知字段“{unknown[0]}”，可用字段：{'、'.join(_RULEBOOK_KEYS)}")
    types = data.get("ticket_types")
    if (
        not isinstance(types, Mapping)
        or not types
        or not all(isinstance(c, str) and c and isinstance(n, str) and n for c, n in types.items())
    ):
        raise ValueError(f"{label}的 ticket_types 应为“工单类型代码: 名称”的非空映射")
    types = {code: _normalize(name) for code, name in types.items()}
    if len(set(types.values())) != len(types):
        raise ValueError(f"{label}的 ticket_types 有重复的名称")
    groups = _parse_groups(data.get("policies"), f"{label} policies", types)
    missing = [t for t in types if t not in groups.get(DEFAULT_GROUP, {})]
    if missing:
        raise ValueError(
            f"{label} policies.default 缺少工单类型“{types[missing[0]]}”（{missing[0]}；没有时限也请写成空列表 []）"
        )
    if overrides:
        extra = _parse_groups(overrides, "SLA 覆盖规则", types)
        for group, per_type in extra.items():
            for kind, entries in per_type.items():
                groups.setdefault(group, {}).setdefault(kind, []).extend(entries)
    return SlaPolicies(types, groups)


# ---------------------------------------------------------------- clocks


@lru_cache(maxsize=1)
def shipped_policies() -> SlaPolicies:
    """The SLA rulebook as shipped, loaded once per process (tickets' clocks and QA's reply target read it)."""
    return load_policies()


def compute_due(start: datetime, target: Target, cal: WorkingCalendar) -> datetime:
    """When ``target`` is due if its clock started at ``start``."""
    if target.clock == "calendar":
        return as_shanghai(start, "起算时间") + target.duration
    if target.unit == "days":
        return cal.add_working_days(start, target.amount)
    return cal.add_working_time(start, target.duration)


def remaining(now: datetime, due: datetime, target: Target, cal: WorkingCalendar) -> timedelta:
    """Time left until ``due``; negative when overdue. Working clocks count only working time."""
    if target.clock == "calendar":
        return as_shanghai(due, "到期时间") - as_shanghai(now, "当前时间")
    if target.unit == "days":
        return cal.working_day_time_between(now, due)
    return cal.working_time_between(now, due)


def resume_due(
    due: datetime, paused_at: datetime, resumed_at: datetime, target: Target, cal: WorkingCalendar
) -> datetime:
    """The due time after a pause (waiting on the customer) from ``paused_at`` to ``resumed_at``.

    Calendar clocks shift by the pause; working clocks keep the working time that was left at
    the pause. A target already overdue when paused stays as it was: a pause does not undo a breach.
    """
    due = as_shanghai(due, "到期时间")
    paused_at = as_shanghai(paused_at, "暂停时间")
    resumed_at = as_shanghai(resumed_at, "恢复时间")
    if resumed_at < paused_at:
        raise ValueError(f"恢复时间 {resumed_at.isoformat()} 早于暂停时间 {paused_at.isoformat()}")
    if paused_at >= due:
        return due
    if target.clock == "calendar":
        return due + (resumed_at - paused_at)
    if target.unit == "days":
        moved = cal.add_working_day_time(resumed_at, cal.working_day_time_between(paused_at, due))
    else:
        moved = cal.add_working_time(resumed_at, cal.working_time_between(paused_at, due))
    # The working time left ends where it ended before, or later. Where the two moments hold the same working
    # time (a due counted in days is Monday 00:00, its time runs out at Friday 24:00), the due stays as it was.
    return max(due, moved)


def dues_for(
    policies: SlaPolicies,
    ticket_type: str,
    brand: str | None,
    events: Mapping[str, datetime],
    cal: WorkingCalendar,
    *,
    scope: str | None = None,
    channel: str | None = None,
) -> list[tuple[Target, datetime]]:
    """Due times of the targets whose starting event (a key of ``events``) has happened."""
    return [
        (target, compute_due(events[target.starts_on], target, cal))
        for target in policies.targets_for(ticket_type, brand, scope=scope, channel=channel)
        if target.starts_on in events
    ]
