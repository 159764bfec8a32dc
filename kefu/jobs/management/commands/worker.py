"""kefu worker: the processes that run durable jobs and the minute's sweeps (django-q2's cluster on kefu's
database), saying every few seconds that they live (readiness, /readyz/), and, with Redis, every second, the
sweeps that cannot wait a minute (work not taken in time goes to the next agent; without Redis the server runs
them: kefu.jobs.sweeps.every_second_in_server)."""

import os
import signal
import threading

from django.core.management.base import CommandError
from django.db import close_old_connections

from kefu.cliargs import EXIT_USAGE, integer
from kefu.command import KefuCommand, database_problem
from kefu.timeutil import local_now

BEAT_EVERY_S = 5  # seconds between two beats (the loop turns every second)


def _without_pool() -> None:
    """The cluster forks its processes, and a pool's connections (and its threads) do not survive a fork: shared
    by two processes, a connection's protocol falls out of step. A worker's processes connect for each job."""
    from django.db import connections

    for conn in connections.all():
        if conn.settings_dict["OPTIONS"].get("pool"):
            conn.close()
            conn.close_pool()
            del conn.settings_dict["OPTIONS"]["pool"]


class Command(KefuCommand):
    help = "运行后台任务 (导入、月结等) 与每分钟的超时检测；可在多个节点上同时运行"

    def add_arguments(self, parser):
        parser.add_argument(
            "--processes",
            type=integer(minimum=1, maximum=64),
            default=None,
            metavar="N",
            help="同时运行任务的进程数 (默认 KEFU_JOB_PROCESSES，未设置为 2)",
        )
        parser.add_argument("--once", action="store_true", help="运行完当前排队的任务后退出 (不启动常驻进程)")
        parser.add_argument(
            "--with-parent", action="store_true", help="启动它的进程 (kefu serve) 退出时随之退出"
        )

    def handle(self, *args, processes, once, with_parent, **options):
        from kefu.jobs import services, sweeps

        if problem := database_problem():
            raise CommandError(problem, returncode=EXIT_USAGE)
        if once:
            ran = services.jobs_run_queued()
            self.stdout.write(f"已运行 {ran} 个后台任务")
            return
        from django_q.cluster import Cluster
        from django_q.conf import Conf

        if processes:
            # django-q2 reads its settings once, at import; the option overrides them
            Conf.WORKERS = processes
            Conf.QUEUE_LIMIT = processes * 2
        sweeps.schedule_sweeps()
        name, started, parent = services.worker_name(), local_now(), os.getppid()
        cluster = Cluster()
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        _without_pool()
        close_old_connections()  # the cluster forks: no connection may be shared with its processes
        cluster.start()
        self.stdout.write(f"kefu 后台任务已启动：{Conf.WORKERS} 个进程 (Ctrl+C 停止)")
        try:
            tick = 0
            while cluster.sentinel.is_alive() and not stop.is_set():
                # kefu serve is gone (even killed): so is the worker it started
                if with_parent and os.getppid() != parent:
                    break
                if tick % BEAT_EVERY_S == 0:
                    services.worker_beat(name=name, processes=int(Conf.WORKERS), started_at=started)
                if not sweeps.every_second_in_server():
                    sweeps.every_second()
                close_old_connections()
                tick += 1
                stop.wait(1)
        finally:
            cluster.stop()
            services.worker_gone(name=name)
