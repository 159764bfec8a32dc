"""The public chat's rate limits: starting (per address), messages and photos (per session) answer 429 in
Chinese (an error frame on the WebSocket, which stays open), write nothing, and open again when the window ends."""

import io
import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu import ratelimit, timeutil


@pytest.fixture
def limit(monkeypatch):
    """Set a door's limit for the test (the rulebook's are larger than a test wants to reach)."""
    from kefu.chat import rules

    def set_limit(scope, n, window=60):
        monkeypatch.setitem(rules.rulebook()["rate_limits"], scope, {"limit": n, "window_seconds": window})

    return set_limit


def _start(client, address="203.0.113.7"):
    return client.post(
        "/chat/oufei/start/",
        json.dumps({"name": "访客"}),
        content_type="application/json",
        REMOTE_ADDR=address,
    )


@pytest.mark.django_db
def test_starting_chats_from_one_address_is_limited_with_a_chinese_429(client, cast, ticket_types):
    from kefu.chat import rules
    from kefu.chat.models import ChatSession

    allowed = rules.setting("rate_limits")["start"]["limit"]
    assert all(_start(client).status_code == 200 for _ in range(allowed))
    refused = _start(client)
    assert refused.status_code == 429
    body = refused.json()
    # the wait is what is left of the window, which starts on kefu's clock: " 59 秒" or " 10 分钟"
    wait = ratelimit.wait_text(body["retry_after"])
    assert body["code"] == "rate_limited" and body["message"] == f"发起咨询过于频繁，请{wait}后再试"
    assert int(refused["Retry-After"]) == body["retry_after"] > 0
    assert ChatSession.objects.count() == allowed  # the refused one wrote nothing
    assert _start(client, address="198.51.100.2").status_code == 200  # another address is not held back
    timeutil.set_clock(timeutil.local_now() + timedelta(seconds=body["retry_after"]))
    assert _start(client).status_code == 200  # the next window


@pytest.mark.django_db
def test_photos_in_one_session_are_limited(client, cast, ticket_types, limit):
    from PIL import Image

    limit("upload", 2)
    token = _start(client).json()["token"]

    def photo():
        data = io.BytesIO()
        Image.new("RGB", (4, 4), "brown").save(data, "PNG")
        return SimpleUploadedFile("box.png", data.getvalue(), content_type="image/png")

    answers = [
        client.post(f"/chat/s/{token}/upload/", {"file": photo(), "client_id": f"img-{n}"}) for n in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert "上传图片过于频繁" in answers[-1].json()["message"]


@pytest.mark.django_db(transaction=True)
def test_messages_over_the_limit_get_an_error_frame_and_the_socket_stays_open(cast, chat_start, limit):
    from kefu.asgi import application
    from kefu.chat.models import ChatMessage

    limit("message", 3)
    session = chat_start(first=None, visitor_name="王先生")

    async def talk():
        ws = WebsocketCommunicator(application, f"/ws/chat/{session.token}/")
        assert (await ws.connect())[0]
        await ws.receive_json_from()  # history
        frames = []
        for n in range(4):
            await ws.send_json_to({"type": "message", "client_id": f"c-{n}", "body": f"第{n}条"})
            frame = await ws.receive_json_from()
            while frame["type"] not in ("ack", "error"):
                frame = await ws.receive_json_from()
            frames.append(frame)
        # the socket was not closed: once the window has passed, the next message is taken
        timeutil.set_clock(timeutil.local_now() + timedelta(seconds=frames[-1].get("retry_after", 60)))
        await ws.send_json_to({"type": "message", "client_id": "c-3", "body": "第3条"})
        frame = await ws.receive_json_from()
        while frame["type"] != "ack":
            frame = await ws.receive_json_from()
        frames.append(frame)
        await ws.disconnect()
        return frames

    frames = async_to_sync(talk)()
    assert [f["type"] for f in frames] == ["ack", "ack", "ack", "error", "ack"]
    refused = frames[3]
    assert (
        refused["code"] == "rate_limited" and refused["client_id"] == "c-3" and "太快" in refused["message"]
    )
    assert refused["retry_after"] > 0
    # c-3 was stored once: when it was sent again after the window
    assert ChatMessage.objects.filter(session=session, sender="customer").count() == 4
