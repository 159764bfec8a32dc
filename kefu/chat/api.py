"""Chat, routing and presence endpoints: parse, call one service or selector, shape the reply."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from kefu.apijson import ObjectId
from kefu.chat import distribution, presence, services
from kefu.chat.rules import STATE_LABELS
from kefu.chat.selectors import agent_state, open_offers_for, reply_check, session_for_user, supervisor_board

router = Router(tags=["在线客服与坐席状态"])


class StatusIn(Schema):
    status: str


class StatusOut(Schema):
    status: str
    label: str
    since: datetime | None


class OfferOut(Schema):
    id: int
    ticket: str
    brand: str
    priority: int
    created_at: datetime
    chat: bool
    assigned_to: str | None  # the agent's 工号 when the distribution gave it to someone
    accept_by: datetime | None


class AssignIn(Schema):
    agent_no: str


class AssignOut(Schema):
    offer: int
    ticket: str
    assigned_to: str
    accept_by: datetime


class ClaimOut(Schema):
    offer: int
    ticket: str
    claimed_by: str


class CheckIn(Schema):
    text: str
    session: int | None = None


class ReplyIn(Schema):
    body: str
    client_id: str
    override_reason: str = ""


def _status(user) -> StatusOut:
    state, since = agent_state(user)
    return StatusOut(status=state.value, label=STATE_LABELS[state], since=since)


@router.get("/status", response=StatusOut, summary="我的坐席状态")
def my_status(request: HttpRequest):
    return _status(request.user)


@router.post(
    "/status",
    response=StatusOut,
    summary="切换坐席状态 (sign_in / sign_out / ready / wrap_up / break / extend_wrap_up)",
)
def set_status(request: HttpRequest, payload: StatusIn):
    presence.agent_act(agent=request.user, action=payload.status)
    return _status(request.user)


@router.get("/offers", response=list[OfferOut], summary="待接任务 (VIP 与投诉优先，其次按等待时间)")
def offers(request: HttpRequest):
    return [
        OfferOut(
            id=o.pk,
            ticket=o.ticket.number,
            brand=o.brand.code,
            priority=o.priority,
            created_at=o.created_at,
            chat=o.session_id is not None,
            assigned_to=o.assigned_to.agent_no if o.assigned_to else None,
            accept_by=o.accept_by,
        )
        for o in open_offers_for(request.user).select_related("assigned_to")
    ]


@router.post("/offers/{offer_id}/assign", response=AssignOut, summary="主管手工分配任务给某位坐席 (按工号)")
def assign(request: HttpRequest, offer_id: ObjectId, payload: AssignIn):
    offer = distribution.offer_assign(offer_id=offer_id, agent_no=payload.agent_no, actor=request.user)
    return AssignOut(
        offer=offer.pk,
        ticket=offer.ticket.number,
        assigned_to=offer.assigned_to.agent_no,
        accept_by=offer.accept_by,
    )


@router.post("/offers/{offer_id}/claim", response=ClaimOut, summary="接起任务 (并发安全：只有一人成功)")
def claim(request: HttpRequest, offer_id: ObjectId):
    offer = services.offer_claim(offer_id=offer_id, agent=request.user)
    return ClaimOut(offer=offer.pk, ticket=offer.ticket.number, claimed_by=str(offer.claimed_by))


@router.post("/check", summary="检查回复中的服务忌语")
def check(request: HttpRequest, payload: CheckIn):
    return reply_check(payload.text, request.user, payload.session)


@router.post("/sessions/{session_id}/reply", summary="坐席回复 (严重忌语需填写理由)")
def reply(request: HttpRequest, session_id: ObjectId, payload: ReplyIn):
    message, created = services.chat_agent_reply(
        session=session_for_user(session_id, request.user),
        agent=request.user,
        body=payload.body,
        client_id=payload.client_id,
        override_reason=payload.override_reason,
    )
    return {"id": message.pk, "seq": message.seq, "created": created}


@router.get("/board", summary="主管监控：坐席状态、队列、进行中的会话")
def board(request: HttpRequest):
    data = supervisor_board(request.user)
    return {
        "agents": [
            {"agent_no": a["agent_no"], "status": a["state"], "label": a["label"], "seconds": a["seconds"]}
            for a in data["agents"]
        ],
        "queues": [
            {"brand": q["brand"]["code"], "waiting": q["waiting"], "oldest_seconds": q["oldest_seconds"]}
            for q in data["queues"]
        ],
        "live": [
            {
                "ticket": row["ticket"],
                "state": row["state"],
                "agent": row["agent_no"],
                "wait_seconds": row["wait_seconds"],
            }
            for row in data["live"]
        ],
    }
