"""Intake idempotency: a retried request with the same Idempotency-Key returns the first answer."""

import hashlib
import json
from collections.abc import Callable

from django.db import connection, transaction

from kefu.accounts.models import User
from kefu.errors import Conflict
from kefu.tickets.models import IdempotencyKey


def fingerprint(payload: dict) -> str:
    return hashlib.sha256(
        json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


def _lock(user_id: int, key: str) -> None:
    """Serialise requests that carry the same key: the second waits for the first and replays its answer.

    SQLite already serialises writing transactions (IMMEDIATE mode); PostgreSQL takes an advisory lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"idempotency:{user_id}:{key}"])


def run_once(
    *, user: User, key: str | None, payload: dict, action: Callable[[], tuple[int, dict]]
) -> tuple[int, dict]:
    """Run `action` (inside a transaction) once per (user, key); replay the stored answer afterwards."""
    if not key:
        with transaction.atomic():
            return action()
    if len(key) > 100:
        raise Conflict("Idempotency-Key 过长 (最多 100 个字符)", code="invalid", field="Idempotency-Key")
    digest = fingerprint(payload)
    with transaction.atomic():
        _lock(user.pk, key)
        stored = IdempotencyKey.objects.filter(user=user, key=key).first()
        if stored is None:
            status, body = action()
            IdempotencyKey.objects.create(
                user=user, key=key, fingerprint=digest, status_code=status, response=body
            )
            return status, body
    if stored.fingerprint != digest:
        raise Conflict(
            "该 Idempotency-Key 已用于另一个不同的请求", code="idempotency_mismatch", field="Idempotency-Key"
        )
    return stored.status_code, stored.response
