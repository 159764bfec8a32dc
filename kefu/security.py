"""The content security policy every page is served with, and who may read the API's documentation.

The policy (settings.CONTENT_SECURITY_POLICY, django-csp) lets a page run only scripts from kefu's own origin:
no inline ``<script>``, no ``onclick=``, no ``javascript:`` links, so a script smuggled into a page (a customer's
message, an upload) does not run. Page scripts live in each app's static/ folder. Two things depend on the request:

- WebSockets (chat, screen pop) go to this host: ``connect-src`` names ws://host or wss://host explicitly;
- a page that may be framed by a brand's website (the customer chat, ``xframe_options_exempt``) drops
  ``frame-ancestors``, as it has no X-Frame-Options either.
"""

from functools import wraps

from csp.middleware import CSPMiddleware, PolicyParts
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase, JsonResponse


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        try:
            host = request.get_host()
        except Exception:  # a host Django refuses: the answer is an error page, served with the base policy
            host = ""
        if host:
            scheme = "wss" if request.is_secure() else "ws"
            parts.update = {**(parts.update or {}), "connect-src": [f"{scheme}://{host}"]}
        if getattr(response, "xframe_options_exempt", False):
            parts.replace = {**(parts.replace or {}), "frame-ancestors": None}
        return parts


def staff_only_docs(view):
    """/api/docs and /api/openapi.json for signed-in people (a session, or an API token for tools); anyone else
    is sent to the login page (docs) or answered 401 in the API's error shape (the schema)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        from kefu.api import BearerToken
        from kefu.ratelimit import RateLimited

        user = request.user if request.user.is_authenticated else None
        if user is None and request.headers.get("Authorization", "").startswith("Bearer "):
            token = request.headers["Authorization"].removeprefix("Bearer ").strip()
            try:
                user = BearerToken().authenticate(request, token)
            except RateLimited as exc:
                refused = JsonResponse(exc.to_dict(), status=429)
                refused["Retry-After"] = str(exc.retry_after)
                return refused
        if user is not None and user.is_active:
            return view(request, *args, **kwargs)
        if request.path.endswith(".json"):
            return JsonResponse(
                {"code": "unauthorized", "message": "请先登录或提供有效的 API 令牌", "field": None},
                status=401,
            )
        return redirect_to_login(request.get_full_path())

    return wrapped
