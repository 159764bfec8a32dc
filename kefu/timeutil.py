"""The one way services read the clock: aware datetimes in Asia/Shanghai."""

from datetime import datetime

from django.utils import timezone


def local_now(at: datetime | None = None) -> datetime:
    """`at` (or now) as an aware Asia/Shanghai datetime; every service takes an optional `at` for replays and tests."""
    return timezone.localtime(at or timezone.now())
