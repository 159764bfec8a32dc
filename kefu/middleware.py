"""Pages show a ServiceError as a readable Chinese page, never a traceback."""

from django.shortcuts import render

from kefu.errors import ServiceError


class ServiceErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ServiceError) and not request.path.startswith("/api/"):
            return render(request, "kefu/error.html", {"error": exception}, status=exception.status)
        return None
