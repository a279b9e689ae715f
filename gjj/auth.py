"""Applicant authentication: DRF tokens that expire, and the applicant permission."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions, permissions
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request

from gjj.models import Depositor


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``; a token older than API_TOKEN_TTL_HOURS is refused."""

    def authenticate_credentials(self, key: str):  # type: ignore[no-untyped-def]
        user, token = super().authenticate_credentials(key)
        ttl = timedelta(hours=settings.API_TOKEN_TTL_HOURS)
        if token.created < timezone.now() - ttl:
            token.delete()  # an expired credential, not business data
            raise exceptions.AuthenticationFailed("登录已过期，请重新登录", code="token_expired")
        return user, token


def applicant_depositor(request: Request) -> Depositor | None:
    """The depositor the logged-in user signed up as, or None."""
    user = request.user
    if not user or not user.is_authenticated:
        return None
    return Depositor.objects.filter(user=user).first()


class IsApplicant(permissions.BasePermission):
    """A logged-in user tied to a depositor (see the sign-up endpoint)."""

    message = "仅限已绑定缴存职工身份的用户使用"

    def has_permission(self, request: Request, view: object) -> bool:
        return applicant_depositor(request) is not None
