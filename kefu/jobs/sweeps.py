"""The idempotent sweeps every worker runs once a minute (a django-q2 schedule, kefu worker); many nodes may
run them at once: each is set-based and records what it does once."""

import logging

from django.utils.module_loading import import_string

SWEEPS = (
    "kefu.tickets.services.sla_sweep",  # record SLA breaches
    "kefu.express.services.pickup_sweep",  # tell customers whose pickup is late, once each
    "kefu.jobs.services.jobs_sweep",  # queue again the jobs whose worker died
)
# run by every kefu worker's main process each second; each is cheap when there is nothing to do
EVERY_SECOND = ("kefu.chat.distribution.distribution_sweep",)  # take back untaken work, give what waits
SCHEDULE_NAME = "kefu 每分钟检测"
log = logging.getLogger("kefu.sweep")


def _run(paths) -> None:
    for path in paths:
        sweep = import_string(path)
        try:
            sweep()
        except Exception:  # one failed round is logged; the next one tries again
            log.exception("定时检测失败：%s", sweep.__name__)


def every_minute() -> None:
    _run(SWEEPS)


def every_second() -> None:
    _run(EVERY_SECOND)


def schedule_sweeps() -> None:
    """The schedule row the workers' scheduler reads (one for every node; django-q2 runs it once a minute)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": "kefu.jobs.sweeps.every_minute",
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
