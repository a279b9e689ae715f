"""Public endpoints of the core: health."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from kombu.utils.url import maybe_sanitize_url
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gjj.selectors import measure_days_left, policy_in_force, today_local


class HealthView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary="健康检查",
        responses=inline_serializer(
            "Health",
            {
                "status": serializers.CharField(),
                "database": serializers.CharField(),
                "broker": serializers.CharField(),
                "business_date": serializers.DateField(),
                "policy_version": serializers.CharField(),
                "measure": serializers.CharField(allow_null=True),
                "measure_days_left": serializers.IntegerField(allow_null=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        today = today_local()
        snap = policy_in_force(on=today)
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        measure = snap.measure
        return Response(
            {
                "status": "ok",
                "database": connection.vendor,
                "broker": maybe_sanitize_url(settings.CELERY_BROKER_URL).split("://", 1)[0],
                "business_date": today.isoformat(),
                "policy_version": snap.version,
                "measure": measure.value if measure else None,
                "measure_days_left": measure_days_left(on=today),
            }
        )
