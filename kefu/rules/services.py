"""Writes of a brand's rules: a forbidden phrase added, changed or switched off, a situation's wording, a change
reverted, a file of overrides imported. Each is checked by the same schema as the shipped rulebooks, tried on its
own examples, written in one transaction with its RuleChange, and seen by every process once committed."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction

from kefu.accounts import access
from kefu.brands.models import Brand
from kefu.errors import NotFound, ServiceError
from kefu.rules import selectors
from kefu.rules.models import RuleChange, RuleKind, RuleOverride
from kefu.standards import compliance, scripts, sla
from kefu.standards.compliance.dsl import PatternError
from kefu.standards.compliance.rulebook import CHANNELS, SEVERITIES, RulebookError, load_rulebook
from kefu.standards.rulebook import validate
from kefu.standards.rulebook_schemas import FORBIDDEN_RULE, PHRASE, SLA_TARGET
from kefu.tickets.gate import CHECKER_CHANNEL
from kefu.timeutil import local_now

if TYPE_CHECKING:
    from kefu.accounts.models import User

State = dict[str, Any] | None  # {"value": …} while the brand has its own rule, None: the shipped one applies


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _require_reason(reason: str) -> str:
    """Every change says why (the history shows it); asked before the rule is tried, so it is said first."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写修改理由（记入修改记录）", field="reason")
    return reason


def _authorize(actor: User | None, brand: Brand) -> None:
    """A person needs `rules.change` for the brand; None is the command line (`kefu rules import`)."""
    if actor is not None:
        access.require(actor, "rules.change")
        access.require_brand(actor, brand)


def _write(
    *,
    brand: Brand,
    kind: str,
    key: str,
    state: State,
    actor: User | None,
    reason: str,
    at: datetime | None = None,
    reverts: RuleChange | None = None,
) -> RuleChange:
    reason = _require_reason(reason)
    if len(key) > RuleOverride._meta.get_field("key").max_length:
        raise ServiceError(f"规则编号“{key[:20]}…”过长", field="rule")
    at = local_now(at)
    with transaction.atomic():
        # one change of a brand's rules at a time; what is built from it until it commits is not kept
        Brand.objects.select_for_update().filter(pk=brand.pk).first()
        selectors.rules_written(brand.pk)
        row = RuleOverride.objects.select_for_update().filter(brand=brand, kind=kind, key=key).first()
        before: State = {"value": row.value} if row is not None else None
        if before == state:
            raise ServiceError("与现行规则相同，没有需要保存的修改")
        if state is None:
            assert row is not None
            row.delete()
        else:
            RuleOverride.objects.update_or_create(
                brand=brand,
                kind=kind,
                key=key,
                defaults={"value": state["value"], "changed_at": at, "changed_by": actor},
            )
        change = RuleChange.objects.create(
            brand=brand,
            kind=kind,
            key=key,
            before=before,
            after=state,
            actor=actor,
            at=at,
            reason=reason[:200],
            reverts=reverts,
        )
        transaction.on_commit(lambda: selectors.rules_changed(brand.pk, change.pk))
    return change


# ---------------------------------------------------------------- forbidden phrases


def forbidden_rule(
    brand: Brand, form: dict[str, Any], *, reason: str, base: compliance.Rule | None = None
) -> dict[str, Any]:
    """A forbidden phrase in forbidden.yaml's format from what the form gives (patterns, examples and
    counter-examples one a line; the category by its code). ``base``: the rule being changed, whose parts the
    form does not show (its exceptions, word-scope rewrites, emoji symbols) are kept."""
    names = dict(selectors.categories())
    category = (form.get("category") or "").strip()
    if category not in names:
        raise ServiceError("请选择忌语类别", field="category")
    severity = form.get("severity") or ""
    if severity not in SEVERITIES:
        raise ServiceError("请选择严重程度", field="severity")
    channels = [c for c in form.get("channels") or () if c in CHANNELS]
    if not channels:
        raise ServiceError("请至少选择一个适用渠道", field="channels")
    patterns = _lines(form.get("patterns", ""))
    symbols = base.symbols if base is not None and not patterns else None
    if not patterns and not symbols:
        raise ServiceError("请填写忌语（每行一种说法）", field="patterns")
    examples = _lines(form.get("examples", ""))
    if len(examples) < 2:
        raise ServiceError("请至少填写两句应当识别出的例句（每行一句）", field="examples")
    return {
        "category": names[category],
        "category_code": category,
        "severity": severity,
        "channels": "all" if set(channels) == set(CHANNELS) else channels,
        **({"symbols": symbols} if symbols else {"patterns": patterns}),
        **(
            {"exceptions": list(base.exceptions), "scope": base.scope, "rewrites": dict(base.rewrites)}
            if base is not None
            else {}
        ),
        "rewrite": (form.get("rewrite") or "").strip(),
        "message": (form.get("message") or "").strip() or f"服务忌语（{names[category]}），不得使用。",
        "source": f"品牌自定（{brand.name}）：{reason.strip()}",
        "examples": {"seed": examples[0], "variants": examples[1:]},
        "counter_examples": _lines(form.get("counter_examples", "")),
    }


def forbidden_trial(brand: Brand, rule_id: str, raw: dict[str, Any] | None) -> compliance.Checker:
    """The brand's checker with ``raw`` as rule ``rule_id``, refused (field-named Chinese message) when the rule
    breaks the schema or misses an example or flags a counter-example."""
    problems = [] if raw is None else _schema_problems(raw, FORBIDDEN_RULE, rule_id)
    if problems:
        raise ServiceError("；".join(problems), field="patterns")
    others = {k: v for k, v in selectors.brand_rules(brand).forbidden.items() if k != rule_id}
    try:  # the brand's other rules as the gate has them (one that no longer fits is skipped there too)
        book = selectors.forbidden_book(brand.profile, others).with_overrides(brand.profile, {rule_id: raw})
        checker = compliance.Checker(book, brand.profile)
        problems = compliance.rule_trial(checker, rule_id) if raw is not None else []
    except PatternError as exc:
        raise ServiceError(f"忌语写法有误：{exc}", field="patterns") from exc
    except RulebookError as exc:
        raise ServiceError(str(exc), field="patterns") from exc
    except (TypeError, AttributeError, KeyError) as exc:  # an imported rule of another shape
        raise ServiceError(
            f"忌语规则 {rule_id} 的格式不符合 forbidden.yaml 的写法", field="patterns"
        ) from exc
    if problems:
        field = "counter_examples" if problems[-1].startswith("反例") else "examples"
        raise ServiceError("；".join(problems), field=field, code="rule_trial_failed")
    return checker


def _schema_problems(value: Any, schema: Any, key: str) -> list[str]:
    """What in an imported value breaks the shipped rulebook's schema (the form always builds it right)."""
    data = {**value, "id": key} if isinstance(value, dict) and schema is FORBIDDEN_RULE else value
    return validate(data, schema, f"规则 {key}")


def forbidden_try(brand: Brand, form: dict[str, Any], *, rule_id: str = "") -> dict[str, Any]:
    """What saving the form would do, without saving: the rule tried on its examples (refused as the save would
    be) and what it flags among the brand's last 1,000 replies."""
    base = _existing(brand, rule_id)
    rule_id = rule_id or "new_rule"
    raw = forbidden_rule(brand, form, reason=(form.get("reason") or "").strip() or "试运行", base=base)
    checker = forbidden_trial(brand, rule_id, raw)
    replies = selectors.replies_of(brand)
    hits = []
    for text, channel in replies:
        found = [
            v for v in checker.check(text, CHECKER_CHANNEL.get(channel, "phone")) if v.rule_id == rule_id
        ]
        if found:
            hits.append({"text": text, "span": found[0].text})
    return {
        "examples": len(raw["examples"]["variants"]) + 1,
        "counter_examples": len(raw["counter_examples"]),
        "replies": len(replies),
        "hits": len(hits),
        "samples": hits[:10],
    }


def _existing(brand: Brand, rule_id: str) -> compliance.Rule | None:
    """The rule a form changes (None: a new one, with or without an id of its own)."""
    try:
        return selectors.forbidden_rule_of(brand, rule_id) if rule_id else None
    except NotFound:
        return None


def new_rule_id(brand: Brand) -> str:
    return f"{re.sub(r'[^a-z0-9]', '', brand.code.lower()) or 'brand'}_{uuid.uuid4().hex[:8]}"


def rule_forbidden_save(
    *,
    brand: Brand,
    form: dict[str, Any],
    actor: User | None,
    reason: str,
    rule_id: str = "",
    at: datetime | None = None,
) -> RuleChange:
    """Add a forbidden phrase for the brand (no ``rule_id``) or change one, shipped or the brand's own."""
    _authorize(actor, brand)
    _require_reason(reason)
    base = _existing(brand, rule_id)
    rule_id = rule_id or new_rule_id(brand)
    raw = forbidden_rule(brand, form, reason=reason, base=base)
    forbidden_trial(brand, rule_id, raw)
    return _write(
        brand=brand,
        kind=RuleKind.FORBIDDEN,
        key=rule_id,
        state={"value": raw},
        actor=actor,
        reason=reason,
        at=at,
    )


def rule_forbidden_disable(*, brand: Brand, rule_id: str, actor: User | None, reason: str) -> RuleChange:
    """Switch a shipped forbidden phrase off for the brand (a brand's own one is removed)."""
    _authorize(actor, brand)
    own = selectors.brand_rules(brand).forbidden
    shipped = {r.id for r in load_rulebook().rules_for(brand.profile)}
    if rule_id not in shipped and rule_id not in own:
        raise ServiceError(f"没有找到忌语规则 {rule_id}", field="rule")
    state = {"value": None} if rule_id in shipped else None
    return _write(brand=brand, kind=RuleKind.FORBIDDEN, key=rule_id, state=state, actor=actor, reason=reason)


# ---------------------------------------------------------------- phrasebook

# What a sentence is tried with before it is saved: every placeholder filled as in a real conversation.
_SAMPLE_VALUES = {
    "brand": "品牌",
    "hotline": "400-000-0000",
    "agent_no": "1001",
    "customer": "王先生",
    "greeting": "您好",
    "number": "1380 0138 000",
    "time": "12月4日 18:00",
    "date": "12月4日",
}


def phrase_variants(brand: Brand, situation: str, lines: str, *, reason: str) -> list[dict[str, Any]]:
    """A situation's variants from the form's lines, each tried through the brand's checker: kefu says them to
    customers, so one with a forbidden phrase is refused (field ``lines``)."""
    if situation not in {s.id for s in scripts.situations()}:
        raise ServiceError(f"没有找到话术情景 {situation}", field="situation")
    try:
        phrases = scripts.parse_phrase_lines(situation, lines, f"品牌自定（{brand.name}）：{reason.strip()}")
    except ValueError as exc:
        raise ServiceError(str(exc), field="lines") from exc
    checker = selectors.brand_checker(brand)
    for phrase in phrases:
        text = re.sub(r"[\[\]]", "", phrase.text)
        text = re.sub(r"\{([a-z_]+)\}", lambda m: _SAMPLE_VALUES.get(m.group(1), "某某"), text)
        for channel in phrase.when.get("channel") or CHANNELS:
            found = [v for v in compliance.assess(text, channel, checker=checker) if not v.uncertain]
            if found:
                words = "、".join(f"“{v.text}”（{v.category}）" for v in found)
                raise ServiceError(f"话术“{phrase.text}”含服务忌语{words}，不能保存", field="lines")
    return [{"text": p.text, "when": dict(p.when), "source": p.source} for p in phrases]


def rule_phrase_save(
    *, brand: Brand, situation: str, lines: str, actor: User | None, reason: str, at: datetime | None = None
) -> RuleChange:
    """The brand's own wording of a situation (开始语 before 春节 …), used by the script panel and by kefu's own
    sentences from the next read on."""
    _authorize(actor, brand)
    _require_reason(reason)
    value = phrase_variants(brand, situation, lines, reason=reason)
    return _write(
        brand=brand,
        kind=RuleKind.PHRASE,
        key=situation,
        state={"value": value},
        actor=actor,
        reason=reason,
        at=at,
    )


# ---------------------------------------------------------------- SLA targets


def _law_limit(shipped: sla.Target, target: sla.Target) -> None:
    """A target a law sets (its source cites 《…》) may be made shorter for a brand, never longer."""
    law = re.search(r"《[^》]+》", shipped.source)
    slower = target.duration > shipped.duration or (target.clock == "working" and shipped.clock == "calendar")
    if law and slower:
        raise ServiceError(
            f"{law.group(0)}规定{shipped.name}不得超过{shipped.describe()}，品牌只能缩短，不能延长",
            field="amount",
        )


def sla_targets_checked(brand: Brand, ticket_type: str, targets: Any) -> list[dict[str, Any]]:
    """A ticket type's own targets for the brand, refused (field ``amount``) unless each is a shipped target of
    the type with another amount, unit or clock, within what a law allows."""
    problems = _schema_problems(targets, [SLA_TARGET], ticket_type)
    if problems:
        raise ServiceError("；".join(problems), field="amount")
    policies = sla.shipped_policies()
    if ticket_type not in policies.ticket_types():
        raise NotFound(f"没有找到工单类型 {ticket_type}", field="ticket_type")
    shipped = {selectors.target_key(t): t for t in policies.entries(ticket_type, brand.code)}
    for raw in targets:
        if raw.get("disabled"):
            raise ServiceError(f"时限 {raw['code']} 不能停用，只能改时长", field="amount")
        try:
            target = selectors.target_from(raw)
        except (ValueError, TypeError) as exc:
            raise ServiceError(f"时限 {raw['code']}：{exc}", field="amount") from exc
        base = shipped.get(selectors.target_key(target))
        if base is None:
            raise ServiceError(f"{policies.type_name(ticket_type)}没有出厂时限 {target.code}", field="amount")
        _law_limit(base, target)
    try:
        policies.with_brand(brand.code, {ticket_type: targets})
    except ValueError as exc:
        raise ServiceError(str(exc), field="amount") from exc
    return list(targets)


def rule_sla_save(
    *,
    brand: Brand,
    ticket_type: str,
    target_key: str,
    amount: str | int,
    unit: str,
    clock: str,
    actor: User | None,
    reason: str,
    at: datetime | None = None,
) -> RuleChange:
    """The brand's own promise for one SLA target of a ticket type (a VIP brand's shorter first reply): the
    same target, another amount, unit or clock; the brand's other targets of the type are kept."""
    _authorize(actor, brand)
    _require_reason(reason)
    shipped = selectors.sla_target(brand, ticket_type, target_key)
    try:
        amount = int(str(amount).strip())
    except ValueError:
        amount = 0
    if amount <= 0:
        raise ServiceError("时限应为正整数", field="amount")
    raw = {
        "code": shipped.code,
        "name": shipped.name,
        "amount": amount,
        "unit": unit,
        "clock": clock,
        "starts_on": shipped.starts_on,
        "source": f"品牌自定（{brand.name}）：{reason.strip()}",
        **({"scope": shipped.scope} if shipped.scope else {}),
        **({"channel": shipped.channel} if shipped.channel else {}),
    }
    with transaction.atomic():  # the type's other targets read under the brand's lock, so no edit is lost
        Brand.objects.select_for_update().filter(pk=brand.pk).first()
        row = RuleOverride.objects.filter(brand=brand, kind=RuleKind.SLA, key=ticket_type).first()
        kept = [
            t
            for t in (row.value if row else [])
            if selectors.target_key(selectors.target_from(t)) != target_key
        ]
        targets = sla_targets_checked(brand, ticket_type, [*kept, raw])
        return _write(
            brand=brand,
            kind=RuleKind.SLA,
            key=ticket_type,
            state={"value": targets},
            actor=actor,
            reason=reason,
            at=at,
        )


# ---------------------------------------------------------------- back to shipped, revert, import


def rule_reset(*, brand: Brand, kind: str, key: str, actor: User | None, reason: str) -> RuleChange:
    """The brand's own rule removed: the shipped one applies again."""
    _authorize(actor, brand)
    if not RuleOverride.objects.filter(brand=brand, kind=kind, key=key).exists():
        raise ServiceError("该规则没有本品牌的修改，已是出厂规则")
    return _write(brand=brand, kind=kind, key=key, state=None, actor=actor, reason=reason)


def _current(brand: Brand, kind: str, key: str) -> State:
    row = RuleOverride.objects.filter(brand=brand, kind=kind, key=key).first()
    return {"value": row.value} if row is not None else None


def rule_change_revert(*, change: RuleChange, actor: User | None, reason: str = "") -> RuleChange:
    """Undo one change: the rule goes back to what it was before it (itself a change in the history). Only the
    latest change of a rule is undone this way, so a later one is never lost without being seen."""
    _authorize(actor, change.brand)
    if _current(change.brand, change.kind, change.key) != change.after:
        raise ServiceError("该规则在这次修改之后又改过，请先撤销后来的修改")
    before = change.before
    if before is not None:
        _checked(change.brand, change.kind, change.key, before["value"], reason=change.reason)
    return _write(
        brand=change.brand,
        kind=change.kind,
        key=change.key,
        state=before,
        actor=actor,
        reason=(reason or "").strip() or f"撤销第 {change.pk} 号修改",
        reverts=change,
    )


def _checked(brand: Brand, kind: str, key: str, value: Any, *, reason: str) -> Any:
    """A value of a brand's rule as it will be stored, checked as the form checks it (an import, a revert)."""
    if kind == RuleKind.FORBIDDEN:
        if value is None:
            if key not in {r.id for r in load_rulebook().rules_for(brand.profile)}:
                raise ServiceError(f"出厂规则里没有忌语规则 {key}，不能停用", field="rule")
        else:
            forbidden_trial(brand, key, value)
        return value
    if kind == RuleKind.SLA:
        return sla_targets_checked(brand, key, value)
    problems = _schema_problems(value, [PHRASE], key)
    if problems:
        raise ServiceError("；".join(problems), field="lines")
    lines = scripts.phrase_lines(
        tuple(scripts.Phrase(p["text"], p.get("when") or {}, p.get("source", "")) for p in value)
    )
    checked = phrase_variants(brand, key, lines, reason=reason)
    return [{**c, "source": p.get("source") or c["source"]} for c, p in zip(checked, value, strict=True)]


def rules_import(*, brand: Brand, data: dict[str, Any], actor: User | None, reason: str) -> list[RuleChange]:
    """Make the brand's overrides what ``data`` (the format of `selectors.export`) says, in one transaction:
    each rule checked as if entered in the form; a rule missing from ``data`` goes back to shipped."""
    _authorize(actor, brand)
    reason = _require_reason(reason)
    if not isinstance(data, dict) or data.get("brand") not in (None, brand.code):
        raise ServiceError(
            f"文件是品牌“{data.get('brand') if isinstance(data, dict) else ''}”的规则，不是 {brand.code}"
        )
    changes = []
    with transaction.atomic():
        for section, key, _what in selectors.diff(brand, data):
            kind, theirs = selectors.SECTIONS[section], data.get(section) or {}
            state = (
                {"value": _checked(brand, kind, key, theirs[key], reason=reason)} if key in theirs else None
            )
            changes.append(_write(brand=brand, kind=kind, key=key, state=state, actor=actor, reason=reason))
    return changes
