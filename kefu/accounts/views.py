"""Pages of the accounts app: the supervisor's list of login lockouts, with 解锁."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from kefu.accounts.lockout import lockout_message, lockouts_current, login_unlock
from kefu.errors import PermissionDenied, ServiceError


def _require_supervisor(user) -> None:
    if not user.is_supervisor:
        raise PermissionDenied("只有主管可以查看和解除登录锁定")


@login_required
def lockouts(request):
    _require_supervisor(request.user)
    return render(
        request, "accounts/lockouts.html", {"lockouts": lockouts_current(), "message": lockout_message()}
    )


@login_required
@require_POST
def unlock(request):
    _require_supervisor(request.user)
    kind, value = request.POST.get("kind", ""), request.POST.get("value", "")
    try:
        login_unlock(
            actor=request.user,
            username=value if kind == "account" else None,
            address=value if kind == "address" else None,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已解锁{'账号' if kind == 'account' else '地址'} {value}")
    return redirect("account_lockouts")
