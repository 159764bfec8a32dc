from django.urls import path, re_path

from kefu.chat import consumers
from kefu.chat.origins import SameOriginValidator

websocket_urlpatterns = [
    # The customer page may be embedded in a brand's own site, so any origin; the session token authorises.
    path("ws/chat/<uuid:token>/", consumers.CustomerChatConsumer.as_asgi()),
    # Agents' sockets carry their login cookie: only pages served by kefu itself may open them.
    path("ws/desk/", SameOriginValidator(consumers.DeskConsumer.as_asgi())),
    # Any other path (/ws/chat/4/ included) is refused cleanly instead of failing in the router.
    re_path(r"", consumers.RefusedConsumer.as_asgi()),
]
