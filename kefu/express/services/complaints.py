"""Typed complaints (投诉, seed 004 第三节 一): a 投诉 ticket with the type's handling steps and the 7-day clock."""

from __future__ import annotations

from datetime import datetime

from kefu.accounts.models import User
from kefu.brands.models import Brand
from kefu.customers.models import Customer
from kefu.errors import ServiceError
from kefu.express.rules import InputError, complaint_clock, complaint_type
from kefu.express.services._common import input_error
from kefu.tickets import services as tickets
from kefu.tickets.models import Ticket
from kefu.tickets.selectors import ticket_type_get
from kefu.timeutil import local_now


def complaint_open(
    *,
    brand: Brand,
    type_code: str,
    actor: User | None,
    description: str,
    waybill_number: str = "",
    customer: Customer | None = None,
    channel: str = "phone",
    subtype: str = "",
    at: datetime | None = None,
) -> Ticket:
    """A typed complaint (004 第三节 一) as a 投诉 ticket with its handling steps and the 7-day result clock."""
    now = local_now(at)
    if not description.strip():
        raise ServiceError("请填写投诉内容", field="description")
    try:
        kind = complaint_type(type_code)
        clock = complaint_clock(now)
    except InputError as exc:
        raise input_error(exc) from exc
    if subtype and subtype not in kind.subtypes:
        raise ServiceError(f"未知的延误类型：{subtype}", field="subtype")
    title = kind.subtypes[subtype][0] if subtype else kind.name
    steps = [f"{i}. {s}" for i, s in enumerate(kind.steps, start=1)]
    return tickets.ticket_create(
        brand=brand,
        type=ticket_type_get("complaint"),
        channel=channel,
        actor=actor,
        customer=customer,
        subject=f"{title}：{waybill_number or description[:20]}",
        waybill_number=waybill_number,
        at=now,
        description="\n".join(
            [
                description,
                f"处理步骤（{kind.source}）：",
                *steps,
                clock.acknowledge,
                f"处理结果告知客户期限：{clock.result_by:%Y-%m-%d %H:%M}（{clock.result_source}）",
            ]
        ),
    )
