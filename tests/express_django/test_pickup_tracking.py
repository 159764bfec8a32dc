"""Pickup tracking: open orders by due time, late ones marked, dispatch / picked up / cancel with a reason."""

import re
from datetime import timedelta

from kefu.express.models import Courier, PickupOrder
from kefu.express.services import pickup_create, pickup_sweep
from kefu.tickets.models import TicketEvent
from kefu.timeutil import local_now
from tests.express_django.test_pickup import FORM


def page(client) -> str:
    return re.sub(r"\s+", " ", client.get("/express/pickups/").content.decode())


def order_at(net, cast, **form):
    return pickup_create(brand=net.brand, data={**FORM, **form}, actor=cast.agent_b)


def test_open_orders_are_listed_with_their_courier_and_late_ones_marked(net, cast, client):
    on_time = order_at(net, cast, customer_name="准时客户")
    late = order_at(net, cast, customer_name="超时客户", address="福建省福州市某地 1 号")  # no courier there
    PickupOrder.objects.filter(pk=late.pk).update(pickup_until=local_now() - timedelta(minutes=40))
    assert pickup_sweep() == 1  # the late customer is told once
    client.force_login(cast.agent_b)
    html = page(client)
    assert html.index("超时客户") < html.index("准时客户")  # due first, listed first
    row = html[html.index(f'id="pickup-{late.pk}"') :]
    row = row[: row.index("</tr>")]
    assert f'id="pickup-{late.pk}" class="late"' in html and f'id="pickup-{on_time.pk}">' in html
    assert "已超时" in row and "已向客户致歉" in row and "待分派" in row
    assert on_time.courier.name in html
    client.force_login(cast.agent_a)
    assert client.get("/express/pickups/").status_code == 403


def test_an_unassigned_order_is_dispatched_then_picked_up(net, cast, client):
    order = order_at(net, cast, address="福建省福州市某地 1 号")
    assert order.status == PickupOrder.Status.UNASSIGNED
    client.force_login(cast.agent_b)
    url = f"/express/pickups/{order.pk}/"
    done = client.post(url, {"action": "dispatch", "courier": net.courier.pk}, follow=True)
    assert f"已通知业务员 {net.courier.name} 上门取件" in done.content.decode()
    order.refresh_from_db()
    assert order.status == PickupOrder.Status.DISPATCHED and order.courier == net.courier
    assert order.ticket.clocks.get(code="dispatch").met_at is not None
    client.post(url, {"action": "picked_up"})
    order.refresh_from_db()
    order.ticket.refresh_from_db()
    assert order.status == PickupOrder.Status.PICKED_UP and order.ticket.status == "resolved"
    again = client.post(url, {"action": "picked_up"}, follow=True).content.decode()
    assert "该取件订单已取件，不在待取件状态" in again
    assert "最近办结" in page(client) and "已取件" in page(client)


def test_cancelling_needs_a_reason_which_stays_in_the_history(net, cast, client):
    order = order_at(net, cast)
    client.force_login(cast.agent_b)
    url = f"/express/pickups/{order.pk}/"
    refused = client.post(url, {"action": "cancel", "reason": " "}, follow=True).content.decode()
    assert "请填写取消原因" in refused
    client.post(url, {"action": "cancel", "reason": "客户改期到下周"})
    order.refresh_from_db()
    assert order.status == PickupOrder.Status.CANCELLED
    assert TicketEvent.objects.filter(ticket=order.ticket, body__contains="客户改期到下周").exists()


def test_a_courier_of_another_brand_cannot_be_chosen(net, cast, client):
    from kefu.express.models import Station

    other = Station.objects.create(
        brand=cast.brand_a, code="OF01", name="别家站", province="福建", city="福州"
    )
    stranger = Courier.objects.create(station=other, name="外人", phone="13700000000", area="音西")
    order = order_at(net, cast)
    client.force_login(cast.agent_b)
    html = client.post(
        f"/express/pickups/{order.pk}/", {"action": "dispatch", "courier": stranger.pk}, follow=True
    ).content.decode()
    assert "请选择本品牌的业务员" in html
    order.refresh_from_db()
    assert order.courier == net.courier


def test_a_couriers_handset_reports_the_pickup_through_the_api(net, cast, api_b, api_a):
    order = order_at(net, cast)
    path = f"/express/pickups/{order.pk}/actions"
    assert api_a.post(path, {"action": "picked_up"}).status_code == 403  # another brand's agent
    unknown = api_b.post(path, {"action": "lost"})
    assert unknown.status_code == 400 and unknown.json()["field"] == "action"
    assert "未知的操作：lost" in unknown.json()["message"]
    reply = api_b.post(path, {"action": "picked_up"})
    assert reply.status_code == 200 and reply.json()["status_name"] == "已取件"
    again = api_b.post(path, {"action": "cancel", "reason": "客户改期"})
    assert again.status_code == 409 and "不在待取件状态" in again.json()["message"]
