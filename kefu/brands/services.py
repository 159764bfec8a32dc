"""Writes for brands and the working calendar."""

from django.db import transaction

from kefu.accounts.models import User
from kefu.brands.models import Brand, CalendarYear
from kefu.brands.rules import new_identity_secret
from kefu.errors import PermissionDenied, ServiceError
from kefu.standards.calendar import YearSchedule


def calendar_year_load(*, year: int, schedule: dict, source: str) -> CalendarYear:
    """Load (or replace) a year's official holiday schedule after validating it."""
    try:
        YearSchedule.from_dict({"year": year, "source": source, **schedule})
    except ValueError as exc:
        raise ServiceError(str(exc), field="schedule") from exc
    with transaction.atomic():
        row, _ = CalendarYear.objects.update_or_create(
            year=year,
            defaults={
                "schedule": {k: schedule[k] for k in ("holidays", "workdays") if k in schedule},
                "source": source,
            },
        )
    return row


def _is_admin(user: User) -> bool:
    return bool(user.is_active and (user.is_superuser or user.role == User.Role.ADMIN))


def brand_identity_secret_visible(user: User) -> bool:
    """Only an administrator sees (and rotates) a brand's identity secret: whoever holds it can sign any identity."""
    return _is_admin(user)


def brand_rotate_identity_secret(*, brand: Brand, actor: User) -> Brand:
    """A new identity secret for the brand (after a leak): signatures made with the old one stop linking chats."""
    if not _is_admin(actor):
        raise PermissionDenied("只有管理员可以重新生成品牌的身份验证密钥")
    with transaction.atomic():
        brand.identity_secret = new_identity_secret()
        brand.save(update_fields=["identity_secret"])
    return brand
