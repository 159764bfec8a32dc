"""Loading ``rulebooks/forbidden.yaml`` and ``rulebooks/prescribed.yaml`` into typed records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from kefu.standards.rulebook import read_rulebook

RULEBOOK_DIR = Path(__file__).resolve().parent.parent / "rulebooks"
FORBIDDEN_PATH = RULEBOOK_DIR / "forbidden.yaml"
PRESCRIBED_PATH = RULEBOOK_DIR / "prescribed.yaml"

CHANNELS = ("phone", "chat", "email")
SEVERITIES = ("severe", "major", "minor")
CHANNEL_NAMES = {"phone": "电话", "chat": "在线聊天", "email": "邮件"}
SEVERITY_NAMES = {"severe": "严重", "major": "一般", "minor": "轻微"}
# What a rule's rewrite replaces: the clause carrying the violation, or only the matched word (你 → 您).
SCOPES = ("clause", "word")


class RulebookError(ValueError):
    """The rulebook breaks its own format."""


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    category_code: str
    severity: str
    channels: frozenset[str]
    patterns: tuple[str, ...]
    symbols: str | None
    exceptions: tuple[str, ...]
    rewrite: str
    message: str
    source: str
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]
    profile: str = "generic"
    scope: str = "clause"
    rewrites: tuple[tuple[str, str], ...] = ()  # (normalised word, its replacement) for word-scope rules

    def rewrite_for(self, word: str) -> str:
        """The replacement of ``word`` (normalised) when the rule lists one, else the rule's rewrite."""
        return dict(self.rewrites).get(word, self.rewrite)


@dataclass(frozen=True)
class Exception_:
    """A polite construction that makes an overlapped match of the listed rules compliant."""

    pattern: str
    rules: frozenset[str] | None
    source: str = ""


@dataclass(frozen=True)
class Profile:
    code: str
    name: str
    rules: tuple[Rule, ...]
    disable: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Rulebook:
    particles: str
    default_gap: int
    no_collapse: str
    rules: tuple[Rule, ...]
    exceptions: tuple[Exception_, ...]
    profiles: dict[str, Profile]

    def all_rules(self) -> tuple[Rule, ...]:
        """The generic rules and every profile's own."""
        return self.rules + tuple(r for p in self.profiles.values() for r in p.rules)

    def rules_for(self, profile: str) -> tuple[Rule, ...]:
        """The generic rules minus the profile's disabled ones, plus the profile's own rules."""
        try:
            prof = self.profiles[profile]
        except KeyError:
            known = "、".join(self.profiles)
            raise ValueError(f"未知的品牌配置“{profile}”，可选：{known}") from None
        unknown = prof.disable - {r.id for r in self.rules}
        if unknown:
            raise RulebookError(f"品牌配置 {profile} 停用了不存在的规则：{sorted(unknown)}")
        return tuple(r for r in self.rules if r.id not in prof.disable) + prof.rules

    def with_overrides(self, profile: str, overrides: Mapping[str, Mapping[str, Any] | None]) -> Rulebook:
        """A brand's rulebook: ``profile``'s rules with ``overrides`` (rule id → the rule in this file's format,
        or None to switch a rule off) applied. A rule of that id is replaced (a generic one is switched off
        and the brand's wording takes its place); an unknown id is a new rule of the brand."""
        prof = self.profiles[profile] if profile in self.profiles else self.profiles["generic"]
        generic = {r.id for r in self.rules}
        own = {r.id: r for r in prof.rules}
        disable = set(prof.disable)
        for rid, raw in overrides.items():
            if raw is None:
                if rid not in generic and rid not in own:
                    raise RulebookError(f"规则 {rid} 不存在，不能停用")
                own.pop(rid, None)
            else:
                own[rid] = _rule({**raw, "id": rid}, profile, min_variants=BRAND_MIN_VARIANTS)
            if rid in generic:
                disable.add(rid)
        changed = replace(prof, code=profile, rules=tuple(own.values()), disable=frozenset(disable))
        return replace(self, profiles={**self.profiles, profile: changed})


# A brand's own rule names at least two ways of saying it (the seed's sentence and one variant); the shipped
# rules, written once from the seeds, give the seed's sentence and three variants.
BRAND_MIN_VARIANTS = 1
SHIPPED_MIN_VARIANTS = 3


def _require(raw: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in raw or raw[key] is None:
        raise RulebookError(f"{where} 缺少字段 {key}")
    return raw[key]


def _rule(raw: Mapping[str, Any], profile: str, *, min_variants: int = SHIPPED_MIN_VARIANTS) -> Rule:
    rid = _require(raw, "id", "规则")
    where = f"规则 {rid}"
    severity = _require(raw, "severity", where)
    if severity not in SEVERITIES:
        raise RulebookError(f"{where} 的 severity 无效：{severity}")
    channels_raw = _require(raw, "channels", where)
    channels = frozenset(CHANNELS) if channels_raw == "all" else frozenset(channels_raw)
    if not channels or not channels <= set(CHANNELS):
        raise RulebookError(f"{where} 的 channels 无效：{channels_raw}")
    patterns = raw.get("patterns") or ([raw["pattern"]] if raw.get("pattern") else [])
    symbols = raw.get("symbols")
    if bool(patterns) == bool(symbols):
        raise RulebookError(f"{where} 须且只能有 patterns 或 symbols 之一")
    scope = raw.get("scope", "clause")
    if scope not in SCOPES:
        raise RulebookError(f"{where} 的 scope 无效：{scope}")
    examples = _require(raw, "examples", where)
    variants = list(examples.get("variants") or [])
    if len(variants) < min_variants:
        raise RulebookError(f"{where} 至少需要 {min_variants + 1} 个例句")
    return Rule(
        id=rid,
        category=_require(raw, "category", where),
        category_code=_require(raw, "category_code", where),
        severity=severity,
        channels=channels,
        patterns=tuple(patterns),
        symbols=symbols,
        exceptions=tuple(raw.get("exceptions") or ()),
        rewrite=str(raw.get("rewrite") or ""),
        message=_require(raw, "message", where),
        source=_require(raw, "source", where),
        examples=(_require(examples, "seed", where), *variants),
        counter_examples=tuple(raw.get("counter_examples") or ()),
        profile=profile,
        scope=scope,
        rewrites=tuple((str(k), str(v)) for k, v in (raw.get("rewrites") or {}).items()),
    )


def parse_rulebook(data: dict[str, Any]) -> Rulebook:
    rules = tuple(_rule(r, "generic") for r in data["rules"])
    exceptions = tuple(
        Exception_(
            pattern=e["pattern"],
            rules=frozenset(e["rules"]) if e.get("rules") else None,
            source=e.get("source", ""),
        )
        for e in data.get("exceptions") or ()
    )
    profiles: dict[str, Profile] = {}
    for code, raw in (data.get("profiles") or {}).items():
        raw = raw or {}
        profiles[code] = Profile(
            code=code,
            name=raw.get("name", code),
            rules=tuple(_rule(r, code) for r in raw.get("rules") or ()),
            disable=frozenset(raw.get("disable") or ()),
        )
    profiles.setdefault("generic", Profile(code="generic", name="通用", rules=()))
    ids = [r.id for r in rules] + [r.id for p in profiles.values() for r in p.rules]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise RulebookError(f"规则 id 重复：{sorted(duplicates)}")
    return Rulebook(
        particles=str(data.get("particles", "")),
        default_gap=int(data.get("default_gap", 4)),
        no_collapse=str(data.get("no_collapse", "")),
        rules=rules,
        exceptions=exceptions,
        profiles=profiles,
    )


@cache
def load_rulebook(path: Path = FORBIDDEN_PATH) -> Rulebook:
    return parse_rulebook(read_rulebook(path))


@dataclass(frozen=True)
class PrescribedPhrase:
    text: str
    source: str
    profile: str = "generic"
    channels: tuple[str, ...] = CHANNELS
    note: str = ""


@cache
def load_prescribed(path: Path = PRESCRIBED_PATH) -> tuple[PrescribedPhrase, ...]:
    """Every prescribed phrase (规范用语) of the seeds: they must pass the checker clean."""
    data = read_rulebook(path)
    return tuple(
        PrescribedPhrase(
            text=p["text"],
            source=p["source"],
            profile=p.get("profile", "generic"),
            channels=tuple(p.get("channels") or CHANNELS),
            note=p.get("note", ""),
        )
        for p in data["phrases"]
    )
