from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from kefu.chat import consumers

websocket_urlpatterns = [
    # The customer page may be embedded in a brand's own site, so any origin; the session token authorises.
    path("ws/chat/<uuid:token>/", consumers.CustomerChatConsumer.as_asgi()),
    # Agents' sockets carry their login cookie: only pages served by kefu itself may open them.
    path("ws/desk/", AllowedHostsOriginValidator(consumers.DeskConsumer.as_asgi())),
]
