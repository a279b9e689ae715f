"""Clerks' withdrawal queue. Every change is an action that calls withdrawals.services.

Nothing here is editable or deletable: applications come from applicants over
the API, and their state moves only through the services (accept, approve,
reject, record a consent), which check the role, the transition and the limits.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, Final

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from gjj.admin_perf import CityScaleListMixin
from gjj.auth import acting_user
from gjj.domain import AuditAction, Role
from gjj.errors import BusinessError
from gjj.exports import ExportOnlyMixin
from gjj.masking import mask_id_number
from gjj.selectors import today_local
from gjj.workflow import actor_has_role, actor_roles
from withdrawals import selectors, services
from withdrawals.models import (
    MemberRelation,
    StatusChange,
    WithdrawalApplication,
    WithdrawalKind,
    WithdrawalMember,
    WithdrawalPayment,
)
from withdrawals.resources import WithdrawalApplicationResource


class ReasonActionForm(ActionForm):
    reason = forms.CharField(
        label="原因/依据",
        required=False,
        max_length=500,
        help_text="不予提取须填写原因；柜台记录授权须填写依据",
    )


class ReadOnlyAdmin(CityScaleListMixin, admin.ModelAdmin):
    """Rows are written by the services only."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MemberInline(ReadOnlyInline):
    model = WithdrawalMember
    verbose_name = "提取人及授权"
    verbose_name_plural = "提取人及授权"
    fields = (
        "depositor",
        "relation",
        "amount",
        "balance_now",
        "consent_status",
        "consent_channel",
        "consented_at",
        "consent_evidence",
        "entry",
    )
    readonly_fields = fields

    @admin.display(description="当前账户余额")
    def balance_now(self, obj: WithdrawalMember) -> str:
        account = selectors.account_of(obj.depositor)
        return f"{account.account_number}：{account.balance}" if account else "无账户"


class HistoryInline(ReadOnlyInline):
    model = StatusChange
    verbose_name = "状态变更记录"
    verbose_name_plural = "状态变更记录"
    fields = ("at", "from_status", "to_status", "actor_label", "reason")
    readonly_fields = fields


class PaymentInline(ReadOnlyInline):
    model = WithdrawalPayment
    verbose_name = "支付记录"
    verbose_name_plural = "支付记录"
    fields = ("payee_name", "bank_name", "bank_account", "amount", "status", "paid_on", "reference")
    readonly_fields = fields


class OverdueFilter(admin.SimpleListFilter):
    """The queue by decision deadline; the start page links to these same choices."""

    title = "办结期限"
    parameter_name = "overdue"
    choice_labels: Final[dict[str, str]] = {"yes": "已逾期未办结", "today": "今日到期"}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(self.choice_labels.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        today = today_local()
        if self.value() == "yes":
            return queryset & selectors.withdrawal_applications_overdue(on=today)
        if self.value() == "today":
            return queryset & selectors.withdrawal_applications_near_deadline(on=today)
        return queryset


def _run(
    admin_: admin.ModelAdmin,
    request: HttpRequest,
    rows: QuerySet,
    call: Callable[[Any], Any],
    done: str,
) -> None:
    """Call a service per row; each refusal is shown in Chinese and changes nothing."""
    ok = 0
    for row in rows.order_by("pk"):
        try:
            call(row)
            ok += 1
        except BusinessError as exc:
            admin_.message_user(
                request, f"{row}：{exc.message}（{exc.code}）", level=messages.ERROR
            )
    if ok:
        admin_.message_user(request, f"{done} {ok} 笔", level=messages.SUCCESS)


@admin.register(WithdrawalApplication)
class WithdrawalApplicationAdmin(ExportOnlyMixin, ReadOnlyAdmin):
    list_display = (
        "number",
        "kind",
        "applicant_name",
        "applicant_id",
        "amount",
        "status",
        "applied_on",
        "accepted_at",
        "decision_due_on",
        "overdue",
    )
    list_filter = ("status", "kind", OverdueFilter)
    search_fields = (
        "number",
        "applicant__name",
        "applicant__id_number",
        "applicant__account__account_number",
    )
    list_select_related = ("applicant",)
    date_hierarchy = "applied_on"
    resource_classes = (WithdrawalApplicationResource,)
    # Django orders by expressions too; the stubs allow only strings here.
    ordering = (F("decision_due_on").asc(nulls_last=True), "-id")  # type: ignore[assignment]
    action_form = ReasonActionForm
    actions = ("accept", "approve", "reject")
    inlines = (MemberInline, PaymentInline, HistoryInline)
    fieldsets = (
        ("申请", {"fields": ("number", "kind", "applicant", "status", "amount", "applied_on")}),
        (
            "购房信息",
            {
                "fields": (
                    "property_address",
                    "price",
                    "contract_date",
                    "loans_amount",
                    "voucher_amount",
                )
            },
        ),
        ("租房信息", {"fields": ("rent_year", "period_type", "period_index")}),
        ("收款", {"fields": ("bank_name", "bank_account")}),
        ("额度测算", {"fields": ("limits_now", "limits_snapshot")}),
        (
            "办理",
            {
                "fields": (
                    "submitted_at",
                    "accepted_at",
                    "accepted_by",
                    "decision_due_on",
                    "overdue",
                    "decided_at",
                    "decided_by",
                    "decision_reason",
                    "cancelled_at",
                )
            },
        ),
        ("审计记录", {"fields": ("audit",)}),
    )
    readonly_fields = ("limits_now", "overdue", "audit")

    @admin.display(description="申请人", ordering="applicant__name")
    def applicant_name(self, obj: WithdrawalApplication) -> str:
        return obj.applicant.name

    @admin.display(description="身份证号码")
    def applicant_id(self, obj: WithdrawalApplication) -> str:
        return mask_id_number(obj.applicant.id_number)

    @admin.display(description="逾期", boolean=True)
    def overdue(self, obj: WithdrawalApplication) -> bool:
        return selectors.withdrawal_application_is_overdue(
            application=obj, on=today_local()
        ) or selectors.withdrawal_application_decided_late(application=obj)

    @admin.display(description="按当前数据测算")
    def limits_now(self, obj: WithdrawalApplication) -> str:
        try:
            if obj.kind == WithdrawalKind.RENTAL:
                a = selectors.rental_allowance(
                    depositor=obj.applicant,
                    year=obj.rent_year or obj.applied_on.year,
                    on=obj.applied_on,
                    exclude_application_id=obj.pk,
                )
                special = f"（特定群体：{'、'.join(a.cap.groups)}）" if a.cap.special else ""
                return format_html(
                    "{}年度额度 {} 元{}；本申请以外已提取 {} 元，在办 {} 元；剩余 {} 元；"
                    "本次申请 {} 元",
                    a.year,
                    a.cap.amount,
                    special,
                    a.used,
                    a.in_flight,
                    a.remaining,
                    obj.amount,
                )
            if obj.price is None or obj.contract_date is None:  # a DB constraint forbids it
                raise RuntimeError(
                    f"purchase application {obj.pk} lacks its price or contract date"
                )
            p = selectors.purchase_limits(
                buyer=obj.applicant,
                on=obj.applied_on,
                price=obj.price,
                loans_amount=obj.loans_amount or Decimal("0.00"),
                voucher_amount=obj.voucher_amount or Decimal("0.00"),
                contract_date=obj.contract_date,
                with_candidates=False,
            )
            return format_html(
                "自筹部分上限 {} 元（房价−贷款−房票）；申请合计 {} 元；申请截止日 {}（{}）；"
                "允许提取：{}",
                p.own_funds,
                obj.amount,
                p.window_ends_on or "—",
                "在期限内" if p.within_window else "已超过期限",
                "、".join(MemberRelation(r).label for r in p.allowed_relations),
            )
        except BusinessError as exc:
            return exc.message

    @admin.display(description="审计记录")
    def audit(self, obj: WithdrawalApplication) -> str:
        rows = selectors.audit_trail(obj)
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{r.at:%Y-%m-%d %H:%M:%S}",
                    r.actor_label,
                    AuditAction.label_of(r.action),
                    r.old or "",
                    r.new or "",
                    r.reason,
                )
                for r in rows
            ),
        )
        return format_html(
            "<table><thead><tr><th>时间</th><th>操作人</th><th>操作</th><th>变更前</th>"
            "<th>变更后</th><th>原因</th></tr></thead><tbody>{}</tbody></table>",
            body,
        )

    # Actions show to those whose role may take the step (gjj.workflow); the
    # services check the role, the status and the limits again per row.

    def _may(self, request: HttpRequest, *actions: services.WithdrawalAction) -> bool:
        held = actor_roles(acting_user(request))
        return any(services.WITHDRAWAL_STEPS[a].roles & held for a in actions)

    def has_accept_permission(self, request: HttpRequest) -> bool:
        return self._may(request, services.WithdrawalAction.ACCEPT)

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return self._may(request, services.WithdrawalAction.APPROVE)

    def has_reject_permission(self, request: HttpRequest) -> bool:
        return self._may(
            request, services.WithdrawalAction.REFUSE, services.WithdrawalAction.REJECT
        )

    @admin.action(description="受理所选申请（开始计算办结期限）", permissions=["accept"])
    def accept(self, request: HttpRequest, queryset: QuerySet[WithdrawalApplication]) -> None:
        _run(
            self,
            request,
            queryset,
            lambda app: services.withdrawal_accept(application=app, actor=acting_user(request)),
            "已受理",
        )

    @admin.action(description="核准所选申请并支付", permissions=["approve"])
    def approve(self, request: HttpRequest, queryset: QuerySet[WithdrawalApplication]) -> None:
        reason = request.POST.get("reason", "")
        _run(
            self,
            request,
            queryset,
            lambda app: services.withdrawal_approve(
                application=app, actor=acting_user(request), reason=reason
            ),
            "已核准并支付",
        )

    @admin.action(description="不予提取（须在“原因/依据”栏填写原因）", permissions=["reject"])
    def reject(self, request: HttpRequest, queryset: QuerySet[WithdrawalApplication]) -> None:
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(request, "不予提取必须填写原因，未作任何处理", level=messages.ERROR)
            return
        _run(
            self,
            request,
            queryset,
            lambda app: services.withdrawal_reject(
                application=app, actor=acting_user(request), reason=reason
            ),
            "已作出不予提取决定",
        )


@admin.register(WithdrawalMember)
class WithdrawalMemberAdmin(ReadOnlyAdmin):
    list_display = (
        "application",
        "depositor",
        "relation",
        "amount",
        "consent_status",
        "consent_channel",
        "consented_at",
    )
    list_filter = ("consent_status", "relation", "consent_channel")
    search_fields = (
        "application__number",
        "depositor__name",
        "depositor__id_number",
        "depositor__account__account_number",
        "application__applicant__name",
    )
    list_select_related = ("application", "depositor")
    date_hierarchy = "application__applied_on"
    action_form = ReasonActionForm
    actions = ("record_accept", "record_decline")

    def has_recordconsent_permission(self, request: HttpRequest) -> bool:
        return actor_has_role(acting_user(request), Role.CLERK)  # counter consents are the clerk's

    def _record(self, request: HttpRequest, queryset: QuerySet, accepted: bool) -> None:
        evidence = request.POST.get("reason", "").strip()
        if not evidence:
            self.message_user(
                request, "柜台记录授权必须填写依据，未作任何处理", level=messages.ERROR
            )
            return
        _run(
            self,
            request,
            queryset,
            lambda m: services.member_consent_record(
                member=m, accepted=accepted, actor=acting_user(request), evidence=evidence
            ),
            "已记录同意" if accepted else "已记录拒绝",
        )

    @admin.action(description="记录提取人同意（柜台，须填写依据）", permissions=["recordconsent"])
    def record_accept(self, request: HttpRequest, queryset: QuerySet[WithdrawalMember]) -> None:
        self._record(request, queryset, accepted=True)

    @admin.action(description="记录提取人拒绝（柜台，须填写依据）", permissions=["recordconsent"])
    def record_decline(self, request: HttpRequest, queryset: QuerySet[WithdrawalMember]) -> None:
        self._record(request, queryset, accepted=False)


@admin.register(WithdrawalPayment)
class WithdrawalPaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "payee_name",
        "payee_id",
        "bank_name",
        "masked_account",
        "amount",
        "status",
        "paid_on",
    )
    list_filter = ("status",)
    search_fields = ("reference", "payee_name", "payee__id_number", "application__number")
    list_select_related = ("payee",)
    date_hierarchy = "paid_on"

    @admin.display(description="身份证号码")
    def payee_id(self, obj: WithdrawalPayment) -> str:
        return mask_id_number(obj.payee.id_number)

    @admin.display(description="收款账号")
    def masked_account(self, obj: WithdrawalPayment) -> str:
        return obj.masked_bank_account
