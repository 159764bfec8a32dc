from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动 kefu 服务 (ASGI: 网页、API 与 WebSocket)"

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="监听地址 (默认 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="端口 (默认 8000)")

    def handle(self, *args, host, port, **options):
        from daphne.cli import CommandLineInterface

        self.stdout.write(f"kefu 已启动：http://{host}:{port}/  (Ctrl+C 停止)")
        CommandLineInterface().run(["-b", host, "-p", str(port), "--proxy-headers", "kefu.asgi:application"])
