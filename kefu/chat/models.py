"""Live chat (在线客服), the work offered to agents, and every agent status change (签入/就绪/小休 …)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from kefu.chat.rules import STATE_LABELS, AgentState

AgentStateChoices = models.TextChoices(
    "AgentStateChoices", [(s.name, (s.value, STATE_LABELS[s])) for s in AgentState]
)


class AgentStatus(models.Model):
    """One period in one status. The open row (ended_at empty) is the agent's current status.

    Attendance and occupancy figures are sums over these rows (000 日常规 1 出勤, 3.6 离开座位请将系统处于休息状态).
    """

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="坐席", on_delete=models.PROTECT, related_name="status_log"
    )
    status = models.CharField("状态", max_length=20, choices=AgentStateChoices.choices)
    started_at = models.DateTimeField("开始时间", db_index=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    # 话后处理 ends by itself at this time (the team's wrap-up time, extended by the agent): kefu.chat.presence
    until = models.DateTimeField("自动结束于", null=True, blank=True)
    reason = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "坐席状态记录"
        ordering = ["-started_at", "-id"]
        # an agent's log newest first, and the status an agent was in when a day began (attendance)
        indexes = [models.Index(fields=["agent", "started_at", "id"], name="agent_status_agent_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["agent"], condition=Q(ended_at__isnull=True), name="one_open_status_per_agent"
            ),
            models.CheckConstraint(
                name="agent_status_valid", condition=Q(status__in=[s.value for s in AgentState])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent} {self.get_status_display()}"


LIVE_STATES = ["waiting", "active"]  # ChatSession.State.WAITING, ACTIVE: the sessions not ended


class ChatSession(models.Model):
    """One conversation of a customer on a brand's chat page; it is also a ticket of channel 在线客服."""

    class State(models.TextChoices):
        WAITING = "waiting", "排队中"
        ACTIVE = "active", "进行中"
        ENDED = "ended", "已结束"

    token = models.UUIDField("访问凭证", default=uuid.uuid4, unique=True, editable=False)
    brand = models.ForeignKey(
        "brands.Brand", verbose_name="品牌", on_delete=models.PROTECT, related_name="chats"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name="客户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chats",
    )
    visitor_name = models.CharField("访客称呼", max_length=50, blank=True)
    visitor_phone = models.CharField(
        "访客自报电话",
        max_length=20,
        blank=True,
        help_text="访客在聊天页自己填写的电话，未经验证，不据此关联客户资料",
    )
    # opened by the customer's first message (kefu.chat.services._open_ticket): a silent visit has none
    ticket = models.OneToOneField(
        "tickets.Ticket",
        verbose_name="工单",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chat",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="坐席",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="chats",
    )
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.WAITING)
    started_at = models.DateTimeField("开始时间", db_index=True)
    accepted_at = models.DateTimeField("接起时间", null=True, blank=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    message_left_at = models.DateTimeField(
        "留言时间", null=True, blank=True, help_text="客户没有等到接入而留言：会话结束，工单留在队列中"
    )
    customer_read_seq = models.PositiveIntegerField("客户已读至", default=0)
    agent_read_seq = models.PositiveIntegerField("坐席已读至", default=0)
    rating = models.PositiveSmallIntegerField("满意度", null=True, blank=True)
    rating_comment = models.CharField("评价内容", max_length=500, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "在线会话"
        ordering = ["-started_at"]
        indexes = [
            # the live sessions (waiting, active) of the supervisor board, oldest first: a small index of the few
            # live rows among every chat there ever was (a query says state IN ('waiting', 'active') to use it)
            models.Index(
                fields=["started_at"], name="chat_session_live_idx", condition=Q(state__in=LIVE_STATES)
            ),
            # a customer's chats newest first (card, timeline, last rating)
            models.Index(fields=["customer", "-started_at"], name="chat_session_customer_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="chat_rating_range", condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand} · {self.visitor_name or '访客'} · {self.get_state_display()}"


class ChatMessage(models.Model):
    """One message, stored before the sender is told it arrived. (session, client_id) makes a resend idempotent."""

    class Sender(models.TextChoices):
        CUSTOMER = "customer", "客户"
        AGENT = "agent", "坐席"
        SYSTEM = "system", "系统"

    session = models.ForeignKey(
        ChatSession, verbose_name="会话", on_delete=models.PROTECT, related_name="messages"
    )
    seq = models.PositiveIntegerField("序号")
    client_id = models.CharField("客户端编号", max_length=64)
    sender = models.CharField("发送方", max_length=10, choices=Sender.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="坐席", null=True, blank=True, on_delete=models.PROTECT
    )
    body = models.TextField("内容", blank=True)
    attachment = models.FileField("图片", upload_to="chat/%Y/%m/", blank=True)
    violations = models.JSONField("忌语检查", default=list, blank=True)
    override_reason = models.CharField("越过提示的理由", max_length=200, blank=True)
    created_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = verbose_name_plural = "会话消息"
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "client_id"], name="chat_message_once_per_client_id"),
            models.UniqueConstraint(fields=["session", "seq"], name="chat_message_seq_unique"),
        ]
        # a session's last agent reply and the customer's messages after it (the board's wait, the scripts)
        indexes = [models.Index(fields=["session", "sender", "seq"], name="chat_message_sender_idx")]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seq} {self.get_sender_display()}"


class Offer(models.Model):
    """A piece of work offered to the 就绪 agents of a brand: a new chat or a queued ticket.

    Exactly one agent claims it: the claim is a conditional UPDATE on an unclaimed row.
    """

    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name="工单", on_delete=models.PROTECT, related_name="offers"
    )
    session = models.ForeignKey(
        ChatSession,
        verbose_name="会话",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="offers",
    )
    brand = models.ForeignKey("brands.Brand", verbose_name="品牌", on_delete=models.PROTECT)
    priority = models.PositiveSmallIntegerField("优先级", default=3)
    created_at = models.DateTimeField("进入队列时间", db_index=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="接起人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claimed_offers",
    )
    claimed_at = models.DateTimeField("接起时间", null=True, blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    # kefu.chat.distribution: the agent it is assigned to now, waiting for them to take it until accept_by
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="分配给",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_offers",
    )
    accept_by = models.DateTimeField("接起截止", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "待接任务"
        ordering = ["priority", "created_at"]
        indexes = [models.Index(fields=["brand", "claimed_by", "priority", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(claimed_by__isnull=True, withdrawn_at__isnull=True),
                name="one_open_offer_per_ticket",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.claimed_by or '待接'}"


class OfferAssignment(models.Model):
    """Every time the distribution gives offered work to an agent, and how it ended: taken, not taken in
    time (it goes to the next agent), or gone (the customer left, a supervisor moved it)."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "待接起"
        ACCEPTED = "accepted", "已接起"
        EXPIRED = "expired", "超时未接"
        WITHDRAWN = "withdrawn", "已撤回"

    offer = models.ForeignKey(
        Offer, verbose_name="待接任务", on_delete=models.CASCADE, related_name="assignments"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="坐席",
        on_delete=models.PROTECT,
        related_name="offer_assignments",
    )
    assigned_at = models.DateTimeField("分配时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="手工分配人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="主管手工分配时是谁；空表示系统自动分配",
    )

    class Meta:
        verbose_name = verbose_name_plural = "任务分配记录"
        ordering = ["-assigned_at", "-id"]
        # an agent's last assignment (who has been idle longest)
        indexes = [models.Index(fields=["agent", "-assigned_at"], name="offer_assignment_agent_idx")]
        constraints = [
            # a piece of work waits for one agent at a time
            models.UniqueConstraint(
                fields=["offer"], condition=Q(outcome="pending"), name="one_pending_assignment_per_offer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer_id} → {self.agent} {self.get_outcome_display()}"
