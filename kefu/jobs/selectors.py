from datetime import datetime, timedelta

from kefu.accounts import access
from kefu.jobs.models import Job, WorkerBeat
from kefu.timeutil import local_now


def workers_alive(*, at: datetime | None = None) -> int:
    """How many `kefu worker` processes have said they live within the last half minute."""
    return WorkerBeat.objects.filter(seen_at__gte=local_now(at) - WorkerBeat.ALIVE_WITHIN).count()


def jobs_of(user, *, kind: str, brand) -> list[Job]:
    """The brand's jobs of a kind that are still running or ended badly in the last day, newest first."""
    access.require_brand(user, brand)
    recent = local_now() - timedelta(days=1)
    return list(
        Job.objects.filter(kind=kind, brand=brand, created_at__gte=recent)
        .exclude(status=Job.Status.DONE)
        .order_by("-created_at")[:10]
    )
