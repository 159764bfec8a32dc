"""Durable jobs: work that outlives a request (imports, settlement, and what comes: notifications, webhooks,
report refreshes), each a row with a lease, and the workers that run them.

The row is the truth; django-q2 (README, "后台任务") carries the job's id to a worker process. A worker holds a
job by its lease and renews it while it works; a worker killed mid-job stops renewing, the lease runs out and
the sweep queues the job again (kefu.jobs.services.jobs_sweep). Every handler is written so that running it
again after an interruption does nothing twice (an import skips the rows it stored, a settlement replaces its
month in one transaction)."""

from datetime import timedelta

from django.conf import settings
from django.db import models

from kefu.timeutil import local_now


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField("任务类型", max_length=40)
    args = models.JSONField("参数", default=dict, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField("已运行次数", default=0)
    lease_until = models.DateTimeField(
        "租约到期", null=True, blank=True, help_text="运行它的进程在此之前续约"
    )
    worker = models.CharField("运行进程", max_length=100, blank=True)
    done = models.PositiveBigIntegerField("进度", default=0)
    total = models.PositiveBigIntegerField("总量", default=0)
    note = models.CharField("当前步骤", max_length=200, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    error = models.TextField("失败原因", blank=True)
    brand = models.ForeignKey(
        "brands.Brand", verbose_name="品牌", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间")
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "lease_until"], name="job_status_lease"),
            models.Index(fields=["kind", "brand", "-created_at"], name="job_kind_brand"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0

    @property
    def active(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}


class WorkerBeat(models.Model):
    """A `kefu worker` process says it is alive every few seconds; readiness reads the newest beat."""

    name = models.CharField("进程", max_length=100, unique=True, help_text="主机名:进程号")
    started_at = models.DateTimeField("启动时间")
    seen_at = models.DateTimeField("最近心跳", db_index=True)
    processes = models.PositiveSmallIntegerField("工作进程数", default=1)

    ALIVE_WITHIN = timedelta(seconds=30)

    class Meta:
        verbose_name = verbose_name_plural = "后台任务进程"
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def alive(self) -> bool:
        return local_now() - self.seen_at <= self.ALIVE_WITHIN
