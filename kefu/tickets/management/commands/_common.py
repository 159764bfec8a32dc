"""Shared parsing for kefu commands: dates in Asia/Shanghai, JSON out, Chinese errors with exit 2."""

import json
from datetime import date, datetime

from django.core.management.base import CommandError
from django.utils import timezone


def parse_when(value: str) -> datetime:
    """2026-09-30T16:00 (Asia/Shanghai when no offset is given) or a date (midnight)."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"时间格式不正确：{value}（示例 2026-09-30T16:00）", returncode=2) from exc
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return timezone.localtime(parsed)


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"日期格式不正确：{value}（示例 2026-10-10）", returncode=2) from exc


def dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, default=lambda o: o.isoformat())
