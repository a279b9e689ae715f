"""Error pages: API paths answer in the API's error format, the rest as Django does."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.debug import SafeExceptionReporterFilter


class SettingsMaskingFilter(SafeExceptionReporterFilter):
    """The debug page's filter: Django's names, and every setting that holds a URL.

    A URL may carry a password (``DATABASE_URL``, ``CELERY_BROKER_URL``,
    ``CACHE_URL``, a cache's ``LOCATION``), so all of them are masked.
    """

    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URL|LOCATION|BROKER|BACKEND",
        flags=re.IGNORECASE,
    )


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    # Django's own refusals before a view answers: a disallowed host, a body
    # over DATA_UPLOAD_MAX_MEMORY_SIZE, a malformed multipart stream.
    if request.path.startswith("/api/"):
        body = {"code": "bad_request", "message": "请求无效", "fields": {}}
        return JsonResponse(body, status=400)
    return defaults.bad_request(request, exception)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "not_found", "message": "未找到", "fields": {}}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "server_error", "message": "服务器内部错误，请稍后重试", "fields": {}},
            status=500,
        )
    return defaults.server_error(request)
