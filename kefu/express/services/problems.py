"""Problem parcels (问题件, seed 004 第五篇 二 (二)): a 问题件 ticket between the destination and origin station.

The kind's steps (rulebooks/service.yaml) are copied onto the parcel when it is reported and done one
by one, in order, by `problem_advance`; each step is a note in the ticket history, the step that
informs the customer is a reply with the kind's notice, and the last step resolves the ticket.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from kefu.accounts.models import User
from kefu.errors import ServiceError
from kefu.express.models import ProblemParcel, Station, Waybill
from kefu.express.rules import STATION_LABELS, InputError, complete_step, problem_parcel_kind
from kefu.express.services._common import input_error, resolve
from kefu.tickets import services as tickets
from kefu.tickets.rules import Status
from kefu.tickets.selectors import ticket_type_get
from kefu.timeutil import local_now

# Notice placeholders an agent types in when reporting (the others come from the stations).
TYPED_VALUES = {"eta": "预计到达时间"}


def _station_names(stations: dict[str, Station]) -> dict[str, str]:
    return {key: f"{STATION_LABELS[key]}（{station.name}）" for key, station in stations.items()}


def problem_report(
    *,
    waybill: Waybill,
    kind: str,
    station: Station,
    actor: User | None,
    note: str = "",
    at: datetime | None = None,
    **typed_values: str,
) -> ProblemParcel:
    """Report a problem parcel at `station` (the destination that cannot deliver) and open its 问题件 ticket.

    `typed_values` fill the customer notice (`eta` for a parcel sent to the wrong city); every notice
    the kind may send is filled now, so a missing value is refused before anything is written.
    """
    now = local_now(at)
    values = {
        "city": waybill.destination.city or waybill.destination.province,
        "station": station.name,
        "station_city": station.city or station.province,
        "address": station.address or station.name,
        **{k: v.strip() for k, v in typed_values.items() if v and v.strip()},
    }
    try:
        spec = problem_parcel_kind(kind)
        for choice in (None, *(o.code for o in spec.choices if o.customer_notice)):
            spec.notice(choice, **values)
    except InputError as exc:
        if exc.field in TYPED_VALUES:
            raise ServiceError(f"请填写{TYPED_VALUES[exc.field]}（告知客户时要用）", field=exc.field) from exc
        raise input_error(exc) from exc
    names = _station_names({"destination": station, "origin": waybill.origin})
    plan = spec.plan()
    with transaction.atomic():
        ticket = tickets.ticket_create(
            brand=waybill.brand,
            type=ticket_type_get("problem_parcel"),
            channel="outbound",
            actor=actor,
            subject=f"问题件·{spec.name}：{waybill.number}",
            waybill_number=waybill.number,
            at=now,
            description="\n".join(
                [
                    f"上报站点：{station.name}；发出站点：{waybill.origin.name}",
                    *([note.strip()] if note.strip() else []),
                    f"处理步骤（{spec.source}）：",
                    *(
                        f"{s['no']}. {names[s['station']]}：{s['action']}"
                        + (f"（{spec.choice(s['when']).name}时）" if s["when"] else "")
                        for s in plan
                    ),
                ]
            ),
        )
        return ProblemParcel.objects.create(
            waybill=waybill,
            kind=kind,
            ticket=ticket,
            reported_by=station,
            origin=waybill.origin,
            steps=plan,
            notice_values=values,
            created_at=now,
        )


def problem_advance(
    *,
    problem: ProblemParcel,
    step: int,
    actor: User,
    note: str = "",
    choice: str = "",
    at: datetime | None = None,
) -> ProblemParcel:
    """Mark step `step` done; it must be the next one. Skipping or repeating a step is refused.

    The deciding step records the agent's choice (e.g. 到站自提 or 转出 for an out-of-area parcel).
    The step that informs the customer replies with the kind's notice; the last step resolves the ticket.
    """
    now = local_now(at)
    with transaction.atomic():
        problem = (
            ProblemParcel.objects.select_for_update()
            .select_related("ticket", "reported_by", "origin")
            .get(pk=problem.pk)
        )
        spec = problem_parcel_kind(problem.kind)
        try:
            done = complete_step(
                spec,
                problem.steps,
                step,
                by=actor.pk,
                by_name=str(actor),
                at=now.isoformat(),
                note=note,
                choice=choice.strip(),
            )
        except InputError as exc:
            raise input_error(exc) from exc
        problem.steps = done.steps
        if done.choice:
            problem.choice = done.choice
        problem.save(update_fields=["steps", "choice"])
        names = _station_names({"destination": problem.reported_by, "origin": problem.origin})
        s = done.step
        if problem.ticket.status in (Status.NEW, Status.ASSIGNED):
            tickets.ticket_transition(ticket=problem.ticket, to=Status.IN_PROGRESS, actor=actor, at=now)
        tickets.ticket_note(
            ticket=problem.ticket,
            actor=actor,
            at=now,
            body=f"问题件第 {s['no']} 步完成（{names[s['station']]}）：{s['action']}"
            + (f"\n{spec.choice_label}：{spec.choice(done.choice).name}" if done.choice else "")
            + (f"\n备注：{s['note']}" if s["note"] else ""),
        )
        if s["informs_customer"]:
            notice = spec.notice(problem.choice or None, **problem.notice_values)
            tickets.ticket_reply(ticket=problem.ticket, actor=actor, body=notice, answer=True, at=now)
        if done.finished:
            resolve(problem.ticket, actor=actor, note=f"问题件处理完毕：{spec.name}", at=now)
        problem.ticket.refresh_from_db()
    return problem
