"""Tracking queries: every classification of seed 004 第二节 一, the answer clock, refusal after one year."""

import pytest

from kefu.express.models import Scan
from kefu.express.selectors import waybill_search
from kefu.express.services import query_escalate, query_open
from tests.conftest import at


def scan(net, waybill, kind, when, station=None):
    return Scan.objects.create(waybill=waybill, kind=kind, at=at(when), station=station or net.fq)


def clocks(ticket):
    return {c.code: c for c in ticket.clocks.all()}


def test_a_signed_waybill_is_answered_at_once_and_the_clock_is_met(net, cast):
    w = net.waybill("XTJ300000000001")
    scan(net, w, "收件", "2026-10-05 10:00")
    scan(net, w, "签收", "2026-10-07 15:00", net.sh)
    result = query_open(
        brand=net.brand, number="XTJ 3000 0000 0001", actor=cast.agent_b, at=at("2026-10-08 09:00")
    )
    assert result.classification["kind"] == "has_result"
    assert "已于 2026-10-07 15:00 签收" in result.classification["reply"]
    answer = clocks(result.ticket)["answer"]
    assert answer.met_at is not None and answer.due_at == at("2026-10-08 09:30")
    assert result.ticket.type.name == "查询" and result.ticket.waybill_number == "XTJ300000000001"


def test_a_late_parcel_is_delayed_and_the_clock_keeps_running(net, cast):
    w = net.waybill("XTJ300000000002")  # 福建 → 上海: 全国? both 华东 → 邻近 48 h
    scan(net, w, "收件", "2026-10-05 10:00")
    scan(net, w, "到达", "2026-10-06 10:00", net.sh)
    result = query_open(brand=net.brand, number=w.number, actor=cast.agent_b, at=at("2026-10-09 10:00"))
    assert result.classification["kind"] == "delayed"
    assert "2026-10-09 10:30 前给您回复" in result.classification["reply"]
    assert clocks(result.ticket)["answer"].met_at is None


def test_only_shipment_scans_is_no_result_beyond_shipment(net, cast):
    w = net.waybill("XTJ300000000003")
    scan(net, w, "收件", "2026-10-05 10:00")
    scan(net, w, "发出", "2026-10-05 18:00")
    result = query_open(brand=net.brand, number=w.number, actor=cast.agent_b, at=at("2026-10-06 20:00"))
    assert result.classification["kind"] == "no_result_beyond_shipment"
    assert "收件的具体地址" in result.classification["reply"]


def test_another_carriers_number_is_recognised(net, cast):
    result = query_open(
        brand=net.brand, number="SF1234567890123", actor=cast.agent_b, at=at("2026-10-06 20:00")
    )
    assert result.classification["kind"] == "other_carrier"
    assert "顺丰速运" in result.classification["reply"]


def test_no_number_searches_the_face_sheets_by_sender(net, cast):
    w = net.waybill("XTJ300000000004", sender_name="王小明", sender_phone="13800138000")
    net.waybill("XTJ300000000005", sender_name="别人", sender_phone="13911112222")
    result = query_open(
        brand=net.brand, number="", actor=cast.agent_b, sender_phone="13800138000", at=at("2026-10-06 20:00")
    )
    assert result.classification["kind"] == "no_number"
    assert [m.number for m in result.matches] == [w.number]
    assert w.number in result.ticket.description
    for phone, name in (
        ("138 0013 8000", ""),
        ("１３８-００１３-８０００", ""),
        ("", "王小明"),
        ("", "王小明 "),
    ):
        assert [m.number for m in waybill_search(net.brand, sender_phone=phone, sender_name=name)] == [
            w.number
        ]
    net.waybill("XTJ300000000006", sender_name="陈志强", sender_phone="13700001111")
    assert [m.number for m in waybill_search(net.brand, sender_name="陳志強")] == ["XTJ300000000006"]
    nothing = query_open(
        brand=net.brand, number="", actor=cast.agent_b, sender_phone="13000000000", at=at("2026-10-06 20:00")
    )
    assert nothing.matches == [] and "没有单号我们暂时无法进入系统查询" in nothing.classification["reply"]


def test_an_unknown_own_number_is_not_found(net, cast):
    result = query_open(
        brand=net.brand, number="XTJ999999999999", actor=cast.agent_b, at=at("2026-10-06 20:00")
    )
    assert result.classification["kind"] == "not_found"


def test_a_waybill_older_than_a_year_is_refused_without_a_ticket(net, cast):
    w = net.waybill("XTJ300000000006", shipped="2025-09-01 10:00")
    result = query_open(brand=net.brand, number=w.number, actor=cast.agent_b, at=at("2026-10-06 20:00"))
    assert result.refused and result.ticket is None
    assert "一年内" in result.classification["reply"]


def test_an_escalated_query_becomes_a_complaint_with_its_history(net, cast):
    w = net.waybill("XTJ300000000007")
    scan(net, w, "收件", "2026-10-05 10:00")
    query = query_open(brand=net.brand, number=w.number, actor=cast.agent_b, at=at("2026-10-05 12:00")).ticket
    complaint = query_escalate(ticket=query, actor=cast.agent_b, reason="客户不满意查询结果")
    assert complaint.type.is_complaint and complaint.converted_from == query
    assert complaint.waybill_number == w.number


def test_query_api_answers_and_reports_the_ticket(net, api_b):
    w = net.waybill("XTJ300000000008")
    reply = api_b.post("/express/queries", {"number": w.number})
    assert reply.status_code == 200, reply.content
    body = reply.json()
    assert body["kind"] == "has_result" and body["ticket"]["number"].startswith("KF-")
    assert [c["name"] for c in body["ticket"]["clocks"]] == ["查询答复"]


@pytest.mark.parametrize("number", ["XTJ300000000009"])
def test_an_agent_of_another_brand_cannot_query(net, api_a, number):
    assert api_a.post("/express/queries", {"number": number}).status_code == 403
