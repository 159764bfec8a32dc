"""Bad input on the WebSockets: a frame that is not what kefu expects is answered with an error frame in Chinese,
the socket stays open and nothing is logged as a traceback; an unknown socket path is refused cleanly; the
agent's socket opens only for kefu's own origin (scheme, host and port)."""

import logging

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from tests.conftest import SUITE_CLOCK

# What a socket does with bad frames, not when: pinned to the suite's moment, so the clock reruns of `make test` skip it.
pytestmark = pytest.mark.clock(SUITE_CLOCK)

BAD_FRAMES = [
    pytest.param({"text_data": "not json"}, id="not-json"),
    pytest.param({"text_data": "[1, 2]"}, id="a-list"),
    pytest.param({"text_data": '"message"'}, id="a-string"),
    pytest.param({"bytes_data": b"\x00\x01"}, id="binary"),
    pytest.param({"text_data": '{"type": "read", "seq": "abc"}'}, id="seq-not-a-number"),
    pytest.param({"text_data": '{"type": "read", "seq": [1]}'}, id="seq-a-list"),
    pytest.param({"text_data": '{"type": "dance"}'}, id="unknown-type"),
    # a NUL cannot be stored on PostgreSQL (kefu.cleantext): refused before it reaches a service
    pytest.param(
        {"text_data": '{"type": "message", "client_id": "c-0", "body": "a\\u0000b"}'}, id="nul-in-a-message"
    ),
]
# the agent's socket names the session it means
BAD_DESK_FRAMES = [
    *BAD_FRAMES,
    pytest.param({"text_data": '{"type": "read", "session": "x", "seq": 1}'}, id="session-not-a-number"),
    pytest.param({"text_data": '{"type": "watch", "session": {"pk": 1}}'}, id="session-an-object"),
    pytest.param({"text_data": '{"type": "watch"}'}, id="no-session"),
]


async def _next(ws, kind):
    frame = await ws.receive_json_from(timeout=5)
    while frame.get("type") != kind:
        frame = await ws.receive_json_from(timeout=5)
    return frame


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("frame", BAD_FRAMES)
def test_a_bad_frame_on_the_customer_socket_gets_an_error_and_the_chat_goes_on(
    cast, chat_start, frame, caplog
):
    from kefu.asgi import application

    session = chat_start(visitor_name="王先生")

    async def talk():
        ws = WebsocketCommunicator(application, f"/ws/chat/{session.token}/")
        assert (await ws.connect())[0]
        await _next(ws, "history")
        await ws.send_to(**frame)
        error = await _next(ws, "error")
        await ws.send_json_to({"type": "message", "client_id": "c-1", "body": "还在吗？"})
        ack = await _next(ws, "ack")
        await ws.disconnect()
        return error, ack

    with caplog.at_level(logging.WARNING):
        error, ack = async_to_sync(talk)()
    assert _is_chinese(error["message"]) and ack["client_id"] == "c-1"
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.fixture
def desk_headers(cast, client):
    client.force_login(cast.agent_a)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()

    def headers(origin=b"http://127.0.0.1:8000", host=b"127.0.0.1:8000"):
        out = [(b"cookie", cookie)]
        if origin is not None:
            out.append((b"origin", origin))
        return [*out, (b"host", host)]

    return headers


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("frame", BAD_DESK_FRAMES)
def test_a_bad_frame_on_the_agent_socket_gets_an_error_and_the_socket_stays_open(
    cast, chat_start, desk_headers, frame, caplog
):
    from kefu.asgi import application

    session = chat_start(visitor_name="王先生")

    async def talk():
        ws = WebsocketCommunicator(application, "/ws/desk/", headers=desk_headers())
        assert (await ws.connect())[0]
        await ws.send_to(**frame)
        error = await _next(ws, "error")
        await ws.send_json_to({"type": "watch", "session": session.pk})  # still listening
        replayed = await _next(ws, "message")
        await ws.disconnect()
        return error, replayed

    with caplog.at_level(logging.WARNING):
        error, replayed = async_to_sync(talk)()
    assert _is_chinese(error["message"]) and replayed["session"] == session.pk
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.django_db(transaction=True)
def test_an_oversized_message_is_refused_beside_it_and_the_socket_stays_open(cast, chat_start):
    from kefu.asgi import application
    from kefu.chat.consumers import MAX_FRAME
    from kefu.chat.models import ChatMessage
    from kefu.chat.services import MAX_BODY

    session = chat_start(first=None, visitor_name="王先生")

    async def talk():
        ws = WebsocketCommunicator(application, f"/ws/chat/{session.token}/")
        assert (await ws.connect())[0]
        await _next(ws, "history")
        await ws.send_json_to({"type": "message", "client_id": "long-1", "body": "长" * 3000})
        too_long = await _next(ws, "error")
        await ws.send_json_to({"type": "message", "client_id": "huge-1", "body": "x" * (MAX_FRAME + 1)})
        huge = await _next(ws, "error")
        await ws.send_json_to({"type": "message", "client_id": "c-1", "body": "好的"})
        ack = await _next(ws, "ack")
        await ws.disconnect()
        return too_long, huge, ack

    too_long, huge, ack = async_to_sync(talk)()
    assert too_long["client_id"] == "long-1" and str(MAX_BODY) in too_long["message"]
    assert huge["client_id"] == "huge-1" and huge["code"] == "too_large" and str(MAX_BODY) in huge["message"]
    assert ack["client_id"] == "c-1"
    assert list(
        ChatMessage.objects.filter(session=session, sender="customer").values_list("client_id", flat=True)
    ) == ["c-1"]


@pytest.mark.django_db(transaction=True)
def test_a_database_that_cannot_answer_in_time_leaves_the_socket_open_and_the_message_to_be_resent(
    cast, chat_start, monkeypatch
):
    from psycopg_pool import PoolTimeout

    from kefu.asgi import application
    from kefu.chat import services
    from kefu.chat.models import ChatMessage

    session = chat_start(visitor_name="王先生")
    store = services.chat_customer_message

    def pool_used_up(**kwargs):
        raise PoolTimeout("couldn't get a connection after 10.00 sec")

    async def talk():
        ws = WebsocketCommunicator(application, f"/ws/chat/{session.token}/")
        assert (await ws.connect())[0]
        await _next(ws, "history")
        monkeypatch.setattr(services, "chat_customer_message", pool_used_up)
        await ws.send_json_to({"type": "message", "client_id": "c-1", "body": "还在吗？"})
        busy = await _next(ws, "error")
        monkeypatch.setattr(services, "chat_customer_message", store)
        await ws.send_json_to(
            {"type": "message", "client_id": "c-1", "body": "还在吗？"}
        )  # the page's resend
        ack = await _next(ws, "ack")
        await ws.disconnect()
        return busy, ack

    busy, ack = async_to_sync(talk)()
    assert (busy["code"], busy["client_id"]) == ("unavailable", "c-1") and busy["retry_after"] > 0
    assert _is_chinese(busy["message"]) and ack["client_id"] == "c-1"
    assert ChatMessage.objects.filter(session=session, client_id="c-1").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/ws/chat/4/", "/ws/chat/not-a-token/", "/ws/nothing/", "/"])
def test_a_socket_path_kefu_does_not_serve_is_refused_not_a_server_error(path):
    from kefu.asgi import application

    async def try_connect():
        ws = WebsocketCommunicator(application, path)
        connected, code = await ws.connect()
        return connected, code

    assert async_to_sync(try_connect)() == (False, 4404)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("origin", "host", "opens"),
    [
        (b"http://127.0.0.1:8000", b"127.0.0.1:8000", True),
        (b"http://127.0.0.1:5173", b"127.0.0.1:5173", True),  # kefu served on another port: its own origin
        (b"http://localhost:8000", b"127.0.0.1:8000", True),  # a listed public origin (trusted for CSRF)
        (b"http://127.0.0.1:9999", b"127.0.0.1:8000", False),  # the same host on another port
        (b"https://127.0.0.1:8000", b"127.0.0.1:8000", False),  # another scheme
        (b"http://evil.example", b"127.0.0.1:8000", False),
        (b"http://evil.example:8000", b"evil.example:8000", False),  # a host kefu does not answer to
        (b"null", b"127.0.0.1:8000", False),
        (None, b"127.0.0.1:8000", False),
    ],
)
def test_the_agent_socket_checks_the_whole_origin(desk_headers, origin, host, opens):
    from kefu.asgi import application

    async def try_connect():
        ws = WebsocketCommunicator(application, "/ws/desk/", headers=desk_headers(origin, host))
        connected, _ = await ws.connect()
        await ws.disconnect()
        return connected

    assert async_to_sync(try_connect)() is opens
