"""Every write to jobs: queue one, run one under its lease, sweep the ones whose worker died, say a worker lives.

A job is queued in the caller's transaction, together with the message that carries it to a worker (django-q2's
database broker writes to the same database), so a job is never committed without its message nor the other
way round. Running is a compare-and-set on the row: whoever sets ``running`` with a fresh lease runs it; a second
message for the same job (the sweep's, or the broker's own redelivery) finds it taken and does nothing."""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django_q.tasks import async_task

from kefu.errors import ServiceError
from kefu.jobs import registry
from kefu.jobs.models import Job, WorkerBeat
from kefu.timeutil import local_now

log = logging.getLogger("kefu.jobs")
PROGRESS_EVERY_S = 0.5
# a queued job nobody has taken for this long gets its message again (a broker purged, a message lost)
QUEUED_RESEND_AFTER = timedelta(minutes=5)


def lease() -> timedelta:
    return timedelta(seconds=settings.JOB_LEASE_SECONDS)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class LeaseLost(Exception):
    """Another worker took the job over after this one's lease ran out: this one stops without writing."""


def job_enqueue(
    *,
    kind: str,
    args: dict[str, Any] | None = None,
    brand=None,
    actor=None,
    at: datetime | None = None,
) -> Job:
    registry.kind_of(kind)
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind, args=args or {}, brand=brand, created_by=actor, created_at=local_now(at)
        )
        _send(job)
    return job


def _send(job: Job) -> None:
    async_task("kefu.jobs.services.job_run", job.pk, task_name=f"{job.kind}#{job.pk}")


class Progress:
    """What a handler reports while it works; every write also renews the job's lease."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.last = 0.0

    def __call__(
        self,
        *,
        done: int | None = None,
        total: int | None = None,
        note: str | None = None,
        force: bool = False,
    ) -> None:
        if not force and time.monotonic() - self.last < PROGRESS_EVERY_S:
            return
        self.last = time.monotonic()
        fields: dict[str, Any] = {"lease_until": local_now() + lease()}
        for name, value in (("done", done), ("total", total), ("note", note)):
            if value is not None:
                fields[name] = value
                setattr(self.job, name, value)
        if not _held(self.job).update(**fields):
            raise LeaseLost(self.job.pk)


def _held(job: Job):
    """The job's row while this run still holds it (the same attempt, still running)."""
    return Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, attempts=job.attempts)


def job_run(job_id: int) -> Job | None:
    """Run a queued job, or one whose lease has run out; None when another run holds it or it has ended.
    Returns the job as it is after this run (another run may have taken it over meanwhile)."""
    now = local_now()
    claimed = (
        Job.objects.filter(pk=job_id)
        .filter(Q(status=Job.Status.QUEUED) | Q(status=Job.Status.RUNNING, lease_until__lt=now))
        .update(
            status=Job.Status.RUNNING,
            lease_until=now + lease(),
            attempts=F("attempts") + 1,
            worker=worker_name(),
            started_at=now,
        )
    )
    if not claimed:
        return None
    job = Job.objects.get(pk=job_id)
    if job.attempts > settings.JOB_MAX_ATTEMPTS:
        _end(
            job,
            Job.Status.FAILED,
            error=f"任务运行了 {job.attempts - 1} 次都中断了，已停止；请检查后重新发起",
        )
    else:
        _handle(job)
    job.refresh_from_db()
    return job


def _handle(job: Job) -> None:
    try:
        result = registry.kind_of(job.kind).handler(job, Progress(job)) or {}
    except LeaseLost:  # another worker took it over after this one's lease ran out; it writes the end
        log.warning("任务 %s 已由另一进程接手", job)
    except ServiceError as exc:
        _end(job, Job.Status.FAILED, error=exc.message)
    except Exception as exc:  # recorded on the job, never lost silently
        log.exception("任务失败：%s", job)
        _end(job, Job.Status.FAILED, error=f"任务出错（{type(exc).__name__}: {exc}）")
    else:
        _end(job, Job.Status.DONE, result=result)


def _end(job: Job, status: str, *, error: str = "", result: dict | None = None) -> None:
    fields: dict[str, Any] = {"status": status, "finished_at": local_now(), "lease_until": None}
    if error:
        fields["error"] = error[:2000]
    if result is not None:
        fields["result"] = result
    if status == Job.Status.DONE:
        fields["done"] = F("total")
    _held(job).update(**fields)


def jobs_run_queued(*, limit: int = 100) -> int:
    """Run the queued jobs (and those whose lease ran out) here, oldest first: `kefu worker --once` and tests."""
    now = local_now()
    ids = list(
        Job.objects.filter(Q(status=Job.Status.QUEUED) | Q(status=Job.Status.RUNNING, lease_until__lt=now))
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(job_run(pk) is not None for pk in ids)


def jobs_sweep(*, at: datetime | None = None) -> int:
    """Queue again every job whose worker stopped renewing its lease (killed, its node gone), and every job left
    queued too long; idempotent, safe on many nodes at once (running stays a compare-and-set)."""
    now = local_now(at)
    stale = list(
        Job.objects.filter(
            Q(status=Job.Status.RUNNING, lease_until__lt=now)
            | Q(status=Job.Status.QUEUED, created_at__lt=now - QUEUED_RESEND_AFTER)
        ).only("pk", "kind")
    )
    with transaction.atomic():  # the broker closes a connection used outside a transaction
        for job in stale:
            _send(job)
    return len(stale)


def worker_beat(*, name: str, processes: int, started_at: datetime, at: datetime | None = None) -> None:
    WorkerBeat.objects.update_or_create(
        name=name, defaults={"seen_at": local_now(at), "processes": processes, "started_at": started_at}
    )


def worker_gone(*, name: str) -> None:
    WorkerBeat.objects.filter(name=name).delete()
