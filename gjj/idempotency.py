"""``Idempotency-Key`` for creating POSTs: a repeat returns the first result, creates nothing.

Usage in a DRF view::

    def post(self, request):
        return idempotent(request, lambda: self._create(request))

The first response (2xx or 4xx) is stored with the key, per user and endpoint,
inside the same transaction as the creation; a repeat with the same key and
the same body replays it; the same key with a different body is a 409.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from rest_framework.request import Request
from rest_framework.response import Response

from gjj.errors import BusinessError
from gjj.models import IdempotencyRecord

HEADER = "Idempotency-Key"


class IdempotencyConflict(BusinessError):
    status = 409


def _hash(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def idempotent(request: Request, create: Callable[[], Response]) -> Response:
    key = request.headers.get(HEADER, "").strip()
    if not key or not request.user.is_authenticated:
        return create()
    if len(key) > 100:
        raise BusinessError("invalid_idempotency_key", "Idempotency-Key 不能超过100个字符")
    endpoint = request.path
    digest = _hash(request)
    with transaction.atomic():
        previous = IdempotencyRecord.objects.filter(
            user=request.user, key=key, endpoint=endpoint
        ).first()
        if previous is not None:
            if previous.request_hash != digest:
                raise IdempotencyConflict(
                    "idempotency_key_reused", "该 Idempotency-Key 已用于内容不同的请求"
                )
            resp = Response(previous.body, status=previous.status_code)
            resp["Idempotent-Replayed"] = "true"
            return resp
        try:
            response = create()
        except BusinessError:
            raise
        if response.status_code < 500:
            try:
                with transaction.atomic():
                    IdempotencyRecord.objects.create(
                        user=request.user,
                        key=key,
                        endpoint=endpoint,
                        request_hash=digest,
                        status_code=response.status_code,
                        body=json.loads(json.dumps(response.data, default=str)),
                    )
            except IntegrityError as exc:  # a concurrent twin committed first
                raise IdempotencyConflict(
                    "idempotency_in_progress", "相同 Idempotency-Key 的请求正在处理，请稍后重试"
                ) from exc
    return response
