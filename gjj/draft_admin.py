"""The 政策管理 role's drafts: future rows, their impact preview and their confirmation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from gjj import drafts
from gjj.admin import ObjectAction, ObjectActionsMixin, ReasonForm, ServiceAdmin
from gjj.auth import acting_user
from gjj.domain import Role, TermBand
from gjj.draft_models import PolicyDraft, PolicyDraftParameter, PolicyDraftRate
from gjj.models import PolicySource
from gjj.policy import Key, ValueKind
from gjj.tasks import policy_draft_preview_dispatch
from gjj.workflow import actor_has_role


class DraftParameterForm(forms.Form):
    key = forms.ChoiceField(label="参数", choices=[(k.value, k.value) for k in Key])
    kind = forms.ChoiceField(label="类型", choices=[(k.value, k.value) for k in ValueKind])
    value = forms.CharField(label="取值（留空表示未设置）", required=False, max_length=200)
    effective_from = forms.DateField(label="生效日期")
    effective_to = forms.DateField(label="失效日期", required=False)
    document = forms.CharField(label="依据文件", max_length=300)
    article = forms.CharField(label="条款", max_length=300)
    source = forms.ChoiceField(label="来源", choices=PolicySource.choices)
    note = forms.CharField(label="说明", required=False, max_length=300)


class DraftRateForm(forms.Form):
    effective_from = forms.DateField(label="生效日期")
    home_tier = forms.TypedChoiceField(
        label="住房套数", choices=[(1, "首套"), (2, "第二套")], coerce=int
    )
    term_band = forms.ChoiceField(label="期限档次", choices=TermBand.choices())
    annual_rate_percent = forms.DecimalField(label="年利率（%）", max_digits=6, decimal_places=3)
    is_floor = forms.BooleanField(label="为下限（不低于）", required=False)
    document = forms.CharField(label="依据文件", max_length=300)
    article = forms.CharField(label="条款", max_length=300)
    note = forms.CharField(label="说明", required=False, max_length=300)


class DraftRowRemoveForm(forms.Form):
    parameter_id = forms.IntegerField(label="草案参数编号", required=False)
    rate_id = forms.IntegerField(label="草案利率编号", required=False)


class EmptyForm(forms.Form):
    pass


def _editable(draft: PolicyDraft) -> bool:
    return draft.status in drafts.EDITABLE


def _may_edit(draft: PolicyDraft, actor: Any) -> bool:
    return drafts.policy_draft_may_edit(draft=draft, actor=actor)


def _add_parameter(draft: PolicyDraft, actor: Any, data: dict[str, Any]) -> object:
    return drafts.policy_draft_parameter_add(draft=draft, actor=actor, **data)


def _add_rate(draft: PolicyDraft, actor: Any, data: dict[str, Any]) -> object:
    return drafts.policy_draft_rate_add(draft=draft, actor=actor, **data)


def _remove_row(draft: PolicyDraft, actor: Any, data: dict[str, Any]) -> object:
    return drafts.policy_draft_row_remove(
        draft=draft, actor=actor, parameter_id=data["parameter_id"], rate_id=data["rate_id"]
    )


def _preview(draft: PolicyDraft, actor: Any, data: dict[str, Any]) -> object:
    return drafts.policy_draft_preview_request(
        draft=draft, actor=actor, dispatch=policy_draft_preview_dispatch
    )


def _confirm(draft: PolicyDraft, actor: Any, data: dict[str, Any]) -> object:
    return drafts.policy_draft_confirm(draft=draft, actor=actor, reason=data["reason"])


def _withdraw(draft: PolicyDraft, actor: Any, data: dict[str, Any]) -> object:
    return drafts.policy_draft_withdraw(draft=draft, actor=actor, reason=data["reason"])


class ConfirmForm(forms.Form):
    reason = forms.CharField(label="确认意见", required=False, max_length=500)


class DraftParameterInline(admin.TabularInline):
    model = PolicyDraftParameter
    extra = 0
    can_delete = False
    fields = ("id", "key", "value", "effective_from", "effective_to", "document", "article")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DraftRateInline(admin.TabularInline):
    model = PolicyDraftRate
    extra = 0
    can_delete = False
    fields = (
        "id",
        "effective_from",
        "home_tier",
        "term_band",
        "annual_rate_percent",
        "is_floor",
        "document",
        "article",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PolicyDraft)
class PolicyDraftAdmin(ObjectActionsMixin, ServiceAdmin):
    list_display = ("id", "title", "status", "created_by", "previewed_at", "confirmed_by")
    list_filter = ("status",)
    list_select_related = ("created_by", "confirmed_by")
    search_fields = ("title",)
    create_fields = ("title",)
    inlines = (DraftParameterInline, DraftRateInline)
    # The mixin's template with the stored preview below the buttons.
    change_form_template = "admin/gjj/policydraft/change_form.html"  # type: ignore[misc]
    object_actions = (
        ObjectAction(
            slug="add-parameter",
            label="增加参数条目",
            done="已增加草案参数",
            role=Role.POLICY_ADMIN,
            form=DraftParameterForm,
            applies=_editable,
            run=_add_parameter,
            offered=_may_edit,
        ),
        ObjectAction(
            slug="add-rate",
            label="增加利率条目",
            done="已增加草案利率",
            role=Role.POLICY_ADMIN,
            form=DraftRateForm,
            applies=_editable,
            run=_add_rate,
            offered=_may_edit,
        ),
        ObjectAction(
            slug="remove-row",
            label="删除草案条目",
            done="已删除草案条目",
            role=Role.POLICY_ADMIN,
            form=DraftRowRemoveForm,
            applies=lambda d: _editable(d) and (d.parameters.exists() or d.rates.exists()),
            run=_remove_row,
            offered=_may_edit,
        ),
        ObjectAction(
            slug="preview",
            label="运行影响预览",
            done="影响预览已提交批处理，完成后显示在本页",
            role=Role.POLICY_ADMIN,
            form=EmptyForm,
            applies=lambda d: _editable(d) and (d.parameters.exists() or d.rates.exists()),
            run=_preview,
            offered=_may_edit,
        ),
        ObjectAction(
            slug="confirm",
            label="确认生效",
            done="草案已确认，条目已生效登记",
            role=Role.POLICY_ADMIN,
            form=ConfirmForm,
            applies=_editable,
            run=_confirm,
            offered=lambda d, actor: drafts.policy_draft_may_confirm(draft=d, actor=actor),
        ),
        ObjectAction(
            slug="withdraw",
            label="撤销草案",
            done="草案已撤销",
            role=Role.POLICY_ADMIN,
            form=ReasonForm,
            applies=_editable,
            run=_withdraw,
            offered=_may_edit,
        ),
    )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The stored preview is shown as tables below, not as raw JSON.
        fields = super().get_fields(request, obj)
        return [f for f in fields if f not in ("preview", "preview_rows")]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = super().get_readonly_fields(request, obj)
        return [f for f in fields if f not in ("preview", "preview_rows")]

    def create(self, request: HttpRequest, data: dict[str, Any]) -> PolicyDraft:
        return drafts.policy_draft_create(actor=acting_user(request), **data)

    def get_urls(self) -> list[URLPattern]:
        export = path(
            "<int:pk>/preview.xlsx",
            self.admin_site.admin_view(self.export_view),
            name="gjj_policydraft_preview_xlsx",
        )
        return [export, *super().get_urls()]

    def export_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        draft = self.get_object(request, str(pk))
        if draft is None or draft.preview is None:
            raise Http404
        if not self.has_view_permission(request, draft) or not actor_has_role(
            acting_user(request), Role.POLICY_ADMIN
        ):
            raise PermissionDenied
        response = HttpResponse(
            drafts.policy_draft_preview_workbook(draft=draft),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="policy-draft-{draft.pk}.xlsx"'
        return response

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> TemplateResponse:
        if obj is not None:
            context["draft_preview"] = drafts.policy_draft_preview_view(preview=obj.preview)
            context["draft_preview_rows"] = obj.preview_rows
            context["draft_preview_stale"] = (
                obj.preview_revision is not None and obj.preview_revision != obj.revision
            )
        return super().render_change_form(request, context, add, change, form_url, obj)
