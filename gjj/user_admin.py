"""The user admin, auditing each change of roles, groups and access with before and after."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest

from gjj.auth import client_ip
from gjj.domain import AuditAction
from gjj.services import audit_record


def user_access(user: User) -> dict[str, Any]:
    """What a user may do: role groups, permissions and the access flags."""
    return {
        "groups": sorted(user.groups.values_list("name", flat=True)),
        "user_permissions": sorted(
            f"{app}.{codename}"
            for app, codename in user.user_permissions.values_list(
                "content_type__app_label", "codename"
            )
        ),
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
    }


class AuditedUserAdmin(UserAdmin):
    # The state before the change, read when the form is saved (the flags are saved
    # by save_model, the groups by save_related), keyed by the request.
    _before: dict[int, dict[str, Any]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._before = {}

    def save_model(self, request: HttpRequest, obj: User, form: ModelForm, change: bool) -> None:
        if change and obj.pk is not None:
            self._before[id(request)] = user_access(User.objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)

    @transaction.atomic
    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        user = form.instance
        before = self._before.pop(id(request), None) if change else None
        after = user_access(user)
        if before == after:
            return
        actor = request.user if isinstance(request.user, User) else None
        audit_record(
            actor=actor,
            action=AuditAction.USER_ACCESS_CHANGED,
            obj=user,
            old=before,
            new={**after, "client_ip": client_ip(request)},
            reason="用户管理",
        )


def register(site: admin.AdminSite) -> None:
    """Put the audited user admin in place of django.contrib.auth's."""
    if site.is_registered(User):
        site.unregister(User)
    site.register(User, AuditedUserAdmin)
