"""Intake idempotency: a retried request with the same Idempotency-Key returns the first answer."""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction

from kefu.accounts.models import User
from kefu.errors import Conflict
from kefu.tickets.models import IdempotencyKey


def fingerprint(payload: dict) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str, ensure_ascii=False).encode()).hexdigest()


def run_once(*, user: User, key: str | None, payload: dict, action: Callable[[], tuple[int, dict]]) -> tuple[int, dict]:
    """Run `action` (inside a transaction) once per (user, key); replay the stored answer afterwards."""
    if not key:
        with transaction.atomic():
            return action()
    if len(key) > 100:
        raise Conflict("Idempotency-Key 过长 (最多 100 个字符)", code="invalid", field="Idempotency-Key")
    digest = fingerprint(payload)
    stored = IdempotencyKey.objects.filter(user=user, key=key).first()
    if stored is None:
        try:
            with transaction.atomic():
                status, body = action()
                IdempotencyKey.objects.create(
                    user=user, key=key, fingerprint=digest, status_code=status, response=body
                )
                return status, body
        except IntegrityError:
            # A concurrent request with the same key won; its answer is the answer.
            stored = IdempotencyKey.objects.filter(user=user, key=key).first()
            if stored is None:
                raise
    if stored.fingerprint != digest:
        raise Conflict("该 Idempotency-Key 已用于另一个不同的请求", code="idempotency_mismatch",
                       field="Idempotency-Key")
    return stored.status_code, stored.response
