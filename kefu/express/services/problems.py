"""Problem parcels (问题件, seed 004 第五篇 二 (二)): a ticket between the destination and the origin station."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from kefu.accounts.models import User
from kefu.express.models import ProblemParcel, Station, Waybill
from kefu.express.rules import InputError, problem_parcel_kind
from kefu.express.services._common import input_error
from kefu.tickets import services as tickets
from kefu.tickets.selectors import ticket_type_get
from kefu.timeutil import local_now


def problem_report(
    *,
    waybill: Waybill,
    kind: str,
    station: Station,
    actor: User | None,
    note: str = "",
    at: datetime | None = None,
    **notice_values: str,
) -> ProblemParcel:
    """A problem parcel: a ticket between the reporting (destination) and the origin station, with the steps."""
    now = local_now(at)
    try:
        spec = problem_parcel_kind(kind)
        values = {
            "city": waybill.destination.city or waybill.destination.province,
            "station": station.name,
            "address": station.address or station.name,
            "eta": "",
            **notice_values,
        }
        notice = spec.notice(**values)
    except InputError as exc:
        raise input_error(exc) from exc
    labels = {"destination": f"派件站点（{station.name}）", "origin": f"发出站点（{waybill.origin.name}）"}
    steps = [
        f"{i}. {labels.get(s.station, s.station)}：{s.action}" for i, s in enumerate(spec.steps, start=1)
    ]
    with transaction.atomic():
        ticket = tickets.ticket_create(
            brand=waybill.brand,
            type=ticket_type_get("查询"),
            channel="outbound",
            actor=actor,
            subject=f"问题件·{spec.name}：{waybill.number}",
            waybill_number=waybill.number,
            at=now,
            description="\n".join(
                [
                    f"上报站点：{station.name}；发出站点：{waybill.origin.name}",
                    note,
                    *steps,
                    f"告知客户：{notice}",
                ]
            ).strip(),
        )
        if actor is not None:
            tickets.ticket_reply(ticket=ticket, actor=actor, body=notice, at=now)
        return ProblemParcel.objects.create(
            waybill=waybill,
            kind=kind,
            ticket=ticket,
            reported_by=station,
            origin=waybill.origin,
            created_at=now,
        )
