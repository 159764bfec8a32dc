"""Quality check (质检): the score sheet of each finished conversation, and every review and appeal of it."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class AppendOnlyError(Exception):
    pass


class ScoreSheet(models.Model):
    """One scored conversation (a chat today; email and calls as they arrive), linked to its ticket.

    `sheet` is the engine's score sheet (kefu.standards.qa) with the deductions as they stand after any
    review; `total` and `passed` follow it. What changed, who changed it and why is in `events`.
    """

    class Appeal(models.TextChoices):
        NONE = "none", "未申诉"
        PENDING = "pending", "申诉中"
        ANSWERED = "answered", "申诉已答复"

    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name="工单", on_delete=models.PROTECT, related_name="score_sheets"
    )
    chat = models.OneToOneField(
        "chat.ChatSession",
        verbose_name="在线会话",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="score_sheet",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="被质检坐席",
        on_delete=models.PROTECT,
        related_name="score_sheets",
        help_text="接待这次对话的坐席；只有他本人可以申诉",
    )
    channel = models.CharField("渠道", max_length=20)
    profile = models.CharField("服务规范", max_length=30)
    transcript = models.JSONField("对话记录", default=dict, blank=True, help_text="评分时的对话（质检格式）")
    sheet = models.JSONField("评分表", help_text="各评分项及其当前扣分")
    total = models.PositiveSmallIntegerField("得分")
    max_score = models.PositiveSmallIntegerField("满分")
    pass_score = models.PositiveSmallIntegerField("合格线")
    passed = models.BooleanField("合格")
    scored_at = models.DateTimeField("评分时间", db_index=True)
    reviewed_at = models.DateTimeField("最近复核时间", null=True, blank=True)
    appeal = models.CharField("申诉", max_length=10, choices=Appeal.choices, default=Appeal.NONE)

    class Meta:
        verbose_name = verbose_name_plural = "质检评分表"
        ordering = ["-scored_at", "-id"]
        indexes = [models.Index(fields=["passed", "scored_at"]), models.Index(fields=["appeal", "scored_at"])]
        constraints = [
            models.CheckConstraint(
                name="score_sheet_total_in_range", condition=Q(total__lte=models.F("max_score"))
            ),
            models.CheckConstraint(
                name="score_sheet_appeal_valid", condition=Q(appeal__in=["none", "pending", "answered"])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} · {self.total} 分"

    @property
    def items(self) -> list[dict]:
        return list(self.sheet.get("items", []))


class ScoreSheetEvent(models.Model):
    """One thing that happened to a score sheet: scored, a deduction reviewed, the appeal and its answer.

    Rows are never changed or deleted; the agent appeals once and the appeal is answered once (database
    constraints)."""

    class Kind(models.TextChoices):
        SCORED = "scored", "自动评分"
        REVIEWED = "reviewed", "主管复核"
        APPEALED = "appealed", "坐席申诉"
        APPEAL_ANSWERED = "appeal_answered", "申诉答复"

    sheet = models.ForeignKey(
        ScoreSheet, verbose_name="评分表", on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField("事件", max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True, on_delete=models.PROTECT
    )
    at = models.DateTimeField("时间")
    item = models.PositiveSmallIntegerField("评分项序号", null=True, blank=True)
    criterion = models.CharField("评分项", max_length=40, blank=True)
    old_deduction = models.PositiveSmallIntegerField("原扣分", null=True, blank=True)
    new_deduction = models.PositiveSmallIntegerField("新扣分", null=True, blank=True)
    old_total = models.PositiveSmallIntegerField("原得分", null=True, blank=True)
    new_total = models.PositiveSmallIntegerField("新得分", null=True, blank=True)
    reason = models.TextField("理由", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "质检记录"
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sheet"], condition=Q(kind="appealed"), name="one_appeal_per_sheet"
            ),
            models.UniqueConstraint(
                fields=["sheet"], condition=Q(kind="appeal_answered"), name="one_appeal_answer_per_sheet"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sheet_id} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("质检记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("质检记录只能追加，不能删除")
