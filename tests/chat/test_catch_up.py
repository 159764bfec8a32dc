"""Nothing acknowledged fails to reach the other side's screen: a push lost on its way (here on purpose, by a
layer that drops chosen pushes to one receiver) is made good from the stored messages by their numbers, and
every message is on the agent's and the customer's socket once, in order."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import override_settings

from tests.conftest import SUITE_CLOCK

pytestmark = pytest.mark.clock(SUITE_CLOCK)  # what arrives, not when


def _dropping(desk=(), customer=()) -> dict:
    return {
        "default": {
            "BACKEND": "tests.chat.layers.DroppingLayer",
            "CONFIG": {"drop": {"desk": list(desk), "customer": list(customer)}},
        }
    }


async def _until(ws, kind, passed=None):
    """The next frame of ``kind``; the frames before it are added to ``passed``."""
    frame = await ws.receive_json_from(timeout=5)
    while frame.get("type") != kind:
        if passed is not None:
            passed.append(frame)
        frame = await ws.receive_json_from(timeout=5)
    return frame


async def _drain(ws, quiet=0.5) -> list[dict]:
    """Every frame the socket has for us, until it has been quiet for ``quiet`` seconds."""
    frames = []
    while not await ws.receive_nothing(timeout=quiet):
        frames.append(await ws.receive_json_from(timeout=5))
    return frames


def _seqs(frames, session_id) -> list[int]:
    return [
        f["message"]["seq"] for f in frames if f.get("type") == "message" and f.get("session") == session_id
    ]


@pytest.fixture
def live_chat(cast, chat_start, ready, client):
    """A chat agent_a has taken, and the cookie of agent_a's desk."""
    from kefu.chat.models import Offer
    from kefu.chat.services import offer_claim

    session = chat_start(visitor_name="王先生")
    ready(cast.agent_a)
    offer_claim(offer_id=Offer.objects.get(session=session).pk, agent=cast.agent_a)
    client.force_login(cast.agent_a)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    headers = [(b"cookie", cookie), (b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]
    base = session.messages.order_by("-seq").first().seq  # the greeting and the agent's joining
    return session, headers, base


@pytest.mark.django_db(transaction=True)
def test_pushes_lost_on_their_way_to_either_side_are_made_good_in_order_once(cast, live_chat):
    from kefu.asgi import application
    from kefu.chat.models import ChatMessage
    from kefu.chat.services import chat_agent_reply

    session, headers, base = live_chat
    # customer messages are base+1 … base+5, the agent's replies base+6 … base+8
    lost_on_desk = [base + 2, base + 5]  # one in the middle, and the last one (no later push shows the hole)
    lost_on_page = [base + 6, base + 8]
    reply = database_sync_to_async(chat_agent_reply)

    async def talk():
        desk = WebsocketCommunicator(application, "/ws/desk/", headers=headers)
        assert (await desk.connect())[0]
        await desk.send_json_to({"type": "watch", "session": session.pk, "after": base})
        page = WebsocketCommunicator(application, f"/ws/chat/{session.token}/")
        assert (await page.connect())[0]
        history = await _until(page, "history")
        acks, page_frames = [], []
        for i in range(5):
            await page.send_json_to({"type": "message", "client_id": f"c-{i}", "body": f"第 {i + 1} 条"})
            ack = await _until(page, "ack", page_frames)
            page_frames.append(ack)
            acks.append(ack["seq"])
        for i in range(3):
            message, _ = await reply(
                session=session, agent=cast.agent_a, body=f"您好，第 {i + 1} 条回复", client_id=f"a-{i}"
            )
            acks.append(message.seq)
        desk_frames = await _drain(desk)
        page_frames += await _drain(page)
        # the pages' own check now and then: what was stored after the last number each has, in order
        await desk.send_json_to(
            {"type": "watch", "session": session.pk, "after": max(_seqs(desk_frames, session.pk))}
        )
        await page.send_json_to(
            {"type": "sync", "after": max(f["message"]["seq"] for f in page_frames if "message" in f)}
        )
        desk_frames += await _drain(desk)
        page_frames += await _drain(page)
        await desk.disconnect()
        await page.disconnect()
        return history, acks, desk_frames, page_frames

    with override_settings(CHANNEL_LAYERS=_dropping(desk=lost_on_desk, customer=lost_on_page)):
        history, acks, desk_frames, page_frames = async_to_sync(talk)()
        dropped = sorted(get_channel_layer().dropped)
    assert dropped == sorted([("desk", s) for s in lost_on_desk] + [("customer", s) for s in lost_on_page])

    stored = list(ChatMessage.objects.filter(session=session).order_by("seq").values_list("seq", "body"))
    assert acks == list(range(base + 1, base + 9))  # every one acknowledged …
    # … is on the agent's screen, once and in order, with what was stored
    desk_messages = [f["message"] for f in desk_frames if f.get("type") == "message"]
    assert [m["seq"] for m in desk_messages] == list(range(base + 1, base + 9))
    assert [(m["seq"], m["body"]) for m in desk_messages] == stored[base:]
    # … and on the customer's, after the history the page opened with: their own as acknowledged (no push of
    # them comes back), the agent's as pushed or made good
    assert [m["seq"] for m in history["messages"]] == list(range(1, base + 1))
    shown = [f["message"]["seq"] for f in page_frames if f["type"] in ("ack", "message")]
    assert shown == list(range(base + 1, base + 9))


@pytest.mark.django_db(transaction=True)
def test_a_desk_that_reconnects_gets_what_was_stored_while_it_was_away(cast, live_chat):
    from kefu.asgi import application
    from kefu.chat.services import chat_customer_message

    session, headers, base = live_chat

    async def talk():
        desk = WebsocketCommunicator(application, "/ws/desk/", headers=headers)
        assert (await desk.connect())[0]
        await desk.send_json_to({"type": "watch", "session": session.pk, "after": base})
        await database_sync_to_async(chat_customer_message)(session=session, client_id="c-1", body="在吗")
        first = await _drain(desk)
        await desk.disconnect()
        for i in (2, 3):  # written while no desk listens
            await database_sync_to_async(chat_customer_message)(
                session=session, client_id=f"c-{i}", body=f"{i}"
            )
        again = WebsocketCommunicator(application, "/ws/desk/", headers=headers)
        assert (await again.connect())[0]
        await again.send_json_to(
            {"type": "watch", "session": session.pk, "after": max(_seqs(first, session.pk))}
        )
        second = await _drain(again)
        await again.disconnect()
        return first, second

    first, second = async_to_sync(talk)()
    assert _seqs(first, session.pk) == [base + 1]
    assert _seqs(second, session.pk) == [base + 2, base + 3]
