from django.urls import path

from kefu.chat import consumers

websocket_urlpatterns = [
    path("ws/chat/<uuid:token>/", consumers.CustomerChatConsumer.as_asgi()),
    path("ws/desk/", consumers.DeskConsumer.as_asgi()),
]
