"""ASGI entry point: Django for HTTP, Channels for the chat and screen-pop WebSockets."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")
django_asgi = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from kefu.chat.routing import websocket_urlpatterns  # noqa: E402

# a served process (kefu serve): the standards gate's model is ready before the first request
if os.environ.get("KEFU_PRELOAD"):
    from kefu.standards.compliance import intent

    intent.model()

router = ProtocolTypeRouter(
    {
        "http": django_asgi,
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)


async def application(scope, receive, send):
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
    else:
        await router(scope, receive, send)


async def _lifespan(receive, send) -> None:
    """The server process's own background work, started and stopped with it: the second's sweeps when this
    process's sockets are the only ones their pops can reach (kefu.jobs.sweeps.every_second_in_server)."""
    import asyncio

    from kefu.jobs import sweeps

    task = None
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            if sweeps.every_second_in_server():
                task = asyncio.create_task(sweeps.every_second_loop())
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if task is not None:
                task.cancel()
            await send({"type": "lifespan.shutdown.complete"})
            return
