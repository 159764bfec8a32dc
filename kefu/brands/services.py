"""Writes for brands and the working calendar."""

from django.db import transaction

from kefu.brands.models import CalendarYear
from kefu.errors import ServiceError
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
