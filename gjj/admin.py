"""Clerks' admin for the center's core data. Every write goes through gjj.services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from gjj import admin_display as show
from gjj import calendar as working_calendar
from gjj import services
from gjj.admin_perf import CityScaleListMixin
from gjj.auth import acting_user
from gjj.domain import (
    AuditAction,
    ManualPostingAction,
    ManualPostingKind,
    ManualPostingStatus,
    Role,
)
from gjj.errors import BusinessError
from gjj.exports import ExportOnlyMixin
from gjj.ledger import (
    MANUAL_POSTING_FLOW,
    manual_posting_approve,
    manual_posting_reject,
    manual_posting_request,
)
from gjj.masking import mask_id_number
from gjj.models import (
    AccountEntry,
    AccountStatus,
    AuditLog,
    Depositor,
    Employer,
    EntryType,
    FamilyMember,
    Holiday,
    Home,
    ManualPosting,
    PfLoanRecord,
    ProvidentAccount,
    RemittanceImport,
    SpecialGroupMembership,
)
from gjj.remittance import RemittanceResult, remittance_import
from gjj.resources import (
    AccountEntryResource,
    AuditLogResource,
    DepositorResource,
    ProvidentAccountResource,
)
from gjj.selectors import local_city, today_local
from gjj.workflow import actor_has_role, allowed_steps


class FormattedFieldsMixin:
    """Money and rate fields in the one format, on lists and object pages.

    ``<field>_yuan`` shows a money field as ``900,000.00`` and ``<field>_pct`` a rate
    as ``2.60%`` (gjj.admin_display); list_display and readonly fields name them.
    """

    model: type[Model]

    def __getattr__(self, name: str) -> Any:
        base, _, suffix = name.rpartition("_")
        fmt = {"yuan": show.money, "pct": show.rate}.get(suffix)
        if fmt is None or not base or name.startswith("__"):
            raise AttributeError(name)
        try:
            field = self.model._meta.get_field(base)
        except Exception as exc:  # FieldDoesNotExist, or no model yet
            raise AttributeError(name) from exc
        if formatted_name(field) != name:
            raise AttributeError(name)
        label = str(getattr(field, "verbose_name", base)).replace("（%）", "")

        @admin.display(description=label, ordering=base)
        def formatted(obj: Model) -> str:
            return fmt(getattr(obj, base))

        return formatted


def formatted_name(field: Any) -> str | None:
    """The ``_yuan``/``_pct`` name that shows ``field`` formatted, or None."""
    from django.db.models import DecimalField

    if not isinstance(field, DecimalField):
        return None
    if field.name.endswith("rate_percent"):
        return f"{field.name}_pct"
    return f"{field.name}_yuan" if field.decimal_places == 2 else None


class ServiceAdmin(FormattedFieldsMixin, CityScaleListMixin, admin.ModelAdmin):
    """Creation calls a service; saved rows are read-only; nothing is deleted.

    The service runs while the form is cleaned (inside the admin's transaction),
    so a refusal is shown on the form, in Chinese, and nothing is saved.
    """

    create_fields: tuple[str, ...] = ()
    # On a saved row's page, a field shown by a display method instead (e.g. a JSON value
    # as a table): {"value": "value_shown"}. Money and rates are swapped without asking.
    shown_fields: dict[str, str] = {}

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        if obj is None and self.create_fields:
            return self.create_fields
        fields = super().get_fields(request, obj)
        if obj is None:
            return fields
        # A saved row is read-only: money and rates show formatted in place of the raw field.
        swap = self._formatted_names()
        shown = [swap.get(str(f), str(f)) for f in fields if f not in swap.values()]
        return list(dict.fromkeys(shown))

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        if obj is None:
            return self.readonly_fields
        names = [f.name for f in self.model._meta.fields]
        return names + list(self._formatted_names().values()) + list(self.readonly_fields)

    def _formatted_names(self) -> dict[str, str]:
        pairs = ((f.name, formatted_name(f)) for f in self.model._meta.fields)
        return {name: shown for name, shown in pairs if shown is not None} | self.shown_fields

    def get_inlines(self, request: HttpRequest, obj: Model | None) -> Any:
        return self.inlines if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def get_form(
        self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            return form_class
        admin_self = self

        class ServiceForm(form_class):  # type: ignore[misc, valid-type]
            created: Model | None = None

            def _post_clean(self) -> None:
                # The service validates and writes; the model's own full_clean would
                # demand the fields the service derives.
                if self.errors:
                    return
                data = {k: v for k, v in self.cleaned_data.items() if k in admin_self.create_fields}
                try:
                    self.created = admin_self.create(request, data)
                except BusinessError as exc:
                    # The clerk reads the Chinese message; the code is for machines.
                    for name, message in show.field_refusals(exc):
                        self.add_error(name if name in self.fields else None, message)

        return ServiceForm

    def save_model(self, request: HttpRequest, obj: Model, form: ModelForm, change: bool) -> None:
        if change:
            return  # read-only after creation; changes are dedicated actions
        created = form.created  # type: ignore[attr-defined]
        obj.pk = created.pk
        obj.__dict__.update(created.__dict__)

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        return  # relations are written by the services


# --- object-page actions ------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2, "cols": 60})
    )


class HomeDisposeForm(ReasonForm):
    disposed_on = forms.DateField(label="转让（处置）日期")
    field_order = ["disposed_on", "reason"]


class PfLoanSettleForm(forms.Form):
    settled_on = forms.DateField(label="结清日期")


class FamilyMemberEndForm(ReasonForm):
    ended_on = forms.DateField(label="终止日期")
    field_order = ["ended_on", "reason"]


class EntryReverseForm(ReasonForm):
    value_date = forms.DateField(label="冲账记账日期")
    reference = forms.CharField(label="依据（凭证号）", max_length=64)
    field_order = ["value_date", "reference", "reason"]


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label="复核意见",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )


class RemittanceFileForm(forms.Form):
    file = forms.FileField(label="汇缴文件（CSV）")
    value_date = forms.DateField(label="记账日期")


class AccountStatusForm(ReasonForm):
    status = forms.ChoiceField(label="变更为", choices=AccountStatus.choices)
    field_order = ["status", "reason"]


def _no_initial(obj: Model) -> dict[str, Any]:
    return {}


def _home_dispose(home: Home, actor: Any, data: dict[str, Any]) -> object:
    return services.home_dispose(
        home=home, disposed_on=data["disposed_on"], actor=actor, reason=data["reason"]
    )


def _home_verify(home: Home, actor: Any, data: dict[str, Any]) -> object:
    return services.home_verify(home=home, actor=actor)


def _pf_loan_record_verify(record: PfLoanRecord, actor: Any, data: dict[str, Any]) -> object:
    return services.pf_loan_record_verify(record=record, actor=actor)


def _pf_loan_record_settle(record: PfLoanRecord, actor: Any, data: dict[str, Any]) -> object:
    return services.pf_loan_record_settle(record=record, settled_on=data["settled_on"], actor=actor)


def _family_member_end(member: FamilyMember, actor: Any, data: dict[str, Any]) -> object:
    return services.family_member_end(
        member=member, ended_on=data["ended_on"], actor=actor, reason=data["reason"]
    )


def _special_group_revoke(
    membership: SpecialGroupMembership, actor: Any, data: dict[str, Any]
) -> object:
    return services.special_group_revoke(membership=membership, actor=actor, reason=data["reason"])


def _entry_reversal_request(entry: AccountEntry, actor: Any, data: dict[str, Any]) -> object:
    # A 冲账 is a manual posting: it posts only when a second person approves it.
    return manual_posting_request(
        account=entry.account,
        kind=ManualPostingKind.REVERSAL,
        reverses=entry,
        value_date=data["value_date"],
        reason=data["reason"],
        reference=data["reference"],
        actor=actor,
    )


def _manual_posting_approve(request: ManualPosting, actor: Any, data: dict[str, Any]) -> object:
    return manual_posting_approve(request=request, actor=actor, reason=data["reason"])


def _manual_posting_reject(request: ManualPosting, actor: Any, data: dict[str, Any]) -> object:
    return manual_posting_reject(request=request, actor=actor, reason=data["reason"])


def _manual_step(action: ManualPostingAction) -> Callable[[Any, Any], bool]:
    return lambda request, actor: (
        action in allowed_steps(case=request, actor=actor, flow=MANUAL_POSTING_FLOW)
    )


def _account_status_change(account: ProvidentAccount, actor: Any, data: dict[str, Any]) -> object:
    return services.account_status_change(
        account=account, status=data["status"], actor=actor, reason=data["reason"]
    )


def _on_today(field: str) -> Callable[[Any], dict[str, Any]]:
    return lambda obj: {field: today_local()}


@dataclass(frozen=True)
class ObjectAction:
    """A button on an object page: it POSTs a small form to a view that calls one service."""

    slug: str  # URL segment: <pk>/<slug>/
    label: str  # the button, in the clerks' words
    done: str  # the message after the service succeeded
    role: Role  # only holders of this role see the button or may post to it
    form: type[forms.Form]
    applies: Callable[[Any], bool]  # whether the object's state still offers the step
    run: Callable[[Any, Any, dict[str, Any]], object]  # (object, actor, cleaned form data)
    initial: Callable[[Any], dict[str, Any]] = _no_initial
    # Where a workflow decides (several roles, four-eyes): (object, actor) -> offered.
    offered: Callable[[Any, Any], bool] | None = None

    def may(self, obj: Any, actor: Any) -> bool:
        if self.offered is not None:
            return self.offered(obj, actor)
        return actor_has_role(actor, self.role)


class ObjectActionsMixin:
    """Object-page buttons for the writes that correct a saved row (style guide, 8)."""

    object_actions: tuple[ObjectAction, ...] = ()
    # Any: the stubs type it with a private alias a mixin cannot name.
    change_form_template: Any = "admin/gjj/change_form_actions.html"

    # Provided by ModelAdmin.
    model: type[Model]
    admin_site: admin.AdminSite
    get_object: Callable[..., Any]
    has_view_permission: Callable[..., bool]
    message_user: Callable[..., None]

    def get_urls(self) -> list[URLPattern]:
        meta = self.model._meta
        own = [
            path(
                f"<path:object_id>/{action.slug}/",
                self.admin_site.admin_view(require_POST(self._action_view(action))),
                name=f"{meta.app_label}_{meta.model_name}_{action.slug}",
            )
            for action in self.object_actions
        ]
        return own + super().get_urls()  # type: ignore[misc]  # ModelAdmin.get_urls

    def offered_actions(self, request: HttpRequest, obj: Model) -> list[ObjectAction]:
        return [
            a for a in self.object_actions if a.applies(obj) and a.may(obj, acting_user(request))
        ]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Model | None = None,
    ) -> TemplateResponse:
        if obj is not None:
            meta = self.model._meta
            context["object_actions"] = [
                {
                    "label": action.label,
                    "url": reverse(
                        f"admin:{meta.app_label}_{meta.model_name}_{action.slug}", args=[obj.pk]
                    ),
                    "form": action.form(initial=action.initial(obj), prefix=action.slug),
                }
                for action in self.offered_actions(request, obj)
            ]
            context["audit_block"] = show.audit_block(obj)
        return super().render_change_form(  # type: ignore[misc]  # ModelAdmin's
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )

    def _action_view(self, action: ObjectAction) -> Callable[..., HttpResponse]:
        def view(request: HttpRequest, object_id: str) -> HttpResponse:
            obj = self.get_object(request, unquote(object_id))
            if obj is None:
                raise Http404
            if not self.has_view_permission(request, obj) or not action.may(
                obj, acting_user(request)
            ):
                raise PermissionDenied
            form = action.form(request.POST, prefix=action.slug)
            if not form.is_valid():
                for field, errors in form.errors.items():
                    label = form.fields[field].label if field in form.fields else ""
                    for error in errors:
                        self.message_user(request, f"{label}：{error}", messages.ERROR)
            else:
                try:
                    action.run(obj, acting_user(request), form.cleaned_data)
                except BusinessError as refusal:
                    self.message_user(request, show.refusal_text(refusal), messages.ERROR)
                else:
                    self.message_user(request, action.done, messages.SUCCESS)
            meta = self.model._meta
            return HttpResponseRedirect(
                reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
            )

        return view


class MaskedIdMixin:
    @admin.display(description="身份证号码")
    def masked_id(self, obj: Any) -> str:
        return mask_id_number(obj.id_number)


@admin.register(Employer)
class EmployerAdmin(ServiceAdmin):
    list_display = ("name", "credit_code", "created_at")
    search_fields = ("name", "credit_code")
    create_fields = ("name", "credit_code", "address")
    date_hierarchy = "created_at"

    def create(self, request, data):
        return services.employer_create(actor=acting_user(request), **data)


class AccountInline(admin.StackedInline):
    model = ProvidentAccount
    extra = 0
    can_delete = False
    readonly_fields = (
        "account_number",
        "status",
        "balance_yuan",
        "deposit_base_yuan",
        "opened_on",
        "continuous_deposit_months",
    )
    fields = readonly_fields

    @admin.display(description="账户余额")
    def balance_yuan(self, obj: ProvidentAccount) -> str:
        return show.money(obj.balance)

    @admin.display(description="缴存基数")
    def deposit_base_yuan(self, obj: ProvidentAccount) -> str:
        return show.money(obj.deposit_base)

    def has_add_permission(self, request, obj=None):
        return False


class FamilyInline(admin.TabularInline):
    model = FamilyMember
    fk_name = "depositor"
    extra = 0
    can_delete = False
    fields = ("relation", "name", "masked", "relative_depositor", "verified_at", "ended_on")
    readonly_fields = fields

    @admin.display(description="身份证号码")
    def masked(self, obj):
        return mask_id_number(obj.id_number)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Depositor)
class DepositorAdmin(ExportOnlyMixin, MaskedIdMixin, ServiceAdmin):
    list_display = ("name", "masked_id", "account_number", "sex", "birth_date", "employer")
    list_filter = ("sex", "hukou_city", "account__status")
    search_fields = ("name", "id_number", "account__account_number")
    search_identifiers = ("id_number", "account__account_number")
    list_select_related = ("account", "employer")
    create_fields = ("name", "id_number", "phone", "hukou_city", "hukou_since", "employer")
    inlines = (AccountInline, FamilyInline)
    date_hierarchy = "created_at"
    resource_classes = (DepositorResource,)

    @admin.display(description="个人账号")
    def account_number(self, obj: Depositor) -> str:
        account = getattr(obj, "account", None)
        return account.account_number if account else "—"

    def create(self, request, data):
        return services.depositor_create(actor=acting_user(request), **data)


@admin.register(ProvidentAccount)
class ProvidentAccountAdmin(ObjectActionsMixin, ExportOnlyMixin, ServiceAdmin):
    list_display = (
        "account_number",
        "depositor_name",
        "depositor_id",
        "status",
        "balance_yuan",
        "opened_on",
    )
    list_filter = ("status",)
    search_fields = ("account_number", "depositor__name", "depositor__id_number")
    search_identifiers = ("account_number", "depositor__id_number")
    list_select_related = ("depositor",)
    create_fields = (
        "depositor",
        "account_number",
        "deposit_base",
        "employee_monthly",
        "employer_monthly",
        "opened_on",
        "continuous_deposit_months",
    )
    date_hierarchy = "opened_on"
    resource_classes = (ProvidentAccountResource,)
    object_actions = (
        ObjectAction(
            slug="status",
            label="变更账户状态",
            done="账户状态已变更",
            role=Role.CLERK,
            form=AccountStatusForm,
            applies=lambda account: True,
            run=_account_status_change,
        ),
    )

    @admin.display(description="姓名", ordering="depositor__name")
    def depositor_name(self, obj: ProvidentAccount) -> str:
        return obj.depositor.name

    @admin.display(description="身份证号码")
    def depositor_id(self, obj: ProvidentAccount) -> str:
        return mask_id_number(obj.depositor.id_number)

    def create(self, request, data):
        return services.account_open(actor=acting_user(request), **data)


@admin.register(AccountEntry)
class AccountEntryAdmin(ObjectActionsMixin, ExportOnlyMixin, ServiceAdmin):
    list_display = (
        "id",
        "account",
        "depositor_name",
        "depositor_id",
        "entry_type",
        "amount_yuan",
        "balance_after_yuan",
        "value_date",
        "withdrawal_reason",
        "reverses",
    )
    list_filter = ("entry_type", "withdrawal_reason")
    search_fields = (
        "account__account_number",
        "account__depositor__name",
        "account__depositor__id_number",
        "reference",
    )
    search_identifiers = ("account__account_number", "account__depositor__id_number", "reference")
    list_select_related = ("account", "account__depositor")
    date_hierarchy = "value_date"
    resource_classes = (AccountEntryResource,)
    object_actions = (
        ObjectAction(
            slug="reverse",
            label="申请冲账",
            done="已提交冲账申请，待复核人员复核后记账",
            role=Role.CLERK,
            form=EntryReverseForm,
            applies=lambda entry: entry.entry_type != EntryType.REVERSAL,
            run=_entry_reversal_request,
            initial=_on_today("value_date"),
        ),
    )

    # Entries come from services only: withdrawals, loans, remittance files, and
    # manual postings a second person approved (domain.md §8).
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="姓名", ordering="account__depositor__name")
    def depositor_name(self, obj: AccountEntry) -> str:
        return obj.account.depositor.name

    @admin.display(description="身份证号码")
    def depositor_id(self, obj: AccountEntry) -> str:
        return mask_id_number(obj.account.depositor.id_number)

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Model:
        raise PermissionDenied  # no add view: see has_add_permission


@admin.register(ManualPosting)
class ManualPostingAdmin(ObjectActionsMixin, ServiceAdmin):
    list_display = (
        "id",
        "account",
        "kind",
        "amount_yuan",
        "value_date",
        "status",
        "reference",
        "requester_name",
        "decider_name",
    )
    list_filter = ("status", "kind")
    search_fields = ("account__account_number", "account__depositor__name", "reference")
    list_select_related = ("account", "requested_by", "decided_by")
    create_fields = ("account", "kind", "amount", "value_date", "reference", "reason")
    date_hierarchy = "created_at"
    object_actions = (
        ObjectAction(
            slug="approve",
            label=ManualPostingAction.APPROVE.label,
            done="已复核同意并记账",
            role=Role.REVIEWER,
            form=DecisionForm,
            applies=lambda r: r.status == ManualPostingStatus.REQUESTED,
            run=_manual_posting_approve,
            offered=_manual_step(ManualPostingAction.APPROVE),
        ),
        ObjectAction(
            slug="reject",
            label=ManualPostingAction.REJECT.label,
            done="已退回手工记账申请",
            role=Role.REVIEWER,
            form=ReasonForm,
            applies=lambda r: r.status == ManualPostingStatus.REQUESTED,
            run=_manual_posting_reject,
            offered=_manual_step(ManualPostingAction.REJECT),
        ),
    )

    @admin.display(description="申请人", ordering="requested_by__first_name")
    def requester_name(self, obj: ManualPosting) -> str:
        return show.person_name(obj.requested_by)

    @admin.display(description="复核人", ordering="decided_by__first_name")
    def decider_name(self, obj: ManualPosting) -> str:
        return show.person_name(obj.decided_by) if obj.decided_by_id else show.EMPTY

    def get_form(
        self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None and "kind" in form.base_fields:
            # A reversal is asked for from the entry's own page (申请冲账).
            form.base_fields["kind"].choices = ManualPostingKind.choices(
                [ManualPostingKind.SUPPLEMENT, ManualPostingKind.ADJUSTMENT]
            )
        return form

    def create(self, request: HttpRequest, data: dict[str, Any]) -> Model:
        return manual_posting_request(actor=acting_user(request), **data)


@admin.register(RemittanceImport)
class RemittanceImportAdmin(CityScaleListMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "employer",
        "month",
        "line_count",
        "total_yuan",
        "importer_name",
        "imported_at",
    )
    list_filter = ("month",)
    search_fields = ("employer__name", "employer__credit_code", "file_name")
    list_select_related = ("employer", "imported_by")
    date_hierarchy = "imported_at"
    change_list_template = "admin/gjj/remittance_changelist.html"

    @admin.display(description="合计金额", ordering="total")
    def total_yuan(self, obj: RemittanceImport) -> str:
        return show.money(obj.total)

    @admin.display(description="导入人", ordering="imported_by__first_name")
    def importer_name(self, obj: RemittanceImport) -> str:
        return show.person_name(obj.imported_by)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # files come in through the import page, which calls the service

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="gjj_remittanceimport_import"), *super().get_urls()]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        may = actor_has_role(acting_user(request), Role.CLERK)
        context = {"remittance_import_url": "import/" if may else None, **(extra_context or {})}
        return super().changelist_view(request, context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not actor_has_role(acting_user(request), Role.CLERK):
            raise PermissionDenied
        result: RemittanceResult | None = None
        problems: list[str] = []
        form = RemittanceFileForm(initial={"value_date": today_local()})
        if request.method == "POST":
            form = RemittanceFileForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                try:
                    result = remittance_import(
                        content=upload.read(),
                        file_name=upload.name,
                        value_date=form.cleaned_data["value_date"],
                        actor=acting_user(request),
                    )
                except BusinessError as refusal:
                    problems = [e["message"] for errs in refusal.fields.values() for e in errs]
                    self.message_user(request, refusal.message, messages.ERROR)
                else:
                    if result.replayed:
                        self.message_user(request, "该文件已导入过，未重复记账", messages.WARNING)
                    else:
                        self.message_user(
                            request, f"已导入{len(result.entries)}笔汇缴", messages.SUCCESS
                        )
        context = {
            **self.admin_site.each_context(request),
            "title": "导入单位汇缴文件",
            "opts": self.model._meta,
            "form": form,
            "result": result,
            "problems": problems,
        }
        return TemplateResponse(request, "admin/gjj/remittance_import.html", context)


@admin.register(FamilyMember)
class FamilyMemberAdmin(ObjectActionsMixin, MaskedIdMixin, ServiceAdmin):
    list_display = (
        "depositor",
        "relation",
        "name",
        "masked_id",
        "relative_depositor",
        "verified_at",
        "ended_on",
    )
    list_filter = ("relation",)
    search_fields = ("name", "id_number", "depositor__name", "depositor__id_number")
    list_select_related = ("depositor", "relative_depositor")
    create_fields = ("depositor", "relation", "name", "id_number", "evidence")
    actions = ("verify",)
    date_hierarchy = "created_at"
    object_actions = (
        ObjectAction(
            slug="end",
            label="终止家庭关系",
            done="家庭关系已终止",
            role=Role.CLERK,
            form=FamilyMemberEndForm,
            applies=lambda member: member.ended_on is None,
            run=_family_member_end,
            initial=_on_today("ended_on"),
        ),
    )

    def create(self, request, data):
        return services.family_member_add(actor=acting_user(request), **data)

    # Verifying writes the record: only a role that may change family records (经办).
    @admin.action(description="核验所选家庭关系（以已登记的关系证明为据）", permissions=["change"])
    def verify(self, request: HttpRequest, queryset: QuerySet[FamilyMember]) -> None:
        done = 0
        for member in queryset.order_by("pk"):
            try:
                services.family_member_verify(
                    member=member, evidence=member.evidence, actor=acting_user(request)
                )
                done += 1
            except BusinessError as exc:
                self.message_user(request, f"{member}：{exc.message}", level=messages.WARNING)
        self.message_user(request, f"已核验 {done} 条家庭关系")


class HouseholdFactAdminMixin:
    """Shared columns of homes and loan records: whose they are and whether verified."""

    @admin.display(description="核实状态", ordering="verified_at")
    def verification(self, obj: Home | PfLoanRecord) -> str:
        return obj.verification_label


@admin.register(Home)
class HomeAdmin(HouseholdFactAdminMixin, ObjectActionsMixin, ServiceAdmin):
    list_display = (
        "address",
        "holder",
        "city",
        "property_type",
        "certificate_number",
        "registered_on",
        "disposed_on",
        "verification",
    )
    list_filter = ("city", "property_type", ("verified_at", admin.EmptyFieldListFilter))
    search_fields = (
        "address",
        "owner__name",
        "owner__id_number",
        "member__name",
        "member__id_number",
        "certificate_number",
        "contract_number",
    )
    list_select_related = ("owner", "member", "member__depositor")
    create_fields = (
        "owner",
        "member",
        "address",
        "city",
        "property_type",
        "certificate_number",
        "contract_number",
        "registered_on",
    )
    date_hierarchy = "registered_on"
    object_actions = (
        ObjectAction(
            slug="verify",
            label="核实住房",
            done="住房信息已核实",
            role=Role.CLERK,
            form=forms.Form,
            applies=lambda home: home.verified_at is None,
            run=_home_verify,
        ),
        ObjectAction(
            slug="dispose",
            label="处置房产",
            done="已登记住房转让",
            role=Role.CLERK,
            form=HomeDisposeForm,
            applies=lambda home: home.disposed_on is None,
            run=_home_dispose,
            initial=_on_today("disposed_on"),
        ),
    )

    @admin.display(description="产权人")
    def holder(self, obj: Home) -> str:
        return str(obj.owner) if obj.owner is not None else str(obj.member)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        # The new home's city starts as the center's own (the policy row), as before.
        return {
            "city": local_city(on=today_local()),
            **super().get_changeform_initial_data(request),
        }

    def create(self, request, data):
        return services.home_register(actor=acting_user(request), **data)


@admin.register(PfLoanRecord)
class PfLoanRecordAdmin(HouseholdFactAdminMixin, ObjectActionsMixin, ServiceAdmin):
    list_display = (
        "holder",
        "source",
        "lender",
        "amount_yuan",
        "issued_on",
        "settled_on",
        "verification",
    )
    list_filter = ("source", ("verified_at", admin.EmptyFieldListFilter))
    search_fields = (
        "borrower__name",
        "borrower__id_number",
        "member__name",
        "member__id_number",
        "contract_number",
    )
    list_select_related = ("borrower", "member")
    create_fields = (
        "borrower",
        "member",
        "source",
        "lender",
        "contract_number",
        "amount",
        "issued_on",
        "settled_on",
    )
    date_hierarchy = "issued_on"
    object_actions = (
        ObjectAction(
            slug="verify",
            label="核实贷款记录",
            done="公积金贷款记录已核实",
            role=Role.CLERK,
            form=forms.Form,
            applies=lambda record: record.verified_at is None,
            run=_pf_loan_record_verify,
        ),
        ObjectAction(
            slug="settle",
            label="登记结清",
            done="已登记贷款结清",
            role=Role.CLERK,
            form=PfLoanSettleForm,
            applies=lambda record: record.settled_on is None,
            run=_pf_loan_record_settle,
            initial=_on_today("settled_on"),
        ),
    )

    @admin.display(description="借款人")
    def holder(self, obj: PfLoanRecord) -> str:
        return obj.holder_name

    def create(self, request, data):
        return services.pf_loan_record_add(actor=acting_user(request), **data)


@admin.register(SpecialGroupMembership)
class SpecialGroupMembershipAdmin(ObjectActionsMixin, ServiceAdmin):
    list_display = ("depositor", "group", "valid_from", "valid_to", "verifier_name", "revoked_at")
    list_filter = ("group",)
    search_fields = ("depositor__name", "depositor__id_number")
    list_select_related = ("depositor", "verified_by")
    create_fields = ("depositor", "group", "evidence", "valid_from", "valid_to")
    date_hierarchy = "valid_from"
    object_actions = (
        ObjectAction(
            slug="revoke",
            label="撤销认定",
            done="特定群体认定已撤销",
            role=Role.CLERK,
            form=ReasonForm,
            applies=lambda membership: membership.revoked_at is None,
            run=_special_group_revoke,
        ),
    )

    @admin.display(description="认定人", ordering="verified_by__first_name")
    def verifier_name(self, obj: SpecialGroupMembership) -> str:
        return show.person_name(obj.verified_by) if obj.verified_by_id else show.EMPTY

    def create(self, request, data):
        return services.special_group_grant(actor=acting_user(request), **data)


class AuditActionFilter(admin.SimpleListFilter):
    """By action, in the clerks' words (a fixed list: no query over the log)."""

    title = "操作"
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return AuditAction.choices()

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditLog]) -> QuerySet[AuditLog]:
        value = self.value()
        return queryset.filter(action=value) if value else queryset


class AuditObjectTypeFilter(admin.SimpleListFilter):
    """By the kind of object, named by its model (a fixed list: no query over the log)."""

    title = "对象类型"
    parameter_name = "object_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        from django.apps import apps

        labels = {"auth.user": show.object_type_label("auth.user")}
        for app in ("gjj", "loans", "withdrawals"):
            for model in apps.get_app_config(app).get_models():
                labels[model._meta.label_lower] = str(model._meta.verbose_name)
        return sorted(labels.items(), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditLog]) -> QuerySet[AuditLog]:
        value = self.value()
        return queryset.filter(object_type=value) if value else queryset


@admin.register(AuditLog)
class AuditLogAdmin(ExportOnlyMixin, CityScaleListMixin, admin.ModelAdmin):
    list_display = (
        "at_local",
        "actor_name",
        "action_text",
        "object_type_text",
        "object_id",
        "object_repr",
        "reason",
    )
    list_filter = (AuditActionFilter, AuditObjectTypeFilter)
    fields = (
        "at_local",
        "actor_name",
        "action_text",
        "object_type_text",
        "object_id",
        "object_repr",
        "reason",
        "changes",
    )
    # Who (recorded label or current user name), what (type and id), which case
    # (the application number is in the object's description), and why.
    search_fields = (
        "actor_label",
        "actor__username",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "reason",
    )
    search_identifiers = ("object_type", "object_id", "object_repr", "action", "actor__username")
    # A description holds names (王芳（1403…）) as well as case numbers.
    search_names = ("object_repr",)
    list_select_related = ("actor",)
    date_hierarchy = "at"
    resource_classes = (AuditLogResource,)

    @admin.display(description="时间", ordering="at")
    def at_local(self, obj: AuditLog) -> str:
        return show.local_time(obj.at, seconds=True)

    @admin.display(description="操作人", ordering="actor_label")
    def actor_name(self, obj: AuditLog) -> str:
        return show.audit_actor(obj)

    @admin.display(description="操作", ordering="action")
    def action_text(self, obj: AuditLog) -> str:
        return show.labelled(show.action_label(obj.action), obj.action)

    @admin.display(description="对象类型", ordering="object_type")
    def object_type_text(self, obj: AuditLog) -> str:
        return show.object_type_label(obj.object_type)

    @admin.display(description="变更内容")
    def changes(self, obj: AuditLog) -> str:
        return show.audit_changes_table(obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Holiday)
class HolidayAdmin(ServiceAdmin):
    """政策管理 enters a year's published schedule when the built-in calendar lacks it."""

    list_display = ("day", "kind", "name", "document", "creator_name")
    list_filter = ("kind",)
    search_fields = ("name", "document")
    create_fields = ("day", "kind", "name", "document")
    date_hierarchy = "day"

    @admin.display(description="录入人")
    def creator_name(self, obj: Holiday) -> str:
        return show.person_name(obj.created_by) if obj.created_by_id else show.EMPTY

    def has_add_permission(self, request: HttpRequest) -> bool:
        return actor_has_role(acting_user(request), Role.POLICY_ADMIN)

    def create(self, request, data):
        return working_calendar.holiday_add(actor=acting_user(request), **data)


# The policy rows' pages, and policy drafts with their impact previews, live in their
# own modules, registered with the same site.
from gjj import draft_admin, policy_admin  # noqa: E402, F401
