"""Query shapes that an index serves on both databases."""

from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Q


def starts_with(field: str, value: str) -> Q:
    """``field`` starts with ``value``, in a form each database serves from an index: PostgreSQL's LIKE 'x%'
    through the varchar_pattern_ops index Django adds beside an indexed text column; on SQLite (whose LIKE
    ignores case, so that no plain index serves it) the same rows as a range under its binary collation."""
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": value, f"{field}__lt": value + "\U0010ffff"})
    return Q(**{f"{field}__startswith": value})


def any_of(conditions: Iterable[Q]) -> Q:
    """One condition met by a row that meets any of them."""
    return reduce(or_, conditions, Q(pk__in=[]))
