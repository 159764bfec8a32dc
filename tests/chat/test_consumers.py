"""The customer's WebSocket: the ack comes after the message is stored; a reconnect replays the conversation."""

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator


@pytest.mark.django_db(transaction=True)
def test_message_is_stored_before_the_ack_and_replayed_after_reconnect(cast, chat_start):
    from kefu.asgi import application
    from kefu.chat.models import ChatMessage

    session = chat_start(first=None, visitor_name="王先生")

    async def talk():
        ws = WebsocketCommunicator(application, f"/ws/chat/{session.token}/")
        connected, _ = await ws.connect()
        assert connected
        history = await ws.receive_json_from()
        assert history["type"] == "history" and "欧飞" in history["messages"][0]["body"]
        await ws.send_json_to({"type": "message", "client_id": "c-1", "body": "快件到哪了？"})
        ack = await ws.receive_json_from()  # the message as stored, with its number (no push of it follows)
        queued = await ws.receive_json_from()  # the first words put the chat in the queue: its place
        assert queued["type"] == "queue" and queued["position"] == 1
        assert await ws.receive_nothing(timeout=0.3)
        await ws.send_json_to({"type": "message", "client_id": "c-1", "body": "快件到哪了？"})  # a resend
        again = await ws.receive_json_from()
        await ws.disconnect()
        ws2 = WebsocketCommunicator(application, f"/ws/chat/{session.token}/")
        await ws2.connect()
        replay = await ws2.receive_json_from()
        await ws2.disconnect()
        return ack, again, replay

    ack, again, replay = async_to_sync(talk)()
    stored = ChatMessage.objects.get(session=session, client_id="c-1")
    assert ack["seq"] == stored.seq and again["seq"] == stored.seq
    assert ack["message"]["body"] == "快件到哪了？" and ack["message"]["at"]
    assert [m["body"] for m in replay["messages"]][-1] == "快件到哪了？"
    assert ChatMessage.objects.filter(session=session, sender="customer").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_agent_socket_opens_for_kefu_pages_only(cast, client):
    from kefu.asgi import application

    client.force_login(cast.agent_a)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()

    async def try_connect(origin):
        headers = [(b"origin", origin), (b"host", b"127.0.0.1"), (b"cookie", cookie)]
        ws = WebsocketCommunicator(application, "/ws/desk/", headers=headers)
        connected, _ = await ws.connect()
        await ws.disconnect()
        return connected

    assert async_to_sync(try_connect)(b"http://127.0.0.1:8000")
    assert not async_to_sync(try_connect)(b"http://evil.example")
