"""The idempotent sweeps every worker runs once a minute (a django-q2 schedule, kefu worker); many nodes may
run them at once: each is set-based and records what it does once."""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

SWEEPS = (
    "kefu.tickets.services.sla_sweep",  # record SLA breaches
    "kefu.express.services.pickup_sweep",  # tell customers whose pickup is late, once each
    "kefu.jobs.services.jobs_sweep",  # queue again the jobs whose worker died
    "kefu.chat.services.chat_silent_sweep",  # end the chats of visitors who never said anything
)
# run by every kefu worker's main process each second; each is cheap when there is nothing to do
EVERY_SECOND = (
    "kefu.chat.distribution.distribution_sweep",  # take back untaken work, give what waits
    "kefu.chat.presence.wrap_up_sweep",  # 话后处理 past its time: 就绪
)
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


def every_second_in_server() -> bool:
    """Where the second's sweeps run. What they do is seen through pushes (a pop on the desk of the agent given
    the work), and a push reaches only the sockets its channel layer reaches: with Redis any process's does, so
    kefu worker runs them; without it (the in-memory layer of the one server process) the server runs them
    itself (kefu.asgi), or the pops would be lost."""
    return not settings.REDIS_URL


async def every_second_loop() -> None:
    """The server's loop for the second's sweeps (on its event loop; their database work in Django's thread)."""
    import asyncio

    from channels.db import database_sync_to_async

    while True:
        await asyncio.sleep(1)
        await database_sync_to_async(every_second)()


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
