"""Applicant authentication: DRF tokens that expire, and the applicant permission."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from rest_framework import exceptions, permissions
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request

from gjj.models import Depositor

if TYPE_CHECKING:
    from rest_framework.authtoken.models import Token


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``; a token older than API_TOKEN_TTL_HOURS is refused."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        ttl = timedelta(hours=settings.API_TOKEN_TTL_HOURS)
        if token.created < timezone.now() - ttl:
            token.delete()  # an expired credential, not business data
            raise exceptions.AuthenticationFailed("登录已过期，请重新登录", code="token_expired")
        return user, token


def acting_user(request: Request | HttpRequest) -> User:
    """The logged-in user a view passes to a service as its ``actor``.

    The permission classes (or the admin site) have already refused anonymous
    callers; this is the check that also tells the type checker. An anonymous API
    caller gets 401 ``not_authenticated``; an anonymous page request gets 403.
    """
    user = request.user
    if isinstance(user, User) and user.is_authenticated:
        return user
    if isinstance(request, Request):
        raise exceptions.NotAuthenticated()
    raise PermissionDenied


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
