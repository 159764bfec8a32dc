"""The JSON API under /api/: one NinjaAPI, routers from each app, errors as {"code","message","field"}."""

import math

from django.conf import settings
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from kefu import ratelimit
from kefu.accounts.models import ApiToken
from kefu.errors import ServiceError
from kefu.security import staff_only_docs

TOKEN_FAILURE_WINDOW = 600  # seconds: KEFU_API_TOKEN_FAILURE_LIMIT wrong tokens per address in this window


class BearerToken(HttpBearer):
    """An API token; wrong ones are counted per address, and past the limit the address gets 429 (a right token
    included) until the window ends, so tokens cannot be guessed."""

    def authenticate(self, request: HttpRequest, token: str):
        key = f"api-token-failures:{ratelimit.client_address(request)}"
        limit = settings.API_TOKEN_FAILURE_LIMIT
        if ratelimit.over(key, limit, TOKEN_FAILURE_WINDOW):
            raise _token_refused()
        found = ApiToken.objects.select_related("user").filter(key=token, user__is_active=True).first()
        if found is None:
            if not ratelimit.hit(key, limit, TOKEN_FAILURE_WINDOW):
                raise _token_refused()
            return None
        request.user = found.user
        return found.user


def _token_refused() -> ratelimit.RateLimited:
    wait = ratelimit.retry_after(TOKEN_FAILURE_WINDOW)
    return ratelimit.RateLimited(
        f"错误的 API 令牌次数过多，请{ratelimit.wait_text(wait)}后再试", retry_after=wait
    )


class SessionAuth(APIKeyCookie):
    """Django's session cookie, with CSRF checked for unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key):
        return request.user if request.user.is_authenticated else None


# The intake endpoints: each call creates something (a ticket, a customer, an express case), so each user's calls
# are limited (NINJA_DEFAULT_THROTTLE_RATES["intake"], KEFU_API_INTAKE_RATE). Routes as Django writes them.
INTAKE = {
    ("POST", "tickets"),
    ("POST", "customers"),
    ("POST", "express/scans"),
    ("POST", "express/queries"),
    ("POST", "express/pickups"),
    ("POST", "express/claims"),
    ("POST", "express/problems"),
    ("POST", "express/complaints"),
}

api = NinjaAPI(
    title="kefu 客服系统 API",
    version="1",
    description="工单、客户、SLA 时限与工作日历。认证：登录会话，或请求头 `Authorization: Bearer <令牌>`。",
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api",
    docs_decorator=staff_only_docs,
    throttle=[ratelimit.IntakeThrottle(routes=INTAKE)],
)

FIELD_NAMES = {"missing": "缺少必填字段", "string_too_long": "内容过长", "greater_than_equal": "数值过小"}


@api.exception_handler(ServiceError)
def service_error(request, exc: ServiceError):
    return api.create_response(request, exc.to_dict(), status=exc.status)


@api.exception_handler(ratelimit.RateLimited)
def rate_limited(request, exc: ratelimit.RateLimited):
    response = api.create_response(request, exc.to_dict(), status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(Throttled)
def throttled(request, exc: Throttled):
    wait = max(1, math.ceil(exc.wait)) if exc.wait else None
    message = f"请求过于频繁，请{ratelimit.wait_text(wait)}后再试" if wait else "请求过于频繁，请稍后再试"
    body = {"code": "rate_limited", "message": message, "field": None, "retry_after": wait}
    return api.create_response(request, body, status=429)


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    loc = [str(part) for part in first.get("loc", []) if part not in ("body", "query", "path", "payload")]
    field = ".".join(loc) or None
    kind = first.get("type", "")
    reason = FIELD_NAMES.get(kind, "格式不正确")
    message = f"字段“{field}”{reason}" if field else f"请求{reason}"
    return api.create_response(request, {"code": "invalid", "message": message, "field": field}, status=422)


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return api.create_response(
        request,
        {"code": "unauthorized", "message": "请先登录或提供有效的 API 令牌", "field": None},
        status=401,
    )


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    return api.create_response(
        request, {"code": "error", "message": str(exc), "field": None}, status=exc.status_code
    )


def _register() -> None:
    from kefu.chat.api import router as chat
    from kefu.customers.api import router as customers
    from kefu.express.api import router as express
    from kefu.tickets.api import router as tickets

    api.add_router("/tickets", tickets)
    api.add_router("/customers", customers)
    api.add_router("/chat", chat)
    api.add_router("/express", express)


_register()
