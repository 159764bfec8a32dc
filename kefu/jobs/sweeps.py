"""The idempotent sweeps every worker runs once a minute (a django-q2 schedule, kefu worker); many nodes may
run them at once: each is set-based and records what it does once."""

import logging

from django.utils.module_loading import import_string

SWEEPS = (
    "kefu.tickets.services.sla_sweep",  # record SLA breaches
    "kefu.express.services.pickup_sweep",  # tell customers whose pickup is late, once each
    "kefu.jobs.services.jobs_sweep",  # queue again the jobs whose worker died
)
SCHEDULE_NAME = "kefu 每分钟检测"
log = logging.getLogger("kefu.sweep")


def every_minute() -> None:
    for path in SWEEPS:
        sweep = import_string(path)
        try:
            sweep()
        except Exception:  # one failed round is logged; the next minute tries again
            log.exception("定时检测失败：%s", sweep.__name__)


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
