"""``Idempotency-Key`` for creating POSTs: a repeat returns the first result, creates nothing.

Usage in a DRF view::

    def post(self, request):
        return idempotent(request, lambda: self._create(request))

The key is reserved (per user and endpoint) in its own committed transaction
before the view runs, so a concurrent twin finds it at once: while the first
request runs the twin gets 409 ``idempotency_in_progress`` with Retry-After,
afterwards the stored response. The response (2xx or 4xx) is stored in the
same transaction as the creation; the same key with a different body is a 409.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from gjj.errors import BusinessError
from gjj.models import IdempotencyRecord

HEADER = "Idempotency-Key"
# status_code of a reservation whose request is still running (no HTTP status is 0).
IN_PROGRESS = 0
RETRY_AFTER_SECONDS = 1
# A reservation this old belongs to a request that died: the key may be used again.
ABANDONED_AFTER = timedelta(minutes=5)


class IdempotencyConflict(BusinessError):
    status = 409


class IdempotencyInProgress(IdempotencyConflict):
    """A twin request with the same key is still running; answered with Retry-After."""

    retry_after = RETRY_AFTER_SECONDS


def _hash(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def _reserve(request: Request, user: User, key: str, digest: str) -> IdempotencyRecord | Response:
    """Reserve the key (committed at once), or answer as the earlier request decides."""
    for _ in range(2):  # a second go after an abandoned reservation is cleared
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    user=user,
                    key=key,
                    endpoint=request.path,
                    request_hash=digest,
                    status_code=IN_PROGRESS,
                    body={},
                )
        except IntegrityError:
            previous = IdempotencyRecord.objects.filter(
                user=user, key=key, endpoint=request.path
            ).first()
        if previous is None:  # finished and released between our insert and our read
            continue
        if previous.request_hash != digest:
            raise IdempotencyConflict(
                "idempotency_key_reused", "该 Idempotency-Key 已用于内容不同的请求"
            )
        if previous.status_code != IN_PROGRESS:
            resp = Response(previous.body, status=previous.status_code)
            resp["Idempotent-Replayed"] = "true"
            return resp
        if previous.created_at > timezone.now() - ABANDONED_AFTER:
            raise IdempotencyInProgress(
                "idempotency_in_progress", "相同 Idempotency-Key 的请求正在处理，请稍后重试"
            )
        IdempotencyRecord.objects.filter(pk=previous.pk, status_code=IN_PROGRESS).delete()
    raise IdempotencyInProgress(
        "idempotency_in_progress", "相同 Idempotency-Key 的请求正在处理，请稍后重试"
    )


def idempotent(request: Request, create: Callable[[], Response]) -> Response:
    sent = request.headers.get(HEADER)
    key = (sent or "").strip()
    if sent is not None and not key:
        raise BusinessError("invalid_idempotency_key", "Idempotency-Key 不能为空")
    if len(key) > 100:
        raise BusinessError("invalid_idempotency_key", "Idempotency-Key 不能超过100个字符")
    user = request.user
    if not key or not isinstance(user, User) or not user.is_authenticated:
        return create()
    reserved = _reserve(request, user, key, _hash(request))
    if isinstance(reserved, Response):
        return reserved
    try:
        with transaction.atomic():
            response = create()
            if response.status_code >= 500:
                raise _Unstored(response)
            reserved.status_code = response.status_code
            reserved.body = json.loads(json.dumps(response.data, default=str))
            reserved.save(update_fields=["status_code", "body"])
    except _Unstored as unstored:
        reserved.delete()
        return unstored.response
    except BaseException:
        # A refusal raised by the view is not stored: release the key for a retry.
        reserved.delete()
        raise
    return response


class _Unstored(Exception):
    """A 5xx answer: the creation is rolled back and the key released."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response
