"""Clerks' admin for the center's core data. Every write goes through gjj.services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from gjj import services
from gjj.errors import BusinessError
from gjj.exports import ExportOnlyMixin
from gjj.masking import mask_id_number
from gjj.models import (
    AccountEntry,
    AuditLog,
    Depositor,
    Employer,
    FamilyMember,
    Home,
    LoanRate,
    PfLoanRecord,
    PolicyParameter,
    ProvidentAccount,
    SpecialGroupMembership,
)
from gjj.policy import Key
from gjj.resources import (
    AccountEntryResource,
    AuditLogResource,
    DepositorResource,
    ProvidentAccountResource,
)
from gjj.selectors import measure_days_left, policy_in_force, today_local


class ServiceAdmin(admin.ModelAdmin):
    """Creation calls a service; saved rows are read-only; nothing is deleted.

    The service runs while the form is cleaned (inside the admin's transaction),
    so a refusal is shown on the form, in Chinese, and nothing is saved.
    """

    create_fields: tuple[str, ...] = ()

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        if obj is None and self.create_fields:
            return self.create_fields
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        if obj is None:
            return self.readonly_fields
        return [f.name for f in self.model._meta.fields] + list(self.readonly_fields)

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
                    if exc.fields:
                        for name, errs in exc.fields.items():
                            target = name if name in self.fields else None
                            for e in errs:
                                self.add_error(target, f"{e['message']}（{exc.code}）")
                    else:
                        self.add_error(None, f"{exc.message}（{exc.code}）")

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
        return services.employer_create(actor=request.user, **data)


class AccountInline(admin.StackedInline):
    model = ProvidentAccount
    extra = 0
    can_delete = False
    readonly_fields = (
        "account_number",
        "status",
        "balance",
        "deposit_base",
        "opened_on",
        "continuous_deposit_months",
    )
    fields = readonly_fields

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
        return services.depositor_create(actor=request.user, **data)


@admin.register(ProvidentAccount)
class ProvidentAccountAdmin(ExportOnlyMixin, ServiceAdmin):
    list_display = (
        "account_number",
        "depositor_name",
        "depositor_id",
        "status",
        "balance",
        "opened_on",
    )
    list_filter = ("status",)
    search_fields = ("account_number", "depositor__name", "depositor__id_number")
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

    @admin.display(description="姓名", ordering="depositor__name")
    def depositor_name(self, obj: ProvidentAccount) -> str:
        return obj.depositor.name

    @admin.display(description="身份证号码")
    def depositor_id(self, obj: ProvidentAccount) -> str:
        return mask_id_number(obj.depositor.id_number)

    def create(self, request, data):
        return services.account_open(actor=request.user, **data)


@admin.register(AccountEntry)
class AccountEntryAdmin(ExportOnlyMixin, ServiceAdmin):
    list_display = (
        "id",
        "account",
        "depositor_name",
        "depositor_id",
        "entry_type",
        "amount",
        "balance_after",
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
    list_select_related = ("account", "account__depositor")
    create_fields = ("account", "entry_type", "amount", "value_date", "withdrawal_reason", "memo")
    date_hierarchy = "value_date"
    resource_classes = (AccountEntryResource,)

    @admin.display(description="姓名", ordering="account__depositor__name")
    def depositor_name(self, obj: AccountEntry) -> str:
        return obj.account.depositor.name

    @admin.display(description="身份证号码")
    def depositor_id(self, obj: AccountEntry) -> str:
        return mask_id_number(obj.account.depositor.id_number)

    def create(self, request, data):
        return services.account_entry_post(actor=request.user, **data)


@admin.register(FamilyMember)
class FamilyMemberAdmin(MaskedIdMixin, ServiceAdmin):
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

    def create(self, request, data):
        return services.family_member_add(actor=request.user, **data)

    # Verifying writes the record: only a role that may change family records (经办).
    @admin.action(description="核验所选家庭关系（以已登记的关系证明为据）", permissions=["change"])
    def verify(self, request: HttpRequest, queryset: QuerySet[FamilyMember]) -> None:
        done = 0
        for member in queryset.order_by("pk"):
            try:
                services.family_member_verify(
                    member=member, evidence=member.evidence, actor=request.user
                )
                done += 1
            except BusinessError as exc:
                self.message_user(request, f"{member}：{exc.message}", level=messages.WARNING)
        self.message_user(request, f"已核验 {done} 条家庭关系")


@admin.register(Home)
class HomeAdmin(ServiceAdmin):
    list_display = ("address", "owner", "city", "property_type", "registered_on", "disposed_on")
    list_filter = ("city", "property_type")
    search_fields = ("address", "owner__name", "owner__id_number", "certificate_number")
    list_select_related = ("owner",)
    create_fields = (
        "owner",
        "address",
        "city",
        "property_type",
        "certificate_number",
        "registered_on",
    )
    date_hierarchy = "registered_on"

    def create(self, request, data):
        return services.home_register(actor=request.user, **data)


@admin.register(PfLoanRecord)
class PfLoanRecordAdmin(ServiceAdmin):
    list_display = ("borrower", "source", "lender", "amount", "issued_on", "settled_on")
    list_filter = ("source",)
    search_fields = ("borrower__name", "borrower__id_number", "contract_number")
    list_select_related = ("borrower",)
    create_fields = (
        "borrower",
        "source",
        "lender",
        "contract_number",
        "amount",
        "issued_on",
        "settled_on",
    )
    date_hierarchy = "issued_on"

    def create(self, request, data):
        return services.pf_loan_record_add(actor=request.user, **data)


@admin.register(SpecialGroupMembership)
class SpecialGroupMembershipAdmin(ServiceAdmin):
    list_display = ("depositor", "group", "valid_from", "valid_to", "verified_by", "revoked_at")
    list_filter = ("group",)
    search_fields = ("depositor__name", "depositor__id_number")
    list_select_related = ("depositor", "verified_by")
    create_fields = ("depositor", "group", "evidence", "valid_from", "valid_to")
    date_hierarchy = "valid_from"

    def create(self, request, data):
        return services.special_group_grant(actor=request.user, **data)


@admin.register(AuditLog)
class AuditLogAdmin(ExportOnlyMixin, admin.ModelAdmin):
    list_display = (
        "at",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "reason",
    )
    list_filter = ("action", "object_type")
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
    date_hierarchy = "at"
    resource_classes = (AuditLogResource,)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
class PolicyParameterAdmin(ExpiryWarningMixin, ServiceAdmin):
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

    @admin.display(description="今日有效", boolean=True)
    def in_force_today(self, obj: PolicyParameter) -> bool:
        snap = policy_in_force(on=today_local())
        pv = snap.param(obj.key)
        return pv is not None and pv.citation.row == f"param:{obj.pk}"

    def create(self, request, data):
        return services.policy_parameter_add(actor=request.user, **data)


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
        return services.policy_rate_add(actor=request.user, **data)
