"""Claims as 理赔 tickets: the engine's decision stored, states as events, the seed's clocks."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from kefu.errors import Conflict
from kefu.express.services import claim_advance, claim_file
from tests.conftest import at

LOSS = {"claimant": {"name": "王小明", "role": "sender"}, "reason": "loss", "cause": "carrier"}


def test_an_insured_lost_parcel_is_decided_and_walks_every_state_with_its_clocks(net, cast):
    w = net.waybill(
        "XTJ400000000001", insured=True, declared_value=Decimal("500.00"), insurance_fee=Decimal("3.00")
    )
    claim = claim_file(
        brand=net.brand, waybill_number=w.number, claim=LOSS, actor=cast.agent_b, at=at("2026-10-20 10:00")
    )
    assert claim.eligible and claim.amount == Decimal("512.00")  # insured value + waived fee 12.00
    assert claim.ticket.type.name == "理赔" and claim.decision["amount"] == "512.00"
    codes = {c.code: c for c in claim.ticket.clocks.all()}
    assert codes["acknowledge"].due_at == at("2026-10-21 10:00")
    assert "settle" not in codes and "pay" not in codes, "the proposal is due from the answer (A.5.3)"

    claim = claim_advance(claim=claim, to="acknowledged", actor=cast.agent_b, at=at("2026-10-20 15:00"))
    assert claim.ticket.clocks.get(code="acknowledge").met_at == at("2026-10-20 15:00")
    settle = claim.ticket.clocks.get(code="settle")
    assert settle.started_at == at("2026-10-20 15:00") and settle.due_at == at("2026-11-19 15:00")
    # the customer is told the clock's date, and the decision on the claims page says the same moment
    told = claim.ticket.events.filter(kind="reply").latest("id").body
    assert "2026-11-19" in told, told
    assert datetime.fromisoformat(claim.decision["deadlines"]["proposal_by"]) == settle.due_at
    claim = claim_advance(claim=claim, to="proposed", actor=cast.agent_b, at=at("2026-10-25 10:00"))
    assert claim.ticket.clocks.get(code="settle").met_at == at("2026-10-25 10:00")
    claim = claim_advance(
        claim=claim, to="agreed", actor=cast.agent_b, amount=Decimal("480.00"), at=at("2026-10-26 10:00")
    )
    pay = claim.ticket.clocks.get(code="pay")
    assert pay.due_at == at("2026-10-26 10:00") + timedelta(days=7) and claim.agreed_amount == Decimal(
        "480.00"
    )
    claim = claim_advance(claim=claim, to="paid", actor=cast.agent_b, at=at("2026-10-28 10:00"))
    claim.ticket.refresh_from_db()
    assert claim.state == "paid" and claim.ticket.status == "resolved"
    assert claim.ticket.clocks.get(code="pay").met_at == at("2026-10-28 10:00")
    notes = [e.body for e in claim.ticket.events.filter(kind="note")]
    assert notes == [
        "理赔状态：已申告 → 已受理",
        "理赔状态：已受理 → 已提出方案",
        "理赔状态：已提出方案 → 已达成一致",
        "理赔状态：已达成一致 → 已赔付",
    ]


def test_a_claim_packed_by_the_customer_is_refused_with_the_engines_reason(net, cast):
    w = net.waybill("XTJ400000000002")
    claim = claim_file(
        brand=net.brand,
        waybill_number=w.number,
        actor=cast.agent_b,
        at=at("2026-10-20 10:00"),
        claim={**LOSS, "reason": "damage", "damage": "total", "cause": "packaging"},
        waybill_facts={"packaged_by": "customer"},
    )
    assert not claim.eligible and claim.decision["refused_reason"]
    claim = claim_advance(claim=claim, to="refused", actor=cast.agent_b, at=at("2026-10-20 11:00"))
    claim.ticket.refresh_from_db()
    assert claim.state == "refused" and claim.ticket.status == "resolved"
    [reply] = claim.ticket.events.filter(kind="reply")
    assert reply.body == "您好，" + claim.decision["refused_reason"]


def test_a_claim_after_one_year_is_not_eligible(net, cast):
    w = net.waybill("XTJ400000000003", shipped="2025-09-01 10:00")
    claim = claim_file(
        brand=net.brand, waybill_number=w.number, claim=LOSS, actor=cast.agent_b, at=at("2026-10-20 10:00")
    )
    assert not claim.eligible and "一年内" in claim.decision["refused_reason"]


def test_states_cannot_be_skipped(net, cast):
    w = net.waybill("XTJ400000000004")
    claim = claim_file(brand=net.brand, waybill_number=w.number, claim=LOSS, actor=cast.agent_b)
    with pytest.raises(Conflict):
        claim_advance(claim=claim, to="paid", actor=cast.agent_b)


def test_claim_api_files_and_advances(net, api_b):
    w = net.waybill("XTJ400000000005")
    reply = api_b.post("/express/claims", {"waybill_number": w.number, "claim": LOSS})
    assert reply.status_code == 200, reply.content
    body = reply.json()
    assert body["state"] == "filed" and body["ticket"]["number"].startswith("KF-")
    step = api_b.post(f"/express/claims/{body['id']}/state", {"to": "acknowledged"})
    assert step.status_code == 200 and step.json()["state_name"] == "已受理"
    bad = api_b.post("/express/claims", {"waybill_number": "XTJ499999999999", "claim": LOSS})
    assert bad.status_code == 404
