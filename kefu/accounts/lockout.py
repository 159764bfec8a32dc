"""Login lockout: too many wrong passwords lock the account, and (at a higher count) the address they came from.

django-axes records every failed login (its AccessAttempt rows: user name, address, browser) and refuses a
locked account or address before the password is even checked, a right one included. kefu sets it up so that:

- an account is locked after KEFU_LOGIN_FAILURE_LIMIT wrong passwords (default 5) from anywhere;
- an address is locked after KEFU_LOGIN_ADDRESS_FAILURE_LIMIT wrong passwords (default 30) for any accounts:
  higher, because a contact center's desks often share one NAT address;
- a lock lifts by itself KEFU_LOGIN_LOCKOUT_MINUTES (default 30) after the last failure, and a supervisor can
  lift it earlier at /accounts/lockouts/ (``login_unlock``), an operator with ``kefu unlock-login``;
- a successful login forgets that account's own failures, not those of others from the same address.

Axes dates attempts by the wall clock (it is a library's own bookkeeping); the lists here read the same clock.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kefu.errors import PermissionDenied, ServiceError

log = logging.getLogger(__name__)


def lockout_message() -> str:
    minutes = int(get_cool_off().total_seconds() // 60)
    return f"登录失败次数过多，该账号或本机所在网络已被暂时锁定。请 {minutes} 分钟后再试，或请主管在“登录锁定”页面解锁。"


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with two limits: the account's (AXES_FAILURE_LIMIT) and the address's."""

    def get_failures(self, request, credentials=None) -> int:
        per_parameter = [
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        by_account = per_parameter[0] if per_parameter else 0
        by_address = per_parameter[1] if len(per_parameter) > 1 else 0
        account_limit, address_limit = settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_ADDRESS_FAILURE_LIMIT
        # Axes compares one number with the account's limit: the address's count is scaled so that it reaches
        # that limit exactly when it reaches its own (floor(b·A/D) ≥ A ⇔ b ≥ D).
        scaled = by_address * account_limit // address_limit if address_limit else 0
        return max(by_account, scaled)

    def user_logged_in(self, sender, request, user, **kwargs):
        super().user_logged_in(sender, request, user, **kwargs)
        AccessAttempt.objects.filter(username=user.get_username()).delete()


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The login page again, with the lock explained in Chinese (HTTP 429)."""
    return render(
        request,
        "chat/login.html",
        {"locked_message": lockout_message(), "next": request.POST.get("next", "")},
        status=429,
    )


@dataclass(frozen=True)
class Lockout:
    kind: str  # "account" or "address"
    value: str
    failures: int
    last_failure: datetime

    @property
    def kind_label(self) -> str:
        return "账号" if self.kind == "account" else "地址"


def lockouts_current() -> list[Lockout]:
    """Accounts and addresses locked now, the latest failure first."""
    recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - get_cool_off())
    found = []
    limits = {"username": settings.LOGIN_FAILURE_LIMIT, "ip_address": settings.LOGIN_ADDRESS_FAILURE_LIMIT}
    for field, kind in (("username", "account"), ("ip_address", "address")):
        if not limits[field]:
            continue
        rows = (
            recent.exclude(**{f"{field}__isnull": True})
            .values(field)
            .annotate(n=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(n__gte=limits[field])
        )
        found += [Lockout(kind, row[field], row["n"], row["last"]) for row in rows]
    return sorted(found, key=lambda lock: lock.last_failure, reverse=True)


def _may_unlock(actor, username: str | None) -> bool:
    """Supervisors lift locks on agents' accounts and on addresses; an admin's or a supervisor's account only an
    admin (a stolen supervisor login must not reopen the guessing on an admin's)."""
    from kefu.accounts.models import User

    if actor is None:  # the server's operator (kefu unlock-login)
        return True
    if not getattr(actor, "is_supervisor", False):
        return False
    if not username:
        return True
    target = User.objects.filter(username=username).first()
    if target is None or (target.role == User.Role.AGENT and not target.is_superuser):
        return True
    return actor.is_superuser or actor.role == User.Role.ADMIN


def login_unlock(*, actor, username: str | None = None, address: str | None = None) -> int:
    """Lift the lock on an account or an address now; returns how many recorded failures were forgotten.
    ``actor`` None is the server's operator (the CLI)."""
    username, address = (username or "").strip() or None, (address or "").strip() or None
    if not username and not address:
        raise ServiceError("请指明要解锁的账号或地址", field="username")
    if not _may_unlock(actor, username):
        raise PermissionDenied("只有主管可以解锁坐席账号，主管和管理员的账号由管理员解锁")
    removed = 0
    if username:
        removed += AccessAttempt.objects.filter(username=username).delete()[0]
    if address:
        removed += AccessAttempt.objects.filter(ip_address=address).delete()[0]
    log.warning(
        "login unlock: %s %s by %s (%d failures forgotten)", username, address, actor or "operator", removed
    )
    return removed
