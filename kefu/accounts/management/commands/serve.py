import threading

from django.core.management.base import BaseCommand


def _sweep_forever(every: int, stop: threading.Event) -> None:
    """Record SLA breaches while the server runs; the sweep is idempotent, so several nodes may run it."""
    from django.db import close_old_connections

    from kefu.tickets.services import sla_sweep

    while not stop.wait(every):
        try:
            sla_sweep()
        finally:
            close_old_connections()


class Command(BaseCommand):
    help = "启动 kefu 服务 (ASGI: 网页、API 与 WebSocket)，并每分钟检测一次 SLA 超时"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="监听地址 (默认 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="端口 (默认 8000)")
        parser.add_argument("--sweep-every", type=int, default=60, help="SLA 超时检测间隔秒数，0 表示不检测")

    def handle(self, *args, host, port, sweep_every, **options):
        from daphne.cli import CommandLineInterface

        stop = threading.Event()
        if sweep_every > 0:
            threading.Thread(
                target=_sweep_forever, args=(sweep_every, stop), daemon=True, name="sla-sweep"
            ).start()
        self.stdout.write(f"kefu 已启动：http://{host}:{port}/  (Ctrl+C 停止)")
        try:
            CommandLineInterface().run(
                ["-b", host, "-p", str(port), "--proxy-headers", "kefu.asgi:application"]
            )
        finally:
            stop.set()
