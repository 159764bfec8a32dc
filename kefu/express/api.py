"""Express JSON API (/api/express/…): parse, call one service or selector, shape the reply."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Body, Field, Router, Schema

from kefu.apijson import ObjectId
from kefu.brands.models import Brand
from kefu.errors import NotFound, PermissionDenied
from kefu.express import services
from kefu.express.models import Claim, PickupOrder, ProblemParcel, Station
from kefu.express.selectors import (
    claim_get_for_user,
    express_brand_for_user,
    pickup_get_for_user,
    problem_card,
    problem_get_for_user,
    waybill_get,
)
from kefu.tickets.idempotency import key_header, run_once
from kefu.tickets.selectors import ticket_get_for_user

router = Router(tags=["快递"])
MAX_PUSH = 10_000


def _brand(request: HttpRequest, code: str | None) -> Brand:
    return express_brand_for_user(code, request.user)


class ScanPushIn(Schema):
    brand: str | None = Field(None, description="品牌代码；默认第一个经营快递的品牌")
    scans: list[dict[str, Any]] = Field(
        ..., description="扫描记录：number, kind, at, station[, next_station, note]"
    )


@router.post("/scans", summary="分拨中心推送扫描记录（批量）")
def push_scans(request, payload: ScanPushIn):
    if len(payload.scans) > MAX_PUSH:
        raise PermissionDenied(f"每批最多 {MAX_PUSH} 条扫描记录")
    return services.scans_push(brand=_brand(request, payload.brand), rows=payload.scans).to_dict()


class QueryIn(Schema):
    brand: str | None = None
    number: str = Field("", description="运单号；无单号时留空并提供寄件人信息")
    sender_phone: str = ""
    sender_name: str = ""
    date: dt.date | None = Field(None, description="寄件日期")
    channel: str = "phone"


def _ticket(ticket) -> dict | None:
    return (
        None
        if ticket is None
        else {
            "number": ticket.number,
            "status": ticket.status,
            "clocks": [{"name": c.name, "due_at": c.due_at} for c in ticket.clocks.all()],
        }
    )


def _once(request, key: str | None, payload: Schema | dict, scope: str, action) -> dict:
    """An intake answered once per Idempotency-Key (kefu.tickets.idempotency): a retry gets the first answer."""
    data = payload.dict() if isinstance(payload, Schema) else payload
    return run_once(
        user=request.user, key=key, payload=data, scope=f"express/{scope}", action=lambda: (200, action())
    )[1]


@router.post("/queries", summary="快件查询：分类、答复并建查询工单 (支持 Idempotency-Key)")
def open_query(request, payload: QueryIn, idempotency_key: str | None = key_header()):
    def action():
        result = services.query_open(
            brand=_brand(request, payload.brand),
            number=payload.number,
            actor=request.user,
            channel=payload.channel,
            sender_phone=payload.sender_phone,
            sender_name=payload.sender_name,
            day=payload.date,
        )
        return {
            **result.classification,
            "refused": result.refused,
            "ticket": _ticket(result.ticket),
            "matches": [
                {"number": w.number, "sender_name": w.sender_name, "shipped_at": w.shipped_at}
                for w in result.matches
            ],
        }

    return _once(request, idempotency_key, payload, "queries", action)


class EscalateIn(Schema):
    reason: str


@router.post("/queries/{number}/escalate", summary="查询转投诉")
def escalate_query(request, number: str, payload: EscalateIn):
    complaint = services.query_escalate(
        ticket=ticket_get_for_user(number, request.user), actor=request.user, reason=payload.reason
    )
    return _ticket(complaint)


def _pickup(order: PickupOrder) -> dict:
    return {
        "id": order.pk,
        "status": order.status,
        "status_name": order.get_status_display(),
        "courier": str(order.courier) if order.courier else None,
        "ticket": _ticket(order.ticket),
        "assessment": order.assessment,
    }


@router.post(
    "/pickups", summary="取件下单：立即答复能否寄递、是否用车、报价和取件时间 (支持 Idempotency-Key)"
)
def create_pickup(
    request,
    payload: dict[str, Any] = Body(...),  # noqa: B008
    idempotency_key: str | None = key_header(),
):
    def action():
        order = services.pickup_create(
            brand=_brand(request, payload.get("brand")),
            data=payload,
            actor=request.user,
            channel=str(payload.get("channel") or "phone"),
        )
        return _pickup(order)

    return _once(request, idempotency_key, payload, "pickups", action)


class PickupActionIn(Schema):
    action: str = Field(..., description="dispatch（分派业务员）、picked_up（已取件）或 cancel（取消）")
    courier_id: int | None = Field(None, description="分派时必填：业务员 id")
    reason: str = Field("", description="取消时必填：取消原因")


@router.post(
    "/pickups/{order_id}/actions", summary="取件订单：分派业务员、确认已取件或取消（业务员巴枪也可调用）"
)
def act_on_pickup(request, order_id: ObjectId, payload: PickupActionIn):
    order, message = services.pickup_act(
        order=pickup_get_for_user(order_id, request.user), actor=request.user, **payload.dict()
    )
    return {**_pickup(order), "message": message}


class ClaimIn(Schema):
    brand: str | None = None
    waybill_number: str
    claim: dict[str, Any] = Field(
        ..., description="理赔申告（见 kefu/express/rules/claims.py 的 claim 部分）"
    )
    waybill: dict[str, Any] | None = Field(None, description="系统之外的运单事实，如 packaged_by、scope")


def _claim(claim: Claim) -> dict:
    return {
        "id": claim.pk,
        "state": claim.state,
        "state_name": claim.get_state_display(),
        "eligible": claim.eligible,
        "amount": str(claim.amount),
        "agreed_amount": None if claim.agreed_amount is None else str(claim.agreed_amount),
        "decision": claim.decision,
        "ticket": _ticket(claim.ticket),
    }


@router.post("/claims", summary="理赔申告：判定并建理赔工单 (支持 Idempotency-Key)")
def file_claim(request, payload: ClaimIn, idempotency_key: str | None = key_header()):
    def action():
        claim = services.claim_file(
            brand=_brand(request, payload.brand),
            waybill_number=payload.waybill_number,
            claim=payload.claim,
            waybill_facts=payload.waybill,
            actor=request.user,
        )
        return _claim(claim)

    return _once(request, idempotency_key, payload, "claims", action)


class ClaimStateIn(Schema):
    to: str = Field(..., description="acknowledged | proposed | agreed | paid | refused")
    note: str = ""
    amount: Decimal | None = None


@router.post("/claims/{claim_id}/state", summary="理赔状态变更")
def advance_claim(request, claim_id: ObjectId, payload: ClaimStateIn):
    claim = claim_get_for_user(claim_id, request.user)
    return _claim(
        services.claim_advance(
            claim=claim, to=payload.to, actor=request.user, note=payload.note, amount=payload.amount
        )
    )


class ProblemIn(Schema):
    brand: str | None = None
    waybill_number: str
    kind: str = Field(..., description="wrong_phone | out_of_area | damaged_packaging | refused | wrong_city")
    station: str = Field("", description="上报站点代码；不填时为运单的目的站")
    note: str = ""
    eta: str = Field("", description="预计到达时间（错发异地件告知客户时要用）")


def _problem(problem: ProblemParcel) -> dict:
    card = problem_card(problem)
    return {
        "id": problem.pk,
        "kind": problem.kind,
        "kind_name": card.kind.name,
        "choice": problem.choice or None,
        "steps": [
            {
                "no": s["no"],
                "station": s["station"],
                "station_name": s["station_name"],
                "action": s["action"],
                "when": s["when"],
                "state": s["state"],
                "by": s["by_name"] or None,
                "at": s["at"],
                "note": s["note"],
            }
            for s in card.steps
        ],
        "ticket": _ticket(problem.ticket),
    }


@router.post("/problems", summary="上报问题件 (支持 Idempotency-Key)")
def report_problem(request, payload: ProblemIn, idempotency_key: str | None = key_header()):
    def action():
        brand = _brand(request, payload.brand)
        waybill = waybill_get(brand, payload.waybill_number)
        if waybill is None:
            raise NotFound(f"没有找到运单：{payload.waybill_number}", field="waybill_number")
        station = (
            Station.objects.filter(brand=brand, code=payload.station).first()
            if payload.station
            else waybill.destination
        )
        if station is None:
            raise NotFound(f"没有找到站点：{payload.station}", field="station")
        problem = services.problem_report(
            waybill=waybill,
            kind=payload.kind,
            station=station,
            actor=request.user,
            note=payload.note,
            eta=payload.eta,
        )
        return _problem(problem)

    return _once(request, idempotency_key, payload, "problems", action)


class ProblemStepIn(Schema):
    step: int = Field(..., description="要完成的步骤序号（必须是下一步）")
    note: str = ""
    choice: str = Field("", description="决定步骤的选择，如超区件 self_pickup（到站自提）或 transfer（转出）")


@router.post("/problems/{problem_id}/steps", summary="问题件完成下一步（按顺序，不可跳步）")
def advance_problem(request, problem_id: ObjectId, payload: ProblemStepIn):
    problem = services.problem_advance(
        problem=problem_get_for_user(problem_id, request.user),
        step=payload.step,
        actor=request.user,
        note=payload.note,
        choice=payload.choice,
    )
    return _problem(problem)


class ComplaintIn(Schema):
    brand: str | None = None
    type: str = Field(..., description="service_attitude | delay | damage_shortage | loss")
    subtype: str = ""
    description: str
    waybill_number: str = ""


@router.post("/complaints", summary="快递投诉（按类型给出处理步骤和 7 日时限；支持 Idempotency-Key）")
def open_complaint(request, payload: ComplaintIn, idempotency_key: str | None = key_header()):
    def action():
        ticket = services.complaint_open(
            brand=_brand(request, payload.brand),
            type_code=payload.type,
            subtype=payload.subtype,
            description=payload.description,
            waybill_number=payload.waybill_number,
            actor=request.user,
        )
        return _ticket(ticket)

    return _once(request, idempotency_key, payload, "complaints", action)
