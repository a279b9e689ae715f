"""One error format for every 4xx: {"code", "message", "fields"}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from gjj.errors import BusinessError

_DEFAULT_MESSAGES = {
    status.HTTP_400_BAD_REQUEST: ("invalid", "请求参数有误"),
    status.HTTP_401_UNAUTHORIZED: ("not_authenticated", "未登录或登录已过期"),
    status.HTTP_403_FORBIDDEN: ("permission_denied", "无权执行此操作"),
    status.HTTP_404_NOT_FOUND: ("not_found", "未找到"),
    status.HTTP_405_METHOD_NOT_ALLOWED: ("method_not_allowed", "不支持该请求方法"),
    status.HTTP_406_NOT_ACCEPTABLE: ("not_acceptable", "无法提供所请求的格式"),
    status.HTTP_409_CONFLICT: ("conflict", "与当前状态冲突"),
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: ("unsupported_media_type", "不支持的请求格式"),
    status.HTTP_429_TOO_MANY_REQUESTS: ("throttled", "请求过于频繁，请稍后再试"),
}


def _field_errors(detail: Any) -> dict[str, list[dict[str, str]]]:
    """Flatten DRF's nested error detail into {"a.b": [{code, message}]}."""
    out: dict[str, list[dict[str, str]]] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(node, list):
            if all(isinstance(x, exceptions.ErrorDetail | str) for x in node):
                for x in node:
                    out.setdefault(prefix or "non_field_errors", []).append(
                        {"code": getattr(x, "code", "invalid"), "message": str(x)}
                    )
            else:
                for i, x in enumerate(node):
                    walk(f"{prefix}.{i}" if prefix else str(i), x)
        else:
            out.setdefault(prefix or "non_field_errors", []).append(
                {"code": getattr(node, "code", "invalid"), "message": str(node)}
            )

    walk("", detail)
    return out


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, BusinessError):
        refusal = Response(
            {"code": exc.code, "message": exc.message, "fields": exc.fields},
            status=exc.status,
        )
        retry_after = getattr(exc, "retry_after", None)  # e.g. idempotency_in_progress
        if retry_after is not None:
            refusal["Retry-After"] = str(retry_after)
        return refusal
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code, message = _DEFAULT_MESSAGES.get(response.status_code, ("error", "请求失败"))
    fields: dict[str, list[dict[str, str]]] = {}
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_errors(exc.detail)
        non_field = fields.get("non_field_errors")
        if non_field and len(fields) == 1:
            code, message = non_field[0]["code"], non_field[0]["message"]
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        if isinstance(detail, exceptions.ErrorDetail) and response.status_code != 404:
            code = detail.code or code
            message = str(detail)
    response.data = {"code": code, "message": message, "fields": fields}
    return response
