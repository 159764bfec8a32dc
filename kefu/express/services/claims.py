"""Claims (理赔, seed 004 第四节 A.1–A.5): the engine decides, a 理赔 ticket keeps the clocks and every state."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import User
from kefu.brands.models import Brand
from kefu.customers.models import Customer
from kefu.errors import Conflict, NotFound, ServiceError
from kefu.express.models import CLAIM_FLOW, Claim, Waybill
from kefu.express.rules import InputError, assess_claim, parse_claim
from kefu.express.rules.claims import amount_cap, check_amount
from kefu.express.selectors import scans_of, waybill_get
from kefu.express.services._common import input_error, resolve
from kefu.tickets import services as tickets
from kefu.tickets.models import Ticket
from kefu.tickets.selectors import ticket_type_get
from kefu.timeutil import local_now


def _waybill_facts(waybill: Waybill) -> dict[str, Any]:
    signed = [s for s in scans_of(waybill) if s.kind == "签收"]
    facts: dict[str, Any] = {
        "number": waybill.number,
        "shipped_at": timezone.localtime(waybill.shipped_at).isoformat(),
        "fee": str(waybill.freight),
        "surcharges": {"insurance": str(waybill.insurance_fee)},
        "insured": waybill.insured,
        "scope": "domestic",
    }
    if waybill.declared_value is not None:
        facts["declared_value"] = str(waybill.declared_value)
    if signed:
        facts["signed_at"] = facts["delivered_at"] = timezone.localtime(signed[-1].at).isoformat()
    return facts


def claim_file(
    *,
    brand: Brand,
    waybill_number: str,
    claim: dict[str, Any],
    actor: User | None,
    waybill_facts: dict[str, Any] | None = None,
    customer: Customer | None = None,
    channel: str = "phone",
    at: datetime | None = None,
) -> Claim:
    """File a claim: the engine decides from the stored waybill and the claim; a 理赔 ticket starts its clocks."""
    now = local_now(at)
    waybill = waybill_get(brand, waybill_number)
    if waybill is None:
        raise NotFound(f"没有找到运单：{waybill_number}", field="waybill_number")
    request = {
        "waybill": {**_waybill_facts(waybill), **(waybill_facts or {})},
        "claim": {"filed_at": now.isoformat(), **claim},
    }
    try:
        parsed_waybill, parsed_claim = parse_claim(request)
        decision = assess_claim(parsed_waybill, parsed_claim)
    except InputError as exc:
        raise input_error(exc) from exc
    verdict = (
        f"判定：可赔 {decision.amount} 元"
        if decision.eligible
        else f"判定：不予赔偿。{decision.refused_reason}"
    )
    with transaction.atomic():
        ticket = tickets.ticket_create(
            brand=brand,
            type=ticket_type_get("claim"),
            channel=channel,
            actor=actor,
            customer=customer,
            subject=f"理赔：{waybill.number}",
            waybill_number=waybill.number,
            scope=parsed_waybill.scope,
            at=now,
            description="\n".join(
                [verdict, *(f"{item}：{amount} 元" for item, amount in decision.breakdown)]
            ),
        )
        return Claim.objects.create(
            ticket=ticket,
            waybill=waybill,
            claimant_name=parsed_claim.claimant_name,
            reason=parsed_claim.reason,
            request=request,
            decision=decision.to_dict(),
            eligible=decision.eligible,
            amount=decision.amount,
            filed_at=now,
            updated_at=now,
        )


def claim_advance(
    *,
    claim: Claim,
    to: str,
    actor: User,
    note: str = "",
    amount: Decimal | None = None,
    at: datetime | None = None,
) -> Claim:
    """Move a claim filed → acknowledged → proposed → agreed → paid (or refused), each step a ticket event.

    Acknowledging answers the claimant (meets the 24-hour clock, A.5.2); the proposal meets the 30/60-day
    clock (A.5.3); agreement starts the 7-day pay clock (A.5.4, SLA rulebook starts_on: agreed); payment
    resolves the ticket.
    """
    now = local_now(at)
    claim = Claim.objects.select_related("ticket").get(pk=claim.pk)
    current = Claim.State(claim.state)
    if to not in CLAIM_FLOW.get(current, set()):
        raise Conflict(
            f"理赔状态不能从“{current.label}”变为“{Claim.State(to).label if to in Claim.State.values else to}”",
            field="state",
        )
    target = Claim.State(to)
    if amount is not None and target in (Claim.State.PROPOSED, Claim.State.AGREED):
        amount = _checked_amount(claim, amount)
    ticket = claim.ticket
    with transaction.atomic():
        tickets.ticket_note(
            ticket=ticket,
            actor=actor,
            at=now,
            body=f"理赔状态：{current.label} → {target.label}" + (f"。{note}" if note else ""),
        )
        if target == Claim.State.ACKNOWLEDGED:
            # the proposal is due from this answer (A.5.3): the decision, the clock and the text say one date
            claim.request = {
                **claim.request,
                "claim": {**claim.request["claim"], "acknowledged_at": now.isoformat()},
            }
            claim.decision = assess_claim(*parse_claim(claim.request)).to_dict()
            started = tickets.ticket_start_clocks(ticket=ticket, starts_on="acknowledged", at=now)
            due = next((c.due_at for c in started if c.code == "settle"), None)
            day = f"{timezone.localtime(due):%Y-%m-%d}" if due else None
            _tell(ticket, note, "claim_acknowledged", actor=actor, at=now, date=day)
        elif target == Claim.State.PROPOSED:
            proposed = amount if amount is not None else claim.amount
            claim.agreed_amount = proposed
            _tell(ticket, note, "claim_proposed", actor=actor, at=now, amount=proposed)
            tickets.ticket_meet_clocks(ticket=ticket, codes=["settle"], at=now)
        elif target == Claim.State.AGREED:
            if amount is not None:
                claim.agreed_amount = amount
            tickets.ticket_start_clocks(ticket=ticket, starts_on="agreed", at=now)
        elif target == Claim.State.PAID:
            resolve(ticket, actor=actor, note=f"已支付赔金 {claim.agreed_amount or claim.amount} 元", at=now)
        elif target == Claim.State.REFUSED:
            _tell(
                ticket,
                note,
                "claim_refused",
                actor=actor,
                at=now,
                reason=claim.decision.get("refused_reason"),
            )
            resolve(ticket, actor=actor, note="不予赔偿", at=now)
        claim.state, claim.updated_at = target, now
        claim.save(update_fields=["state", "updated_at", "agreed_amount", "request", "decision"])
    return claim


def _checked_amount(claim: Claim, amount: Any) -> Decimal:
    """A proposed or agreed amount: positive, to the fen, at most what the claim rules allow for the waybill."""
    try:
        value = amount if isinstance(amount, Decimal) else Decimal(str(amount).strip())
        waybill, _ = parse_claim(claim.request)
        return check_amount(value, amount_cap(waybill))
    except InputError as exc:
        raise input_error(exc) from exc
    except ArithmeticError as exc:
        raise ServiceError(f"金额应为数字（元），收到“{amount}”", field="amount") from exc


def _tell(ticket: Ticket, note: str, situation: str, *, actor: User, at: datetime, **values: object) -> None:
    """Tell the customer of a claim decision: in the agent's words when they wrote some (checked by the gate
    as theirs), else kefu's sentence for the situation."""
    if note:
        tickets.ticket_reply(ticket=ticket, actor=actor, at=at, body=note, answer=True)
    else:
        tickets.ticket_say(ticket=ticket, situation=situation, actor=actor, answer=True, at=at, **values)
