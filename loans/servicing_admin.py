"""Clerks' pages for loan servicing: repayment sources, collection and the overdue list (催收).

Read-only: authorisations, collections and bank files are written by ``loans.servicing``
(the night, the API and the result-file import page, which calls its service).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Model, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from import_export.fields import Field

from gjj.admin import ServiceAdmin
from gjj.admin_display import audit_block, local_time, money, person_name, rate, refusal_text
from gjj.admin_perf import CityScaleListMixin
from gjj.auth import acting_user
from gjj.domain import Role
from gjj.errors import BusinessError
from gjj.exports import ExportOnlyMixin, ExportResource, MaskedField, masked_id
from gjj.masking import mask_bank_account, mask_id_number, mask_phone
from gjj.workflow import actor_has_role
from loans import selectors, servicing
from loans.models import (
    BankDeductionFile,
    BankDeductionLine,
    BankResultImport,
    BankResultLine,
    Loan,
    LoanServicing,
    RepaymentAuthorization,
    RiskClass,
)

CHANNELS = {"api": "网上办理", "counter": "柜面办理"}


def _loan_link(loan: Loan) -> SafeString:
    url = reverse("admin:loans_loanservicing_loan", args=[loan.pk])
    return format_html('<a href="{}">{}</a>', url, loan.contract_number)


class _ReadOnly:
    """Rows the services write; the admin only shows them."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


# --- 冲还贷 authorisations ----------------------------------------------------------------


class AuthorizationStateFilter(admin.SimpleListFilter):
    title = "授权状态"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("active", "有效"), ("stopped", "已终止")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() == "active":
            return queryset.filter(stopped_at__isnull=True)
        if self.value() == "stopped":
            return queryset.filter(stopped_at__isnull=False)
        return queryset


@admin.register(RepaymentAuthorization)
class RepaymentAuthorizationAdmin(_ReadOnly, ServiceAdmin):
    list_display = (
        "loan_contract",
        "holder",
        "depositor_name",
        "account_masked",
        "granted_on",
        "channel_text",
        "state",
        "stopped_on",
        "stop_reason",
    )
    list_filter = (AuthorizationStateFilter, "holder")
    search_fields = ("loan__contract_number", "depositor__name")
    search_identifiers = ("loan__contract_number",)
    list_select_related = ("loan", "depositor", "account")
    fields = (
        "loan_contract",
        "holder",
        "depositor_name",
        "account_masked",
        "priority",
        "granted_on",
        "granted_time",
        "granted_by_name",
        "signed_reference",
        "channel_text",
        "state",
        "stopped_on",
        "stopped_time",
        "stopped_by_name",
        "stop_reason",
        "history",
        "audit",
    )
    readonly_fields = fields

    @admin.display(description="借款合同编号", ordering="loan__contract_number")
    def loan_contract(self, obj: RepaymentAuthorization) -> SafeString:
        return _loan_link(obj.loan)

    @admin.display(description="授权人", ordering="depositor__name")
    def depositor_name(self, obj: RepaymentAuthorization) -> str:
        return obj.depositor.name

    @admin.display(description="公积金账号")
    def account_masked(self, obj: RepaymentAuthorization) -> str:
        return mask_bank_account(obj.account.account_number)

    @admin.display(description="办理渠道")
    def channel_text(self, obj: RepaymentAuthorization) -> str:
        return CHANNELS.get(obj.channel, obj.channel)

    @admin.display(description="状态")
    def state(self, obj: RepaymentAuthorization) -> str:
        return "有效" if obj.is_active else "已终止"

    @admin.display(description="授权时间")
    def granted_time(self, obj: RepaymentAuthorization) -> str:
        return local_time(obj.granted_at)

    @admin.display(description="办理人")
    def granted_by_name(self, obj: RepaymentAuthorization) -> str:
        # An applicant's own grant over the API has their user as the actor.
        return person_name(obj.granted_by, "system")

    @admin.display(description="终止时间")
    def stopped_time(self, obj: RepaymentAuthorization) -> str:
        return local_time(obj.stopped_at)

    @admin.display(description="终止办理人")
    def stopped_by_name(self, obj: RepaymentAuthorization) -> str:
        return person_name(obj.stopped_by, "system") if obj.stopped_at else "—"

    @admin.display(description="该笔贷款的全部授权（新的在前）")
    def history(self, obj: RepaymentAuthorization) -> SafeString:
        rows = servicing.repayment_authorizations_of(loan=obj.loan).select_related(
            "account", "depositor"
        )
        return _render(
            "admin/loans/servicing/authorizations.html",
            {"authorizations": [_authorization_row(a) for a in rows]},
        )

    @admin.display(description="审计日志")
    def audit(self, obj: RepaymentAuthorization) -> SafeString | str:
        return audit_block(obj)


def _authorization_row(a: RepaymentAuthorization) -> dict[str, Any]:
    return {
        "url": reverse("admin:loans_repaymentauthorization_change", args=[a.pk]),
        "holder": a.get_holder_display(),
        "name": a.depositor.name,
        "account": mask_bank_account(a.account.account_number),
        "granted_on": a.granted_on,
        "channel": CHANNELS.get(a.channel, a.channel),
        "reference": a.signed_reference,
        "active": a.is_active,
        "stopped_on": a.stopped_on,
        "stop_reason": a.stop_reason,
    }


def _render(template: str, context: dict[str, Any]) -> SafeString:
    from django.template.loader import render_to_string

    return SafeString(render_to_string(template, context))


# --- the overdue list (催收) and a loan's servicing page ---------------------------------


class RiskClassFilter(admin.SimpleListFilter):
    title = "风险分类"
    parameter_name = "risk_class"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(c.value, f"{c.value} {c.label}") for c in RiskClass]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() is None:
            return queryset
        return queryset & servicing.loans_overdue(risk_class=self.value())


# Days-overdue bands of the collectors' work list (a list setting, not a policy figure:
# the risk class, which is policy, has its own filter).
DAY_BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    ("1-30", "1–30天", 1, 30),
    ("31-90", "31–90天", 31, 90),
    ("91-180", "91–180天", 91, 180),
    ("181-360", "181–360天", 181, 360),
    ("361-", "360天以上", 361, None),
)


class DaysOverdueFilter(admin.SimpleListFilter):
    title = "逾期天数"
    parameter_name = "days"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, label) for key, label, _, _ in DAY_BANDS]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        for key, _, low, high in DAY_BANDS:
            if self.value() == key:
                return queryset & servicing.loans_overdue(min_days=low, max_days=high)
        return queryset


class OverdueLoanResource(ExportResource):
    contract_number = Field(attribute="loan__contract_number", column_name="借款合同编号")
    borrower_name = Field(attribute="loan__borrower__name", column_name="借款人")
    borrower_id_number = masked_id("loan__borrower__id_number")
    borrower_phone = MaskedField("loan__borrower__phone", "手机号码", mask_phone)
    outstanding_principal = Field(attribute="loan__outstanding_principal", column_name="剩余本金")

    class Meta:
        model = LoanServicing
        fields = (
            "contract_number",
            "borrower_name",
            "borrower_id_number",
            "borrower_phone",
            "overdue_installments",
            "overdue_principal",
            "overdue_interest",
            "penalty_outstanding",
            "days_overdue",
            "risk_class",
            "outstanding_principal",
        )
        export_order = fields


@admin.register(LoanServicing)
class OverdueLoanAdmin(_ReadOnly, ExportOnlyMixin, ServiceAdmin):
    """催收: the loans with an overdue installment; each row opens the loan's servicing page."""

    list_display = (
        "contract",
        "borrower_name",
        "borrower_id",
        "borrower_phone",
        "overdue_installments",
        "principal_text",
        "interest_text",
        "penalty_text",
        "days_overdue",
        "risk_class_text",
    )
    list_display_links = None
    list_filter = (RiskClassFilter, DaysOverdueFilter)
    search_fields = ("loan__contract_number", "loan__borrower__name")
    search_identifiers = ("loan__contract_number",)
    list_select_related = ("loan", "loan__borrower")
    ordering = ("-days_overdue", "loan_id")
    resource_classes = (OverdueLoanResource,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[LoanServicing]:
        return servicing.loans_overdue()

    @admin.display(description="借款合同编号", ordering="loan__contract_number")
    def contract(self, obj: LoanServicing) -> SafeString:
        return _loan_link(obj.loan)

    @admin.display(description="借款人")
    def borrower_name(self, obj: LoanServicing) -> str:
        return obj.loan.borrower.name

    @admin.display(description="身份证号码")
    def borrower_id(self, obj: LoanServicing) -> str:
        return mask_id_number(obj.loan.borrower.id_number)

    @admin.display(description="手机号码")
    def borrower_phone(self, obj: LoanServicing) -> str:
        return mask_phone(obj.loan.borrower.phone) or "—"

    @admin.display(description="逾期本金", ordering="overdue_principal")
    def principal_text(self, obj: LoanServicing) -> str:
        return money(obj.overdue_principal)

    @admin.display(description="逾期利息", ordering="overdue_interest")
    def interest_text(self, obj: LoanServicing) -> str:
        return money(obj.overdue_interest)

    @admin.display(description="未还罚息", ordering="penalty_outstanding")
    def penalty_text(self, obj: LoanServicing) -> str:
        return money(obj.penalty_outstanding)

    @admin.display(description="风险分类", ordering="risk_class")
    def risk_class_text(self, obj: LoanServicing) -> str:
        return f"{obj.risk_class} {obj.get_risk_class_display()}"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {"title": "催收清单（逾期贷款）", **(extra_context or {})}
        return super().changelist_view(request, context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        pk = unquote(object_id)
        if not pk.isdigit():
            raise Http404
        return HttpResponseRedirect(reverse("admin:loans_loanservicing_loan", args=[int(pk)]))

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.loan_view)
        return [
            path("loan/<int:loan_id>/", view, name="loans_loanservicing_loan"),
            *super().get_urls(),
        ]

    def loan_view(self, request: HttpRequest, loan_id: int) -> HttpResponse:
        """A loan's servicing page: any loan, serviced yet or not (then nothing is overdue)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        loan = get_object_or_404(Loan.objects.select_related("borrower"), pk=loan_id)
        summary = servicing.loan_servicing_summary(loan=loan)
        authorizations = servicing.repayment_authorizations_of(loan=loan).select_related(
            "account", "depositor"
        )
        deduction_lines = BankDeductionLine.objects.filter(loan=loan).select_related("file")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"贷后管理：{loan.contract_number}",
            "loan": loan,
            "loan_url": reverse("admin:loans_loan_change", args=[loan.pk]),
            "facts": _loan_facts(loan, summary),
            "overdue": summary["overdue"],
            "upcoming": [r for r in selectors.loan_schedule(loan=loan) if not r.paid][:3],
            "installments": servicing.installments_of(loan=loan),
            "allocations": servicing.allocations_of(loan=loan).select_related("deduction_line"),
            "deduction_lines": [
                {
                    "line": line,
                    "account": mask_bank_account(line.bank_account),
                    "url": reverse("admin:loans_bankdeductionfile_change", args=[line.file_id]),
                }
                for line in deduction_lines.order_by("-file__business_date", "-id")
            ],
            "authorizations": [_authorization_row(a) for a in authorizations],
            "bank_debit": summary["bank_debit"],
        }
        return TemplateResponse(request, "admin/loans/servicing/loan.html", context)


def _loan_facts(loan: Loan, summary: dict[str, Any]) -> list[tuple[str, str]]:
    overdue = summary["overdue"]
    return [
        ("借款人", loan.borrower.name),
        ("手机号码", mask_phone(loan.borrower.phone) or "—"),
        ("贷款本金", money(loan.principal)),
        ("执行年利率", rate(loan.annual_rate_percent)),
        ("剩余本金", money(loan.outstanding_principal)),
        ("状态", loan.get_status_display()),
        ("风险分类", f"{overdue['risk_class']} {overdue['risk_class_label']}"),
        ("逾期期数", str(overdue["installments"])),
        ("逾期本金", money(overdue["principal"])),
        ("逾期利息", money(overdue["interest"])),
        ("未还罚息", money(overdue["penalty"])),
        ("最长逾期天数", str(overdue["days"])),
        ("已还罚息", money(summary["penalty_paid"])),
        ("批处理已处理至", str(summary["serviced_through"] or "—")),
        ("冲还贷", "已授权" if summary["provident_repayment"]["active"] else "未授权"),
    ]


# --- bank deduction files and the bank's result files -----------------------------------


@admin.register(BankDeductionFile)
class BankDeductionFileAdmin(_ReadOnly, CityScaleListMixin, admin.ModelAdmin):
    list_display = ("business_date", "line_count", "total_text", "lines_link", "created_time")
    date_hierarchy = "business_date"
    fields = ("business_date", "batch_run_id", "line_count", "total_text", "by_status", "tools")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[BankDeductionFile]:
        return (
            super()
            .get_queryset(request)
            .annotate(n_lines=Count("lines"), amount_total=Sum("lines__amount"))
        )

    @admin.display(description="笔数", ordering="n_lines")
    def line_count(self, obj: Any) -> int:
        return obj.n_lines

    @admin.display(description="合计金额", ordering="amount_total")
    def total_text(self, obj: Any) -> str:
        return money(obj.amount_total or 0)

    @admin.display(description="扣款明细")
    def lines_link(self, obj: BankDeductionFile) -> SafeString:
        url = reverse("admin:loans_bankdeductionline_changelist")
        return format_html('<a href="{}?file__id__exact={}">查看明细</a>', url, obj.pk)

    @admin.display(description="生成时间", ordering="created_at")
    def created_time(self, obj: BankDeductionFile) -> str:
        return local_time(obj.created_at)

    @admin.display(description="各状态笔数")
    def by_status(self, obj: BankDeductionFile) -> str:
        rows = obj.lines.values("status").annotate(n=Count("id")).order_by("status")
        labels = dict(BankDeductionLine._meta.get_field("status").flatchoices)
        return "；".join(f"{labels.get(r['status'], r['status'])} {r['n']}笔" for r in rows) or "—"

    @admin.display(description="操作")
    def tools(self, obj: BankDeductionFile) -> SafeString:
        lines = self.lines_link(obj)
        download = reverse("admin:loans_bankdeductionfile_download", args=[obj.pk])
        return format_html('{} &nbsp; <a href="{}">下载扣款文件</a>', lines, download)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.download_view)
        return [
            path("<int:pk>/download/", view, name="loans_bankdeductionfile_download"),
            *super().get_urls(),
        ]

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        # The file for the bank holds the full account numbers: the clerk who sends it.
        if not actor_has_role(acting_user(request), Role.CLERK):
            raise PermissionDenied
        file = get_object_or_404(BankDeductionFile, pk=pk)
        body = servicing.bank_deduction_file_csv(file=file)
        response = HttpResponse(body.encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
        name = f"deduction-{file.business_date:%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


@admin.register(BankDeductionLine)
class BankDeductionLineAdmin(_ReadOnly, CityScaleListMixin, admin.ModelAdmin):
    list_display = (
        "reference",
        "business_date",
        "contract",
        "installment_number",
        "amount_text",
        "bank_name",
        "account_masked",
        "account_name",
        "status",
    )
    list_filter = ("status", "file")
    search_fields = ("reference", "loan__contract_number")
    search_identifiers = ("reference", "loan__contract_number")
    list_select_related = ("file", "loan")
    fields = (
        "reference",
        "business_date",
        "contract",
        "installment_number",
        "amount_text",
        "bank_name",
        "account_masked",
        "account_name",
        "status",
    )
    readonly_fields = fields

    @admin.display(description="业务日期", ordering="file__business_date")
    def business_date(self, obj: BankDeductionLine) -> Any:
        return obj.file.business_date

    @admin.display(description="借款合同编号")
    def contract(self, obj: BankDeductionLine) -> SafeString:
        return _loan_link(obj.loan)

    @admin.display(description="扣款金额", ordering="amount")
    def amount_text(self, obj: BankDeductionLine) -> str:
        return money(obj.amount)

    @admin.display(description="银行账号")
    def account_masked(self, obj: BankDeductionLine) -> str:
        return mask_bank_account(obj.bank_account)


class BankResultLineInline(admin.TabularInline):
    model = BankResultLine
    extra = 0
    can_delete = False
    fields = ("line", "reference", "amount", "outcome_text", "paid_on", "status", "message")
    readonly_fields = fields

    @admin.display(description="银行结果")
    def outcome_text(self, obj: BankResultLine) -> str:
        return {"success": "成功", "failure": "失败"}.get(obj.outcome, obj.outcome or "—")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ResultFileForm(forms.Form):
    file = forms.FileField(
        label="回盘文件",
        help_text="CSV：扣款流水号,扣款结果(成功/失败),金额,扣款日期；每行入账一次，逐行给出结果",
    )


@admin.register(BankResultImport)
class BankResultImportAdmin(_ReadOnly, CityScaleListMixin, admin.ModelAdmin):
    list_display = ("file_name", "rows", "posted", "failed", "refused", "imported_by", "at")
    search_fields = ("file_name", "sha256")
    list_select_related = ("created_by",)
    date_hierarchy = "created_at"
    fields = ("file_name", "sha256", "rows", "posted", "failed", "refused", "imported_by", "at")
    readonly_fields = fields
    inlines = (BankResultLineInline,)
    change_list_template = "admin/loans/servicing/result_changelist.html"

    @admin.display(description="导入人")
    def imported_by(self, obj: BankResultImport) -> str:
        return person_name(obj.created_by, "system")

    @admin.display(description="导入时间", ordering="created_at")
    def at(self, obj: BankResultImport) -> str:
        return local_time(obj.created_at)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        may = actor_has_role(acting_user(request), Role.CLERK)
        url = reverse("admin:loans_bankresultimport_import") if may else None
        return super().changelist_view(request, {"import_url": url, **(extra_context or {})})

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="loans_bankresultimport_import"), *super().get_urls()]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not actor_has_role(acting_user(request), Role.CLERK):
            raise PermissionDenied
        form = ResultFileForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            raw = upload.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("gb18030", errors="replace")  # banks often send GBK
            started: datetime = timezone.now()
            try:
                result = servicing.bank_result_import(
                    text=text, actor=acting_user(request), file_name=upload.name
                )
            except BusinessError as refusal:
                form.add_error(None, refusal_text(refusal))
            else:
                if result.created_at < started:
                    self.message_user(request, "该文件已导入过，未重复记账", messages.WARNING)
                else:
                    level = messages.WARNING if result.refused else messages.SUCCESS
                    self.message_user(
                        request,
                        f"已导入：入账{result.posted}笔，扣款失败{result.failed}笔，"
                        f"拒绝{result.refused}笔（原因见逐行结果）",
                        level,
                    )
                return HttpResponseRedirect(
                    reverse("admin:loans_bankresultimport_change", args=[result.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "导入委托扣款回盘文件",
            "form": form,
        }
        return TemplateResponse(request, "admin/loans/servicing/result_import.html", context)
