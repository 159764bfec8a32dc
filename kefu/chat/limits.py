"""Rate limits of the public chat: starting a session (per address), messages and uploads (per session).

The customer chat answers anyone on the internet, so each of its doors counts its callers in Django's cache
(shared by every server process when KEFU_REDIS_URL is set) over a fixed window, and refuses the caller who
goes over with 429 and a Chinese message saying when to try again. The limits are data: ``rate_limits`` in
kefu/chat/rulebook.yaml. ``hit`` is the one place that talks to the cache, so moving to the project's shared
limiter is a change here only.
"""

import math

from django.core.cache import cache

from kefu.chat import rules
from kefu.errors import ServiceError
from kefu.timeutil import local_now

MESSAGES = {
    "start": "发起咨询过于频繁，请{wait}后再试",
    "message": "您发送消息太快了，请{wait}后再发",
    "upload": "上传图片过于频繁，请{wait}后再试",
}


class RateLimited(ServiceError):
    """Too many calls through one door of the public chat: HTTP 429 (an error frame on the WebSocket)."""

    status = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message, code="rate_limited")
        self.retry_after = retry_after

    def to_dict(self) -> dict:
        return {**super().to_dict(), "retry_after": self.retry_after}


def _wait(seconds: int) -> str:
    return f" {seconds} 秒" if seconds < 60 else f" {math.ceil(seconds / 60)} 分钟"


def hit(scope: str, key: str, *, at=None) -> None:
    """Count one call of ``scope`` by ``key`` (an address, a session); refuse it past the scope's limit."""
    rule = rules.setting("rate_limits")[scope]
    limit, window = int(rule["limit"]), int(rule["window_seconds"])
    now = local_now(at).timestamp()
    slot = int(now // window)
    name = f"kefu:chat-limit:{scope}:{key}:{slot}"
    cache.add(name, 0, timeout=window + 5)
    try:
        count = cache.incr(name)
    except ValueError:  # evicted between add and incr
        cache.set(name, 1, timeout=window + 5)
        count = 1
    if count > limit:
        retry_after = max(1, math.ceil((slot + 1) * window - now))
        raise RateLimited(MESSAGES[scope].format(wait=_wait(retry_after)), retry_after=retry_after)
