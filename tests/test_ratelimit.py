"""The shared limiter (kefu.ratelimit) and the API's: intake endpoints and wrong tokens answer 429 in Chinese."""

from datetime import timedelta

import pytest

from kefu import ratelimit
from tests.conftest import at


def test_hit_counts_in_a_window_of_kefus_clock(db):
    start = at("2026-11-24 10:00")
    assert all(ratelimit.hit("k", 3, 60, at=start + timedelta(seconds=s)) for s in range(3))
    assert not ratelimit.hit("k", 3, 60, at=start + timedelta(seconds=59))
    assert ratelimit.over("k", 3, 60, at=start)
    assert ratelimit.hit("k", 3, 60, at=start + timedelta(seconds=60)), "the next window starts afresh"
    assert ratelimit.hit("other", 3, 60, at=start), "keys count apart"


def test_throttle_raises_a_chinese_message_with_when_to_try_again(db):
    start = at("2026-11-24 10:00")
    ratelimit.throttle("t", 1, 600, message="太快了，请{wait}后再试", at=start)
    with pytest.raises(ratelimit.RateLimited) as refused:
        ratelimit.throttle("t", 1, 600, message="太快了，请{wait}后再试", at=start + timedelta(seconds=30))
    assert refused.value.status == 429 and refused.value.retry_after == 570
    assert refused.value.message == "太快了，请 10 分钟后再试"
    assert refused.value.to_dict()["code"] == "rate_limited"


def test_client_address_trusts_only_the_proxys_entry(rf, settings):
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    settings.KEFU_PROXY_COUNT = 0
    assert ratelimit.client_address(request) == "127.0.0.1"
    settings.KEFU_PROXY_COUNT = 1
    assert ratelimit.client_address(request) == "203.0.113.7", "the left entry is the caller's to forge"


@pytest.fixture
def intake_rate(monkeypatch):
    from kefu.api import api

    throttle = api.throttle[0]
    monkeypatch.setattr(throttle, "num_requests", 3)
    monkeypatch.setattr(throttle, "duration", 60)
    return throttle


@pytest.mark.clock("2026-11-24 10:00")  # a window starts here: the test's calls fall in one
def test_intake_endpoints_answer_429_in_chinese_past_the_rate(api_a, api_b, cast, ticket_types, intake_rate):
    body = {
        "brand": cast.brand_a.code,
        "type": "咨询",
        "channel": "phone",
        "subject": "咨询",
        "phone": "13800138000",
    }
    for _ in range(3):
        assert api_a.post("/tickets", body).status_code == 201
    refused = api_a.post("/tickets", body)
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited" and "请求过于频繁" in refused.json()["message"]
    assert refused.json()["field"] is None and int(refused["Retry-After"]) >= 1
    # every intake endpoint shares the user's count
    assert api_a.post("/customers", {"brand": cast.brand_a.code, "name": "新客户"}).status_code == 429
    # reads are not intake; another user has a count of their own
    assert api_a.get("/tickets").status_code == 200
    body_b = {**body, "brand": cast.brand_b.code, "phone": "13700137000"}
    assert api_b.post("/tickets", body_b).status_code == 201


def test_every_intake_route_is_a_post_operation_of_the_api():
    from django.urls import Resolver404, resolve

    from kefu.api import INTAKE, api

    schema = api.get_openapi_schema()["paths"]
    for method, route in INTAKE:
        try:
            resolve(f"/api/{route}")
        except Resolver404:
            pytest.fail(f"INTAKE names /api/{route}, which no longer exists")
        assert method.lower() in schema[f"/api/{route}"], f"/api/{route} has no {method}"


@pytest.mark.clock("2026-11-24 10:00")
def test_wrong_tokens_from_one_address_get_429_and_then_a_right_token_too(client, cast, settings):
    settings.API_TOKEN_FAILURE_LIMIT = 5

    def call(token, address="10.5.5.5"):
        return client.get("/api/tickets", headers={"Authorization": f"Bearer {token}"}, REMOTE_ADDR=address)

    for i in range(5):
        assert call(f"guess-{i}").status_code == 401
    refused = call("guess-5")
    assert refused.status_code == 429
    assert refused.json() == {
        "code": "rate_limited",
        "message": "错误的 API 令牌次数过多，请 10 分钟后再试",
        "field": None,
        "retry_after": refused.json()["retry_after"],
    }
    assert call(cast.token_a).status_code == 429, "a guessed right token is refused as well"
    assert call(cast.token_a, address="10.6.6.6").status_code == 200, "other addresses are not held back"
