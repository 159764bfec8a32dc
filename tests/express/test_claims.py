"""Claims (理赔), seed 004 第四节 A.1–A.5 and 第三节 一 3."""

import copy
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from kefu.express.rules import InputError, assess_claim_data
from kefu.express.rules.money import SHANGHAI

BASE = {
    "waybill": {
        "number": "XTJ100000000001",
        "shipped_at": "2024-03-01T10:00:00+08:00",
        "fee": "12.00",
        "surcharges": {"insurance": "3.00"},
        "insured": False,
        "declared_value": "500.00",
        "scope": "domestic",
        "packaged_by": "courier",
    },
    "claim": {
        "claimant": {"name": "李四", "role": "sender"},
        "filed_at": "2024-03-10T09:00:00+08:00",
        "reason": "loss",
        "proved_loss": "40.00",
        "cause": "carrier",
    },
}


def case(waybill=None, claim=None, drop=()):
    data = copy.deepcopy(BASE)
    data["waybill"].update(waybill or {})
    data["claim"].update(claim or {})
    for path in drop:
        section, key = path.split(".")
        data[section].pop(key)
    return data


def decide(**kwargs):
    return assess_claim_data(case(**kwargs))


# ------------------------------------------------------------------ A.1 claimant


@pytest.mark.parametrize("role", ["recipient", "other"])
def test_only_sender_or_named_beneficiary_may_claim(role):
    decision = decide(claim={"claimant": {"name": "王五", "role": role}})
    assert not decision.eligible
    assert decision.amount == Decimal("0.00")
    assert "寄件人" in decision.refused_reason
    assert "claimant" in decision.rules()


def test_beneficiary_named_by_sender_may_claim():
    by_waybill = decide(
        waybill={"beneficiary": "王五"}, claim={"claimant": {"name": "王五", "role": "beneficiary"}}
    )
    by_flag = decide(
        claim={"claimant": {"name": "赵六", "role": "beneficiary"}, "beneficiary_named_by_sender": True}
    )
    assert by_waybill.eligible and by_flag.eligible


def test_beneficiary_not_named_by_sender_is_refused():
    decision = decide(
        waybill={"beneficiary": "王五"}, claim={"claimant": {"name": "赵六", "role": "beneficiary"}}
    )
    assert not decision.eligible
    assert decision.fired[0].rule == "claimant"


# ------------------------------------------------------------------ A.4 one year


def test_claim_on_the_anniversary_is_in_time_and_the_day_after_is_not():
    on_time = decide(claim={"filed_at": "2025-03-01T23:59:00+08:00"})
    late = decide(claim={"filed_at": "2025-03-02T00:00:00+08:00"})
    assert on_time.eligible
    assert not late.eligible
    assert "一年" in late.refused_reason
    assert "time_limit" in late.rules()


def test_leap_day_shipment_expires_on_28_february():
    assert decide(
        waybill={"shipped_at": "2024-02-29T12:00:00+08:00"}, claim={"filed_at": "2025-02-28T20:00:00"}
    ).eligible
    assert not decide(
        waybill={"shipped_at": "2024-02-29T12:00:00+08:00"}, claim={"filed_at": "2025-03-01T00:00:01"}
    ).eligible


def test_no_query_and_no_claim_within_a_year_fires_the_exemption():
    late = {"filed_at": "2025-06-01T10:00:00+08:00"}
    silent = decide(claim={**late, "queried_within_year": False})
    queried = decide(claim={**late, "queried_within_year": True})
    assert "no_query_within_year" in silent.rules()
    assert "no_query_within_year" not in queried.rules()
    assert not silent.eligible and not queried.eligible


# ------------------------------------------------------------------ A.2 exemptions


@pytest.mark.parametrize(
    ("cause", "rule"), [("customer_fault", "customer_fault"), ("item_nature", "item_nature")]
)
def test_customer_fault_and_item_nature_are_exempt(cause, rule):
    decision = decide(claim={"cause": cause})
    assert not decision.eligible
    assert rule in decision.rules()
    assert decision.refused_reason.startswith("非常抱歉")


def test_force_majeure_exempts_uninsured_parcels():
    decision = decide(claim={"cause": "force_majeure"})
    assert not decision.eligible
    assert "不可抗力" in decision.refused_reason


def test_force_majeure_does_not_exempt_insured_parcels():
    decision = decide(waybill={"insured": True}, claim={"cause": "force_majeure"})
    assert decision.eligible
    assert "force_majeure_insured" in decision.rules()
    assert decision.amount == Decimal("512.00")  # fee 12 + insured 500


# ------------------------------------------------------------------ A.3.1 delay


def test_delay_waives_the_service_fee_but_not_the_insurance_surcharge():
    decision = decide(claim={"reason": "delay"})
    assert decision.eligible
    assert decision.amount == Decimal("12.00")
    assert "delay" in decision.rules()
    assert "3.00" in next(f.effect for f in decision.fired if f.rule == "delay")


def test_delivery_within_the_promised_time_is_no_delay():
    decision = decide(
        waybill={"promised_at": "2024-03-04T18:00:00+08:00", "delivered_at": "2024-03-04T10:00:00+08:00"},
        claim={"reason": "delay"},
    )
    assert not decision.eligible
    assert "not_delayed" in decision.rules()
    late = decide(
        waybill={"promised_at": "2024-03-04T18:00:00+08:00", "delivered_at": "2024-03-05T10:00:00+08:00"},
        claim={"reason": "delay"},
    )
    assert late.eligible and late.amount == Decimal("12.00")


def test_delay_that_destroyed_the_contents_pays_as_a_loss():
    decision = decide(
        waybill={"insured": True}, claim={"reason": "delay", "delay_value_lost": {"extent": "total"}}
    )
    assert decision.amount == Decimal("512.00")
    assert {"delay_value_lost", "damage_total", "loss_insured"} <= set(decision.rules())


# ------------------------------------------------------------------ A.3.2 loss


def test_insured_loss_pays_fee_plus_insured_value():
    decision = decide(waybill={"insured": True, "declared_value": "800.00"})
    assert decision.amount == Decimal("812.00")
    assert [item for item, _ in decision.breakdown] == ["免除本次服务费用", "保价金额赔偿"]


def test_uninsured_loss_pays_the_proved_loss_under_the_cap():
    decision = decide(claim={"proved_loss": "40.00"})
    assert decision.amount == Decimal("52.00")  # 12 + 40 (cap 5 × 12 = 60)
    assert "loss_uninsured" in decision.rules()


def test_uninsured_loss_is_capped_at_the_brand_multiple_of_the_fee():
    decision = decide(claim={"proved_loss": "1000"})
    assert decision.amount == Decimal("72.00")  # 12 + 60
    effect = next(f for f in decision.fired if f.rule == "loss_uninsured")
    assert "5 倍" in effect.effect and "快递暂行条例" in effect.source


def test_cap_multiple_is_brand_data(rulebook):
    book = rulebook.with_overrides({"claims": {"rules": {"loss_uninsured": {"cap_multiple_of_fee": 3}}}})
    assert assess_claim_data(case(claim={"proved_loss": "1000"}), book).amount == Decimal("48.00")


def test_uninsured_loss_without_proof_waives_only_the_fee():
    decision = assess_claim_data(case(drop=("claim.proved_loss",)))
    assert decision.amount == Decimal("12.00")
    assert "loss_unproved" in decision.rules()


# ------------------------------------------------------------------ A.3.3 damage


def test_total_damage_pays_as_a_loss():
    decision = decide(waybill={"insured": True}, claim={"reason": "damage", "damage": {"extent": "total"}})
    assert decision.amount == Decimal("512.00")
    assert "damage_total" in decision.rules()


def test_partial_damage_pays_the_lost_share_of_the_loss_amount():
    decision = decide(
        waybill={"insured": True},
        claim={"reason": "damage", "damage": {"extent": "partial", "value_lost_ratio": "0.3"}},
    )
    assert decision.amount == Decimal("153.60")  # 30% of (12 + 500)
    assert "damage_partial" in decision.rules()


def test_partial_damage_from_lost_value_rounds_half_up():
    decision = decide(
        waybill={"insured": True, "declared_value": "300.00", "fee": "10.00"},
        claim={"reason": "damage", "damage": {"extent": "partial", "value_lost": "100", "item_value": "300"}},
    )
    # one third of 10.00 = 3.333… → 3.33; one third of 300.00 = 100.00
    assert decision.amount == Decimal("103.33")
    assert isinstance(decision.amount, Decimal)


def test_partial_damage_with_half_cent_rounds_up():
    decision = decide(
        waybill={"insured": True, "declared_value": "0.05", "fee": "0.05"},
        claim={"reason": "damage", "damage": {"extent": "partial", "value_lost_ratio": "0.5"}},
    )
    assert decision.amount == Decimal("0.06")  # 0.025 → 0.03, twice


# ------------------------------------------------------------------ A.3.4 mismatch


def test_wrong_item_pays_as_total_damage():
    decision = decide(waybill={"insured": True}, claim={"reason": "mismatch", "mismatch": {"kind": "item"}})
    assert decision.amount == Decimal("512.00")
    assert {"mismatch_item", "damage_total"} <= set(decision.rules())


def test_wrong_quantity_pays_as_partial_damage():
    decision = decide(
        waybill={"insured": True},
        claim={"reason": "mismatch", "mismatch": {"kind": "quantity", "declared": 10, "actual": 7}},
    )
    assert decision.amount == Decimal("153.60")
    assert {"mismatch_quantity", "damage_partial"} <= set(decision.rules())


def test_wrong_weight_pays_as_partial_damage():
    decision = decide(
        waybill={"insured": True},
        claim={"reason": "mismatch", "mismatch": {"kind": "weight", "declared": "5", "actual": "4"}},
    )
    assert decision.amount == Decimal("102.40")  # 20% of 512


# ------------------------------------------------------------------ 第三节 一 3


def test_damage_claim_after_signing_and_courier_left_is_politely_refused():
    decision = decide(
        waybill={"signed_at": "2024-03-03T10:00:00+08:00", "courier_left_at": "2024-03-03T10:05:00+08:00"},
        claim={"reason": "damage", "damage": "total", "filed_at": "2024-03-03T12:00:00+08:00"},
    )
    assert not decision.eligible
    assert decision.refused_reason.startswith("非常抱歉")
    assert "签收" in decision.refused_reason
    assert "signed_and_courier_left" in decision.rules()


def test_damage_reported_before_the_courier_left_is_accepted():
    decision = decide(
        waybill={"signed_at": "2024-03-03T10:00:00+08:00", "courier_left_at": "2024-03-03T10:05:00+08:00"},
        claim={"reason": "damage", "damage": "total", "filed_at": "2024-03-03T10:02:00+08:00"},
    )
    assert decision.eligible


def test_customer_packaging_damage_is_not_compensated_in_principle():
    packaging = decide(
        waybill={"packaged_by": "customer"},
        claim={"reason": "damage", "damage": "total", "cause": "packaging"},
    )
    unknown = decide(
        waybill={"packaged_by": "customer"}, claim={"reason": "damage", "damage": "total", "cause": None}
    )
    transport = decide(
        waybill={"packaged_by": "customer"}, claim={"reason": "damage", "damage": "total", "cause": "carrier"}
    )
    courier = decide(
        waybill={"packaged_by": "courier"},
        claim={"reason": "damage", "damage": "total", "cause": "packaging"},
    )
    assert not packaging.eligible and "自行包装" in packaging.refused_reason
    assert not unknown.eligible
    assert transport.eligible
    assert courier.eligible


# ------------------------------------------------------------------ A.5 clocks


def test_acknowledge_within_24_hours_and_proposal_within_30_days_domestic():
    decision = decide()
    filed = datetime(2024, 3, 10, 9, 0, tzinfo=SHANGHAI)
    assert decision.deadlines.acknowledge_by == filed + timedelta(hours=24)
    assert decision.deadlines.proposal_by == filed + timedelta(hours=24) + timedelta(days=30)
    assert decision.deadlines.pay_by is None


@pytest.mark.parametrize(("scope", "days"), [("domestic", 30), ("hmt", 30), ("international", 60)])
def test_proposal_clock_by_scope_counts_from_the_answer(scope, days):
    decision = decide(waybill={"scope": scope}, claim={"acknowledged_at": "2024-03-10T15:00:00+08:00"})
    answered = datetime(2024, 3, 10, 15, 0, tzinfo=SHANGHAI)
    assert decision.deadlines.proposal_by == answered + timedelta(days=days)


def test_payment_within_7_calendar_days_of_agreement():
    decision = decide(claim={"agreed_at": "2024-03-20T16:00:00+08:00"})
    assert decision.deadlines.pay_by == datetime(2024, 3, 27, 16, 0, tzinfo=SHANGHAI)
    assert "payment" in decision.rules()


def test_refused_claim_is_still_answered_within_24_hours_but_has_no_proposal():
    decision = decide(claim={"cause": "customer_fault"})
    assert decision.deadlines.acknowledge_by is not None
    assert decision.deadlines.proposal_by is None


# ------------------------------------------------------------------ output and input


def test_to_dict_uses_strings_for_money_and_iso_times():
    data = decide(waybill={"insured": True}).to_dict()
    assert data["amount"] == "512.00"
    assert data["currency"] == "CNY"
    assert data["refused_reason"] is None
    assert data["deadlines"]["acknowledge_by"] == "2024-03-11T09:00:00+08:00"
    assert all(f["source"] for f in data["fired"])
    assert data["breakdown"][1] == {"item": "保价金额赔偿", "amount": "500.00"}


def test_every_fired_rule_cites_its_source():
    decision = decide(waybill={"insured": True}, claim={"agreed_at": "2024-03-20T16:00:00+08:00"})
    assert all("004_4ea5f35392de9aaf.txt" in f.source for f in decision.fired)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"claim": {"reason": "theft"}}, "claim.reason"),
        ({"claim": {"filed_at": "yesterday"}}, "claim.filed_at"),
        ({"waybill": {"fee": "abc"}}, "waybill.fee"),
        ({"waybill": {"fee": "-1"}}, "waybill.fee"),
        ({"claim": {"reason": "damage", "damage": {"extent": "partial"}}}, "claim.damage"),
        (
            {"claim": {"reason": "damage", "damage": {"extent": "partial", "value_lost_ratio": "1.5"}}},
            "claim.damage.value_lost_ratio",
        ),
        ({"claim": {"claimant": {"name": "x", "role": "boss"}}}, "claim.claimant.role"),
    ],
)
def test_bad_input_raises_a_chinese_error_naming_the_field(data, field):
    with pytest.raises(InputError) as info:
        assess_claim_data(case(waybill=data.get("waybill"), claim=data.get("claim")))
    assert info.value.field == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.message)


def test_insured_without_declared_value_is_rejected():
    with pytest.raises(InputError):
        assess_claim_data(case(waybill={"insured": True}, drop=("waybill.declared_value",)))


def test_an_agreement_with_the_sender_comes_first():
    decision = decide(waybill={"agreed_compensation": "300"}, claim={"proved_loss": "1000"})
    assert decision.amount == Decimal("300.00")
    assert "agreement" in decision.rules() and "loss_uninsured" not in decision.rules()
    refused = decide(waybill={"agreed_compensation": "300"}, claim={"cause": "customer_fault"})
    assert refused.amount == Decimal("0.00")
