"""Ticket endpoints: parse, call one service or selector, shape the reply."""

from django.http import HttpRequest
from ninja import Query, Router, Status

from kefu.accounts.selectors import department_get, supervisor_for, user_by_agent_no
from kefu.errors import ServiceError
from kefu.tickets import services
from kefu.tickets.idempotency import key_header, run_once
from kefu.tickets.schemas import (
    AssignIn,
    BreachOut,
    ConvertIn,
    EscalateIn,
    EventOut,
    HandOffIn,
    ReplyIn,
    TextIn,
    TicketIn,
    TicketOut,
    TicketRow,
    TransitionIn,
)
from kefu.tickets.selectors import (
    breaches_for,
    page_rows,
    ticket_cursor,
    ticket_get_for_user,
    ticket_history,
    ticket_search,
    tickets_after,
)

router = Router(tags=["工单"])


@router.post("", response={200: TicketOut, 201: TicketOut}, summary="新建工单 (支持 Idempotency-Key)")
def create_ticket(request: HttpRequest, payload: TicketIn, idempotency_key: str | None = key_header()):
    def action():
        ticket = services.ticket_intake(actor=request.user, **payload.dict())
        return 201, TicketOut.build(ticket, request.user).model_dump()

    status, body = run_once(user=request.user, key=idempotency_key, payload=payload.dict(), action=action)
    return Status(status, body)


@router.get(
    "",
    response=list[TicketRow],
    summary="查找工单",
    description="按列表顺序（未完结在前，优先级高在前，新建在前）。`q` 查找工单号（从头）、运单号、客户电话（至少 7 位，"
    "从头；可带空格、横线、+86 或全角数字）、客户姓名（从头，繁体简体均可）和最近 20,000 条工单的主题关键词。翻页：`offset`，或把上一页最后一条的 `cursor` "
    "作为 `after` 传入（键集翻页，翻得再深也一样快；不能与 `offset` 同用）。",
)
def list_tickets(
    request: HttpRequest,
    q: str = "",
    status: str = "",
    type: str = "",
    brand: str = "",
    only_open: bool = False,
    breached: bool = False,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=100_000),
    after: str = Query("", max_length=60, description="上一页最后一条的 cursor：从它之后接着列出"),
):
    found = ticket_search(
        request.user, q=q, status=status, type=type, brand=brand, only_open=only_open, breached=breached
    )
    if after:
        if offset:
            raise ServiceError("after 与 offset 不能同时使用", field="offset")
        rows = tickets_after(found, after, limit)
    else:
        rows = page_rows(found, offset, limit)
    return [
        TicketRow(
            number=t.number,
            brand=t.brand.code,
            type=t.type.name,
            channel=t.channel,
            status=t.status,
            priority=t.priority,
            subject=t.subject,
            customer=t.customer.name if t.customer else None,
            assignee=t.assignee.agent_no if t.assignee else None,
            created_at=t.created_at,
            cursor=ticket_cursor(t),
        )
        for t in rows
    ]


@router.get("/breaches", response=list[BreachOut], summary="SLA 超时列表")
def list_breaches(request: HttpRequest, limit: int = Query(100, ge=1, le=1000)):
    return [
        BreachOut(
            ticket=c.ticket.number,
            brand=c.ticket.brand.code,
            type=c.ticket.type.name,
            clock=c.name,
            due_at=c.due_at,
            breached_at=c.breached_at,
            assignee=c.ticket.assignee.agent_no if c.ticket.assignee else None,
        )
        for c in breaches_for(request.user)[:limit]
    ]


@router.get("/{number}", response=TicketOut, summary="工单详情")
def get_ticket(request: HttpRequest, number: str):
    ticket = services.ticket_open(
        ticket=ticket_get_for_user(number, request.user), user=request.user, via="API 工单"
    )
    return TicketOut.build(ticket, request.user)


@router.get("/{number}/events", response=list[EventOut], summary="工单历史 (按时间顺序)")
def get_events(request: HttpRequest, number: str):
    return [EventOut.build(e) for e in ticket_history(ticket_get_for_user(number, request.user))]


@router.post("/{number}/transition", response=TicketOut, summary="变更状态")
def transition(request: HttpRequest, number: str, payload: TransitionIn):
    ticket = services.ticket_transition(
        ticket=ticket_get_for_user(number, request.user), to=payload.to, actor=request.user, note=payload.note
    )
    return TicketOut.build(ticket, request.user)


@router.post("/{number}/assign", response=TicketOut, summary="分派给坐席")
def assign(request: HttpRequest, number: str, payload: AssignIn):
    ticket = services.ticket_assign(
        ticket=ticket_get_for_user(number, request.user),
        agent=user_by_agent_no(payload.agent_no),
        actor=request.user,
    )
    return TicketOut.build(ticket, request.user)


@router.post("/{number}/hand-off", response=TicketOut, summary="移交部门")
def hand_off(request: HttpRequest, number: str, payload: HandOffIn):
    ticket = services.ticket_hand_off(
        ticket=ticket_get_for_user(number, request.user),
        department=department_get(payload.department),
        actor=request.user,
        promise=payload.promise,
        promised_at=payload.promised_at,
    )
    return TicketOut.build(ticket, request.user)


@router.post("/{number}/escalate", response=TicketOut, summary="升级主管")
def escalate(request: HttpRequest, number: str, payload: EscalateIn):
    ticket = ticket_get_for_user(number, request.user)
    supervisor = supervisor_for(request.user, payload.supervisor_agent_no, brand=ticket.brand)
    ticket = services.ticket_escalate(
        ticket=ticket, supervisor=supervisor, actor=request.user, reason=payload.reason
    )
    return TicketOut.build(ticket, request.user)


@router.post(
    "/{number}/replies",
    response={201: EventOut},
    summary="回复客户",
    description="先经服务忌语检查：含严重忌语时答复 409，`violations` 列出每处忌语（位置、类别、说明、改写）；"
    "填写 `override_reason` 可强制发送，理由记入工单历史。",
)
def reply(request: HttpRequest, number: str, payload: ReplyIn):
    event = services.ticket_reply(
        ticket=ticket_get_for_user(number, request.user),
        actor=request.user,
        body=payload.body,
        override_reason=payload.override_reason,
        answer=payload.answer,
    )
    return Status(201, EventOut.build(event))


@router.post("/{number}/notes", response={201: EventOut}, summary="内部备注")
def note(request: HttpRequest, number: str, payload: TextIn):
    event = services.ticket_note(
        ticket=ticket_get_for_user(number, request.user), actor=request.user, body=payload.body
    )
    return Status(201, EventOut.build(event))


@router.post("/{number}/convert-to-complaint", response={201: TicketOut}, summary="查询转投诉")
def convert(request: HttpRequest, number: str, payload: ConvertIn):
    complaint = services.ticket_convert_to_complaint(
        ticket=ticket_get_for_user(number, request.user), actor=request.user, reason=payload.reason
    )
    return Status(201, TicketOut.build(complaint, request.user))
