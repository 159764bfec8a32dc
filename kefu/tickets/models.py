"""Tickets (工单), their append-only history, SLA clocks and intake idempotency."""

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, When

from kefu.standards import sla
from kefu.tickets.rules import DONE_RANK_OFFSET, DONE_STATUSES, STATUS_LABELS, Priority, Status
from kefu.timeutil import local_now


class TicketType(models.Model):
    """咨询, 订购, 查询, 投诉 …: extendable by data (admin), never by code."""

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=20, unique=True)
    base_priority = models.PositiveSmallIntegerField("基础优先级", choices=Priority.LABELS.items(), default=3)
    is_complaint = models.BooleanField("属于投诉", default=False)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "工单类型"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    PHONE = "phone", "电话"
    CHAT = "chat", "在线客服"
    EMAIL = "email", "邮件"
    WEB_FORM = "web_form", "网页表单"
    OUTBOUND = "outbound", "外呼"
    WALK_IN = "walk_in", "来访"


StatusChoices = models.TextChoices("StatusChoices", [(s.name, (s.value, STATUS_LABELS[s])) for s in Status])


class Scope(models.TextChoices):
    DOMESTIC = "domestic", "国内"
    HMT = "hmt", "港澳台"
    INTERNATIONAL = "international", "国际"


class Ticket(models.Model):
    number = models.CharField("工单号", max_length=30, unique=True)
    brand = models.ForeignKey(
        "brands.Brand", verbose_name="品牌", on_delete=models.PROTECT, related_name="tickets"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name="客户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    type = models.ForeignKey(TicketType, verbose_name="类型", on_delete=models.PROTECT)
    channel = models.CharField("渠道", max_length=20, choices=Channel.choices)
    status = models.CharField("状态", max_length=30, choices=StatusChoices.choices, default=Status.NEW.value)
    priority = models.PositiveSmallIntegerField(
        "优先级", choices=Priority.LABELS.items(), default=Priority.NORMAL
    )
    subject = models.CharField("主题", max_length=200)
    description = models.TextField("描述", blank=True)
    scope = models.CharField("寄递范围", max_length=20, choices=Scope.choices, default=Scope.DOMESTIC)
    waybill_number = models.CharField("运单号", max_length=40, blank=True, db_index=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tickets",
    )
    queue = models.ForeignKey(
        "accounts.Team", verbose_name="队列", null=True, blank=True, on_delete=models.PROTECT
    )
    department = models.ForeignKey(
        "accounts.Department", verbose_name="移交部门", null=True, blank=True, on_delete=models.PROTECT
    )
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="升级至",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalated_tickets",
    )
    converted_from = models.OneToOneField(
        "self",
        verbose_name="由此工单转为投诉",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="converted_to",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="创建人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", db_index=True)
    updated_at = models.DateTimeField("更新时间")
    resolved_at = models.DateTimeField("解决时间", null=True, blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    # The list's order (open first, most urgent first; rules.list_rank), computed and stored by the database
    # on every write whatever makes it (services, update(), an import), so that an index serves the list.
    list_rank = models.GeneratedField(
        expression=Case(
            When(status__in=sorted(s.value for s in DONE_STATUSES), then=F("priority") + DONE_RANK_OFFSET),
            default=F("priority"),
            output_field=models.PositiveSmallIntegerField(),
        ),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
        verbose_name="列表排序",
    )

    # The ticket list's order, newest first within a rank; the id makes it total (keyset pages).
    LIST_ORDER = ("list_rank", "-created_at", "-id")

    class Meta:
        verbose_name = verbose_name_plural = "工单"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["brand", "status", "priority", "created_at"]),
            # the list's first page and its keyset pages, as a whole, per brand, per status and per type
            models.Index(fields=["list_rank", "-created_at", "-id"], name="ticket_list_idx"),
            models.Index(fields=["brand", "list_rank", "-created_at", "-id"], name="ticket_brand_list_idx"),
            models.Index(fields=["status", "list_rank", "-created_at", "-id"], name="ticket_status_list_idx"),
            models.Index(fields=["type", "list_rank", "-created_at", "-id"], name="ticket_type_list_idx"),
            # a customer's tickets, newest first (the customer card, the timeline, new or returning)
            models.Index(fields=["customer", "-created_at"], name="ticket_customer_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="ticket_status_valid", condition=Q(status__in=[s.value for s in Status])
            ),
            models.CheckConstraint(
                name="ticket_priority_range", condition=Q(priority__gte=1, priority__lte=4)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"


class AppendOnlyError(Exception):
    pass


class TicketEvent(models.Model):
    """One change to a ticket. Rows are never updated or deleted (triggers enforce it in the database)."""

    class Kind(models.TextChoices):
        CREATED = "created", "创建"
        STATUS_CHANGED = "status_changed", "状态变更"
        REOPENED = "reopened", "重新打开"
        ASSIGNED = "assigned", "分派"
        QUEUED = "queued", "进入队列"
        HANDED_OFF = "handed_off", "移交部门"
        ESCALATED = "escalated", "升级主管"
        PRIORITY_CHANGED = "priority_changed", "优先级变更"
        FIELD_CHANGED = "field_changed", "信息修改"
        REPLY = "reply", "回复客户"
        CUSTOMER_MESSAGE = "customer_message", "客户留言"
        NOTE = "note", "内部备注"
        CONVERTED = "converted", "查询转投诉"
        SLA_STARTED = "sla_started", "时限开始"
        SLA_PAUSED = "sla_paused", "时限暂停"
        SLA_RESUMED = "sla_resumed", "时限恢复"
        SLA_MET = "sla_met", "时限达成"
        SLA_BREACHED = "sla_breached", "超时"
        SLA_REPLACED = "sla_replaced", "时限被取代"

    ticket = models.ForeignKey(Ticket, verbose_name="工单", on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("事件", max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT
    )
    at = models.DateTimeField("时间", db_index=True)
    changes = models.JSONField("变更", default=dict, blank=True, help_text='{"字段": ["旧值", "新值"]}')
    body = models.TextField("内容", blank=True)
    data = models.JSONField("附加信息", default=dict, blank=True)
    sla_clock = models.ForeignKey(
        "SlaClock",
        verbose_name="时限",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )

    class Meta:
        verbose_name = verbose_name_plural = "工单历史"
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sla_clock"], condition=Q(kind="sla_breached"), name="one_breach_event_per_clock"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("工单历史只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("工单历史只能追加，不能删除")


class SlaClock(models.Model):
    """One promised time on a ticket (answer within 30 min, reply within 3 working days …)."""

    ticket = models.ForeignKey(Ticket, verbose_name="工单", on_delete=models.PROTECT, related_name="clocks")
    code = models.CharField("目标", max_length=30)
    name = models.CharField("名称", max_length=50)
    clock = models.CharField(
        "计时方式", max_length=10, choices=[("calendar", "日历时间"), ("working", "工作时间")]
    )
    amount = models.PositiveIntegerField("时长")
    unit = models.CharField(
        "单位", max_length=10, choices=[("minutes", "分钟"), ("hours", "小时"), ("days", "天")]
    )
    source = models.CharField("依据", max_length=200, blank=True)
    started_at = models.DateTimeField("开始")
    due_at = models.DateTimeField("到期", db_index=True)
    paused_at = models.DateTimeField("暂停于", null=True, blank=True)
    met_at = models.DateTimeField("达成于", null=True, blank=True)
    breached_at = models.DateTimeField("超时于", null=True, blank=True)
    # a newer promise of the same kind took its place (one clock per promise): it no longer runs
    replaced_at = models.DateTimeField("被取代于", null=True, blank=True)
    breach_sweep = models.CharField("超时检测批次", max_length=40, blank=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "SLA 时限"
        ordering = ["due_at"]
        indexes = [models.Index(fields=["breached_at", "met_at", "paused_at", "due_at"])]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.name}"

    @property
    def target(self) -> sla.Target:
        """The rulebook's target this clock keeps (what a pause, a reopening or a countdown computes with)."""
        return sla.Target(
            code=self.code,
            name=self.name,
            amount=self.amount,
            unit=self.unit,
            clock=self.clock,
            source=self.source,
        )


class DailyCounter(models.Model):
    """Per-day sequence behind readable ticket numbers (KF-20261122-000123)."""

    day = models.DateField(unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class IdempotencyKey(models.Model):
    """A remembered intake request, so a retried request never creates a second ticket."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=local_now, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = "幂等请求"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")
        ]

    def __str__(self) -> str:
        return self.key
