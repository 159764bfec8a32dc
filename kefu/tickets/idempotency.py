"""Intake idempotency: a retried request with the same Idempotency-Key returns the first answer.

Every intake endpoint of the API (kefu.api.INTAKE: tickets, customers, express queries, pickups, claims,
problem parcels, complaints) takes the header through `key_header()` and runs its service through `run_once`.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from ninja import Header

from kefu.accounts.models import User
from kefu.apijson import to_json
from kefu.errors import Conflict
from kefu.tickets.models import IdempotencyKey


def key_header():
    return Header(
        None,
        alias="Idempotency-Key",
        max_length=100,
        description="重试同一请求时带上同一个值：只处理一次，重试得到第一次的答复（每人每个值只能用于一个请求）",
    )


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
    *,
    user: User,
    key: str | None,
    payload: dict,
    action: Callable[[], tuple[int, Any]],
    scope: str = "",
) -> tuple[int, Any]:
    """Run `action` (inside a transaction) once per (user, key); replay the stored answer afterwards. `scope`
    names the endpoint, so one key sent to two endpoints is two different requests (409 for the second)."""
    if not key:
        with transaction.atomic():
            status, body = action()
            return status, to_json(body)
    if len(key) > 100:
        raise Conflict("Idempotency-Key 过长 (最多 100 个字符)", code="invalid", field="Idempotency-Key")
    digest = fingerprint({"scope": scope, "payload": payload} if scope else payload)
    with transaction.atomic():
        _lock(user.pk, key)
        stored = IdempotencyKey.objects.filter(user=user, key=key).first()
        if stored is None:
            status, raw = action()
            body = to_json(raw)
            IdempotencyKey.objects.create(
                user=user, key=key, fingerprint=digest, status_code=status, response=body
            )
            return status, body
    if stored.fingerprint != digest:
        raise Conflict(
            "该 Idempotency-Key 已用于另一个不同的请求", code="idempotency_mismatch", field="Idempotency-Key"
        )
    return stored.status_code, stored.response
