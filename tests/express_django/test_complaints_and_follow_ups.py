"""Typed complaints, 有发无到 follow-ups, the customer timeline (problem parcels: test_problem_parcels.py)."""

import pytest

from kefu.customers.selectors import customer_timeline
from kefu.express.rules import complaint_types
from kefu.express.services import complaint_open
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


def test_waybills_appear_on_the_customer_timeline(net, cast):
    w = net.waybill("XTJ500000000007", payment="monthly", customer=net.contract)
    entries = customer_timeline(net.contract)
    assert any(e.kind == "waybill" and e.ref == w.number and "月结" in e.title for e in entries)
