"""The 政策管理 role's pages: policy and rate rows, entered and corrected through gjj.services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from gjj import admin_display as show
from gjj import services
from gjj.admin import ObjectAction, ObjectActionsMixin, ReasonForm, ServiceAdmin
from gjj.auth import acting_user
from gjj.domain import Role
from gjj.errors import BusinessError
from gjj.models import LoanRate, PolicyParameter
from gjj.policy import Key, PolicyStatus, ValueKind, key_label, parse_value
from gjj.selectors import (
    measure_days_left,
    policy_in_force,
    policy_parameters_in_force,
    policy_rates_in_force,
    today_local,
)


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


class RateCorrectionForm(ReasonForm):
    """A rate cell not yet in force; the tier and term band name the cell and stay."""

    annual_rate_percent = forms.DecimalField(
        label="年利率（%）", max_digits=6, decimal_places=3, min_value=0
    )
    is_floor = forms.BooleanField(label="为下限（不低于）", required=False)
    effective_from = forms.DateField(label="生效日期")
    document = forms.CharField(label="依据文件", max_length=300)
    article = forms.CharField(label="条款", max_length=300)
    note = forms.CharField(label="备注", required=False, max_length=300)
    field_order = [
        "annual_rate_percent",
        "is_floor",
        "effective_from",
        "document",
        "article",
        "note",
    ]


def _rate_row_now(row: LoanRate) -> dict[str, Any]:
    return {f: getattr(row, f) for f in RateCorrectionForm.field_order}


def _policy_rate_update(row: LoanRate, actor: Any, data: dict[str, Any]) -> object:
    entered = {f: data[f] for f in RateCorrectionForm.field_order}
    changes = {f: v for f, v in entered.items() if v != getattr(row, f)}
    if not changes:
        raise BusinessError("nothing_changed", "未修改任何内容")
    return services.policy_rate_update(row=row, changes=changes, actor=actor, reason=data["reason"])


class PolicyConfirmForm(forms.Form):
    """The center's document that makes a provisional row its own."""

    document_number = forms.CharField(label="中心确认文号", max_length=100)
    document_date = forms.DateField(label="文件日期")
    reason = forms.CharField(
        label="说明",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )


def _policy_parameter_confirm(row: PolicyParameter, actor: Any, data: dict[str, Any]) -> object:
    return services.policy_parameter_confirm(
        row=row,
        document_number=data["document_number"],
        document_date=data["document_date"],
        actor=actor,
        reason=data["reason"],
    )


def _policy_rate_confirm(row: LoanRate, actor: Any, data: dict[str, Any]) -> object:
    return services.policy_rate_confirm(
        row=row,
        document_number=data["document_number"],
        document_date=data["document_date"],
        actor=actor,
        reason=data["reason"],
    )


def _confirm_action(run: Any) -> ObjectAction:
    # Shown only to a 政策管理 user who may confirm now: not the row's author (four-eyes).
    return ObjectAction(
        slug="confirm",
        label="确认为中心正式政策",
        done="已确认为中心正式政策，引用依据已改为中心文件",
        role=Role.POLICY_ADMIN,
        form=PolicyConfirmForm,
        applies=lambda row: row.status == PolicyStatus.PROVISIONAL,
        run=run,
        offered=lambda row, actor: services.policy_row_may_confirm(row, actor=actor),
    )


class InForceTodayFilter(admin.SimpleListFilter):
    """今日有效: the rows the engine applies today (the latest covering row per key or cell)."""

    title = "今日有效"
    parameter_name = "in_force"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("today", "今日有效")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() != "today":
            return queryset
        on = today_local()
        rows = (
            policy_parameters_in_force(on=on)
            if queryset.model is PolicyParameter
            else policy_rates_in_force(on=on)
        )
        return queryset.filter(pk__in=rows.values("pk"))


class PolicyKeyFilter(admin.SimpleListFilter):
    title = "参数"
    parameter_name = "key"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(k.value, key_label(k)) for k in Key]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset.filter(key=self.value()) if self.value() else queryset


def _status_badge(row: PolicyParameter | LoanRate) -> str:
    if row.status == PolicyStatus.PROVISIONAL:
        return format_html('<strong style="color:#b45309">{}</strong>', row.get_status_display())
    return row.get_status_display()


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
        "key_name",
        "value_brief",
        "effective_from",
        "status_shown",
        # 来源 is a filter; 失效日期, 依据文件 and 条款 are on the object page: the list fits
        # a 1,400 px screen.
        "in_force_today",
    )
    list_filter = ("status", InForceTodayFilter, "source", PolicyKeyFilter)
    list_select_related = ("created_by", "confirmed_by")
    search_fields = ("key", "document", "article", "note")
    # The object page: names and values in words; the confirmation under the citation.
    fields = (
        "key_name",
        "kind",
        "value_shown",
        "effective_from",
        "effective_to",
        "status_shown",
        "document",
        "article",
        "source",
        "note",
        "confirmation_number",
        "confirmation_date",
        "confirmed_by",
        "confirmed_at",
        "created_by",
        "created_at",
    )
    readonly_fields = ("key_name", "value_shown", "status_shown")
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
            # Rows in force are never edited: a change is a new, later row. A row the
            # center confirmed by its document keeps the value that document names.
            applies=lambda row: row.effective_from > today_local() and row.confirmed_at is None,
            run=_policy_parameter_update,
            initial=_policy_row_now,
        ),
        _confirm_action(_policy_parameter_confirm),
    )

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "key":  # entering a row: the parameter by its Chinese name
            choices = [("", "---------")] + [(k.value, f"{key_label(k)}（{k.value}）") for k in Key]
            return forms.ChoiceField(label=db_field.verbose_name, choices=choices)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="参数", ordering="key")
    def key_name(self, obj: PolicyParameter) -> str:
        return show.labelled(key_label(obj.key), obj.key)

    @admin.display(description="取值")
    def value_shown(self, obj: PolicyParameter) -> str:
        if obj.value is None:
            return "未设置（不适用）"
        if obj.kind == ValueKind.JSON:
            try:
                return show.value_table(parse_value(obj.kind, obj.value))
            except ValueError:
                return obj.value
        return show.scalar_text(obj.value)

    @admin.display(description="取值")
    def value_brief(self, obj: PolicyParameter) -> str:
        """The value in the list: one short line (the whole value is on the object page)."""
        if obj.value is None:
            return "未设置（不适用）"
        if obj.kind != ValueKind.JSON:
            return show.truncate(show.scalar_text(obj.value), 14)
        try:
            value = parse_value(obj.kind, obj.value)
        except ValueError:
            return show.truncate(obj.value, 14)
        if isinstance(value, list):
            text = "、".join(show.code_label(str(v)) for v in value)
        elif isinstance(value, dict):
            text = "；".join(f"{show.code_label(str(k))}：{v}" for k, v in value.items())
        else:
            text = show.scalar_text(value)
        return show.truncate(text, 14)

    @admin.display(description="状态", ordering="status")
    def status_shown(self, obj: PolicyParameter) -> str:
        return _status_badge(obj)

    @admin.display(description="今日有效", boolean=True)
    def in_force_today(self, obj: PolicyParameter) -> bool:
        snap = policy_in_force(on=today_local())
        pv = snap.param(obj.key)
        return pv is not None and pv.citation.row == f"param:{obj.pk}"

    def create(self, request, data):
        return services.policy_parameter_add(actor=acting_user(request), **data)


@admin.register(LoanRate)
class LoanRateAdmin(ObjectActionsMixin, ExpiryWarningMixin, ServiceAdmin):
    list_display = (
        "effective_from",
        "home_tier",
        "term_band",
        "annual_rate_percent",
        "is_floor",
        "status_shown",
        "document",
    )
    list_filter = ("status", InForceTodayFilter, "home_tier", "term_band")
    readonly_fields = ("status_shown",)
    object_actions = (
        ObjectAction(
            slug="correct",
            label="更正未生效利率",
            done="贷款利率已更正",
            role=Role.POLICY_ADMIN,
            form=RateCorrectionForm,
            # Cells in force are never edited: a change is a new, later cell.
            applies=lambda row: row.effective_from > today_local() and row.confirmed_at is None,
            run=_policy_rate_update,
            initial=_rate_row_now,
        ),
        _confirm_action(_policy_rate_confirm),
    )

    @admin.display(description="状态", ordering="status")
    def status_shown(self, obj: LoanRate) -> str:
        return _status_badge(obj)

    search_fields = ("document", "article")
    create_fields = (
        "effective_from",
        "home_tier",
        "term_band",
        "annual_rate_percent",
        "is_floor",
        "document",
        "article",
        "source",
        "note",
    )
    date_hierarchy = "effective_from"

    def create(self, request, data):
        return services.policy_rate_add(actor=acting_user(request), **data)
