"""Counting callers: one fixed-window limiter on Django's cache for every door that needs one.

The cache is Redis when KEFU_REDIS_URL is set, so every server process counts together; otherwise each process
counts for itself (local memory). A window is ``per_seconds`` long and aligned on kefu's clock
(kefu.timeutil), so a test that sets the clock knows where a window starts and ends.

    from kefu import ratelimit

    if not ratelimit.hit(f"reset-mail:{address}", 5, 3600):      # count, and ask
        ...
    ratelimit.throttle(f"chat-start:{address}", 10, 60,           # count, and refuse past the limit:
                       message="发起咨询过于频繁，请{wait}后再试")     # RateLimited, HTTP 429 in the API and pages

``client_address(request)`` is the caller's address as the login lockout (django-axes) sees it too: the
connecting address, or, with KEFU_BEHIND_PROXY=1, the one the trusted proxy put in X-Forwarded-For.

The API's own throttles (``IntakeThrottle``, rates in NINJA_DEFAULT_THROTTLE_RATES) count through ``hit`` too.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle

from kefu.errors import ServiceError
from kefu.timeutil import local_now

DEFAULT_MESSAGE = "操作过于频繁，请{wait}后再试"


class RateLimited(ServiceError):
    """Too many calls through one door: HTTP 429 with a Chinese message and when to try again."""

    status = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message, code="rate_limited")
        self.retry_after = retry_after

    def to_dict(self) -> dict:
        return {**super().to_dict(), "retry_after": self.retry_after}


def _slot(per_seconds: int, at: datetime | None) -> tuple[int, float]:
    now = local_now(at).timestamp()
    return int(now // per_seconds), now


def _name(key: str, per_seconds: int, slot: int) -> str:
    if len(key) > 150 or not key.isprintable() or " " in key:
        key = hashlib.sha256(key.encode()).hexdigest()
    return f"kefu:rl:{per_seconds}:{slot}:{key}"


def count(key: str, per_seconds: int, *, at: datetime | None = None) -> int:
    """How many times ``key`` was hit in the current window (without counting this look)."""
    slot, _ = _slot(per_seconds, at)
    return int(cache.get(_name(key, per_seconds, slot), 0))


def over(key: str, limit: int, per_seconds: int, *, at: datetime | None = None) -> bool:
    """True when ``key`` has already used up its ``limit`` in the current window (nothing counted)."""
    return count(key, per_seconds, at=at) >= limit


def hit(key: str, limit: int, per_seconds: int, *, at: datetime | None = None) -> bool:
    """Count one call of ``key``; True while it is within ``limit`` calls in the current window."""
    slot, _ = _slot(per_seconds, at)
    name = _name(key, per_seconds, slot)
    cache.add(name, 0, timeout=per_seconds + 5)
    try:
        n = cache.incr(name)
    except ValueError:  # evicted between add and incr
        cache.set(name, 1, timeout=per_seconds + 5)
        n = 1
    return n <= limit


def retry_after(per_seconds: int, *, at: datetime | None = None) -> int:
    """Seconds until the current window ends (at least 1)."""
    slot, now = _slot(per_seconds, at)
    return max(1, math.ceil((slot + 1) * per_seconds - now))


def wait_text(seconds: int) -> str:
    """' 30 秒' or ' 2 分钟', to put in a Chinese sentence."""
    return f" {seconds} 秒" if seconds < 60 else f" {math.ceil(seconds / 60)} 分钟"


def throttle(
    key: str, limit: int, per_seconds: int, *, message: str = DEFAULT_MESSAGE, at: datetime | None = None
) -> None:
    """Count one call of ``key``; past ``limit`` in the window raise RateLimited (``{wait}`` in the message
    becomes ' 30 秒' / ' 2 分钟')."""
    if not hit(key, limit, per_seconds, at=at):
        wait = retry_after(per_seconds, at=at)
        raise RateLimited(message.format(wait=wait_text(wait)), retry_after=wait)


def client_address(request: HttpRequest) -> str:
    """The caller's address: REMOTE_ADDR, or behind KEFU_BEHIND_PROXY the entry of X-Forwarded-For that the
    outermost of KEFU_PROXY_COUNT trusted proxies appended (entries further left are the caller's to forge)."""
    remote = request.META.get("REMOTE_ADDR") or ""
    proxies = getattr(settings, "KEFU_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if not proxies or not forwarded:
        return remote
    entries = [e.strip() for e in forwarded.split(",") if e.strip()]
    return entries[-min(proxies, len(entries))] if entries else remote


class IntakeThrottle(SimpleRateThrottle):
    """The API's intake endpoints (kefu.api.INTAKE): calls per user, or per address without one, at the rate
    NINJA_DEFAULT_THROTTLE_RATES["intake"] (KEFU_API_INTAKE_RATE), counted by ``hit``."""

    scope = "intake"

    def __init__(self, routes: set[tuple[str, str]], rate: str | None = None):
        super().__init__(rate)
        self.routes = routes

    def get_cache_key(self, request: HttpRequest) -> str | None:
        match = request.resolver_match
        route = match.route.removeprefix("api/") if match else ""
        if (request.method, route) not in self.routes:
            return None
        user = getattr(request, "auth", None)
        who = f"user:{user.pk}" if getattr(user, "pk", None) else f"addr:{client_address(request)}"
        return f"api-{self.scope}:{who}"

    def allow_request(self, request: HttpRequest) -> bool:
        key = self.get_cache_key(request)
        if key is None or self.num_requests is None or self.duration is None:
            return True
        return hit(key, self.num_requests, self.duration)

    def wait(self) -> float | None:
        return retry_after(self.duration) if self.duration else None
