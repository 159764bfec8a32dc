"""A brand's effective rules: the shipped rulebooks with the brand's overrides merged in, cached per process.

Every path that checks or speaks for a brand (the standards gate, the as-you-type check, the script panel,
kefu's own sentences) asks here, so a supervisor's change holds everywhere at once. The cache is keyed by the
brand's rules version: with Redis (KEFU_REDIS_URL) a token every process reads and a change replaces, else the
brand's latest change read from the database; either way a change is seen by every server process on its
next check.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from kefu.rules.models import RuleChange, RuleKind, RuleOverride
from kefu.standards import compliance, scripts, sla
from kefu.standards.compliance.rulebook import SEVERITY_NAMES, RulebookError, load_rulebook

if TYPE_CHECKING:
    from kefu.brands.models import Brand

log = logging.getLogger(__name__)
_LOCK = threading.Lock()


@dataclass(frozen=True)
class BrandRules:
    """What a brand has changed and the checker that holds its forbidden phrases."""

    brand_id: int
    profile: str
    version: str
    forbidden: dict[str, dict[str, Any] | None]
    phrases: dict[str, tuple[scripts.Phrase, ...]]
    checker: compliance.Checker
    targets: dict[str, list[dict[str, Any]]]  # ticket type code → the brand's own SLA targets
    policies: sla.SlaPolicies


_CACHE: dict[int, tuple[BrandRules, float]] = {}  # brand id → (its rules, when the database last agreed)
# With Redis, how often a process also asks the database: a bump lost while Redis was down is seen this late.
RECHECK_SECONDS = 30


def _version_key(brand_id: int) -> str:
    return f"rules:version:{brand_id}"


def _db_version(brand_id: int) -> str:
    last = RuleChange.objects.filter(brand_id=brand_id).order_by("-id").values_list("id", flat=True).first()
    return f"db:{last or 0}"


def rules_version(brand_id: int) -> str:
    """The version of a brand's rules every process agrees on (module docstring)."""
    if not settings.REDIS_URL:
        return _db_version(brand_id)
    try:
        token = cache.get(_version_key(brand_id))
        if token is None:
            token = _db_version(brand_id)
            cache.add(_version_key(brand_id), token, None)
        return str(token)
    except Exception:  # Redis unreachable: the database still knows the latest change
        log.warning("规则版本无法从 Redis 读取，改从数据库读取", exc_info=True)
        return _db_version(brand_id)


def rules_changed(brand_id: int, change_id: int) -> None:
    """After a change commits: every process builds the brand's rules again on its next read."""
    if settings.REDIS_URL:
        try:
            cache.set(_version_key(brand_id), f"db:{change_id}", None)
        except Exception:  # each process still reads the database's version every RECHECK_SECONDS
            log.warning(
                "规则版本无法写入 Redis；其他进程将在 %s 秒内从数据库看到修改", RECHECK_SECONDS, exc_info=True
            )
    with _LOCK:
        _CACHE.pop(brand_id, None)


def forget_all() -> None:
    """Drop every brand's built rules (tests: a rolled-back change's id is given out again)."""
    with _LOCK:
        _CACHE.clear()


def forbidden_book(profile: str, forbidden: dict[str, dict[str, Any] | None]):
    """The forbidden-phrase rulebook of a profile with a brand's overrides; one that no longer fits the shipped
    rulebook (a switched-off rule removed since) is left out and logged, never a gate that fails."""
    book = load_rulebook()
    for rule_id, raw in forbidden.items():
        try:
            book = book.with_overrides(profile, {rule_id: raw})
        except RulebookError:
            log.warning("品牌规则 %s 与出厂规则库不再相符，已跳过", rule_id, exc_info=True)
    return book


def _build(brand: Brand, version: str) -> BrandRules:
    rows = list(RuleOverride.objects.filter(brand_id=brand.pk).values_list("kind", "key", "value"))
    forbidden = {key: value for kind, key, value in rows if kind == RuleKind.FORBIDDEN}
    phrases = {
        key: tuple(
            scripts.Phrase(text=p["text"], when=p.get("when") or {}, source=p["source"]) for p in value
        )
        for kind, key, value in rows
        if kind == RuleKind.PHRASE and value
    }
    checker = (
        compliance.Checker(forbidden_book(brand.profile, forbidden), brand.profile)
        if forbidden
        else compliance.get_checker(brand.profile)
    )
    targets = {key: value for kind, key, value in rows if kind == RuleKind.SLA and value}
    policies = sla.shipped_policies()
    if targets:
        try:
            policies = policies.with_brand(brand.code, targets)
        except ValueError:
            log.warning("品牌 %s 的 SLA 时限与出厂规则库不再相符，已跳过", brand.code, exc_info=True)
    return BrandRules(brand.pk, brand.profile, version, forbidden, phrases, checker, targets, policies)


def brand_rules(brand: Brand) -> BrandRules:
    """The brand's effective rules, built again only when their version or the brand's profile changed. Built
    inside a transaction that wrote the brand's rules, they are not kept: it may still roll back."""
    version = rules_version(brand.pk)  # read before the rows: a change committed meanwhile bumps it again
    cached, agreed = _CACHE.get(brand.pk, (None, 0.0))
    if cached is not None and settings.REDIS_URL and time.monotonic() - agreed > RECHECK_SECONDS:
        version = _db_version(brand.pk)
        agreed = time.monotonic() if cached.version == version else 0.0
    if cached is not None and cached.version == version and cached.profile == brand.profile:
        if agreed:
            _CACHE[brand.pk] = (cached, agreed)
        return cached
    built = _build(brand, version)
    if brand.pk not in _written_here():
        with _LOCK:
            _CACHE[brand.pk] = (built, time.monotonic())
    return built


_LOCAL = threading.local()


def _written_here() -> set[int]:
    """The brands whose rules this thread's open transaction has written (and may still roll back)."""
    written: set[int] = getattr(_LOCAL, "written", set())
    if not connection.in_atomic_block:
        written.clear()
    _LOCAL.written = written
    return written


def rules_written(brand_id: int) -> None:
    """Called by a write before it commits: until then what is built from it is not kept for other requests."""
    _written_here().add(brand_id)


def brand_checker(brand: Brand) -> compliance.Checker:
    return brand_rules(brand).checker


def brand_phrases(brand: Brand) -> dict[str, tuple[scripts.Phrase, ...]]:
    return brand_rules(brand).phrases


def brand_policies(brand: Brand) -> sla.SlaPolicies:
    """The SLA targets with the brand's own (a VIP brand's shorter first reply …)."""
    return brand_rules(brand).policies


# ---------------------------------------------------------------- pages


def brands_for_rules(user) -> list[Brand]:
    """The brands whose rules ``user`` may change (none without `rules.change`)."""
    from kefu.accounts import access

    return list(access.brands_for(user)) if access.can(user, "rules.change") else []


def brand_for_rules(code: str, user) -> Brand:
    """A brand whose rules ``user`` may see and change; refused for another brand or without the permission."""
    from kefu.accounts import access

    access.require(user, "rules.change")
    return access.brand_get_for_user(code, user)


def change_for_rules(code: str, change_id: int, user) -> RuleChange:
    from kefu.errors import NotFound

    brand = brand_for_rules(code, user)
    change = RuleChange.objects.select_related("brand").filter(brand=brand, pk=change_id).first()
    if change is None:
        raise NotFound(f"没有找到第 {change_id} 号修改")
    return change


STATE_NAMES = {
    "shipped": "出厂规则",
    "added": "本品牌新增",
    "changed": "本品牌修改",
    "disabled": "本品牌停用",
}


WHERE_NAMES = {
    "domestic": "国内",
    "hmt": "港澳台",
    "international": "国际",
    "chat": "在线",
    "phone": "电话",
    "email": "邮件",
}


def target_from(raw: dict[str, Any]) -> sla.Target:
    fields = ("code", "name", "amount", "unit", "clock", "starts_on", "source", "scope", "channel")
    return sla.Target(**{k: raw[k] for k in fields if raw.get(k) is not None})


def target_key(target: sla.Target) -> str:
    """A target's (code, scope, channel, starts_on) as one string for a link."""
    return "|".join(part or "" for part in target.key)


def sla_rows(brand: Brand) -> list[dict[str, Any]]:
    """Every SLA target the brand's tickets get, by ticket type: the shipped ones and the brand's own."""
    rules = brand_rules(brand)
    policies = rules.policies
    own = {(kind, target_key(target_from(raw))) for kind, raws in rules.targets.items() for raw in raws}
    rows = []
    for kind in policies.ticket_types():
        for target in policies.entries(kind, brand.code):
            rows.append(
                {
                    "type": kind,
                    "type_name": policies.type_name(kind),
                    "target": target,
                    "key": target_key(target),
                    "promise": target.describe(),
                    "starts_on": sla.STARTS_ON_NAMES[target.starts_on],
                    "where": " ".join(
                        WHERE_NAMES[part] for part in (target.scope, target.channel) if part is not None
                    ),
                    "own": (kind, target_key(target)) in own,
                }
            )
    return rows


def sla_target(brand: Brand, kind: str, key: str) -> sla.Target:
    """One of the brand's targets by its ticket type and `target_key`."""
    from kefu.errors import NotFound

    found = next((t for t in brand_policies(brand).entries(kind, brand.code) if target_key(t) == key), None)
    if found is None:
        raise NotFound("没有找到该时限", field="target")
    return found


def sla_form(brand: Brand, kind: str, key: str) -> dict[str, Any]:
    """The SLA edit form's context: the target, its ticket type's name, whether the brand has its own targets."""
    rules = brand_rules(brand)
    target = sla_target(brand, kind, key)
    return {"target": target, "type_name": rules.policies.type_name(kind), "own": kind in rules.targets}


def categories() -> list[tuple[str, str]]:
    """The forbidden-phrase categories of the shipped rulebook: (code, 中文名)."""
    seen: dict[str, str] = {}
    for rule in load_rulebook().all_rules():
        seen.setdefault(rule.category_code, rule.category)
    return sorted(seen.items(), key=lambda item: item[1])


def _rule_row(rule: compliance.Rule, state: str) -> dict[str, Any]:
    return {
        "id": rule.id,
        "category": rule.category,
        "severity": rule.severity,
        "severity_name": SEVERITY_NAMES[rule.severity],
        "patterns": rule.patterns or (rule.symbols,),
        "rewrite": rule.rewrite,
        "examples": rule.examples,
        "counter_examples": rule.counter_examples,
        "source": rule.source,
        "state": state,
        "state_name": STATE_NAMES[state],
    }


def forbidden_rows(brand: Brand) -> list[dict[str, Any]]:
    """Every forbidden phrase as the brand has it, its own first (新增, 修改, 停用), then the shipped ones."""
    rules = brand_rules(brand)
    shipped = {r.id: r for r in load_rulebook().rules_for(brand.profile)}
    own = []
    for rule_id, raw in rules.forbidden.items():
        if raw is None:
            if rule_id in shipped:
                own.append(_rule_row(shipped[rule_id], "disabled"))
            continue
        rule = next((r for r in rules.checker.rules if r.id == rule_id), None)
        if rule is not None:
            own.append(_rule_row(rule, "changed" if rule_id in shipped else "added"))
    return own + [_rule_row(r, "shipped") for r in shipped.values() if r.id not in rules.forbidden]


def forbidden_rule_of(brand: Brand, rule_id: str) -> compliance.Rule:
    """A forbidden phrase as the brand has it (its own wording, else the shipped one)."""
    rule = next((r for r in brand_checker(brand).rules if r.id == rule_id), None)
    rule = rule or next((r for r in load_rulebook().all_rules() if r.id == rule_id), None)
    if rule is None:
        from kefu.errors import NotFound

        raise NotFound(f"没有找到忌语规则 {rule_id}", field="rule")
    return rule


def forbidden_rule_form(brand: Brand, rule_id: str) -> dict[str, Any]:
    """The rule as the edit form shows it."""
    rule = forbidden_rule_of(brand, rule_id)
    return {
        "rule": rule.id,
        "patterns": "\n".join(rule.patterns),
        "category": rule.category_code,
        "severity": rule.severity,
        "channels": sorted(rule.channels),
        "rewrite": rule.rewrite,
        "message": rule.message,
        "examples": "\n".join(rule.examples),
        "counter_examples": "\n".join(rule.counter_examples),
    }


def replies_of(brand: Brand, limit: int = 1000) -> list[tuple[str, str]]:
    """The brand's last ``limit`` replies to customers, every channel: (text, the ticket's channel)."""
    from kefu.tickets.models import TicketEvent

    return list(
        TicketEvent.objects.filter(ticket__brand=brand, kind=TicketEvent.Kind.REPLY)
        .exclude(body="")
        .order_by("-id")
        .values_list("body", "ticket__channel")[:limit]
    )


def phrase_rows(brand: Brand, *, at, channel: str = "phone") -> list[dict[str, Any]]:
    """Every situation of the phrasebook with the brand's wording (as lines) and today's sentence."""
    from kefu.brands.selectors import script_context

    own = brand_phrases(brand)
    ctx = script_context(brand, at=at, channel=channel, agent_no="1001")
    rows = []
    for situation in scripts.situations():
        try:
            sample = scripts.render(situation.id, ctx)
        except ValueError:
            sample = ""
        rows.append(
            {
                "id": situation.id,
                "name": situation.name,
                "description": situation.description,
                "own": situation.id in own,
                "sample": sample,
            }
        )
    return rows


def phrase_form(brand: Brand, situation: str) -> dict[str, Any]:
    from kefu.errors import NotFound

    found = next((s for s in scripts.situations() if s.id == situation), None)
    if found is None:
        raise NotFound(f"没有找到话术情景 {situation}", field="situation")
    variants = scripts.phrases_for(situation, brand.profile, brand_phrases(brand))
    return {
        "situation": found,
        "lines": scripts.phrase_lines(variants),
        "own": situation in brand_phrases(brand),
        "placeholders": [(p, PLACEHOLDER_NAMES.get(p, "")) for p in sorted(scripts.placeholders(situation))],
    }


def _describe(kind: str, state: dict[str, Any] | None, shipped: bool) -> str:
    """A state of a rule as the history shows it."""
    if state is None:
        return "出厂规则" if shipped else "（无）"
    value = state["value"]
    if value is None:
        return "停用"
    if kind == RuleKind.PHRASE:
        return scripts.phrase_lines(
            tuple(scripts.Phrase(p["text"], p.get("when") or {}, p["source"]) for p in value)
        )
    if kind == RuleKind.SLA:
        return "\n".join(f"{t['name']}：{target_from(t).describe()}" for t in value)
    return "、".join(value["patterns"]) + f"（{value['category']}，{SEVERITY_NAMES[value['severity']]}）"


def _rule_name(change: RuleChange, rules: dict[str, compliance.Rule]) -> str:
    """A forbidden phrase as people know it: its category and first example (its id is for machines)."""
    for state in (change.after, change.before):
        if state and state["value"]:
            return f"{state['value']['category']}：{state['value']['examples']['seed']}"
    rule = rules.get(change.key)
    return f"{rule.category}：{rule.examples[0]}" if rule else change.key


def history_rows(brand: Brand, limit: int = 200) -> list[dict[str, Any]]:
    """The brand's changes, newest first: what, who, when, why, before → after."""
    situations = {s.id: s.name for s in scripts.situations()}
    shipped = {r.id: r for r in load_rulebook().rules_for(brand.profile)}
    rows = []
    for change in RuleChange.objects.filter(brand=brand).select_related("actor")[:limit]:
        phrase = change.kind == RuleKind.PHRASE
        is_shipped = change.kind != RuleKind.FORBIDDEN or change.key in shipped
        if change.kind == RuleKind.SLA:
            name = sla.shipped_policies().type_name(change.key)
        else:
            name = situations.get(change.key, change.key) if phrase else _rule_name(change, shipped)
        rows.append(
            {
                "change": change,
                "name": name,
                "before": _describe(change.kind, change.before, is_shipped),
                "after": _describe(change.kind, change.after, is_shipped),
            }
        )
    return rows


# What each placeholder of a sentence is filled with, for the people who write them.
PLACEHOLDER_NAMES = {
    "greeting": "问候语（您好、早上好、新年好…）",
    "brand": "品牌名",
    "hotline": "服务热线",
    "agent_no": "工号",
    "customer": "客户称呼（王先生）",
    "number": "要复述的号码",
    "number_kind": "号码种类",
    "promotion": "活动名称",
    "referral_hotline": "转介的电话",
    "festive_wish": "节日祝福",
    "department": "部门",
    "days": "天数",
    "supervisor": "主管称呼",
    "time": "时间",
    "date": "日期",
    "reason": "原因",
    "issue": "客户反映的问题",
    "amount": "金额",
    "hours": "服务时间",
    "ahead": "前面排队的人数",
    "wait": "预计等待时间",
}


def export(brand: Brand) -> dict[str, Any]:
    """The brand's overrides, in the rulebooks' own format (what `kefu rules import` reads back)."""
    rows = RuleOverride.objects.filter(brand=brand).order_by("kind", "key")
    return {
        "brand": brand.code,
        "forbidden": {r.key: r.value for r in rows if r.kind == RuleKind.FORBIDDEN},
        "phrases": {r.key: r.value for r in rows if r.kind == RuleKind.PHRASE},
        "sla": {r.key: r.value for r in rows if r.kind == RuleKind.SLA},
    }


def export_yaml(brand: Brand) -> str:
    import yaml

    return yaml.safe_dump(export(brand), allow_unicode=True, sort_keys=False)


SECTIONS = {"forbidden": RuleKind.FORBIDDEN, "phrases": RuleKind.PHRASE, "sla": RuleKind.SLA}


def diff(brand: Brand, data: dict[str, Any]) -> list[tuple[str, str, str]]:
    """What importing ``data`` would change: (section, key, 新增|修改|恢复出厂) in order."""
    from kefu.errors import ServiceError

    current = export(brand)
    out = []
    for section in SECTIONS:
        mine, theirs = current[section], data.get(section) or {}
        if not isinstance(theirs, dict):
            raise ServiceError(f"{section} 应为“编号: 规则”的映射", field=section)
        for key in sorted(set(mine) | set(theirs)):
            if key not in theirs:
                out.append((section, key, "恢复出厂"))
            elif key in mine and mine[key] == theirs[key]:
                continue
            elif theirs[key] is None:
                out.append((section, key, "停用"))
            else:
                out.append((section, key, "修改" if key in mine else "新增"))
    return out
