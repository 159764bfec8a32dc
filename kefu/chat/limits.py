"""Rate limits of the public chat: starting a session (per address), messages and uploads (per session).

The customer chat answers anyone on the internet, so each of its doors counts its callers with the project's
limiter (kefu.ratelimit: Django's cache, shared by every server process when KEFU_REDIS_URL is set) and refuses
the caller who goes over with 429 (an error frame on the WebSocket) and a Chinese message saying when to try
again. The limits are data: ``rate_limits`` in kefu/chat/rulebook.yaml.
"""

from kefu import ratelimit
from kefu.chat import rules

MESSAGES = {
    "start": "发起咨询过于频繁，请{wait}后再试",
    "message": "您发送消息太快了，请{wait}后再发",
    "upload": "上传图片过于频繁，请{wait}后再试",
}


def hit(scope: str, key: str, *, at=None) -> None:
    """Count one call of ``scope`` by ``key`` (an address, a session); refuse it past the scope's limit."""
    rule = rules.setting("rate_limits")[scope]
    ratelimit.throttle(
        f"chat-{scope}:{key}", int(rule["limit"]), int(rule["window_seconds"]), message=MESSAGES[scope], at=at
    )
