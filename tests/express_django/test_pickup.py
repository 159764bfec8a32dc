"""Pickup orders: answered at once (network, prohibited items, vehicle, price, time), dispatched, late notice."""

from decimal import Decimal

from kefu.express.models import PickupOrder
from kefu.express.services import pickup_create, pickup_picked_up, pickup_sweep
from tests.conftest import at

FORM = {
    "customer_name": "福清电子厂",
    "origin": {"province": "福建", "city": "福州", "district": "福清"},
    "destination": {"province": "上海", "city": "上海"},
    "item_name": "电路板",
    "pieces": 1,
    "weight_kg": "2.3",
    "contact_name": "林经理",
    "phone": "059185550001",
    "address": "福建省福清市音西街道 88 号",
}


def test_an_accepted_order_is_priced_dispatched_to_the_area_courier_and_tracked(net, cast):
    order = pickup_create(brand=net.brand, data=FORM, actor=cast.agent_b, at=at("2026-10-08 10:00"))
    assert order.status == PickupOrder.Status.DISPATCHED and order.courier == net.courier
    assert order.returning_customer  # the phone is a known customer
    # 福建 → 上海 both 华东 → 邻近: 12 + 5 × (2.5 − 1) = 19.50
    assert order.price == Decimal("19.50") and order.assessment["price"]["zone"] == "neighbouring"
    assert order.pickup_from == at("2026-10-08 10:00") and order.pickup_until == at("2026-10-08 12:00")
    dispatch = order.ticket.clocks.get(code="dispatch")
    assert dispatch.met_at is not None
    pickup_picked_up(order=order, actor=cast.agent_b, at=at("2026-10-08 11:00"))
    order.ticket.refresh_from_db()
    assert order.ticket.status == "resolved"


def test_a_prohibited_item_or_closed_destination_is_refused_at_once(net, cast):
    bad = pickup_create(
        brand=net.brand, data={**FORM, "item_name": "烟花爆竹"}, actor=cast.agent_b, at=at("2026-10-08 10:00")
    )
    assert bad.status == PickupOrder.Status.REFUSED and bad.ticket is None
    assert bad.assessment["prohibited"]
    closed = pickup_create(
        brand=net.brand,
        data={**FORM, "destination": {"province": "香港"}},
        actor=cast.agent_b,
        at=at("2026-10-08 10:00"),
    )
    assert closed.status == PickupOrder.Status.REFUSED and "港澳台" in closed.assessment["network_reason"]


def test_heavy_goods_need_a_vehicle(net, cast):
    order = pickup_create(
        brand=net.brand,
        data={**FORM, "weight_kg": "35", "pieces": 6},
        actor=cast.agent_b,
        at=at("2026-10-08 10:00"),
    )
    assert order.assessment["needs_vehicle"]


def test_a_late_pickup_tells_the_customer_once(net, cast):
    order = pickup_create(brand=net.brand, data=FORM, actor=cast.agent_b, at=at("2026-10-08 10:00"))
    assert pickup_sweep(now=at("2026-10-08 11:00")) == 0
    assert pickup_sweep(now=at("2026-10-08 12:30")) == 1
    assert pickup_sweep(now=at("2026-10-08 13:30")) == 0
    notices = order.ticket.events.filter(kind="reply")
    assert notices.count() == 1 and "未能在约定时间内上门取件" in notices.get().body


def test_an_order_outside_every_courier_area_waits_for_dispatch(net, cast):
    order = pickup_create(
        brand=net.brand,
        data={**FORM, "address": "厦门市思明区某路 1 号", "origin": {"province": "福建", "city": "厦门"}},
        actor=cast.agent_b,
        at=at("2026-10-08 10:00"),
    )
    assert (
        order.status == PickupOrder.Status.UNASSIGNED
        and order.ticket.clocks.get(code="dispatch").met_at is None
    )


def test_pickup_api_answers_with_the_assessment(net, api_b):
    reply = api_b.post("/express/pickups", FORM)
    assert reply.status_code == 200, reply.content
    body = reply.json()
    assert body["assessment"]["can_accept"] and body["courier"].startswith("陈师傅")
    bad = api_b.post("/express/pickups", {**FORM, "weight_kg": "-1"})
    assert bad.status_code == 400 and bad.json()["field"] == "weight_kg"
