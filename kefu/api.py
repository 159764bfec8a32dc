"""The JSON API under /api/: one NinjaAPI, routers from each app, errors as {"code","message","field"}."""

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from kefu.accounts.models import ApiToken
from kefu.errors import ServiceError


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        found = ApiToken.objects.select_related("user").filter(key=token, user__is_active=True).first()
        if found is None:
            return None
        request.user = found.user
        return found.user


class SessionAuth(APIKeyCookie):
    """Django's session cookie, with CSRF checked for unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key):
        return request.user if request.user.is_authenticated else None


api = NinjaAPI(
    title="kefu 客服系统 API",
    version="1",
    description="工单、客户、SLA 时限与工作日历。认证：登录会话，或请求头 `Authorization: Bearer <令牌>`。",
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api",
)

FIELD_NAMES = {"missing": "缺少必填字段", "string_too_long": "内容过长", "greater_than_equal": "数值过小"}


@api.exception_handler(ServiceError)
def service_error(request, exc: ServiceError):
    return api.create_response(request, exc.to_dict(), status=exc.status)


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
