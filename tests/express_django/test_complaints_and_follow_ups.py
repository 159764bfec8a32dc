"""Typed complaints, 有发无到 follow-ups, the customer timeline (problem parcels: test_problem_parcels.py)."""

import pytest

from kefu.customers.selectors import customer_timeline
from kefu.express.models import Scan
from kefu.express.rules import complaint_types
from kefu.express.services import complaint_open, sent_not_arrived_follow_up
from tests.conftest import at


@pytest.mark.parametrize("code", [t.code for t in complaint_types()])
def test_each_complaint_type_has_its_steps_and_the_seven_day_clock(net, cast, code):
    ticket = complaint_open(
        brand=net.brand,
        type_code=code,
        actor=cast.agent_b,
        description="客户来电投诉",
        at=at("2026-10-08 10:00"),
    )
    kind = next(t for t in complaint_types() if t.code == code)
    assert ticket.type.is_complaint and ticket.subject.startswith(kind.name)
    assert all(step in ticket.description for step in kind.steps)
    assert ticket.clocks.get(code="resolve").due_at == at("2026-10-15 10:00")


def test_a_delay_complaint_names_its_subtype(net, cast):
    ticket = complaint_open(
        brand=net.brand,
        type_code="delay",
        subtype="out_of_area",
        actor=cast.agent_b,
        description="地址超区",
        waybill_number="XTJ500000000003",
    )
    assert ticket.subject.startswith("超区因素延误")


def test_sent_not_arrived_lists_and_opens_one_follow_up_per_origin(net, cast):
    arrived = net.waybill("XTJ500000000004", origin=net.xm, dest=net.fq)
    lost = net.waybill("XTJ500000000005", origin=net.xm, dest=net.fq)
    lost2 = net.waybill("XTJ500000000006", origin=net.sh, dest=net.fq)
    for w, origin in ((arrived, net.xm), (lost, net.xm), (lost2, net.sh)):
        Scan.objects.create(
            waybill=w, kind="发出", at=at("2026-10-05 18:00"), station=origin, next_station=net.fq
        )
    Scan.objects.create(waybill=arrived, kind="到达", at=at("2026-10-06 08:00"), station=net.fq)
    opened = sent_not_arrived_follow_up(
        station=net.fq, since=at("2026-10-01 00:00"), until=at("2026-10-07 00:00"), actor=cast.agent_b
    )
    assert [t.subject for t in opened] == [
        "有发无到：上海分拨中心 → 福清站 1 件",
        "有发无到：厦门站 → 福清站 1 件",
    ]
    assert lost.number in opened[1].description and arrived.number not in opened[1].description


def test_waybills_appear_on_the_customer_timeline(net, cast):
    w = net.waybill("XTJ500000000007", payment="monthly", customer=net.contract)
    entries = customer_timeline(net.contract)
    assert any(e.kind == "waybill" and e.ref == w.number and "月结" in e.title for e in entries)
