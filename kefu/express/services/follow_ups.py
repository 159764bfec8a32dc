"""有发无到 follow-ups (seed 004 第五篇 二 (三)): tell each origin station what it sent that never arrived."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import User
from kefu.express.models import ArrivalFollowUp, Station
from kefu.express.selectors import sent_not_arrived_by_origin
from kefu.tickets import services as tickets
from kefu.tickets.models import Ticket
from kefu.tickets.selectors import ticket_type_get
from kefu.timeutil import local_now


def sent_not_arrived_follow_up(
    *, station: Station, since: datetime, until: datetime, actor: User | None, at: datetime | None = None
) -> list[Ticket]:
    """One follow-up ticket per origin station listing what it sent here that never arrived.

    A parcel is followed up once: comparing the same days again opens tickets only for parcels
    missing since. The station row is locked so two agents pressing the button open one set.
    """
    now = local_now(at)
    opened = []
    with transaction.atomic():
        Station.objects.select_for_update().filter(pk=station.pk).exists()
        for group in sent_not_arrived_by_origin(station, since=since, until=until):
            origin, new = group.origin, group.pending
            if not new:
                continue
            ticket = tickets.ticket_create(
                brand=station.brand,
                type=ticket_type_get("query"),
                channel="outbound",
                actor=actor,
                at=now,
                subject=f"有发无到：{origin.name} → {station.name} {len(new)} 件",
                description=f"请{origin.name}及时跟进以下已发出、未到达{station.name}的快件：\n"
                + "\n".join(
                    f"{scan.waybill.number}（{timezone.localtime(scan.at):%m-%d %H:%M} 发出）" for scan in new
                ),
            )
            ArrivalFollowUp.objects.bulk_create(
                ArrivalFollowUp(
                    station=station,
                    waybill_id=scan.waybill_id,
                    origin=origin,
                    departed_at=scan.at,
                    ticket=ticket,
                    created_at=now,
                )
                for scan in new
            )
            opened.append(ticket)
    return opened
