"""kefu serve: the web server (pages, API and WebSockets through uvicorn, several worker processes with
--workers) and, unless --no-worker, one `kefu worker` beside it, so that the two-command set-up runs jobs and
the minute's sweeps too."""

import errno
import os
import socket
import subprocess
import sys

from django.core.management.base import CommandError

from kefu.cliargs import EXIT_USAGE, integer
from kefu.command import KefuCommand, database_problem
from kefu.timeutil import clock_setting


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
    help = "启动 kefu 服务 (ASGI: 网页、API 与 WebSocket)，并在旁边启动一个后台任务进程 (导入、月结、每分钟的超时检测)"

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
            "--workers",
            type=integer(minimum=1, maximum=64),
            default=1,
            metavar="N",
            help="网页服务进程数 (默认 1；生产环境可设为 CPU 核数，需 PostgreSQL 与 Redis)",
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="不在旁边启动后台任务进程 (已用 kefu worker 单独运行时)",
        )

    def handle(self, *args, host, port, workers, no_worker, **options):
        import uvicorn
        from django.conf import settings

        # Every page needs the tables: say so now rather than answer each request with a server error.
        if problem := database_problem():
            raise CommandError(problem, returncode=EXIT_USAGE)
        if problem := _listen_problem(host, port):
            raise CommandError(problem, returncode=EXIT_USAGE)
        if workers > 1 and not settings.REDIS_URL:
            raise CommandError(
                "多个服务进程需要 Redis 传递实时消息：请设置 KEFU_REDIS_URL（见 docs/OPERATIONS.md）",
                returncode=EXIT_USAGE,
            )
        self.check()  # Django's system checks: warnings printed, errors stop the server
        # The standards gate's intent model is loaded (or trained) before the first request, so no agent's first
        # reply waits for it: here for one process, in kefu.asgi for each of several.
        os.environ["KEFU_PRELOAD"] = "1"
        worker = (
            None
            if no_worker
            else subprocess.Popen([sys.executable, "-m", "kefu.cli", "worker", "--with-parent"])
        )
        self.stdout.write(f"kefu 已启动：http://{host}:{port}/  (Ctrl+C 停止)")
        if setting := clock_setting():
            self.stdout.write(f"时钟已设定 (KEFU_NOW)：从 {setting} 起走，仅供测试与演示")
        try:
            uvicorn.run(
                "kefu.asgi:application",
                host=host,
                port=port,
                workers=workers,
                proxy_headers=True,
                log_level="warning",
                lifespan="on",  # kefu.asgi: the process's own background work
                ws_max_size=4 * 1024 * 1024,
                timeout_graceful_shutdown=10,
            )
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
