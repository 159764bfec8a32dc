"""Redis (the realtime layer) unreachable: a chat start is refused in Chinese with nothing written, the public
page says so before anyone types; a push that fails after a commit is logged and never turns the committed
write into a server error (the screens catch up from the stored messages)."""

import logging
import socket

import pytest
from django.test import override_settings

from tests.conftest import SUITE_CLOCK

pytestmark = pytest.mark.clock(SUITE_CLOCK)  # what is written or refused, not when


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on leaving: a connection is refused at once


def _redis_layer(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": url, "socket_connect_timeout": 1, "socket_timeout": 10}]},
        }
    }


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _counts() -> dict[str, int]:
    from kefu.chat.models import ChatMessage, ChatSession, Offer
    from kefu.tickets.models import SlaClock, Ticket, TicketEvent

    return {
        model.__name__: model.objects.count()
        for model in (Ticket, TicketEvent, SlaClock, ChatSession, ChatMessage, Offer)
    }


@pytest.fixture
def redis_down():
    with override_settings(CHANNEL_LAYERS=_redis_layer(f"redis://127.0.0.1:{_closed_port()}/0")):
        yield


@pytest.mark.django_db(transaction=True)
def test_a_chat_start_with_redis_unreachable_is_refused_and_writes_nothing(
    cast, ticket_types, client, redis_down
):
    before = _counts()
    reply = client.post(
        "/chat/oufei/start/", {"name": "王先生", "phone": "13800001111"}, content_type="application/json"
    )
    assert reply.status_code == 503
    body = reply.json()
    assert body["code"] == "realtime_unavailable"
    assert "实时消息服务暂时无法连接" in body["message"]
    assert reply["Retry-After"]
    assert _counts() == before  # no ticket, event, SLA clock, session, greeting or offer


@pytest.mark.django_db(transaction=True)
def test_the_public_chat_page_says_so_before_anyone_types(cast, client, redis_down):
    page = client.get("/chat/oufei/").content.decode()
    assert "实时消息服务暂时无法连接，在线客服暂停接入" in page
    assert 'id="start-err" hidden' not in page


@pytest.mark.django_db
def test_the_page_says_nothing_when_realtime_is_there(cast, client):
    page = client.get("/chat/oufei/").content.decode()
    assert "实时消息服务暂时无法连接" not in page


def test_realtime_problem_answers_for_each_layer():
    from kefu.chat.push import realtime_problem

    with override_settings(CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}):
        assert realtime_problem() is None  # one process: always there
    with override_settings(CHANNEL_LAYERS=_redis_layer(f"redis://127.0.0.1:{_closed_port()}/0")):
        assert "实时消息服务" in realtime_problem()
    if _redis_answers():
        with override_settings(CHANNEL_LAYERS=_redis_layer("redis://127.0.0.1:6379/0")):
            assert realtime_problem() is None


def test_realtime_problem_is_bounded_for_a_host_that_never_answers():
    """A black-holed address (no refusal, no answer): the check gives up within its timeout."""
    import time

    from kefu.chat.push import PING_TIMEOUT, realtime_problem

    with socket.socket() as listener:  # accepts connections (the backlog) but never says a word
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        url = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
        with override_settings(CHANNEL_LAYERS=_redis_layer(url)):
            started = time.monotonic()
            assert realtime_problem()
            assert time.monotonic() - started < 4 * PING_TIMEOUT


@pytest.mark.django_db(transaction=True)
def test_a_push_that_fails_after_the_commit_is_logged_not_a_server_error(
    cast, ticket_types, client, redis_down, monkeypatch, caplog
):
    """Redis goes away between the check and the push: the chat that was committed is answered as started."""
    from kefu.chat import services
    from kefu.chat.models import ChatSession

    monkeypatch.setattr(services, "realtime_problem", lambda: None)
    with caplog.at_level(logging.WARNING, logger="kefu.chat.push"):
        reply = client.post("/chat/oufei/start/", {"name": "王先生"}, content_type="application/json")
    assert reply.status_code == 200, reply.content
    session = ChatSession.objects.get(token=reply.json()["token"])
    assert session.messages.count() == 1  # the greeting, stored: the customer's socket reads it from there
    assert any("实时推送失败" in r.getMessage() for r in caplog.records)
