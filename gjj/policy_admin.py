"""The 政策管理 role's pages: policy and rate rows, entered and corrected through gjj.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages

from gjj import services
from gjj.admin import ObjectAction, ObjectActionsMixin, ReasonForm, ServiceAdmin
from gjj.auth import acting_user
from gjj.domain import Role
from gjj.errors import BusinessError
from gjj.models import LoanRate, PolicyParameter
from gjj.policy import Key
from gjj.selectors import measure_days_left, policy_in_force, today_local


class PolicyCorrectionForm(ReasonForm):
    """A row not yet in force; what the clerk leaves as it was is not sent as a change."""

    value = forms.CharField(label="参数值（留空表示未设置）", required=False, max_length=200)
    effective_from = forms.DateField(label="生效日期")
    effective_to = forms.DateField(label="失效日期", required=False)
    document = forms.CharField(label="依据文件", max_length=200)
    article = forms.CharField(label="条款", max_length=200)
    note = forms.CharField(label="备注", required=False, max_length=500)
    field_order = ["value", "effective_from", "effective_to", "document", "article", "note"]


def _policy_row_now(row: PolicyParameter) -> dict[str, Any]:
    return {f: getattr(row, f) for f in PolicyCorrectionForm.field_order}


def _policy_changes(row: PolicyParameter, data: dict[str, Any]) -> dict[str, Any]:
    entered = {f: data[f] for f in PolicyCorrectionForm.field_order}
    entered["value"] = entered["value"] or None  # an empty value means "unset", as on adding
    return {f: v for f, v in entered.items() if v != getattr(row, f)}


def _policy_parameter_update(row: PolicyParameter, actor: Any, data: dict[str, Any]) -> object:
    changes = _policy_changes(row, data)
    if not changes:
        raise BusinessError("nothing_changed", "未修改任何内容")
    return services.policy_parameter_update(
        row=row, changes=changes, actor=actor, reason=data["reason"]
    )


class ExpiryWarningMixin:
    def changelist_view(self, request, extra_context=None):
        today = today_local()
        left = measure_days_left(on=today)
        warn = policy_in_force(on=today).value(Key.MEASURE_EXPIRY_WARNING_DAYS)
        if left is not None and warn is not None and left <= int(warn):
            self.message_user(
                request,
                f"阳政办发〔2024〕52号将于{left}天后到期，请及时录入到期后的政策参数。",
                level=messages.WARNING,
            )
        return super().changelist_view(request, extra_context)


@admin.register(PolicyParameter)
class PolicyParameterAdmin(ObjectActionsMixin, ExpiryWarningMixin, ServiceAdmin):
    list_display = (
        "key",
        "value",
        "effective_from",
        "effective_to",
        "source",
        "document",
        "article",
        "in_force_today",
    )
    list_filter = ("source", "key")
    search_fields = ("key", "document", "article", "note")
    create_fields = (
        "key",
        "kind",
        "value",
        "effective_from",
        "effective_to",
        "document",
        "article",
        "source",
        "note",
    )
    date_hierarchy = "effective_from"
    object_actions = (
        ObjectAction(
            slug="correct",
            label="更正未生效参数",
            done="政策参数已更正",
            role=Role.POLICY_ADMIN,
            form=PolicyCorrectionForm,
            # Rows in force are never edited: a change is a new, later row.
            applies=lambda row: row.effective_from > today_local(),
            run=_policy_parameter_update,
            initial=_policy_row_now,
        ),
    )

    @admin.display(description="今日有效", boolean=True)
    def in_force_today(self, obj: PolicyParameter) -> bool:
        snap = policy_in_force(on=today_local())
        pv = snap.param(obj.key)
        return pv is not None and pv.citation.row == f"param:{obj.pk}"

    def create(self, request, data):
        return services.policy_parameter_add(actor=acting_user(request), **data)


@admin.register(LoanRate)
class LoanRateAdmin(ExpiryWarningMixin, ServiceAdmin):
    list_display = (
        "effective_from",
        "home_tier",
        "term_band",
        "annual_rate_percent",
        "is_floor",
        "document",
    )
    list_filter = ("home_tier", "term_band")
    search_fields = ("document", "article")
    create_fields = (
        "effective_from",
        "home_tier",
        "term_band",
        "annual_rate_percent",
        "is_floor",
        "document",
        "article",
        "note",
    )
    date_hierarchy = "effective_from"

    def create(self, request, data):
        return services.policy_rate_add(actor=acting_user(request), **data)
