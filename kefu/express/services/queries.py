"""Tracking queries (查询, seed 004 第二节): classify, answer, open the 查询 ticket, turn into a complaint."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction

from kefu.accounts.models import User
from kefu.brands.models import Brand
from kefu.customers.models import Customer
from kefu.express.models import Waybill
from kefu.express.selectors import query_classify
from kefu.tickets import services as tickets
from kefu.tickets.models import Ticket
from kefu.tickets.selectors import ticket_type_get
from kefu.timeutil import local_now


@dataclass
class QueryResult:
    classification: dict[str, Any]
    ticket: Ticket | None
    matches: list[Waybill] = field(default_factory=list)
    refused: bool = False


def query_open(
    *,
    brand: Brand,
    number: str,
    actor: User | None,
    channel: str = "phone",
    customer: Customer | None = None,
    sender_phone: str = "",
    sender_name: str = "",
    day: date | None = None,
    at: datetime | None = None,
) -> QueryResult:
    """Classify a tracking query as seed 004 第二节 一 does and open its 查询 ticket (30-minute answer clock).

    Waybills older than the validity period are refused with the reason and no ticket (第二节 三).
    Without a number, the waybills are searched by the sender's phone, name and date (第二节 一 5).
    """
    now = local_now(at)
    preview = query_classify(
        brand, number, now=now, sender_phone=sender_phone, sender_name=sender_name, day=day
    )
    result, waybill, matches = preview.result, preview.waybill, preview.matches
    data = result.to_dict()
    if result.kind == "expired":
        return QueryResult(classification=data, ticket=None, refused=True)
    description = "\n".join(
        [
            f"分类：{result.name}",
            f"答复：{result.reply}",
            *result.guidance,
            *(f"找到面单：{w.number}（{w.sender_name} {w.shipped_at:%Y-%m-%d}）" for w in matches),
        ]
    )
    with transaction.atomic():
        ticket = tickets.ticket_create(
            brand=brand,
            type=ticket_type_get("query"),
            channel=channel,
            actor=actor,
            customer=customer,
            subject=f"{result.name}：{result.number or '无单号'}",
            description=description,
            waybill_number=waybill.number if waybill else "",
            at=now,
        )
        if not result.follow_up and actor is not None:
            # 有结果的查询可以立即回复客户 (第二节 一 3): the answer meets the 30-minute clock at once.
            tickets.ticket_reply(ticket=ticket, actor=actor, body=result.reply, answer=True, at=now)
    return QueryResult(classification=data, ticket=ticket, matches=matches)


def query_escalate(*, ticket: Ticket, actor: User | None, reason: str, at: datetime | None = None) -> Ticket:
    """查询到投诉的转变 (第二节 一 4): the complaint keeps the query's history through the link."""
    return tickets.ticket_convert_to_complaint(ticket=ticket, actor=actor, reason=reason, at=local_now(at))
