"""Which pages may open an agent's WebSocket: kefu's own (the same scheme, host and port) or a listed origin.

An agent's socket carries their login cookie, so a page of another origin must not open it: channels'
AllowedHostsOriginValidator compares the host name only, and let ``http://127.0.0.1:9999`` in. Here the whole
origin — scheme, host and port — must be the address the socket was opened on (a host Django answers to), or
one of the public origins kefu is configured with (KEFU_PUBLIC_ORIGINS, e.g. behind a proxy, and the other
origins trusted for CSRF).
"""

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(text: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not host:
        return None
    return scheme, host, port or DEFAULT_PORTS[scheme]


def public_origins() -> list[str]:
    return [*getattr(settings, "PUBLIC_ORIGINS", []), *settings.CSRF_TRUSTED_ORIGINS]


def _headers(scope) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in scope.get("headers", [])}


def _scheme(scope, headers: dict[bytes, bytes]) -> str:
    if scope.get("scheme") in ("wss", "https"):
        return "https"
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy:  # a TLS-terminating proxy in front, trusted by the settings to say so
        name = proxy[0].removeprefix("HTTP_").replace("_", "-").lower().encode()
        if headers.get(name, b"").decode("latin1").strip() == proxy[1]:
            return "https"
    return "http"


def origin_allowed(scope) -> bool:
    headers = _headers(scope)
    origin = _origin(headers.get(b"origin", b"").decode("latin1"))
    if origin is None:
        return False
    if origin in {_origin(o) for o in public_origins()}:
        return True
    host = headers.get(b"host", b"").decode("latin1").strip().lower()
    domain, port = split_domain_port(host)
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return False
    scheme = _scheme(scope, headers)
    return origin == (scheme, domain, int(port) if port else DEFAULT_PORTS[scheme])


class SameOriginValidator:
    """ASGI middleware: a WebSocket from another origin is refused before the consumer sees it."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
