"""Pickup orders (取件, seed 004 第一节 二): take the order, answer at once, dispatch to the area's courier."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import User
from kefu.brands.models import Brand
from kefu.customers.models import Customer
from kefu.errors import Conflict, ServiceError
from kefu.express.models import Courier, PickupOrder
from kefu.express.rules import InputError, Place, assess_pickup, parse_pickup
from kefu.express.selectors import PICKUP_OPEN, couriers_of, pickups_overdue
from kefu.express.services._common import input_error, resolve
from kefu.tickets import services as tickets
from kefu.tickets.selectors import ticket_type_get
from kefu.timeutil import local_now


def when(moment: datetime | None, now: datetime) -> str:
    """10-08 15:00 this year, 2027-01-05 09:00 in another: a date is never shown without its year when it
    is not this one."""
    if moment is None:
        return "—"
    moment = timezone.localtime(moment)
    return f"{moment:%m-%d %H:%M}" if moment.year == now.year else f"{moment:%Y-%m-%d %H:%M}"


def courier_for(brand: Brand, place: Place, address: str) -> Courier | None:
    """The courier whose area is named in the pickup address or district (most specific area first)."""
    couriers = couriers_of(brand)
    haystack = f"{place.province}{place.city}{place.district}{address}"
    fitting = [c for c in couriers if c.area and c.area in haystack]
    return max(fitting, key=lambda c: (len(c.area), -c.pk), default=None)


def pickup_create(
    *,
    brand: Brand,
    data: dict[str, Any],
    actor: User | None,
    channel: str = "phone",
    at: datetime | None = None,
) -> PickupOrder:
    """Take a pickup order (004 第一节 二) and answer at once; dispatch it to the area's courier."""
    now = local_now(at)
    try:
        request = parse_pickup(data)
        assessment = assess_pickup(request, now)
    except InputError as exc:
        raise input_error(exc) from exc
    for field, name in (("contact_name", "取件联系人"), ("phone", "联系电话"), ("address", "取件地址")):
        if not getattr(request, field).strip():
            raise ServiceError(f"请填写{name}", field=field)
    customer = Customer.objects.filter(brand=brand, phone=request.phone.strip()).first()
    returning = request.returning_customer or customer is not None
    dims = request.dimensions_cm
    with transaction.atomic():
        order = PickupOrder(
            brand=brand,
            customer=customer,
            customer_name=request.customer_name or request.contact_name,
            returning_customer=returning,
            origin=request.origin.label(),
            destination=request.destination.label(),
            item_name=request.item_name,
            pieces=request.pieces,
            weight_kg=request.weight_kg,
            dimensions_cm="×".join(str(d) for d in dims) if dims else "",
            special_handling=request.special_handling,
            contact_name=request.contact_name,
            phone=request.phone,
            address=request.address,
            requested_time=request.pickup_time,
            assessment=assessment.to_dict(),
            price=assessment.price.total if assessment.price else None,
            pickup_from=assessment.pickup_from,
            pickup_until=assessment.pickup_until,
            created_at=now,
            status=PickupOrder.Status.REFUSED,
        )
        if not assessment.can_accept:
            order.save()
            return order
        order.ticket = tickets.ticket_create(
            brand=brand,
            type=ticket_type_get("pickup"),
            channel=channel,
            actor=actor,
            customer=customer,
            subject=f"取件：{order.customer_name} {request.item_name} → {order.destination}",
            description=f"取件地址：{request.address}\n预计取件：{when(assessment.pickup_from, now)}–"
            f"{assessment.pickup_until:%H:%M}\n报价：{assessment.price.total} 元",
            at=now,
        )
        order.courier = courier_for(brand, request.origin, request.address)
        order.status = PickupOrder.Status.DISPATCHED if order.courier else PickupOrder.Status.UNASSIGNED
        order.save()
        if order.courier and actor is not None:
            _courier_notified(order, actor, now)
    return order


def _courier_notified(order: PickupOrder, actor: User, now: datetime) -> None:
    """及时将取货信息通知业务人员 (第一节 二 4): noted in the history; it meets the dispatch clock."""
    tickets.ticket_note(
        ticket=order.ticket,
        actor=actor,
        at=now,
        body=f"已通知业务员 {order.courier.name}（{order.courier.phone}）上门取件",
    )
    tickets.ticket_meet_clocks(ticket=order.ticket, codes=["dispatch"], at=now)


def _open_order(order: PickupOrder) -> PickupOrder:
    """The order locked for this transaction; refused unless it still waits for its pickup."""
    locked = PickupOrder.objects.select_for_update(of=("self",)).select_related("ticket").get(pk=order.pk)
    if locked.status not in PICKUP_OPEN:
        raise Conflict(f"该取件订单{locked.get_status_display()}，不在待取件状态", field="status")
    return locked


def pickup_dispatch(
    *, order: PickupOrder, courier: Courier, actor: User, at: datetime | None = None
) -> PickupOrder:
    """Send the order to a courier (or to another one); notifying the courier meets the dispatch clock."""
    now = local_now(at)
    if courier.station.brand_id != order.brand_id or not courier.active:
        raise ServiceError("请选择本品牌的业务员", field="courier")
    with transaction.atomic():
        order = _open_order(order)
        order.courier, order.status = courier, PickupOrder.Status.DISPATCHED
        order.save(update_fields=["courier", "status"])
        _courier_notified(order, actor, now)
    return order


def pickup_picked_up(*, order: PickupOrder, actor: User | None, at: datetime | None = None) -> PickupOrder:
    now = local_now(at)
    with transaction.atomic():
        order = _open_order(order)
        order.status, order.picked_up_at = PickupOrder.Status.PICKED_UP, now
        order.save(update_fields=["status", "picked_up_at"])
        resolve(order.ticket, actor=actor, note="业务员已上门取件", at=now)
    return order


def pickup_cancel(*, order: PickupOrder, actor: User, reason: str, at: datetime | None = None) -> PickupOrder:
    """The customer cancels (or the order cannot be served): the reason is kept in the ticket's history."""
    now = local_now(at)
    if not reason.strip():
        raise ServiceError("请填写取消原因", field="reason")
    with transaction.atomic():
        order = _open_order(order)
        order.status = PickupOrder.Status.CANCELLED
        order.save(update_fields=["status"])
        resolve(order.ticket, actor=actor, note=f"取件订单已取消：{reason.strip()}", at=now)
    return order


PICKUP_ACTIONS = {"dispatch": "分派业务员", "picked_up": "已取件", "cancel": "取消"}


def pickup_act(
    *, order: PickupOrder, action: str, actor: User, courier_id: int | None = None, reason: str = ""
) -> tuple[PickupOrder, str]:
    """One action on an open order, as the tracking page and the API name them: the order, and what to tell."""
    if action == "dispatch":
        courier = couriers_of(order.brand).filter(pk=courier_id or 0).first()
        if courier is None:
            raise ServiceError("请选择本品牌的业务员", field="courier")
        return pickup_dispatch(
            order=order, courier=courier, actor=actor
        ), f"已通知业务员 {courier.name} 上门取件"
    if action == "picked_up":
        return pickup_picked_up(order=order, actor=actor), f"{order.customer_name} 的快件已取件，工单已解决"
    if action == "cancel":
        return (
            pickup_cancel(order=order, actor=actor, reason=reason),
            f"已取消 {order.customer_name} 的取件订单",
        )
    raise ServiceError(f"未知的操作：{action}（应为 {'、'.join(PICKUP_ACTIONS)}）", field="action")


def pickup_sweep(*, now: datetime | None = None) -> int:
    """Tell each customer whose pickup is late, once (idempotent: the order remembers it was told)."""
    now = local_now(now)
    told = 0
    for order in pickups_overdue(now).select_related("ticket"):
        with transaction.atomic():
            if not PickupOrder.objects.filter(pk=order.pk, late_notified_at__isnull=True).update(
                late_notified_at=now
            ):
                continue
            tickets.ticket_say(ticket=order.ticket, situation="pickup_late", at=now)
            told += 1
    return told
