import errno
import logging
import socket
import threading

from django.core.management.base import CommandError
from django.utils.module_loading import import_string

from kefu.cliargs import EXIT_USAGE, integer
from kefu.command import KefuCommand, database_problem
from kefu.timeutil import clock_setting

# Idempotent sweeps run every minute while the server runs; several nodes may run them at once.
SWEEPS = (
    "kefu.tickets.services.sla_sweep",  # record SLA breaches
    "kefu.express.services.pickup_sweep",  # tell customers whose pickup is late, once each
)
log = logging.getLogger("kefu.sweep")


def _sweep_forever(every: int, stop: threading.Event) -> None:
    from django.db import close_old_connections

    sweeps = [import_string(path) for path in SWEEPS]
    while not stop.wait(every):
        for sweep in sweeps:
            try:
                sweep()
            except Exception:  # one failed round is logged; the next minute tries again
                log.exception("定时检测失败：%s", sweep.__name__)
            finally:
                close_old_connections()


def _listen_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port, in Chinese; None when it can.

    Daphne reports this in English after kefu has said it started, and exits 1; asked first, the answer is one
    Chinese line. (Another process may still take the port in between; daphne then reports it.)"""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError):
        return f"无法识别的监听地址：{host}"
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Twisted listens
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"端口 {port} 已被占用（另一个 kefu serve 或其他程序正在使用），请换一个 --port"
            if exc.errno == errno.EACCES:
                return f"没有权限监听端口 {port}（1024 以下的端口需要管理员权限）"
            if exc.errno == errno.EADDRNOTAVAIL:
                return f"本机没有地址 {host}，无法在其上监听"
            return f"无法在 {host}:{port} 上监听：{exc.strerror or exc}"
    return None


class Command(KefuCommand):
    help = "启动 kefu 服务 (ASGI: 网页、API 与 WebSocket)，并每分钟检测 SLA 超时与取件超时"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", metavar="地址", help="监听地址 (默认 127.0.0.1)")
        parser.add_argument(
            "--port",
            type=integer(minimum=1, maximum=65535),
            default=8000,
            metavar="端口",
            help="端口 (默认 8000)",
        )
        parser.add_argument(
            "--sweep-every",
            type=integer(minimum=0),
            default=60,
            metavar="秒",
            help="SLA 与取件超时检测间隔秒数 (默认 60)，0 表示不检测",
        )

    def handle(self, *args, host, port, sweep_every, **options):
        from daphne.cli import CommandLineInterface

        from kefu.standards.compliance import intent

        # Every page needs the tables: say so now rather than answer each request with a server error.
        if problem := database_problem():
            raise CommandError(problem, returncode=EXIT_USAGE)
        if problem := _listen_problem(host, port):
            raise CommandError(problem, returncode=EXIT_USAGE)
        self.check()  # Django's system checks: warnings printed, errors stop the server
        stop = threading.Event()
        if sweep_every > 0:
            threading.Thread(
                target=_sweep_forever, args=(sweep_every, stop), daemon=True, name="sweeps"
            ).start()
        # The standards gate's intent model is loaded (or trained) before the first request, so no agent's first
        # reply waits for it (1–2 s from the cache; a few seconds to train on a new rulebook).
        intent.model()
        self.stdout.write(f"kefu 已启动：http://{host}:{port}/  (Ctrl+C 停止)")
        if setting := clock_setting():
            self.stdout.write(f"时钟已设定 (KEFU_NOW)：从 {setting} 起走，仅供测试与演示")
        try:
            CommandLineInterface().run(
                ["-b", host, "-p", str(port), "--proxy-headers", "kefu.asgi:application"]
            )
        finally:
            stop.set()
