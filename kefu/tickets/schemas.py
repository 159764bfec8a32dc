"""API shapes for tickets (one schema for validation, docs and replies)."""

from datetime import datetime
from typing import Literal

from ninja import Field, Schema

from kefu.customers.selectors import is_returning, phone_for
from kefu.tickets.models import Ticket, TicketEvent
from kefu.tickets.rules import STATUS_LABELS, Priority, Status
from kefu.tickets.selectors import clock_states

ChannelLiteral = Literal["phone", "chat", "email", "web_form", "outbound", "walk_in"]
StatusLiteral = Literal[tuple(s.value for s in Status)]  # type: ignore[valid-type]


class NewCustomerIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    phone: str = Field(..., min_length=5, max_length=20)
    gender: Literal["male", "female", ""] = ""


class TicketIn(Schema):
    brand: str = Field(..., description="品牌代码或名称，如 oufei 或 欧飞")
    type: str = Field(..., description="工单类型代码或名称，如 投诉")
    channel: ChannelLiteral
    subject: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    customer_id: int | None = None
    customer: NewCustomerIn | None = Field(None, description="无 customer_id 时按电话查找或新建客户")
    waybill_number: str = Field("", max_length=40)
    scope: Literal["domestic", "hmt", "international"] = "domestic"


class TransitionIn(Schema):
    to: StatusLiteral
    note: str = Field("", max_length=2000)


class AssignIn(Schema):
    agent_no: str


class HandOffIn(Schema):
    department: str = Field(..., description="部门代码或名称")
    promise: str = Field(..., min_length=1, max_length=500, description="向客户承诺的内容")
    promised_at: datetime | None = None


class EscalateIn(Schema):
    supervisor_agent_no: str | None = Field(None, description="主管工号；不填则交给班组主管")
    reason: str = Field(..., min_length=1, max_length=1000)


class TextIn(Schema):
    body: str = Field(..., min_length=1, max_length=5000)


class ReplyIn(TextIn):
    override_reason: str = Field(
        "", max_length=200, description="回复含严重服务忌语时确需发送的理由（记入工单历史，主管可见）"
    )
    answer: bool = Field(
        False,
        description="此回复即给客户的结果（答复）：同时达成“核实后答复”“转交后反馈”等结果类时限；“请稍等”之类不算",
    )


class ConvertIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)


class ClockOut(Schema):
    code: str
    name: str
    clock: str
    due_at: datetime
    state: str
    state_label: str
    remaining_seconds: int | None
    source: str


class CustomerBrief(Schema):
    id: int
    name: str
    salutation: str
    phone: str
    vip_level: int
    returning: bool


class TicketOut(Schema):
    number: str
    brand: str
    type: str
    channel: str
    status: str
    status_label: str
    priority: int
    priority_label: str
    subject: str
    description: str
    waybill_number: str
    scope: str
    customer: CustomerBrief | None
    assignee: str | None
    department: str | None
    escalated_to: str | None
    converted_from: str | None
    converted_to: str | None
    created_at: datetime
    updated_at: datetime
    clocks: list[ClockOut]

    @staticmethod
    def build(ticket: Ticket, user) -> "TicketOut":
        customer = ticket.customer
        converted_to = Ticket.objects.filter(converted_from=ticket).values_list("number", flat=True).first()
        return TicketOut(
            number=ticket.number,
            brand=ticket.brand.code,
            type=ticket.type.name,
            channel=ticket.channel,
            status=ticket.status,
            status_label=STATUS_LABELS[Status(ticket.status)],
            priority=ticket.priority,
            priority_label=Priority.LABELS[ticket.priority],
            subject=ticket.subject,
            description=ticket.description,
            waybill_number=ticket.waybill_number,
            scope=ticket.scope,
            customer=CustomerBrief(
                id=customer.pk,
                name=customer.name,
                salutation=customer.salutation,
                phone=phone_for(customer, user),
                vip_level=customer.vip_level,
                returning=is_returning(customer, before=ticket.created_at),
            )
            if customer
            else None,
            assignee=ticket.assignee.agent_no if ticket.assignee else None,
            department=ticket.department.name if ticket.department else None,
            escalated_to=str(ticket.escalated_to) if ticket.escalated_to else None,
            converted_from=ticket.converted_from.number if ticket.converted_from else None,
            converted_to=converted_to,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
            clocks=[ClockOut(**c) for c in clock_states(ticket)],
        )


class TicketRow(Schema):
    number: str
    brand: str
    type: str
    channel: str
    status: str
    priority: int
    subject: str
    customer: str | None
    assignee: str | None
    created_at: datetime
    cursor: str = Field(..., description="列表中的位置：作为 after 传入，接着列出它之后的工单")


class EventOut(Schema):
    id: int
    kind: str
    kind_label: str
    at: datetime
    actor: str | None
    changes: dict
    body: str
    data: dict

    @staticmethod
    def build(event: TicketEvent) -> "EventOut":
        return EventOut(
            id=event.pk,
            kind=event.kind,
            kind_label=event.get_kind_display(),
            at=event.at,
            actor=str(event.actor) if event.actor else None,
            changes=event.changes,
            body=event.body,
            data=event.data,
        )


class BreachOut(Schema):
    ticket: str
    brand: str
    type: str
    clock: str
    due_at: datetime
    breached_at: datetime
    assignee: str | None
