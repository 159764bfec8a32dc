"""Tracking queries (004 第二节), complaints (第三节) and problem parcels (第五篇 二)."""

from datetime import datetime, timedelta

import pytest

from kefu.express.rules import (
    InputError,
    Scan,
    classify_query,
    complaint_clock,
    complaint_type,
    complaint_types,
    problem_parcel_kind,
    problem_parcel_kinds,
)
from kefu.express.rules.money import SHANGHAI

SHIPPED = datetime(2024, 5, 1, 10, 0, tzinfo=SHANGHAI)
OWN = "XTJ123456789012"


def scans(*kinds, step_hours=6):
    return [Scan(kind, SHIPPED + timedelta(hours=i * step_hours), f"站点{i}") for i, kind in enumerate(kinds)]


def test_no_number_gets_patient_explanation_and_a_reply_time():
    now = SHIPPED
    result = classify_query("  ", False, [], now)
    assert result.kind == "no_number"
    assert result.follow_up and result.reply_by == now + timedelta(minutes=30)
    assert "没有单号" in result.reply
    assert None is classify_query(None, False, [], now).number


def test_other_carrier_number_is_recognised_politely():
    result = classify_query("SF1234567890123", False, [], SHIPPED)
    assert result.kind == "other_carrier"
    assert "不属于我们信天捷快递" in result.reply
    assert "顺丰速运" in result.reply
    assert result.candidates[0].carrier == "SF"
    assert not result.follow_up


def test_ambiguous_other_carrier_number_is_not_presented_as_certain():
    result = classify_query("431234567890123", False, [], SHIPPED)
    assert result.kind == "other_carrier"
    assert "可能是" in result.reply


def test_own_number_without_record_is_not_found():
    assert classify_query(OWN, False, [], SHIPPED).kind == "not_found"
    assert classify_query("ABC", False, [], SHIPPED).kind == "not_found"


def test_signed_parcel_has_result_answered_at_once():
    result = classify_query(
        OWN, True, scans("收件", "发出", "到达", "派送", "签收"), SHIPPED + timedelta(days=2)
    )
    assert result.kind == "has_result"
    assert "签收" in result.reply
    assert result.reply_by is None


def test_in_transit_within_promised_time_has_result():
    result = classify_query(
        OWN, True, scans("收件", "发出", "到达"), SHIPPED + timedelta(hours=20), zone="national"
    )
    assert result.kind == "has_result"
    assert "到达" in result.reply and "站点2" in result.reply


def test_past_promised_time_without_signature_is_delayed():
    now = SHIPPED + timedelta(hours=80)  # national promise is 72 h
    result = classify_query(OWN, True, scans("收件", "发出", "到达", "派送"), now, zone="national")
    assert result.kind == "delayed"
    assert result.reply_by == now + timedelta(minutes=30)
    same_city = classify_query(
        OWN, True, scans("收件", "发出", "到达"), SHIPPED + timedelta(hours=30), zone="same_city"
    )
    assert same_city.kind == "delayed"


def test_problem_parcel_scan_is_treated_as_delayed():
    result = classify_query(OWN, True, scans("收件", "发出", "问题件"), SHIPPED + timedelta(hours=13))
    assert result.kind == "delayed"


def test_only_shipment_scans_for_a_day_is_no_result():
    result = classify_query(OWN, True, scans("收件", "发出"), SHIPPED + timedelta(hours=40))
    assert result.kind == "no_result_beyond_shipment"
    assert "不要过于担心" in result.reply
    fresh = classify_query(OWN, True, scans("收件", "发出"), SHIPPED + timedelta(hours=10))
    assert fresh.kind == "has_result"


def test_query_older_than_one_year_is_refused_politely():
    result = classify_query(OWN, True, scans("收件", "签收"), datetime(2025, 5, 2, 9, 0, tzinfo=SHANGHAI))
    assert result.kind == "expired"
    assert "一年" in result.reply and result.reply.startswith("非常抱歉")
    on_anniversary = classify_query(
        OWN, True, scans("收件", "签收"), datetime(2025, 5, 1, 22, 0, tzinfo=SHANGHAI)
    )
    assert on_anniversary.kind == "has_result"


def test_every_query_kind_cites_the_seed():
    result = classify_query(OWN, True, scans("收件"), SHIPPED)
    assert "004_4ea5f35392de9aaf.txt" in result.source
    assert result.to_dict()["kind"] == "has_result"


# ------------------------------------------------------------------ complaints


def test_the_four_complaint_types_of_the_seed():
    codes = [t.code for t in complaint_types()]
    assert codes == ["service_attitude", "delay", "damage_shortage", "loss"]
    for kind in complaint_types():
        assert kind.steps and kind.name and "004_4ea5f35392de9aaf.txt" in kind.source


def test_delay_complaints_have_the_four_subtypes():
    delay = complaint_type("delay")
    assert set(delay.subtypes) == {"objective", "human", "information", "out_of_area"}
    assert delay.subtypes["out_of_area"][0] == "超区因素延误"


def test_damage_complaint_steps_mention_customer_packaging_and_signed_refusal():
    steps = " ".join(complaint_type("damage_shortage").steps)
    assert "客户自行包装" in steps and "签收" in steps


def test_complaint_result_within_seven_calendar_days_with_recourse():
    received = datetime(2024, 9, 28, 16, 0, tzinfo=SHANGHAI)
    clock = complaint_clock(received)
    assert clock.acknowledge_at == received
    assert clock.result_by == datetime(2024, 10, 5, 16, 0, tzinfo=SHANGHAI)  # holidays count: calendar days
    assert "快递暂行条例" in clock.result_source
    assert "12305" in clock.recourse


def test_unknown_complaint_type_is_an_input_error():
    with pytest.raises(InputError):
        complaint_type("rudeness")


# ------------------------------------------------------------------ problem parcels


def test_problem_parcel_kinds_from_the_seed():
    codes = {k.code for k in problem_parcel_kinds()}
    assert codes == {"wrong_phone", "out_of_area", "damaged_packaging", "refused", "wrong_city"}
    for kind in problem_parcel_kinds():
        assert {s.station for s in kind.steps} <= {"origin", "destination"}
        assert kind.customer_notice


def test_out_of_area_offers_self_pickup_or_transfer():
    kind = problem_parcel_kind("out_of_area")
    notice = kind.notice(station="城西营业部", address="文三路 8 号")
    assert "自提" in notice and "转其他快递公司" in notice and "文三路 8 号" in notice
    assert any(s.station == "origin" and "转出" in s.action for s in kind.steps)


def test_notice_with_a_missing_value_is_refused_rather_than_showing_braces():
    with pytest.raises(InputError):
        problem_parcel_kind("wrong_city").notice(station_city="南京")
    notice = problem_parcel_kind("wrong_city").notice(station_city="南京", eta="明天下午")
    assert "{" not in notice and "错发到了南京" in notice


def test_scans_may_be_plain_tuples_and_unknown_kinds_are_rejected():
    plain = [("收件", SHIPPED, "杭州"), ("签收", SHIPPED + timedelta(days=1), "广州")]
    assert classify_query(OWN, True, plain, SHIPPED + timedelta(days=2)).kind == "has_result"
    with pytest.raises(InputError):
        classify_query(OWN, True, [("丢了", SHIPPED, "")], SHIPPED)
