"""Readiness tells the truth (database, Redis when configured, a living worker), and every failure of the API is
the one JSON shape in Chinese: 503 with Retry-After when what kefu stands on is busy or down, 500 for a bug."""

import socket

import pytest
from django.db import OperationalError

from kefu.jobs.services import worker_beat
from kefu.timeutil import local_now

# What readiness and failures say, not when: pinned to the suite's moment, so the clock reruns skip it.
pytestmark = pytest.mark.clock("2026-11-24 10:00")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nobody listens once it is closed


@pytest.mark.django_db
def test_readiness_fails_without_a_living_worker_and_passes_with_one(client):
    reply = client.get("/readyz/")
    body = reply.json()
    assert reply.status_code == 503 and body["status"] == "not_ready"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["workers"]["ok"] is False and "kefu worker" in body["checks"]["workers"]["problem"]
    worker_beat(name="node1:42", processes=2, started_at=local_now())
    reply = client.get("/readyz/")
    assert reply.status_code == 200 and reply.json() == {
        "status": "ready",
        "checks": {"database": {"ok": True}, "workers": {"ok": True}},
    }


@pytest.mark.django_db
def test_readiness_fails_when_redis_is_configured_and_unreachable(client, settings):
    worker_beat(name="node1:42", processes=2, started_at=local_now())
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    reply = client.get("/readyz/")
    assert reply.status_code == 503
    assert (
        reply.json()["checks"]["redis"]["ok"] is False
        and "Redis 无法连接" in reply.json()["checks"]["redis"]["problem"]
    )


@pytest.mark.django_db
def test_a_busy_database_is_a_chinese_503_with_retry_after_on_the_api_and_pages(
    api_a, client, cast, monkeypatch
):
    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("kefu.tickets.api.ticket_search", locked)
    reply = api_a.get("/tickets", q="x")
    assert reply.status_code == 503 and reply["Retry-After"] == "5"
    assert reply.json() == {
        "code": "unavailable",
        "message": "服务繁忙：数据库正忙于其他写入，请稍后重试",
        "field": None,
    }
    monkeypatch.setattr("kefu.tickets.views.ticket_get_for_user", locked)
    client.force_login(cast.agent_a)
    page = client.get("/tickets/T-1/")
    assert page.status_code == 503 and page["Retry-After"] == "5"
    assert "数据库正忙于其他写入" in page.content.decode() and "<html" in page.content.decode()


@pytest.mark.django_db
def test_a_bug_is_a_json_500_in_chinese_never_the_html_page(api_a, monkeypatch):
    def bug(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("kefu.tickets.api.ticket_search", bug)
    reply = api_a.get("/tickets", q="x")
    assert reply.status_code == 500 and reply["Content-Type"].startswith("application/json")
    assert reply.json()["code"] == "server_error" and "服务器内部错误" in reply.json()["message"]
