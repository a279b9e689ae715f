"""Authentication: expiring API tokens, the applicant permission, log-in protection.

Log-in protection is django-axes' (settings ``AXES_*``); this module gives it the
client's address, the back-off and the lock-out answer, and writes the security
audit rows (the client's address goes into the row's ``new`` as ``client_ip``).
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from rest_framework import exceptions, permissions
from rest_framework.authentication import TokenAuthentication
from rest_framework.request import Request

from gjj.domain import AuditAction, LoginChannel, Role
from gjj.masking import mask_text
from gjj.models import AuditLog, Depositor
from gjj.services import audit_record, login_failure_record
from gjj.workflow import actor_roles

if TYPE_CHECKING:
    from rest_framework.authtoken.models import Token

AnyRequest = Request | HttpRequest

LOCKED_MESSAGE = "登录失败次数过多，已暂时锁定，请于{minutes}分钟后再试"


def client_ip(request: AnyRequest) -> str:
    """The client's address: the socket's, or X-Forwarded-For's entry written by our last proxy.

    With ``TRUSTED_PROXY_COUNT`` = n, the n-th entry from the right is the address
    our outermost proxy saw; anything left of it was written by the client.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if not forwarded:
        return remote
    candidate = forwarded[-min(count, len(forwarded))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def _attempted_username(request: AnyRequest) -> str | None:
    data = request.data if isinstance(request, Request) else request.POST
    value = data.get("username") if hasattr(data, "get") else None
    return value if isinstance(value, str) and value else None


def login_cool_off(request: AnyRequest | None = None) -> timedelta:
    """How long a lock lasts: LOGIN_LOCK_MINUTES, doubled by each failure past the limit.

    Counted over the failures of this client address or this user name in the
    longest lock (LOGIN_LOCK_MAX_HOURS), the same rows django-axes locks on.
    """
    base = timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
    longest = timedelta(hours=settings.LOGIN_LOCK_MAX_HOURS)
    if request is None:
        return base
    match = Q(ip_address=client_ip(request))
    username = _attempted_username(request)
    if username is not None:
        match |= Q(username=username)
    failures = (
        AccessAttempt.objects.filter(match, attempt_time__gte=timezone.now() - longest).aggregate(
            n=Sum("failures_since_start")
        )["n"]
        or 0
    )
    over = min(max(failures - settings.AXES_FAILURE_LIMIT, 0), 16)
    return min(base * 2**over, longest)


def locked_message(request: AnyRequest) -> tuple[str, int]:
    """The lock-out message and how many seconds are left of the lock."""
    seconds = int(login_cool_off(request).total_seconds())
    return LOCKED_MESSAGE.format(minutes=max(seconds // 60, 1)), seconds


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer to a locked-out log-in (the admin's; the API view raises its own)."""
    message, seconds = locked_message(request)
    response: HttpResponse
    if request.path_info.startswith("/api/"):
        body = {"code": "login_locked", "message": message, "fields": {}}
        response = JsonResponse(body, status=429)
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(seconds)
    return response


class LoginLocked(exceptions.Throttled):
    """A locked-out API log-in: 429 ``login_locked`` with Retry-After."""

    default_code = "login_locked"


def _target(username: str) -> tuple[User, str]:
    """The user a log-in named, or an unsaved stand-in with the masked name."""
    masked = mask_text(username)
    user = get_user_model()._default_manager.filter(username=username).first()
    return (user if user is not None else User(username=masked)), masked


def login_succeeded_audit(*, request: AnyRequest, user: User, channel: LoginChannel) -> AuditLog:
    """Audit a log-in that succeeded, and clear the failures counted against the account."""
    with transaction.atomic():
        axes_reset(username=user.get_username())
        return audit_record(
            actor=user,
            action=AuditAction.LOGIN_SUCCEEDED,
            obj=user,
            new={"client_ip": client_ip(request), "channel": channel.value},
            reason=channel.label,
        )


def login_failed_audit(
    *, request: AnyRequest, username: str, channel: LoginChannel
) -> list[AuditLog]:
    """Audit a refused log-in, and the lock-out if this failure locked it."""
    ip = client_ip(request)
    with transaction.atomic():
        failed = login_failure_record(username=username, client_ip=ip, channel=channel.value)
        rows = [failed]
        if getattr(request, "axes_locked_out", False):
            rows.append(
                audit_record(
                    actor=None,
                    actor_label="anonymous",
                    action=AuditAction.LOGIN_LOCKED_OUT,
                    obj=_target(username)[0],
                    object_repr=failed.object_repr,
                    new={"client_ip": ip, "channel": channel.value},
                    reason=locked_message(request)[0],
                )
            )
    return rows


def login_failures_clear(*, user: User) -> None:
    """A log-in succeeded: the failures counted against the account no longer count."""
    axes_reset(username=user.get_username())


class AuditedAdminAuthenticationForm(AdminAuthenticationForm):
    """The admin's log-in form; each attempt leaves a security audit row."""

    def clean(self) -> dict[str, Any]:
        try:
            cleaned = super().clean()
        except ValidationError:
            if self.request is not None:
                username = str(self.data.get("username", ""))
                login_failed_audit(
                    request=self.request, username=username, channel=LoginChannel.ADMIN
                )
            raise
        user = self.get_user()
        if self.request is not None and isinstance(user, User):
            login_succeeded_audit(request=self.request, user=user, channel=LoginChannel.ADMIN)
        return cleaned


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``; a token older than API_TOKEN_TTL_HOURS is refused."""

    request: Request | None = None

    def authenticate(self, request: Request) -> tuple[Any, Token] | None:
        self.request = request  # one instance per request: DRF builds them per request
        return super().authenticate(request)

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        ttl = timedelta(hours=settings.API_TOKEN_TTL_HOURS)
        if token.created < timezone.now() - ttl:
            with transaction.atomic():
                audit_record(
                    actor=user,
                    action=AuditAction.API_TOKEN_EXPIRED,
                    obj=user,
                    old={"token_issued_at": token.created.isoformat()},
                    new={"client_ip": client_ip(self.request) if self.request else ""},
                    reason=f"超过{settings.API_TOKEN_TTL_HOURS}小时",
                )
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


def staff_display(*, actor: User, roles: frozenset[Role]) -> str:
    """How an applicant sees a staff member: the acting role, and the full name if any.

    Never the log-in name: it tells an outsider which accounts to try.
    """
    held = roles & actor_roles(actor) or roles
    role = "、".join(r.label for r in Role if r in held) or "工作人员"
    name = actor.get_full_name().strip()
    return f"{role}（{name}）" if name else role


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
