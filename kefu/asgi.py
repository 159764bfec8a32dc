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

application = ProtocolTypeRouter(
    {
        "http": django_asgi,
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)
