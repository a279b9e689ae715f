"""Clerks' admin for loan applications and loans. Every change goes through loans.services.

The application queue shows the statutory deadline (条例 art. 26) and flags
overdue cases; the object page shows the frozen engine result with its policy
citations, the status history and the audit trail. Transitions are admin
actions on the queue and buttons on the object page; those that need input
(审核/审批 opinions, 不予贷款 reason, 签约 terms) open a form page. A button or
action shows only to whom ``gjj.workflow`` allows the step; the service checks
again. Nothing here is editable or deletable.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import cache, cached_property
from typing import Any, Final

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import F, Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import engines
from django.template.loader import get_template
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from gjj.admin import ServiceAdmin
from gjj.admin_display import (
    audit_block,
    batch_job_label,
    citation_row_label,
    citation_text,
    labelled,
    money,
    person_name,
    rate,
    reason_value,
    refusal_text,
    rule_label,
    status_change_text,
)
from gjj.admin_perf import CityScaleListMixin
from gjj.auth import acting_user
from gjj.domain import RepaymentMethod, Role
from gjj.errors import BusinessError
from gjj.exports import ExportOnlyMixin
from gjj.masking import mask_id_number
from gjj.selectors import today_local
from gjj.workflow import actor_has_role, actor_roles, allowed_steps
from loans import selectors, services
from loans.models import (
    ApplicationStatusChange,
    BatchChunk,
    BatchError,
    BatchRun,
    BatchStatus,
    GuaranteeType,
    Loan,
    LoanApplication,
    LoanStatus,
    Prepayment,
    PrepaymentMode,
    RateChange,
    Repayment,
    RepaymentImport,
    ScheduleVersion,
)
from loans.resources import LoanApplicationResource, LoanResource
from loans.services import LOAN_FLOW, LOAN_STEPS, LoanAction

# --- templates (kept here: the admin's own base templates do the layout) -------------

_FORM_PAGE = """{% extends "admin/base_site.html" %}
{% block breadcrumbs %}<div class="breadcrumbs"><a href="{% url 'admin:index' %}">首页</a>
&rsaquo; <a href="{{ back_url }}">{{ back_label }}</a> &rsaquo; {{ title }}</div>{% endblock %}
{% block content %}<div id="content-main">{% if banner %}{{ banner }}{% endif %}
{% if summary %}<table>{% for k, v in summary %}<tr><th>{{ k }}</th><td>{{ v }}</td></tr>
{% endfor %}</table>{% endif %}
<form method="post"{% if multipart %} enctype="multipart/form-data"{% endif %}>{% csrf_token %}
{% if form.non_field_errors %}<ul class="errornote">{% for e in form.non_field_errors %}
<li>{{ e }}</li>{% endfor %}</ul>{% endif %}
<fieldset class="module aligned">{% for field in form %}<div class="form-row">
{{ field.errors }}{{ field.label_tag }} {{ field }}
{% if field.help_text %}<div class="help">{{ field.help_text }}</div>{% endif %}</div>
{% endfor %}</fieldset>
{% if row_errors %}<ul class="errorlist">{% for e in row_errors %}<li>{{ e }}</li>{% endfor %}
</ul>{% endif %}
<div class="submit-row"><input type="submit" class="default" value="{{ submit_label }}">
<a href="{{ back_url }}" class="closelink">取消</a></div></form></div>{% endblock %}
"""

_TOOLS = """{% extends "admin/BASE.html" %}
{% block extrastyle %}{{ block.super }}<style>
.gjj-rows td.original p { display: none; } .gjj-rows tr.has_original td { padding-top: 8px; }
</style>{% endblock %}
{% block object-tools %}{{ block.super }}{% if banner %}<div style="clear:both">{{ banner }}</div>
{% endif %}{% endblock %}
{% block object-tools-items %}{% for link in extra_links %}
<li><a href="{{ link.0 }}">{{ link.1 }}</a></li>{% endfor %}{{ block.super }}{% endblock %}
"""


def _template(source: str) -> Any:
    return engines["django"].from_string(source)


def _table(headers: list[str], rows: list[tuple[Any, ...]]) -> SafeString:
    if not rows:
        return format_html("{}", "—")
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((c,) for c in row)),) for row in rows),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


@cache
def rows_inline_template() -> Any:
    """Django's tabular inline without each row's title: the columns already say it in
    Chinese, while the title is the row's ``__str__`` (status codes). A test reads the page."""
    # ignore: the stubs type the backend-neutral wrapper; the Django backend's has .template
    source = get_template("admin/edit_inline/tabular.html").template.source  # type: ignore[attr-defined]
    return _template(source.replace("{{ inline_admin_form.original }}", ""))


PROVISIONAL = "暂定（待中心确认）"


def _provisional(citation: dict[str, Any] | None) -> bool:
    # Policy citations say whether the center has confirmed the row (domain.md §8).
    return bool(citation and citation.get("provisional"))


def _mark(text: str, citation: dict[str, Any] | None) -> SafeString:
    """A number with "暂定（待中心确认）" after it when its policy row is provisional."""
    if not _provisional(citation):
        return format_html("{}", text)
    return format_html('{} <strong class="gjj-provisional">{}</strong>', text, PROVISIONAL)


def _reason_value(rule: str, value: Any) -> str:
    if rule.startswith("amount.") and value not in ("not_applied", None, ""):
        return money(value)
    if rule == "rate":
        return rate(value)
    return reason_value(value)


def _reason_rows(reasons: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            labelled(rule_label(r["rule"]), r["rule"]),
            _mark(_reason_value(r["rule"], r["value"]), r.get("citation")),
            r["message"],
            citation_text(r.get("citation")) if r.get("citation") else "—",
        )
        for r in reasons
    ]


def _refusal_rows(decision: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (
            labelled(rule_label(r["code"]), r["code"]),
            r["message"],
            citation_text(r.get("citation")) if r.get("citation") else "—",
        )
        for r in decision.get("refusals", [])
    ]


def ineligible_banner(decision: dict[str, Any] | None) -> SafeString | None:
    """The red "不符合条件" banner with the binding reasons, or None for an eligible case."""
    if not decision or decision.get("eligible", True):
        return None
    reasons = format_html_join(
        "", "<li>{}：{}</li>", ((rule_label(r["code"]), r["message"]) for r in decision["refusals"])
    )
    return format_html(
        '<div class="errornote gjj-ineligible"><strong>不符合条件</strong>'
        "（提交时测算，{}）<ul>{}</ul></div>",
        decision.get("as_of", ""),
        reasons,
    )


def binding_limits(decision: dict[str, Any]) -> list[dict[str, Any]]:
    """The applied limits that set the amount or the term (the lowest of each)."""
    top, term = decision.get("max_loan_amount"), decision.get("max_term_months")
    out = []
    for r in decision.get("limits_applied", []):
        rule, value = r["rule"], str(r["value"])
        if (rule.startswith("amount.") and top is not None and value == str(top)) or (
            rule.startswith("term.") and term is not None and value == str(term)
        ):
            out.append(r)
    return out


def _income_check(decision: dict[str, Any]) -> str:
    for group in ("limits_applied", "limits_not_applied"):
        for r in decision.get(group, []):
            if r["rule"] == "amount.repayment_capacity":
                return str(r["message"])
    return "—"


def decision_summary(
    decision: dict[str, Any] | None, *, monthly_income: Decimal | None = None
) -> list[tuple[str, Any]]:
    """What the engine decided, for a confirmation page: verdict, limits, rate, term, income."""
    if not decision:
        return [("测算结论", "（尚未测算）")]
    verdict = "符合贷款条件" if decision.get("eligible") else "不符合贷款条件"
    rows: list[tuple[str, Any]] = [
        ("测算结论", f"{verdict}（测算日期{decision.get('as_of', '')}）")
    ]
    rows += [(f"不予贷款：{label}", msg) for label, msg, _ in _refusal_rows(decision)]
    rows.append(("可贷最高额", money(decision.get("max_loan_amount"))))
    for r in binding_limits(decision):
        shown = _reason_value(r["rule"], r["value"])
        rows.append(
            (f"约束：{rule_label(r['rule'])}", _mark(f"{shown}　{r['message']}", r.get("citation")))
        )
    rows.append(("测算贷款金额", money(decision.get("loan_amount"))))
    rate_cite = decision.get("rate_citation")
    rate_text = rate(decision.get("annual_rate_percent"))
    if rate_cite:
        rate_text = f"{rate_text}（{citation_text(rate_cite)}）"
    rows.append(("年利率", _mark(rate_text, rate_cite)))
    longest = decision.get("max_term_months") or "—"
    rows.append(("贷款期限", f"{decision.get('term_months')}个月（可贷最长{longest}个月）"))
    rows.append(("月还款额", money(decision.get("monthly_payment"))))
    income = f"家庭月收入{money(monthly_income)}元；" if monthly_income is not None else ""
    rows.append(("还款能力", f"{income}{_income_check(decision)}"))
    provisional = [
        r
        for r in [*decision.get("limits_applied", []), *decision.get("reasons", [])]
        if _provisional(r.get("citation"))
    ]
    seen: set[str] = set()
    for r in provisional:
        if r["rule"] in seen:
            continue
        seen.add(r["rule"])
        rows.append(
            (f"{PROVISIONAL}：{rule_label(r['rule'])}", _reason_value(r["rule"], r["value"]))
        )
    return rows


def decision_html(decision: dict[str, Any] | None) -> SafeString:
    """The frozen engine result: the verdict, refusals, then every reason with its citation."""
    if not decision:
        return format_html("{}", "（尚未测算）")
    verdict = (
        format_html('<strong style="color:#2e7d32">{}</strong>', "✓ 符合贷款条件")
        if decision.get("eligible")
        else format_html('<strong style="color:#ba2121">{}</strong>', "✗ 不符合贷款条件")
    )
    refusals = _refusal_rows(decision)
    return format_html(
        "<p>{}（测算日期{}，政策版本{}）</p>{}{}",
        verdict,
        decision.get("as_of", ""),
        decision.get("policy_version", ""),
        _table(["不予贷款原因", "说明", "依据"], refusals) if refusals else "",
        _table(["规则", "取值", "说明", "依据"], _reason_rows(decision.get("reasons", []))),
    )


def rate_row_text(row: str) -> str:
    """A priced rate row in words: ``rate:14`` → 2025-05-08 首套 五年以上 2.60%."""
    return citation_row_label(row)


def _verbose(model: type[Model], field: str) -> str:
    return str(model._meta.get_field(field).verbose_name)  # type: ignore[union-attr]  # a column


def money_column(model: type[Model], field: str, label: str = "") -> Callable[[Any, Any], str]:
    """A read-only column showing a money field in the one money format."""
    name = label or _verbose(model, field)

    @admin.display(description=name, ordering=field)
    def show(self: Any, obj: Any) -> str:
        return money(getattr(obj, field))

    return show


def rate_column(model: type[Model], field: str, label: str = "") -> Callable[[Any, Any], str]:
    """A read-only column showing an annual rate in the one rate format."""
    name = label or _verbose(model, field).replace("（%）", "")

    @admin.display(description=name, ordering=field)
    def show(self: Any, obj: Any) -> str:
        return rate(getattr(obj, field))

    return show


def person_column(field: str, label: str) -> Callable[[Any, Any], str]:
    """A read-only column naming the person (not the log-in) in a user field."""

    @admin.display(description=label)
    def show(self: Any, obj: Any) -> str:
        return person_name(getattr(obj, field)) if getattr(obj, f"{field}_id") else "—"

    return show


def _money(d: Decimal | None) -> str:
    return money(d)


# --- forms --------------------------------------------------------------------------------


class NoteForm(forms.Form):
    note = forms.CharField(label="备注", max_length=500, required=False)


class OpinionForm(forms.Form):
    opinion = forms.CharField(
        label="意见", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="不予贷款理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class SignForm(forms.Form):
    amount = forms.DecimalField(label="合同金额（元）", max_digits=16, decimal_places=2)
    term_months = forms.IntegerField(label="合同期限（月）", min_value=1, max_value=600)
    repayment_method = forms.ChoiceField(label="还款方式", choices=RepaymentMethod.choices())
    guarantee_type = forms.ChoiceField(label="担保方式", choices=GuaranteeType.choices)
    guarantee_note = forms.CharField(label="担保说明", max_length=300, required=False)
    repayment_day = forms.IntegerField(label="每月还款日", min_value=1, max_value=28)


class EmptyForm(forms.Form):
    pass


class RepayForm(forms.Form):
    amount = forms.DecimalField(label="还款金额（元）", max_digits=16, decimal_places=2)
    paid_on = forms.DateField(label="还款日期", help_text="格式：YYYY-MM-DD")
    bank_reference = forms.CharField(label="银行流水号", max_length=64, required=False)


class PrepayForm(forms.Form):
    amount = forms.DecimalField(label="提前归还本金（元）", max_digits=16, decimal_places=2)
    mode = forms.ChoiceField(
        label="方式",
        choices=[
            (PrepaymentMode.SHORTEN_TERM, PrepaymentMode.SHORTEN_TERM.label),
            (PrepaymentMode.LOWER_INSTALLMENT, PrepaymentMode.LOWER_INSTALLMENT.label),
        ],
        help_text="归还全部剩余本金即结清贷款",
    )
    paid_on = forms.DateField(label="还款日期", help_text="格式：YYYY-MM-DD")


class ImportForm(forms.Form):
    file = forms.FileField(
        label="银行还款文件（CSV）",
        help_text="列：合同编号、期次、金额、还款日期、银行流水号（或英文列名 contract_number, "
        "installment_number, amount, paid_on, bank_reference）；任一行有误则整批不入账",
    )


# --- shared page machinery --------------------------------------------------------------


class FormPageMixin:
    """Renders a service form page inside the admin's layout."""

    admin_site: admin.AdminSite

    @cached_property
    def _form_page(self) -> Any:
        return _template(_FORM_PAGE)

    def form_page(
        self,
        request: HttpRequest,
        *,
        title: str,
        form: forms.Form,
        back_url: str,
        back_label: str,
        summary: list[tuple[str, Any]] | None = None,
        submit_label: str = "确认",
        multipart: bool = False,
        row_errors: list[str] | None = None,
        banner: SafeString | None = None,
    ) -> HttpResponse:
        context = {
            "banner": banner,
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "back_url": back_url,
            "back_label": back_label,
            "summary": summary or [],
            "submit_label": submit_label,
            "multipart": multipart,
            "row_errors": row_errors or [],
        }
        return TemplateResponse(request, self._form_page, context)


def _form_error(form: forms.Form, exc: BusinessError) -> None:
    if exc.fields:
        for name, errs in exc.fields.items():
            target = name if name in form.fields else None
            for e in errs:
                form.add_error(target, e["message"])
    else:
        form.add_error(None, refusal_text(exc))


# --- applications -----------------------------------------------------------------------


class OverdueFilter(admin.SimpleListFilter):
    """The queue by statutory deadline; the start page links to these same choices."""

    title = "法定办结期限"
    parameter_name = "deadline"
    choice_labels: Final[dict[str, str]] = {
        "overdue": "已超期",
        "due_soon": f"{selectors.NEAR_DEADLINE_DAYS}日内到期",
        "pending": "办理中",
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(self.choice_labels.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        today = today_local()
        if self.value() == "overdue":
            return queryset & selectors.loan_applications_overdue(on=today)
        if self.value() == "due_soon":
            return queryset & selectors.loan_applications_near_deadline(on=today)
        if self.value() == "pending":
            return queryset & selectors.loan_applications_awaiting_decision()
        return None


class StatusHistoryInline(admin.TabularInline):
    model = ApplicationStatusChange
    extra = 0
    can_delete = False
    fields = ("on", "change", "actor_name", "note", "at")
    readonly_fields = fields
    verbose_name_plural = "状态记录"
    classes = ("gjj-rows",)

    @property
    def template(self) -> Any:  # type: ignore[override]  # a compiled template, not a name
        return rows_inline_template()

    @admin.display(description="状态变更")
    def change(self, obj: ApplicationStatusChange) -> str:
        return status_change_text(obj)

    @admin.display(description="操作人")
    def actor_name(self, obj: ApplicationStatusChange) -> str:
        return person_name(obj.actor, obj.actor_label)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApplicationStatusChange]:
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


# Fields shown formatted on the application page: money, rates, and people by name.
_APPLICATION_MONEY: Final = (
    "house_price",
    "voucher_amount",
    "szg_remaining_principal",
    "requested_amount",
    "monthly_income",
    "max_loan_amount",
    "loan_amount",
    "monthly_payment",
    "approved_amount",
    "contract_amount",
)
_APPLICATION_RATES: Final = (
    "annual_rate_percent",
    "approved_rate_percent",
    "contract_rate_percent",
)
_APPLICATION_PEOPLE: Final = (
    "accepted_by",
    "reviewed_by",
    "decided_by",
    "signed_by",
    "disbursed_by",
)
_APPLICATION_SHOWN: Final[dict[str, str]] = {
    "eligible": "eligibility",
    **{name: f"{name}_text" for name in (*_APPLICATION_MONEY, *_APPLICATION_RATES)},
    **{name: f"{name}_name" for name in _APPLICATION_PEOPLE},
}


def _shown_fieldsets(fieldsets: Any, shown: dict[str, str]) -> list[tuple[Any, dict[str, Any]]]:
    return [
        (title, {**opts, "fields": tuple(shown.get(f, f) for f in opts["fields"])})
        for title, opts in fieldsets
    ]


# The center's steps with a page: action -> (form class, page title).
TRANSITION_PAGES: dict[LoanAction, tuple[type[forms.Form], str]] = {
    LoanAction.ACCEPT: (NoteForm, "受理"),
    LoanAction.REVIEW: (OpinionForm, "审核"),
    LoanAction.APPROVE: (OpinionForm, "审批同意"),
    LoanAction.REJECT: (RejectForm, "不予贷款"),
    LoanAction.SIGN: (SignForm, "签订借款合同"),
    LoanAction.DISBURSE: (EmptyForm, "放款"),
}
# The pages whose summary shows the engine's whole decision.
DECISION_PAGES: Final = frozenset({LoanAction.REVIEW, LoanAction.APPROVE, LoanAction.REJECT})


@admin.register(LoanApplication)
class LoanApplicationAdmin(ExportOnlyMixin, FormPageMixin, ServiceAdmin):
    # The deadline and the overdue flag first: the clerk's key columns fit at 1,400 px
    # (the kind and the submission date are the filters' and the date bar's).
    list_display = (
        "number",
        "deadline_on",
        "overdue_flag",
        "applicant_name",
        "status",
        "eligibility",
        "amount",
    )
    list_filter = ("status", OverdueFilter, "kind", "eligible", "home_tier")
    search_fields = (
        "number",
        "contract_number",
        "applicant__name",
        "applicant__id_number",
        "applicant__account__account_number",
    )
    search_identifiers = (
        "number",
        "contract_number",
        "applicant__id_number",
        "applicant__account__account_number",
    )
    list_select_related = ("applicant", "applicant__account")
    date_hierarchy = "submitted_on"
    resource_classes = (LoanApplicationResource,)
    inlines = (StatusHistoryInline,)
    actions = (
        "action_accept",
        "action_review",
        "action_approve",
        "action_disburse",
        "action_reject",
        "action_sign",
    )
    readonly_fields = (
        "deadline_info",
        "frozen_decision",
        "approval_result",
        "audit_trail",
        "eligibility",
        *(f"{name}_text" for name in _APPLICATION_MONEY),
        *(f"{name}_text" for name in _APPLICATION_RATES),
        *(f"{name}_name" for name in _APPLICATION_PEOPLE),
    )
    fieldsets = (
        ("申请", {"fields": ("number", "kind", "status", "applicant", "co_borrower")}),
        (
            "购房信息",
            {
                "fields": (
                    "property_address",
                    "property_type",
                    "new_build",
                    "house_price",
                    "purchase_contract_date",
                    "seller_name",
                    "seller_account",
                    "voucher_amount",
                )
            },
        ),
        (
            "商转公信息",
            {
                "classes": ("collapse",),
                "fields": (
                    "szg_bank",
                    "szg_bank_name",
                    "szg_city",
                    "szg_issued_on",
                    "szg_remaining_principal",
                    "szg_remaining_term_months",
                    "szg_mode",
                    "szg_loan_account",
                ),
            },
        ),
        (
            "申请贷款",
            {"fields": ("requested_amount", "term_months", "repayment_method", "monthly_income")},
        ),
        (
            "提交时测算结果（冻结）",
            {
                "fields": (
                    "submitted_on",
                    "eligible",
                    "home_tier",
                    "max_loan_amount",
                    "loan_amount",
                    "annual_rate_percent",
                    "monthly_payment",
                    "policy_version",
                    "frozen_decision",
                )
            },
        ),
        (
            "受理与审核",
            {
                "fields": (
                    "accepted_on",
                    "accepted_by",
                    "deadline_info",
                    "reviewed_on",
                    "reviewed_by",
                    "review_opinion",
                )
            },
        ),
        (
            "审批",
            {
                "fields": (
                    "decided_on",
                    "decided_by",
                    "decision_opinion",
                    "approved_amount",
                    "approved_home_tier",
                    "approved_rate_percent",
                    "approval_result",
                )
            },
        ),
        (
            "签约与放款",
            {
                "fields": (
                    "contract_number",
                    "signed_on",
                    "signed_by",
                    "contract_amount",
                    "contract_term_months",
                    "contract_method",
                    "contract_rate_percent",
                    "guarantee_type",
                    "guarantee_note",
                    "repayment_day",
                    "disbursed_on",
                    "disbursed_by",
                )
            },
        ),
        ("撤回", {"classes": ("collapse",), "fields": ("withdrawn_on", "withdraw_reason")}),
        ("审计日志", {"fields": ("audit_trail",)}),
    )

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return _shown_fieldsets(super().get_fieldsets(request, obj), _APPLICATION_SHOWN)

    # -- list columns

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        # The nearest deadline first; undated (not yet accepted) after.
        return [F("deadline_on").asc(nulls_last=True), "-id"]

    @admin.display(description="申请人", ordering="applicant__name")
    def applicant_name(self, obj: LoanApplication) -> SafeString:
        # The masked ID number under the name: one narrow column instead of two.
        return format_html(
            '{}<br><span class="gjj-id" style="color:#666;font-size:11px">{}</span>',
            obj.applicant.name,
            mask_id_number(obj.applicant.id_number),
        )

    @admin.display(description="符合条件", ordering="eligible")
    def eligibility(self, obj: LoanApplication) -> SafeString:
        if obj.eligible is None:
            return format_html("{}", "—（未测算）")
        if obj.eligible:
            return format_html('<span style="color:#2e7d32">{}</span>', "✓ 符合")
        return format_html('<strong style="color:#ba2121">{}</strong>', "✗ 不符合")

    @admin.display(description="金额（元）")
    def amount(self, obj: LoanApplication) -> str:
        for value in (obj.contract_amount, obj.approved_amount, obj.loan_amount):
            if value is not None:
                return _money(value)
        return _money(obj.requested_amount)

    @admin.display(description="超期")
    def overdue_flag(self, obj: LoanApplication) -> str:
        today, due = today_local(), obj.deadline_on
        if due is not None and selectors.loan_application_is_overdue(application=obj, on=today):
            return format_html(
                '<strong style="color:#ba2121">已超期{}天</strong>', (today - due).days
            )
        if selectors.application_decided_late(application=obj):
            return "逾期办结"
        if due is not None and obj.status in selectors.AWAITING_DECISION:
            return f"剩余{(due - today).days}天"
        return "—"

    # -- object page

    @admin.display(description="法定办结期限")
    def deadline_info(self, obj: LoanApplication) -> str:
        if obj.deadline_on is None:
            return "—（受理后起算）"
        days = (obj.deadline_on - obj.accepted_on).days if obj.accepted_on else ""
        text = (
            f"{obj.deadline_on.isoformat()}（受理之日起{days}日内作出决定，"
            "《住房公积金管理条例》第二十六条）"
        )
        return f"{text}　{self.overdue_flag(obj)}"

    @admin.display(description="测算依据")
    def frozen_decision(self, obj: LoanApplication) -> SafeString:
        return decision_html(obj.decision)

    @admin.display(description="审批时复核测算")
    def approval_result(self, obj: LoanApplication) -> SafeString:
        return decision_html(obj.approval_decision)

    @admin.display(description="审计日志")
    def audit_trail(self, obj: LoanApplication) -> SafeString | str:
        return audit_block(obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # applicants apply over the API

    # -- the roles behind the actions (gjj.workflow: groups, never the superuser flag)

    def _may(self, request: HttpRequest, action: LoanAction) -> bool:
        return bool(LOAN_STEPS[action].roles & actor_roles(acting_user(request)))

    def has_accept_permission(self, request: HttpRequest) -> bool:
        return self._may(request, LoanAction.ACCEPT)

    def has_review_permission(self, request: HttpRequest) -> bool:
        return self._may(request, LoanAction.REVIEW)

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return self._may(request, LoanAction.APPROVE)

    def has_reject_permission(self, request: HttpRequest) -> bool:
        return self._may(request, LoanAction.REJECT)

    def has_sign_permission(self, request: HttpRequest) -> bool:
        return self._may(request, LoanAction.SIGN)

    def has_disburse_permission(self, request: HttpRequest) -> bool:
        return self._may(request, LoanAction.DISBURSE)

    # -- buttons on the object page

    @cached_property
    def change_form_template(self) -> Any:  # type: ignore[override]
        return _template(_TOOLS.replace("BASE", "change_form"))

    def links_for(self, request: HttpRequest, obj: LoanApplication) -> list[tuple[str, str]]:
        links = []
        for action in allowed_steps(case=obj, actor=acting_user(request), flow=LOAN_FLOW):
            if action in TRANSITION_PAGES:
                url = reverse("admin:loans_loanapplication_transition", args=[obj.pk, action])
                links.append((url, TRANSITION_PAGES[action][1]))
        loan = getattr(obj, "loan", None)
        if loan is not None:
            links.append((reverse("admin:loans_loan_change", args=[loan.pk]), "查看贷款"))
        return links

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        extra["extra_links"] = self.links_for(request, obj) if obj is not None else []
        extra["banner"] = ineligible_banner(obj.decision) if obj is not None else None
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self) -> list[Any]:
        custom = [
            path(
                "<path:object_id>/transition/<str:action>/",
                self.admin_site.admin_view(self.transition_view),
                name="loans_loanapplication_transition",
            )
        ]
        return custom + super().get_urls()

    def _initial(self, action: LoanAction, app: LoanApplication) -> dict[str, Any]:
        if action == LoanAction.SIGN:
            return {
                "amount": app.approved_amount,
                "term_months": app.term_months,
                "repayment_method": app.repayment_method,
                "guarantee_type": GuaranteeType.MORTGAGE,
                "repayment_day": 20,
            }
        return {}

    def _take(
        self, action: LoanAction, app: LoanApplication, request: HttpRequest, data: dict[str, Any]
    ) -> None:
        actor = acting_user(request)
        match action:
            case LoanAction.ACCEPT:
                services.application_accept(application=app, actor=actor, note=data["note"])
            case LoanAction.REVIEW:
                services.application_review(application=app, actor=actor, opinion=data["opinion"])
            case LoanAction.APPROVE:
                services.application_approve(application=app, actor=actor, opinion=data["opinion"])
            case LoanAction.REJECT:
                services.application_reject(application=app, actor=actor, reason=data["reason"])
            case LoanAction.SIGN:
                services.application_sign(
                    application=app,
                    actor=actor,
                    amount=data["amount"],
                    term_months=data["term_months"],
                    repayment_method=data["repayment_method"],
                    guarantee_type=data["guarantee_type"],
                    repayment_day=data["repayment_day"],
                    guarantee_note=data["guarantee_note"],
                )
            case LoanAction.DISBURSE:
                services.application_disburse(application=app, actor=actor)

    def transition_view(self, request: HttpRequest, object_id: str, action: str) -> HttpResponse:
        if action not in TRANSITION_PAGES:
            raise Http404
        step = LoanAction(action)
        form_class, label = TRANSITION_PAGES[step]
        if not self._may(request, step):
            raise PermissionDenied
        app = self.get_object(request, unquote(object_id))
        if app is None:
            raise Http404
        change_url = reverse("admin:loans_loanapplication_change", args=[app.pk])
        form = form_class(request.POST or None, initial=self._initial(step, app))
        if request.method == "POST" and form.is_valid():
            try:
                self._take(step, app, request, dict(form.cleaned_data))
            except BusinessError as exc:
                _form_error(form, exc)
            else:
                self.message_user(request, f"申请{app.number}：{label}完成")
                return HttpResponseRedirect(change_url)
        summary: list[tuple[str, Any]] = [
            ("申请编号", app.number),
            ("申请人", f"{app.applicant.name}（{mask_id_number(app.applicant.id_number)}）"),
            ("状态", app.get_status_display()),
            ("符合条件", self.eligibility(app)),
            ("测算贷款金额", _money(app.loan_amount)),
            ("批准金额", _money(app.approved_amount)),
            ("认定住房套数", app.approved_home_tier or app.home_tier or "—"),
            ("法定办结期限", app.deadline_on or "—"),
        ]
        if step in DECISION_PAGES:
            # Those who decide see what the engine decided, and on which numbers.
            summary += decision_summary(app.decision, monthly_income=app.monthly_income)
        return self.form_page(
            request,
            title=f"{label}：{app.number}",
            form=form,
            back_url=change_url,
            back_label=str(app.number),
            summary=summary,
            submit_label=f"确认{label}",
            banner=ineligible_banner(app.decision),
        )

    # -- queue actions

    def _bulk(
        self,
        request: HttpRequest,
        queryset: QuerySet[LoanApplication],
        action: LoanAction,
        call: Callable[[LoanApplication], Any],
    ) -> None:
        label = TRANSITION_PAGES[action][1]
        done = 0
        for app in queryset.order_by("pk"):
            try:
                call(app)
                done += 1
            except BusinessError as exc:
                self.message_user(
                    request, f"申请{app.number}：{refusal_text(exc)}", level=messages.ERROR
                )
        if done:
            self.message_user(request, f"已{label} {done} 件申请")

    @admin.action(description="受理所选申请", permissions=["accept"])
    def action_accept(self, request: HttpRequest, queryset: QuerySet[LoanApplication]) -> None:
        self._bulk(
            request,
            queryset,
            LoanAction.ACCEPT,
            lambda app: services.application_accept(application=app, actor=acting_user(request)),
        )

    @admin.action(description="审核通过所选申请", permissions=["review"])
    def action_review(self, request: HttpRequest, queryset: QuerySet[LoanApplication]) -> None:
        self._bulk(
            request,
            queryset,
            LoanAction.REVIEW,
            lambda app: services.application_review(application=app, actor=acting_user(request)),
        )

    @admin.action(description="审批同意所选申请", permissions=["approve"])
    def action_approve(self, request: HttpRequest, queryset: QuerySet[LoanApplication]) -> None:
        self._bulk(
            request,
            queryset,
            LoanAction.APPROVE,
            lambda app: services.application_approve(application=app, actor=acting_user(request)),
        )

    @admin.action(description="对所选申请放款", permissions=["disburse"])
    def action_disburse(self, request: HttpRequest, queryset: QuerySet[LoanApplication]) -> None:
        self._bulk(
            request,
            queryset,
            LoanAction.DISBURSE,
            lambda app: services.application_disburse(application=app, actor=acting_user(request)),
        )

    def _one(
        self, request: HttpRequest, queryset: QuerySet[LoanApplication], action: LoanAction
    ) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(
                request, "请只选择一件申请，在表单中填写后办理", level=messages.WARNING
            )
            return None
        app = queryset.get()
        return HttpResponseRedirect(
            reverse("admin:loans_loanapplication_transition", args=[app.pk, action])
        )

    @admin.action(description="不予贷款（填写理由）", permissions=["reject"])
    def action_reject(
        self, request: HttpRequest, queryset: QuerySet[LoanApplication]
    ) -> HttpResponse | None:
        return self._one(request, queryset, LoanAction.REJECT)

    @admin.action(description="签订借款合同（填写合同条款）", permissions=["sign"])
    def action_sign(
        self, request: HttpRequest, queryset: QuerySet[LoanApplication]
    ) -> HttpResponse | None:
        return self._one(request, queryset, LoanAction.SIGN)


for _name in _APPLICATION_MONEY:
    setattr(LoanApplicationAdmin, f"{_name}_text", money_column(LoanApplication, _name))
for _name in _APPLICATION_RATES:
    setattr(LoanApplicationAdmin, f"{_name}_text", rate_column(LoanApplication, _name))
for _name in _APPLICATION_PEOPLE:
    _label = _verbose(LoanApplication, _name)
    setattr(LoanApplicationAdmin, f"{_name}_name", person_column(_name, _label))


# --- loans ------------------------------------------------------------------------------


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    classes = ("gjj-rows",)

    @property
    def template(self) -> Any:  # type: ignore[override]  # a compiled template, not a name
        return rows_inline_template()

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ScheduleVersionInline(_ReadOnlyInline):
    model = ScheduleVersion
    fields = (
        "version",
        "starts_at_installment",
        "principal_text",
        "rate_text",
        "months",
        "method",
        "first_due_date",
        "installment_text",
        "reason",
        "rate_row_words",
        "batch_run_id",
        "created_at",
    )
    readonly_fields = fields
    principal_text = money_column(ScheduleVersion, "principal")
    rate_text = rate_column(ScheduleVersion, "annual_rate_percent")
    installment_text = money_column(ScheduleVersion, "installment_amount")

    @admin.display(description="利率依据")
    def rate_row_words(self, obj: ScheduleVersion) -> str:
        return rate_row_text(obj.rate_row)


class RateChangeInline(_ReadOnlyInline):
    model = RateChange
    fields = (
        "effective_on",
        "from_rate_text",
        "to_rate_text",
        "rate_row_words",
        "schedule_version",
        "batch_run_id",
    )
    readonly_fields = fields
    from_rate_text = rate_column(RateChange, "from_rate")
    to_rate_text = rate_column(RateChange, "to_rate")

    @admin.display(description="利率依据")
    def rate_row_words(self, obj: RateChange) -> str:
        return rate_row_text(obj.rate_row)


class RepaymentInline(_ReadOnlyInline):
    model = Repayment
    fields = (
        "installment_number",
        "due_date",
        "amount_text",
        "principal_text",
        "interest_text",
        "paid_on",
        "source",
        "bank_reference",
    )
    readonly_fields = fields
    amount_text = money_column(Repayment, "amount")
    principal_text = money_column(Repayment, "principal")
    interest_text = money_column(Repayment, "interest")


class PrepaymentInline(_ReadOnlyInline):
    model = Prepayment
    fields = (
        "paid_on",
        "principal_text",
        "interest_text",
        "mode",
        "before_installment",
        "schedule_version",
    )
    readonly_fields = fields
    principal_text = money_column(Prepayment, "principal")
    interest_text = money_column(Prepayment, "interest")


@admin.register(Loan)
class LoanAdmin(ExportOnlyMixin, FormPageMixin, ServiceAdmin):
    # The kind, the dates and the principal are the filters' and the object page's.
    list_display = (
        "contract_number",
        "borrower_name",
        "status",
        "next_due",
        "installment_text",
        "outstanding_text",
        "rate_text",
    )
    list_filter = ("status", "home_tier", "term_band", "repayment_method", "kind")
    search_fields = (
        "contract_number",
        "application__number",
        "borrower__name",
        "borrower__id_number",
        "borrower__account__account_number",
    )
    search_identifiers = (
        "contract_number",
        "application__number",
        "borrower__id_number",
        "borrower__account__account_number",
    )
    list_select_related = ("borrower",)
    date_hierarchy = "disbursed_on"
    resource_classes = (LoanResource,)
    inlines = (ScheduleVersionInline, RateChangeInline, PrepaymentInline, RepaymentInline)
    readonly_fields = (
        "upcoming",
        "audit_trail",
        "principal_text",
        "rate_text",
        "installment_text",
        "outstanding_text",
        "rate_row_words",
        "next_due",
    )
    principal_text = money_column(Loan, "principal", "本金（元）")
    rate_text = rate_column(Loan, "annual_rate_percent", "年利率")
    installment_text = money_column(Loan, "installment_amount", "月还款额（元）")
    outstanding_text = money_column(Loan, "outstanding_principal", "剩余本金（元）")
    # The object page shows every field; these read better than their raw columns.
    _SHOWN: Final[dict[str, str]] = {
        "principal": "principal_text",
        "annual_rate_percent": "rate_text",
        "installment_amount": "installment_text",
        "outstanding_principal": "outstanding_text",
        "priced_rate_row": "rate_row_words",
    }

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        extra = {*self._SHOWN.values(), "next_due"}  # shown in their fields' places
        fields = super().get_fields(request, obj)
        return [self._SHOWN.get(f, f) for f in fields if f not in extra]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a loan is made by disbursing an application

    @admin.display(description="借款人", ordering="borrower__name")
    def borrower_name(self, obj: Loan) -> SafeString:
        return format_html(
            '{}<br><span class="gjj-id" style="color:#666;font-size:11px">{}</span>',
            obj.borrower.name,
            mask_id_number(obj.borrower.id_number),
        )

    @admin.display(description="下一期", ordering="next_due_date")
    def next_due(self, obj: Loan) -> str:
        if obj.next_due_date is None:
            return "—"
        return f"第{obj.next_installment_number}期 {obj.next_due_date.isoformat()}"

    @admin.display(description="定价利率")
    def rate_row_words(self, obj: Loan) -> str:
        return rate_row_text(obj.priced_rate_row)

    @admin.display(description="未还期次（最近12期）")
    def upcoming(self, obj: Loan) -> SafeString:
        rows = [r for r in selectors.loan_schedule(loan=obj) if not r.paid][:12]
        return _table(
            ["期次", "应还日期", "月还款额", "本金", "利息", "剩余本金", "计划版本"],
            [
                (
                    r.number,
                    r.due_date,
                    _money(r.payment),
                    _money(r.principal),
                    _money(r.interest),
                    _money(r.outstanding),
                    r.version,
                )
                for r in rows
            ],
        )

    @admin.display(description="审计日志")
    def audit_trail(self, obj: Loan) -> SafeString | str:
        return audit_block(obj)

    @cached_property
    def change_form_template(self) -> Any:  # type: ignore[override]
        return _template(_TOOLS.replace("BASE", "change_form"))

    @cached_property
    def change_list_template(self) -> Any:  # type: ignore[override]
        return _template(_TOOLS.replace("BASE", "change_list"))

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra = dict(extra_context or {})
        extra["extra_links"] = (
            [(reverse("admin:loans_loan_import"), "导入银行还款文件")]
            if actor_has_role(acting_user(request), Role.CLERK)
            else []
        )
        return super().changelist_view(request, extra)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        links = []
        # Repayments are the clerk's.
        if (
            obj is not None
            and obj.status == LoanStatus.ACTIVE
            and actor_has_role(acting_user(request), Role.CLERK)
        ):
            links.append((reverse("admin:loans_loan_repay", args=[obj.pk]), "登记还款"))
            links.append((reverse("admin:loans_loan_prepay", args=[obj.pk]), "提前还款"))
        if obj is not None and request.user.has_perm("loans.view_loanservicing"):
            links.append((reverse("admin:loans_loanservicing_loan", args=[obj.pk]), "贷后管理"))
        extra = {**(extra_context or {}), "extra_links": links}
        return super().change_view(request, object_id, form_url, extra)

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        custom = [
            path("import/", view(self.import_view), name="loans_loan_import"),
            path("<path:object_id>/repay/", view(self.repay_view), name="loans_loan_repay"),
            path("<path:object_id>/prepay/", view(self.prepay_view), name="loans_loan_prepay"),
        ]
        return custom + super().get_urls()

    def _loan(self, request: HttpRequest, object_id: str) -> Loan:
        if not actor_has_role(acting_user(request), Role.CLERK):  # repayments are the clerk's
            raise PermissionDenied
        loan = self.get_object(request, unquote(object_id))
        if loan is None:
            raise Http404
        return loan

    def _summary(self, loan: Loan) -> list[tuple[str, Any]]:
        return [
            ("借款合同编号", loan.contract_number),
            ("借款人", loan.borrower.name),
            ("执行年利率", rate(loan.annual_rate_percent)),
            ("剩余本金", _money(loan.outstanding_principal)),
            ("下一期", f"第{loan.next_installment_number}期 {loan.next_due_date or ''}"),
        ]

    def repay_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        loan = self._loan(request, object_id)
        nxt = selectors.loan_next_installment(loan=loan)
        change_url = reverse("admin:loans_loan_change", args=[loan.pk])
        initial = {"amount": nxt.payment if nxt else None, "paid_on": today_local()}
        form = RepayForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                services.repayment_record(
                    loan=loan,
                    installment_number=loan.next_installment_number,
                    actor=acting_user(request),
                    **form.cleaned_data,
                )
            except BusinessError as exc:
                _form_error(form, exc)
            else:
                self.message_user(request, f"已登记第{loan.next_installment_number}期还款")
                return HttpResponseRedirect(change_url)
        summary = self._summary(loan)
        if nxt is not None:
            summary.append(
                (
                    "本期应还",
                    f"{money(nxt.payment)}（本金{money(nxt.principal)}，利息{money(nxt.interest)}）",
                )
            )
        return self.form_page(
            request,
            title=f"登记还款：{loan.contract_number}",
            form=form,
            back_url=change_url,
            back_label=loan.contract_number,
            summary=summary,
        )

    def prepay_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        loan = self._loan(request, object_id)
        change_url = reverse("admin:loans_loan_change", args=[loan.pk])
        form = PrepayForm(request.POST or None, initial={"paid_on": today_local()})
        if request.method == "POST" and form.is_valid():
            try:
                services.loan_prepay(loan=loan, actor=acting_user(request), **form.cleaned_data)
            except BusinessError as exc:
                _form_error(form, exc)
            else:
                self.message_user(request, "提前还款已入账")
                return HttpResponseRedirect(change_url)
        return self.form_page(
            request,
            title=f"提前还款：{loan.contract_number}",
            form=form,
            back_url=change_url,
            back_label=loan.contract_number,
            summary=self._summary(loan),
        )

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not actor_has_role(acting_user(request), Role.CLERK):
            raise PermissionDenied
        list_url = reverse("admin:loans_loan_changelist")
        form = ImportForm(request.POST or None, request.FILES or None)
        row_errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            raw = upload.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("gb18030", errors="replace")  # banks often send GBK
            try:
                result = services.repayments_import(
                    csv_text=text, actor=acting_user(request), file_name=upload.name
                )
            except services.ImportRejected as exc:
                form.add_error(None, refusal_text(exc))
                row_errors = [f"第{e.line}行：{e.message}" for e in exc.errors]
            except BusinessError as exc:
                _form_error(form, exc)
            else:
                self.message_user(
                    request,
                    f"已入账{len(result.posted)}笔，已入账过的{len(result.skipped_lines)}笔跳过",
                )
                return HttpResponseRedirect(list_url)
        return self.form_page(
            request,
            title="导入银行还款文件",
            form=form,
            back_url=list_url,
            back_label="个人住房公积金贷款",
            submit_label="导入",
            multipart=True,
            row_errors=row_errors,
        )


@admin.register(RepaymentImport)
class RepaymentImportAdmin(ServiceAdmin):
    list_display = ("file_name", "rows", "posted", "skipped", "created_by", "created_at")
    search_fields = ("file_name", "sha256")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # files are imported from the loan list's import page


# --- nightly repricing runs -------------------------------------------------------


class BatchErrorInline(admin.TabularInline):
    model = BatchError
    extra = 0
    can_delete = False
    fields = ("loan_id", "chunk", "message", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class BatchChunkInline(admin.TabularInline):
    model = BatchChunk
    extra = 0
    can_delete = False
    fields = (
        "id_from",
        "id_to",
        "status",
        "attempts",
        "repriced",
        "failed",
        "started_at",
        "finished_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class BatchJobFilter(admin.SimpleListFilter):
    """Runs by job, named in Chinese."""

    title = "作业"
    parameter_name = "job"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        jobs = BatchRun.objects.order_by("job").values_list("job", flat=True).distinct()
        return [(job, batch_job_label(job)) for job in jobs]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        return queryset.filter(job=self.value()) if self.value() else None


@admin.register(BatchRun)
class BatchRunAdmin(CityScaleListMixin, admin.ModelAdmin):
    list_display = (
        "business_date",
        "job_label",
        "status",
        "progress",
        "loans_total",
        "loans_repriced",
        "loans_failed",
        "applications_requoted",
        "started_at",
        "finished_at",
    )
    list_filter = ("status", BatchJobFilter)
    date_hierarchy = "business_date"
    inlines = (BatchChunkInline, BatchErrorInline)
    actions = ("retry",)
    readonly_fields = [f.name for f in BatchRun._meta.fields] + ["job_label"]

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fields = super().get_fields(request, obj)
        return ["job_label" if f == "job" else f for f in fields if f != "job_label"]

    @admin.display(description="任务", ordering="job")
    def job_label(self, obj: BatchRun) -> str:
        return batch_job_label(obj.job)

    @admin.display(description="进度")
    def progress(self, obj: BatchRun) -> str:
        done = obj.chunks.filter(status=BatchStatus.DONE).count()
        return f"{done}/{obj.chunks_total} 块"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    # Rerunning the night's batch is the operators' (no role group holds change_batchrun).
    @admin.action(description="重试所选运行中失败或未完成的分块", permissions=["change"])
    def retry(self, request: HttpRequest, queryset: QuerySet[BatchRun]) -> None:
        from loans.repricing import reprice_retry
        from loans.tasks import chunk_dispatch

        total = 0
        for run in queryset.order_by("pk"):
            total += reprice_retry(run=run, actor=acting_user(request), dispatch=chunk_dispatch)
        self.message_user(request, f"已重新排队 {total} 个分块")


# Loan servicing's pages (repayment sources, 催收) live in their own module.
from loans import servicing_admin  # noqa: E402, F401
