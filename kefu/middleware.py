"""Pages show a ServiceError as a readable Chinese page, never a traceback; text kefu cannot store is refused
before any view runs."""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

from kefu import cleantext
from kefu.errors import ServiceError, Unavailable, unavailable_from

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class ServiceErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if request.path.startswith("/api/"):
            return None  # the API answers every failure itself, in JSON (kefu.api)
        if not isinstance(exception, ServiceError):
            exception = unavailable_from(exception)  # the database or Redis down or busy: a 503 page
            if exception is None:
                return None  # a bug: Django's 500 (kefu/templates/500.html), logged with its traceback
        response = render(request, "kefu/error.html", {"error": exception}, status=exception.status)
        if isinstance(exception, Unavailable):
            response["Retry-After"] = str(exception.retry_after)
        return response


class TooLarge(ServiceError):
    status = 413

    def __init__(self, message: str):
        super().__init__(message, code="too_large")


def too_large(exc: Exception) -> TooLarge:
    """Django's limits on a request (settings.DATA_UPLOAD_MAX_MEMORY_SIZE, …_NUMBER_FIELDS) in Chinese."""
    from django.conf import settings

    if isinstance(exc, TooManyFieldsSent):
        return TooLarge(f"请求的字段过多（最多 {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} 个）")
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return TooLarge(f"请求内容过大（最多 {size / 1024 / 1024:.1f} MB），请分批提交或缩小附件")


class CleanTextMiddleware:
    """Every request's path, query string, form fields and Idempotency-Key are checked by kefu.cleantext (the
    API's JSON bodies by kefu.api.KefuParser): a NUL or other control character is refused with a Chinese 400
    (JSON under /api/, the error page elsewhere) and nothing runs. A form post over Django's size limits gets
    the same kind of answer instead of Django's English page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        try:
            cleantext.check(request.path)
            cleantext.check_pairs((name, v) for name, values in request.GET.lists() for v in values)
            key = request.headers.get("Idempotency-Key")
            if key is not None:
                cleantext.check_pairs([("Idempotency-Key", key)])
            if request.method == "POST" and request.content_type in FORM_TYPES:
                cleantext.check_pairs((name, v) for name, values in request.POST.lists() for v in values)
        except ServiceError as exc:
            return self.refuse(request, exc)
        except (RequestDataTooBig, TooManyFieldsSent) as exc:
            return self.refuse(request, too_large(exc))
        except MultiPartParserError:
            return self.refuse(request, ServiceError("请求体不是有效的表单数据", code="bad_request"))
        return self.get_response(request)

    @staticmethod
    def refuse(request: HttpRequest, exc: ServiceError):
        if request.path.startswith("/api/"):
            return JsonResponse(exc.to_dict(), status=exc.status)
        return render(request, "kefu/error.html", {"error": exc}, status=exc.status)
