"""The API's index, and error pages: API paths answer in the API's error format."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views import defaults
from django.views.debug import SafeExceptionReporterFilter
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class SettingsMaskingFilter(SafeExceptionReporterFilter):
    """The debug page's filter: Django's names, and every setting that holds a URL.

    A URL may carry a password (``DATABASE_URL``, ``CELERY_BROKER_URL``,
    ``CACHE_URL``, a cache's ``LOCATION``), so all of them are masked.
    """

    hidden_settings = re.compile(
        "API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URL|LOCATION|BROKER|BACKEND",
        flags=re.IGNORECASE,
    )


# The API's front door: where each part lives (name, URL name).
API_LINKS = (
    ("health", "health"),
    ("schema", "schema"),
    ("docs", "swagger-ui"),
    ("signup", "auth-signup"),
    ("login", "auth-login"),
    ("me", "me"),
    ("loan_quote", "loan-quote"),
    ("loan_applications", "loan-applications"),
    ("loans", "loan-list"),
    ("withdrawal_applications", "withdrawals:application-list"),
    ("withdrawal_consents", "withdrawals:consent-list"),
)


class ApiIndexView(APIView):
    """GET /api/v1/: the links to the API's parts, for a person or a client finding its way.

    A REST view like every other under /api/ (the API's error format, throttles); it is
    not an operation of the contract, so the schema leaves it out.
    """

    permission_classes = (AllowAny,)

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        links = {name: request.build_absolute_uri(reverse(url)) for name, url in API_LINKS}
        return Response(
            {
                "title": "阳泉市住房公积金管理中心 API",
                "version": "v1",
                "description": "贷款试算、贷款申请与提取业务接口；契约见 schema，文档见 docs",
                "links": links,
            }
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
