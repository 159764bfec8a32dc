"""有发无到 follow-ups (seed 004 第五篇 二 (三)): tell each origin station what it sent that never arrived."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from kefu.accounts.models import User
from kefu.express.models import Station
from kefu.express.selectors import sent_not_arrived
from kefu.tickets import services as tickets
from kefu.tickets.models import Ticket
from kefu.tickets.selectors import ticket_type_get
from kefu.timeutil import local_now


def sent_not_arrived_follow_up(
    *, station: Station, since: datetime, until: datetime, actor: User | None, at: datetime | None = None
) -> list[Ticket]:
    """One follow-up ticket per origin station listing what it sent here that never arrived (第五篇 二 (三))."""
    now = local_now(at)
    by_origin: dict[Station, list[str]] = {}
    for scan in sent_not_arrived(station, since=since, until=until):
        by_origin.setdefault(scan.station, []).append(scan.waybill.number)
    opened = []
    with transaction.atomic():
        for origin, numbers in sorted(by_origin.items(), key=lambda item: item[0].code):
            opened.append(
                tickets.ticket_create(
                    brand=station.brand,
                    type=ticket_type_get("查询"),
                    channel="outbound",
                    actor=actor,
                    at=now,
                    subject=f"有发无到：{origin.name} → {station.name} {len(numbers)} 件",
                    description=f"请{origin.name}及时跟进以下已发出未到达{station.name}的快件：\n"
                    + "\n".join(numbers),
                )
            )
    return opened
