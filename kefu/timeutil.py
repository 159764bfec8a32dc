"""The one way services read the clock: aware datetimes in Asia/Shanghai."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def local_now(at: datetime | None = None) -> datetime:
    """`at` (or now) as an aware Asia/Shanghai datetime; every service takes an optional `at` for replays and tests."""
    return timezone.localtime(at or timezone.now())


def local_days(first: date, last: date) -> tuple[datetime, datetime]:
    """The days first…last (both included) as [first 00:00, the day after last 00:00) in Asia/Shanghai."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
    )
