"""Realtime pushes, sent only after the transaction commits (a rolled-back write is never announced)."""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def chat_group(session_id: int) -> str:
    return f"chat.{session_id}"


def brand_group(brand_id: int) -> str:
    return f"brand.{brand_id}"


def agent_group(user_id: int) -> str:
    return f"agent.{user_id}"


SUPERVISORS = "supervisors"


def push(group: str, event_type: str, payload: dict) -> None:
    def send() -> None:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group, {"type": event_type, "payload": payload})

    transaction.on_commit(send)
