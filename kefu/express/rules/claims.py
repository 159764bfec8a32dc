"""Claims engine (理赔), seed 004_4ea5f35392de9aaf.txt 第四节 A.1–A.5 and 第三节 一 3.

Input (``kefu claim assess FILE.json`` reads the same shape; money as strings or
numbers in yuan, times ISO 8601, naive times read as Asia/Shanghai)::

    {
      "waybill": {
        "number": "XTJ100000000001",
        "shipped_at": "2024-03-01T10:00:00+08:00",  # 收寄时间
        "fee": "12.00",                  # service fee (服务费/运费)
        "surcharges": {"insurance": "3.00"},  # 保价费等附加费用: never waived
        "insured": true,                 # 是否保价
        "declared_value": "500.00",      # 保价金额 (insured) / declared value
        "scope": "domestic",             # domestic | hmt (港澳台) | international
        "packaged_by": "courier",        # customer | courier
        "beneficiary": "王五",           # optional: beneficiary named by the sender
        "agreed_compensation": "300.00", # optional: amount agreed with the sender (A.3 约定)
        "promised_at": "...",            # optional: promised delivery time
        "delivered_at": "...",           # optional
        "signed_at": "...",              # optional: 签收时间
        "courier_left_at": "..."         # optional: when the courier left after delivery
      },
      "claim": {
        "claimant": {"name": "李四", "role": "sender"},  # sender|beneficiary|recipient|other
        "beneficiary_named_by_sender": false,  # optional, instead of waybill.beneficiary
        "filed_at": "2024-03-10T09:00:00+08:00",
        "reason": "damage",              # delay | loss | damage | mismatch
        "damage": {"extent": "partial", "value_lost_ratio": "0.3"},
                  # or {"extent": "partial", "value_lost": "150", "item_value": "500"}
                  # or {"extent": "total"}   (a bare "total"/"partial" string is accepted)
        "mismatch": {"kind": "quantity", "declared": 10, "actual": 7},
                  # kind item | quantity | weight; or {"kind": "weight", "ratio": "0.2"}
        "delay_value_lost": {"extent": "total"},  # optional: delay destroyed the contents
        "proved_loss": "800.00",         # uninsured: actual value proved by the claimant
        "cause": "carrier",              # carrier | packaging | customer_fault |
                                         # item_nature | force_majeure | null (unknown)
        "queried_within_year": true,     # default true
        "acknowledged_at": "...",        # optional: when we answered the claim
        "agreed_at": "..."               # optional: when the amount was agreed
      }
    }

Output: `ClaimDecision`, whose `to_dict()` gives eligible, amount ("123.45"),
currency, refused_reason (polite Chinese, or None), fired [{rule, source, effect}],
breakdown [{item, amount}], deadlines {acknowledge_by, proposal_by, pay_by}.
Clocks are calendar clocks (日历天), no working calendar.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from .money import InputError, add_years_end_of_day, iso, money, percent, to_datetime, to_decimal
from .rulebook import Rulebook, default_rulebook
from .text import fold

ClaimInputError = InputError

ROLES = ("sender", "beneficiary", "recipient", "other")
REASONS = ("delay", "loss", "damage", "mismatch")
SCOPES = ("domestic", "hmt", "international")
CAUSES = ("carrier", "packaging", "customer_fault", "item_nature", "force_majeure")
EXTENTS = ("total", "partial")
MISMATCH_KINDS = ("item", "quantity", "weight")


@dataclass(frozen=True)
class Waybill:
    number: str
    shipped_at: datetime
    fee: Decimal
    surcharges: Mapping[str, Decimal] = field(default_factory=dict)
    insured: bool = False
    declared_value: Decimal | None = None
    scope: str = "domestic"
    packaged_by: str = "courier"
    beneficiary: str | None = None
    agreed_compensation: Decimal | None = None
    promised_at: datetime | None = None
    delivered_at: datetime | None = None
    signed_at: datetime | None = None
    courier_left_at: datetime | None = None


@dataclass(frozen=True)
class Claim:
    claimant_name: str
    claimant_role: str
    filed_at: datetime
    reason: str
    beneficiary_named_by_sender: bool = False
    damage_extent: str | None = None
    ratio: Decimal | None = None  # value lost / total value, for partial losses
    mismatch_kind: str | None = None
    delay_value_lost: str | None = None  # extent, when a delay destroyed the contents
    proved_loss: Decimal | None = None
    cause: str | None = None
    queried_within_year: bool = True
    acknowledged_at: datetime | None = None
    agreed_at: datetime | None = None


@dataclass(frozen=True)
class FiredRule:
    rule: str
    source: str
    effect: str

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "source": self.source, "effect": self.effect}


@dataclass(frozen=True)
class ClaimDeadlines:
    acknowledge_by: datetime
    proposal_by: datetime | None
    pay_by: datetime | None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "acknowledge_by": iso(self.acknowledge_by),
            "proposal_by": iso(self.proposal_by),
            "pay_by": iso(self.pay_by),
        }


@dataclass(frozen=True)
class ClaimDecision:
    eligible: bool
    amount: Decimal
    currency: str
    refused_reason: str | None
    fired: tuple[FiredRule, ...]
    breakdown: tuple[tuple[str, Decimal], ...]
    deadlines: ClaimDeadlines

    def rules(self) -> list[str]:
        return [f.rule for f in self.fired]

    def to_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "amount": str(self.amount),
            "currency": self.currency,
            "refused_reason": self.refused_reason,
            "fired": [f.to_dict() for f in self.fired],
            "breakdown": [{"item": item, "amount": str(amount)} for item, amount in self.breakdown],
            "deadlines": self.deadlines.to_dict(),
        }


# ---------------------------------------------------------------- input parsing


def _choice(value: Any, allowed: tuple[str, ...], name: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if value not in allowed:
        raise InputError(f"{name} 应为 {' | '.join(allowed)} 之一，收到：{value!r}", name)
    return str(value)


def _opt_time(data: Mapping[str, Any], key: str, prefix: str) -> datetime | None:
    value = data.get(key)
    return None if value in (None, "") else to_datetime(value, f"{prefix}.{key}")


def _bool(value: Any, name: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InputError(f"{name} 应为 true 或 false", name)
    return value


def _ratio(value: Any, name: str) -> Decimal:
    ratio = to_decimal(value, name)
    if ratio > 1:
        raise InputError(f"{name} 应在 0 到 1 之间", name)
    return ratio


def _partial_ratio(spec: Mapping[str, Any], prefix: str, declared_value: Decimal | None) -> Decimal:
    if "value_lost_ratio" in spec:
        return _ratio(spec["value_lost_ratio"], f"{prefix}.value_lost_ratio")
    if "ratio" in spec:
        return _ratio(spec["ratio"], f"{prefix}.ratio")
    if "value_lost" in spec:
        lost = to_decimal(spec["value_lost"], f"{prefix}.value_lost")
        total = spec.get("item_value", declared_value)
        if total is None:
            raise InputError(
                f"{prefix} 需要 item_value（内件总价值）才能计算损失比例", f"{prefix}.item_value"
            )
        total = to_decimal(total, f"{prefix}.item_value")
        if total <= 0 or lost > total:
            raise InputError(f"{prefix}.value_lost 应在 0 到内件总价值之间", f"{prefix}.value_lost")
        return lost / total
    if "declared" in spec and "actual" in spec:
        declared = to_decimal(spec["declared"], f"{prefix}.declared")
        actual = to_decimal(spec["actual"], f"{prefix}.actual")
        if declared <= 0 or actual >= declared:
            raise InputError(f"{prefix}：实际数量或重量不少于运单所填，不构成短少", f"{prefix}.actual")
        return (declared - actual) / declared
    raise InputError(f"{prefix} 需要给出损失比例（value_lost_ratio）或损失价值（value_lost）", prefix)


def _extent_spec(value: Any, prefix: str) -> Mapping[str, Any]:
    spec = {"extent": value} if isinstance(value, str) else value
    if not isinstance(spec, Mapping):
        raise InputError(f'{prefix} 应为对象，如 {{"extent": "total"}}', prefix)
    return spec


def parse_claim(data: Any) -> tuple[Waybill, Claim]:
    """Validate the claim input (see module docstring); raises InputError in Chinese."""
    if not isinstance(data, Mapping):
        raise InputError("理赔数据应为 JSON 对象，包含 waybill 和 claim")
    wb, cl = data.get("waybill"), data.get("claim")
    if not isinstance(wb, Mapping) or not isinstance(cl, Mapping):
        raise InputError("理赔数据需要包含 waybill（运单）和 claim（索赔）两部分")
    for key in ("shipped_at", "fee"):
        if key not in wb:
            raise InputError(f"缺少 waybill.{key}", f"waybill.{key}")
    surcharges = wb.get("surcharges") or {}
    if not isinstance(surcharges, Mapping):
        raise InputError('waybill.surcharges 应为对象，如 {"insurance": "3.00"}', "waybill.surcharges")
    insured = _bool(wb.get("insured"), "waybill.insured", False)
    declared = wb.get("declared_value")
    declared_value = None if declared is None else to_decimal(declared, "waybill.declared_value")
    if insured and declared_value is None:
        raise InputError("保价快件需要 waybill.declared_value（保价金额）", "waybill.declared_value")
    waybill = Waybill(
        number=str(wb.get("number", "")),
        shipped_at=to_datetime(wb["shipped_at"], "waybill.shipped_at"),
        fee=to_decimal(wb["fee"], "waybill.fee"),
        surcharges={str(k): to_decimal(v, f"waybill.surcharges.{k}") for k, v in surcharges.items()},
        insured=insured,
        declared_value=declared_value,
        scope=_choice(wb.get("scope", "domestic"), SCOPES, "waybill.scope") or "domestic",
        packaged_by=_choice(wb.get("packaged_by", "courier"), ("customer", "courier"), "waybill.packaged_by")
        or "courier",
        beneficiary=wb.get("beneficiary"),
        agreed_compensation=None
        if wb.get("agreed_compensation") is None
        else to_decimal(wb["agreed_compensation"], "waybill.agreed_compensation"),
        promised_at=_opt_time(wb, "promised_at", "waybill"),
        delivered_at=_opt_time(wb, "delivered_at", "waybill"),
        signed_at=_opt_time(wb, "signed_at", "waybill"),
        courier_left_at=_opt_time(wb, "courier_left_at", "waybill"),
    )
    claimant = cl.get("claimant")
    if not isinstance(claimant, Mapping):
        raise InputError(
            '缺少 claim.claimant（索赔人），如 {"name": "李四", "role": "sender"}', "claim.claimant"
        )
    if "filed_at" not in cl:
        raise InputError("缺少 claim.filed_at（索赔申告时间）", "claim.filed_at")
    reason = _choice(cl.get("reason"), REASONS, "claim.reason")
    extent = ratio = kind = delay_lost = None
    if reason == "damage":
        spec = _extent_spec(cl.get("damage"), "claim.damage")
        extent = _choice(spec.get("extent"), EXTENTS, "claim.damage.extent")
        if extent == "partial":
            ratio = _partial_ratio(spec, "claim.damage", declared_value)
    elif reason == "mismatch":
        spec = _extent_spec(cl.get("mismatch"), "claim.mismatch")
        spec = {"kind": spec["extent"], **spec} if "extent" in spec else spec
        kind = _choice(spec.get("kind"), MISMATCH_KINDS, "claim.mismatch.kind")
        if kind != "item":
            ratio = _partial_ratio(spec, "claim.mismatch", declared_value)
    elif reason == "delay" and cl.get("delay_value_lost") is not None:
        spec = _extent_spec(cl["delay_value_lost"], "claim.delay_value_lost")
        delay_lost = _choice(spec.get("extent"), EXTENTS, "claim.delay_value_lost.extent")
        if delay_lost == "partial":
            ratio = _partial_ratio(spec, "claim.delay_value_lost", declared_value)
    proved = cl.get("proved_loss")
    claim = Claim(
        claimant_name=str(claimant.get("name", "")),
        claimant_role=_choice(claimant.get("role"), ROLES, "claim.claimant.role") or "other",
        filed_at=to_datetime(cl["filed_at"], "claim.filed_at"),
        reason=reason or "loss",
        beneficiary_named_by_sender=_bool(
            cl.get("beneficiary_named_by_sender"), "claim.beneficiary_named_by_sender", False
        ),
        damage_extent=extent,
        ratio=ratio,
        mismatch_kind=kind,
        delay_value_lost=delay_lost,
        proved_loss=None if proved is None else to_decimal(proved, "claim.proved_loss"),
        cause=_choice(cl.get("cause"), CAUSES, "claim.cause", optional=True),
        queried_within_year=_bool(cl.get("queried_within_year"), "claim.queried_within_year", True),
        acknowledged_at=_opt_time(cl, "acknowledged_at", "claim"),
        agreed_at=_opt_time(cl, "agreed_at", "claim"),
    )
    return waybill, claim


# ---------------------------------------------------------------- the engine


class _Run:
    """Collects fired rules and refusals for one decision."""

    def __init__(self, book: Rulebook) -> None:
        self.rules: Mapping[str, Mapping[str, Any]] = book.claims["rules"]
        self.fired: list[FiredRule] = []
        self.refusals: list[str] = []

    def rule(self, key: str) -> Mapping[str, Any]:
        return self.rules[key]

    def fire(self, key: str, **values: Any) -> None:
        rule = self.rules[key]
        text = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in values.items()}
        self.fired.append(
            FiredRule(rule=key, source=str(rule["source"]), effect=rule["effect"].format(**text))
        )

    def refuse(self, key: str, **values: Any) -> None:
        self.fire(key, **values)
        self.refusals.append(str(self.rules[key]["refusal"]))


def _check_eligibility(run: _Run, waybill: Waybill, claim: Claim, labels: Mapping[str, Any]) -> None:
    # A.1: only the sender or the beneficiary the sender named may claim.
    named = claim.beneficiary_named_by_sender or (
        bool(waybill.beneficiary) and fold(str(waybill.beneficiary)) == fold(claim.claimant_name)
    )
    allowed = claim.claimant_role in run.rule("claimant")["allowed_roles"]
    if claim.claimant_role == "beneficiary" and not named:
        allowed = False
    who = f"{claim.claimant_name}（{labels['roles'][claim.claimant_role]}）"
    if allowed:
        run.fire("claimant", claimant=who)
    else:
        run.refuse("claimant", claimant=who)

    # A.4 (and A.2 c): one year from the day the parcel was taken in.
    years = int(run.rule("time_limit")["years"])
    deadline = add_years_end_of_day(waybill.shipped_at, years)
    if claim.filed_at > deadline:
        run.refuse("time_limit", years=years, deadline=deadline.date().isoformat())
        if not claim.queried_within_year:
            run.refuse("no_query_within_year")
    else:
        run.fire("time_limit", years=years, deadline=deadline.date().isoformat())

    # 第三节 一 3: damage/shortage raised after signing and the courier has left.
    rule = run.rule("signed_and_courier_left")
    if (
        claim.reason in rule["reasons"]
        and waybill.signed_at is not None
        and waybill.courier_left_at is not None
        and claim.filed_at > waybill.courier_left_at
    ):
        run.refuse("signed_and_courier_left")

    # A.2 a) and b): exemptions.
    if claim.cause == "customer_fault":
        run.refuse("customer_fault")
    elif claim.cause == "item_nature":
        run.refuse("item_nature")
    elif claim.cause == "force_majeure":
        if waybill.insured:
            run.fire("force_majeure_insured")
        else:
            run.refuse("force_majeure")

    # 第三节 一 3: customer's own packaging, in principle not compensated.
    packaging_causes = run.rule("customer_packaging")["causes"]
    if claim.reason == "damage" and waybill.packaged_by == "customer" and claim.cause in packaging_causes:
        run.refuse("customer_packaging")

    # A.5.1: a delay claim needs the promised time to have passed.
    if claim.reason == "delay" and waybill.promised_at is not None:
        arrived = waybill.delivered_at or claim.filed_at
        if arrived <= waybill.promised_at:
            run.refuse("not_delayed", promised_at=waybill.promised_at.isoformat())


def _loss_lines(run: _Run, waybill: Waybill, claim: Claim) -> list[tuple[str, Decimal]]:
    """A.3.2: what a loss of this parcel pays, line by line."""
    fee = money(waybill.fee)
    run.fire("loss_fee_waiver", fee=fee)
    lines = [("免除本次服务费用", fee)]
    if waybill.insured and waybill.declared_value is not None:
        insured = money(waybill.declared_value)
        run.fire("loss_insured", insured=insured)
        lines.append(("保价金额赔偿", insured))
    elif claim.proved_loss is None:
        run.fire("loss_unproved")
    else:
        multiple = Decimal(str(run.rule("loss_uninsured")["cap_multiple_of_fee"]))
        cap = money(fee * multiple)
        paid = min(money(claim.proved_loss), cap)
        run.fire("loss_uninsured", proved=money(claim.proved_loss), multiple=multiple, cap=cap, paid=paid)
        lines.append(("未保价实际损失赔偿", paid))
    return lines


def _damage_lines(run: _Run, waybill: Waybill, claim: Claim, extent: str) -> list[tuple[str, Decimal]]:
    """A.3.3: total damage pays as a loss; partial damage the same share of it."""
    if extent == "total":
        run.fire("damage_total")
        return _loss_lines(run, waybill, claim)
    ratio = claim.ratio if claim.ratio is not None else Decimal(0)
    full_lines = _loss_lines(run, waybill, claim)
    lines = [(f"{label}（按 {percent(ratio)}）", money(amount * ratio)) for label, amount in full_lines]
    run.fire(
        "damage_partial",
        ratio=percent(ratio),
        full=money(sum((a for _, a in full_lines), Decimal(0))),
        amount=money(sum((a for _, a in lines), Decimal(0))),
    )
    return lines


def _amount_lines(run: _Run, waybill: Waybill, claim: Claim) -> list[tuple[str, Decimal]]:
    if waybill.agreed_compensation is not None:
        # A.3: an agreement between the company and the customer comes first.
        amount = money(waybill.agreed_compensation)
        run.fire("agreement", amount=amount)
        return [("按约定赔偿", amount)]
    if claim.reason == "delay":
        if claim.delay_value_lost:
            run.fire("delay_value_lost")
            return _damage_lines(run, waybill, claim, claim.delay_value_lost)
        fee = money(waybill.fee)
        extra = money(sum(waybill.surcharges.values(), Decimal(0)))
        run.fire("delay", fee=fee, surcharges=extra)
        return [("免除本次服务费用", fee)]
    if claim.reason == "loss":
        return _loss_lines(run, waybill, claim)
    if claim.reason == "damage":
        return _damage_lines(run, waybill, claim, claim.damage_extent or "total")
    # mismatch, A.3.4
    if claim.mismatch_kind == "item":
        run.fire("mismatch_item")
        return _damage_lines(run, waybill, claim, "total")
    run.fire("mismatch_quantity")
    return _damage_lines(run, waybill, claim, "partial")


def assess_claim(waybill: Waybill, claim: Claim, rulebook: Rulebook | None = None) -> ClaimDecision:
    """Decide a claim: who may claim, in time, exemptions, amount and the clocks."""
    book = rulebook or default_rulebook()
    run = _Run(book)
    labels = book.claims["labels"]
    _check_eligibility(run, waybill, claim, labels)
    eligible = not run.refusals
    lines = _amount_lines(run, waybill, claim) if eligible else []
    amount = money(sum((a for _, a in lines), Decimal(0)))

    hours = int(run.rule("acknowledge")["hours"])
    acknowledge_by = claim.filed_at + timedelta(hours=hours)
    run.fire("acknowledge", hours=hours, at=acknowledge_by.strftime("%Y-%m-%d %H:%M"))
    proposal_by = pay_by = None
    if eligible:
        days = int(run.rule("proposal")["days"][waybill.scope])
        proposal_by = (claim.acknowledged_at or acknowledge_by) + timedelta(days=days)
        run.fire("proposal", days=days, at=proposal_by.strftime("%Y-%m-%d %H:%M"))
        if claim.agreed_at is not None:
            pay_days = int(run.rule("payment")["days"])
            pay_by = claim.agreed_at + timedelta(days=pay_days)
            run.fire("payment", days=pay_days, at=pay_by.strftime("%Y-%m-%d %H:%M"))
    run.fire("dispute")
    return ClaimDecision(
        eligible=eligible,
        amount=amount,
        currency=str(book.claims.get("currency", "CNY")),
        refused_reason=run.refusals[0] if run.refusals else None,
        fired=tuple(run.fired),
        breakdown=tuple(lines),
        deadlines=ClaimDeadlines(acknowledge_by=acknowledge_by, proposal_by=proposal_by, pay_by=pay_by),
    )


def assess_claim_data(data: Any, rulebook: Rulebook | None = None) -> ClaimDecision:
    """Parse the JSON-shaped input and decide; raises InputError on bad input."""
    waybill, claim = parse_claim(data)
    return assess_claim(waybill, claim, rulebook)


def amount_cap(waybill: Waybill, rulebook: Rulebook | None = None) -> Decimal:
    """The most any claim on this waybill can pay under the rules: the agreed compensation when there is one
    (A.3), else a total loss (A.3.2): the fee waived plus the declared value when insured, or the uninsured cap
    (fee × cap_multiple_of_fee). A proposal or agreement above it is a typing mistake, not a settlement."""
    if waybill.agreed_compensation is not None:
        return money(waybill.agreed_compensation)
    fee = money(waybill.fee)
    if waybill.insured and waybill.declared_value is not None:
        return money(fee + waybill.declared_value)
    rule = (rulebook or default_rulebook()).claims["rules"]["loss_uninsured"]
    return money(fee + fee * Decimal(str(rule["cap_multiple_of_fee"])))


def check_amount(amount: Decimal, cap: Decimal, field: str = "amount") -> Decimal:
    """A proposed or agreed compensation: positive yuan with at most 2 decimals, at most `cap` (InputError)."""
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise InputError("金额应为数字（元）", field)
    if amount <= 0:
        raise InputError(f"金额应大于 0 元，收到 {amount}", field)
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InputError(f"金额最多两位小数（元、角、分），收到 {amount}", field)
    if amount > cap:
        raise InputError(f"金额不能超过规则允许的最高赔偿 {cap} 元，收到 {amount:f} 元", field)
    return money(amount)
