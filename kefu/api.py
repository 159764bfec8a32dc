"""The JSON API under /api/: one NinjaAPI, routers from each app, errors as {"code","message","field"}."""

import json
import logging
import math
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.security import APIKeyCookie, HttpBearer

from kefu import cleantext, ratelimit
from kefu.accounts.models import ApiToken
from kefu.apijson import LocalTimeEncoder
from kefu.errors import ServiceError, unavailable_from
from kefu.middleware import too_large
from kefu.security import staff_only_docs

log = logging.getLogger("kefu.api")

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


class BadBody(ServiceError):
    def __init__(self, message: str):
        super().__init__(message, code="bad_request")


JSON_KINDS = {int: "数字", float: "数字", str: "字符串", list: "数组", bool: "true/false", type(None): "null"}


class KefuParser(Parser):
    """The API's JSON bodies: an object (a bare number or array is refused), valid UTF-8 JSON, and no text
    kefu.cleantext refuses. Errors are Chinese (ninja wraps them in its HttpError; http_error unwraps)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        try:
            data = json.loads(request.body)
        except UnicodeDecodeError as exc:
            raise BadBody("请求体不是 UTF-8 编码的 JSON") from exc
        except json.JSONDecodeError as exc:
            raise BadBody(f"请求体不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）") from exc
        except RecursionError as exc:
            raise BadBody("请求体的 JSON 嵌套过深") from exc
        if not isinstance(data, dict):
            kind = JSON_KINDS.get(type(data), "其他值")
            raise BadBody(f"请求体应为 JSON 对象（{{…}}），收到的是{kind}")
        cleantext.check(data)
        return data

    def parse_querydict(self, data, list_fields, request):
        cleantext.check_pairs((name, v) for name, values in data.lists() for v in values)
        return super().parse_querydict(data, list_fields, request)


class LocalTimeRenderer(JSONRenderer):
    encoder_class = LocalTimeEncoder


# The 4xx answers every operation may give, all in the error shape; documented once for every operation.
ERROR_ANSWERS = {
    400: "请求有误：请求体不是 JSON 对象、含控制字符，或业务规则不允许",
    401: "未登录或 API 令牌无效",
    403: "无权执行此操作或查看此对象",
    404: "没有找到所指的对象",
    409: "与现有数据冲突（如重复、状态不允许、Idempotency-Key 已用于另一请求）",
    413: "请求内容过大",
    422: "字段格式不正确或超出范围",
    429: "请求过于频繁（响应头 Retry-After 为需等待的秒数）",
}
ERROR_SCHEMA = {
    "title": "Error",
    "type": "object",
    "description": "错误：code 供程序判断，message 为给人看的中文说明，field 为出错的字段（没有时为 null）",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "field": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "retry_after": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
    },
    "required": ["code", "message", "field"],
}


class KefuAPI(NinjaAPI):
    def validation_error_from_error_contexts(self, error_contexts):
        """As ninja's, which drops each error's input; whether it was null is kept, for "不能为 null"."""
        errors = []
        for context in error_contexts:
            model = context.model
            for error in context.pydantic_validation_error.errors(include_url=False):
                loc = model.__ninja_flatten_map_reverse__.get(error["loc"], error["loc"])
                given = error.pop("input", "")
                errors.append({**error, "loc": (model.__ninja_param_source__, *loc), "null": given is None})
                if isinstance((error.get("ctx") or {}).get("error"), Exception):
                    errors[-1]["ctx"] = {**error["ctx"], "error": str(error["ctx"]["error"])}
        return ValidationError(errors)

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, text in ERROR_ANSWERS.items():
                    operation["responses"].setdefault(status, {"description": text, **error})
        return schema


api = KefuAPI(
    title="kefu 客服系统 API",
    version="1",
    description="工单、客户、SLA 时限与工作日历。认证：登录会话，或请求头 `Authorization: Bearer <令牌>`。",
    auth=[BearerToken(), SessionAuth()],
    urls_namespace="api",
    docs_decorator=staff_only_docs,
    throttle=[ratelimit.IntakeThrottle(routes=INTAKE)],
    parser=KefuParser(),
    renderer=LocalTimeRenderer(),
)

# pydantic's error types (https://docs.pydantic.dev/latest/errors/validation_errors/) in Chinese; {…} from ctx.
REASONS = {
    "missing": "缺少必填字段",
    "string_too_short": "至少需要 {min_length} 个字符",
    "string_too_long": "不能超过 {max_length} 个字符",
    "string_type": "应为字符串",
    "string_pattern_mismatch": "格式不正确",
    "string_unicode": "应为有效的 Unicode 文字",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_parsing_size": "数值过大",
    "int_from_float": "应为整数，不能有小数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "finite_number": "应为有限的数字",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_max_digits": "数字位数过多（最多 {max_digits} 位）",
    "decimal_max_places": "小数位数过多（最多 {decimal_places} 位）",
    "decimal_whole_digits": "整数部分位数过多",
    "decimal_finite_number": "应为有限的数字",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "不能小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "不能大于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "literal_error": "应为以下之一：{expected}",
    "enum": "应为以下之一：{expected}",
    "date_type": "应为日期（如 2026-10-10）",
    "date_parsing": "应为日期（如 2026-10-10）",
    "date_from_datetime_parsing": "应为日期（如 2026-10-10）",
    "date_from_datetime_inexact": "应为日期，不能带时刻",
    "datetime_type": "应为时间（如 2026-10-10T09:30:00+08:00）",
    "datetime_parsing": "应为时间（如 2026-10-10T09:30:00+08:00）",
    "datetime_from_date_parsing": "应为时间（如 2026-10-10T09:30:00+08:00）",
    "datetime_object_invalid": "不是有效的时间",
    "time_parsing": "应为时刻（如 09:30）",
    "dict_type": "应为 JSON 对象",
    "model_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "list_type": "应为数组",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "none_required": "应为 null",
    "json_invalid": "不是有效的 JSON",
    "json_type": "应为 JSON 文本",
    "uuid_type": "应为 UUID",
    "uuid_parsing": "应为 UUID",
    "url_parsing": "应为网址",
    "url_type": "应为网址",
    "extra_forbidden": "是不认识的字段",
}


def reason_for(error: dict) -> str:
    """One pydantic error as a Chinese phrase; a type not listed is "格式不正确", never pydantic's English."""
    kind = error.get("type", "")
    if error.get("null") and kind.endswith(("_type", "_error")):
        return "不能为 null"
    template = REASONS.get(kind)
    if template is None:
        return "格式不正确"
    ctx = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    if kind == "string_too_short" and ctx.get("min_length") == "1":
        return "不能为空"
    if "expected" in ctx:
        ctx["expected"] = ctx["expected"].replace("'", "").replace(" or ", "、").replace(", ", "、")
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template.split("{")[0].rstrip("：（ ") or "格式不正确"


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
    loc = [
        str(part)
        for part in first.get("loc", [])
        if part not in ("body", "query", "path", "payload", "header", "form", "file", "cookie")
    ]
    field = ".".join(loc) or None
    reason = reason_for(first)
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
    if isinstance(exc.__cause__, ServiceError):  # raised by KefuParser, wrapped by ninja
        return service_error(request, exc.__cause__)
    if isinstance(exc.__cause__, RequestDataTooBig):
        return service_error(request, too_large(exc.__cause__))
    return api.create_response(
        request, {"code": "error", "message": str(exc), "field": None}, status=exc.status_code
    )


@api.exception_handler(RequestDataTooBig)
def request_too_big(request, exc: RequestDataTooBig):
    return service_error(request, too_large(exc))


@api.exception_handler(Exception)
def unexpected(request, exc: Exception):
    """Every other failure in the same JSON shape (never Django's HTML page): 503 when what kefu stands on is
    down or busy (nothing was written; try again), else 500, logged with its traceback."""
    if (down := unavailable_from(exc)) is not None:
        log.warning("API 暂不可用：%s %s：%s", request.method, request.path, exc)
        response = service_error(request, down)
        response["Retry-After"] = str(down.retry_after)
        return response
    log.exception("API 出错：%s %s", request.method, request.path)
    body = {
        "code": "server_error",
        "message": "服务器内部错误，已记录，请稍后重试或联系管理员",
        "field": None,
    }
    return api.create_response(request, body, status=500)


def _register() -> None:
    from kefu.chat.api import router as chat
    from kefu.customers.api import router as customers
    from kefu.express.api import router as express
    from kefu.rules.api import router as rules
    from kefu.tickets.api import router as tickets

    api.add_router("/tickets", tickets)
    api.add_router("/customers", customers)
    api.add_router("/chat", chat)
    api.add_router("/express", express)
    api.add_router("/rules", rules)


_register()
