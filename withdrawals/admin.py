"""Clerks' withdrawal queue. Every change is an action that calls withdrawals.services.

Nothing here is editable or deletable: applications come from applicants over
the API, and their state moves only through the services (accept, approve,
reject, record a consent), which check the role, the transition and the limits.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import cache
from typing import Any, Final

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import F, QuerySet
from django.http import HttpRequest
from django.template import engines
from django.template.loader import get_template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from gjj.admin import ObjectAction, ObjectActionsMixin
from gjj.admin_display import (
    audit_table,
    money,
    person_name,
    refusal_text,
    special_groups_text,
    status_change_text,
    value_table,
)
from gjj.admin_perf import CityScaleListMixin
from gjj.auth import acting_user
from gjj.domain import Role
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


@cache
def rows_inline_template() -> Any:
    """Django's tabular inline without each row's title: the columns already say it in
    Chinese, while the title is the row's ``__str__`` (status codes). A test reads the page."""
    # ignore: the stubs type the backend-neutral wrapper; the Django backend's has .template
    source = get_template("admin/edit_inline/tabular.html").template.source  # type: ignore[attr-defined]
    return engines["django"].from_string(source.replace("{{ inline_admin_form.original }}", ""))


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    classes = ("gjj-rows",)

    @property
    def template(self) -> Any:  # type: ignore[override]  # a compiled template, not a name
        return rows_inline_template()

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
        "amount_text",
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
        return f"{account.account_number}：{money(account.balance)}" if account else "无账户"

    @admin.display(description="提取金额（元）")
    def amount_text(self, obj: WithdrawalMember) -> str:
        return money(obj.amount)


class HistoryInline(ReadOnlyInline):
    model = StatusChange
    verbose_name = "状态变更记录"
    verbose_name_plural = "状态变更记录"
    fields = ("at", "change", "actor_name", "reason")
    readonly_fields = fields

    @admin.display(description="状态变更")
    def change(self, obj: StatusChange) -> str:
        return status_change_text(obj)

    @admin.display(description="操作人")
    def actor_name(self, obj: StatusChange) -> str:
        return person_name(obj.actor, obj.actor_label)

    def get_queryset(self, request: HttpRequest) -> QuerySet[StatusChange]:
        return super().get_queryset(request).select_related("actor")


class PaymentInline(ReadOnlyInline):
    model = WithdrawalPayment
    verbose_name = "支付记录"
    verbose_name_plural = "支付记录"
    fields = (
        "payee_name",
        "bank_name",
        "bank_account",
        "amount_text",
        "status",
        "paid_on",
        "reference",
    )
    readonly_fields = fields

    @admin.display(description="支付金额（元）")
    def amount_text(self, obj: WithdrawalPayment) -> str:
        return money(obj.amount)


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
            admin_.message_user(request, f"{row}：{refusal_text(exc)}", level=messages.ERROR)
    if ok:
        admin_.message_user(request, f"{done} {ok} 笔", level=messages.SUCCESS)


# The keys of a submission's limits snapshot (withdrawals.services), for the clerk.
_SNAPSHOT_LABELS: Final[dict[str, str]] = {
    "rule": "测算规则",
    "year": "提取年度",
    "on": "测算日期",
    "cap": "年度额度（元）",
    "special": "适用特定群体额度",
    "groups": "特定群体",
    "used": "本年已提取（元）",
    "in_flight": "在办（元）",
    "remaining": "剩余额度（元）",
    "amount": "本次申请（元）",
    "own_funds": "自筹部分上限（元）",
    "total": "申请合计（元）",
    "window_ends_on": "申请截止日",
    "allowed_relations": "允许提取的家庭成员",
    "relations_row": "家庭成员范围依据",
    "window_row": "申请期限依据",
}
_SNAPSHOT_MONEY: Final = frozenset(
    {"cap", "used", "in_flight", "remaining", "amount", "own_funds", "total"}
)


# --- the steps: one call each, behind both the object-page buttons and the queue actions ----


class ApproveForm(forms.Form):
    reason = forms.CharField(
        label="核准意见",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="不予提取原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2, "cols": 60})
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="代为撤回原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2, "cols": 60})
    )


Run = Callable[[WithdrawalApplication, Any, dict[str, Any]], object]


def _submit(app: WithdrawalApplication, actor: Any, data: dict[str, Any]) -> object:
    return services.withdrawal_submit(application=app, actor=actor)


def _accept(app: WithdrawalApplication, actor: Any, data: dict[str, Any]) -> object:
    return services.withdrawal_accept(application=app, actor=actor)


def _approve(app: WithdrawalApplication, actor: Any, data: dict[str, Any]) -> object:
    return services.withdrawal_approve(application=app, actor=actor, reason=data.get("reason", ""))


def _reject(app: WithdrawalApplication, actor: Any, data: dict[str, Any]) -> object:
    return services.withdrawal_reject(application=app, actor=actor, reason=data.get("reason", ""))


def _cancel(app: WithdrawalApplication, actor: Any, data: dict[str, Any]) -> object:
    return services.withdrawal_cancel(application=app, actor=actor, reason=data.get("reason", ""))


def _offered(*actions: services.WithdrawalAction) -> Callable[[WithdrawalApplication, Any], bool]:
    """Whether the workflow lets ``actor`` take one of ``actions`` on the case now."""

    def offered(app: WithdrawalApplication, actor: Any) -> bool:
        allowed = services.withdrawal_steps_allowed(application=app, actor=actor)
        return any(a in allowed for a in actions)

    return offered


def _always(app: WithdrawalApplication) -> bool:
    return True  # the workflow decides (``offered``)


_A = services.WithdrawalAction
# Object-page buttons, in the order a case moves; the queue actions call the same ``run``.
WITHDRAWAL_BUTTONS: Final[dict[str, ObjectAction]] = {
    b.slug: b
    for b in (
        ObjectAction(
            slug="submit",
            label="代为提交",
            done="已提交",
            role=Role.CLERK,
            form=forms.Form,
            applies=_always,
            run=_submit,
            offered=_offered(_A.SUBMIT),
        ),
        ObjectAction(
            slug="accept",
            label="受理",
            done="已受理",
            role=Role.CLERK,
            form=forms.Form,
            applies=_always,
            run=_accept,
            offered=_offered(_A.ACCEPT),
        ),
        ObjectAction(
            slug="approve",
            label="核准并支付",
            done="已核准并支付",
            role=Role.APPROVER,
            form=ApproveForm,
            applies=_always,
            run=_approve,
            offered=_offered(_A.APPROVE),
        ),
        ObjectAction(
            slug="reject",
            label="不予提取",
            done="已作出不予提取决定",
            role=Role.APPROVER,
            form=RejectForm,
            applies=_always,
            run=_reject,
            offered=_offered(_A.REFUSE, _A.REJECT),
        ),
        ObjectAction(
            slug="cancel",
            label="代为撤回",
            done="已撤回",
            role=Role.CLERK,
            form=CancelForm,
            applies=_always,
            run=_cancel,
            offered=_offered(_A.CANCEL),
        ),
    )
}


def _bulk(
    admin_: admin.ModelAdmin,
    request: HttpRequest,
    rows: QuerySet[WithdrawalApplication],
    slug: str,
    data: dict[str, Any],
) -> None:
    button = WITHDRAWAL_BUTTONS[slug]
    actor = acting_user(request)
    _run(admin_, request, rows, lambda app: button.run(app, actor, data), button.done)


@admin.register(WithdrawalApplication)
class WithdrawalApplicationAdmin(ObjectActionsMixin, ExportOnlyMixin, ReadOnlyAdmin):
    # The deadline and the overdue flag first: the clerk's key columns fit at 1,400 px
    # (the application date is the date bar's).
    list_display = (
        "number",
        "decision_due_on",
        "overdue",
        "applicant_name",
        "kind",
        "amount_text",
        "status",
    )
    list_filter = ("status", "kind", OverdueFilter)
    search_fields = (
        "number",
        "applicant__name",
        "applicant__id_number",
        "applicant__account__account_number",
    )
    search_identifiers = ("number", "applicant__id_number", "applicant__account__account_number")
    list_select_related = ("applicant",)
    date_hierarchy = "applied_on"
    resource_classes = (WithdrawalApplicationResource,)
    # Django orders by expressions too; the stubs allow only strings here.
    ordering = (F("decision_due_on").asc(nulls_last=True), "-id")  # type: ignore[assignment]
    action_form = ReasonActionForm
    object_actions = tuple(WITHDRAWAL_BUTTONS.values())
    # The buttons above the case (ObjectActionsMixin's own template puts them below it).
    # ignore: ObjectActionsMixin declares it an instance variable, ModelAdmin a class one.
    change_form_template = "admin/withdrawals/case_change_form.html"  # type: ignore[misc]
    actions = ("accept", "approve", "reject")
    inlines = (MemberInline, PaymentInline, HistoryInline)
    fieldsets = (
        (
            "申请",
            {"fields": ("number", "kind", "applicant", "status", "amount_text", "applied_on")},
        ),
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
        ("额度测算", {"fields": ("limits_now", "limits_table")}),
        (
            "办理",
            {
                "fields": (
                    "submitted_at",
                    "accepted_at",
                    "accepted_by_name",
                    "decision_due_on",
                    "overdue",
                    "decided_at",
                    "decided_by_name",
                    "decision_reason",
                    "cancelled_at",
                )
            },
        ),
        ("审计记录", {"fields": ("audit",)}),
    )
    readonly_fields = (
        "limits_now",
        "limits_table",
        "overdue",
        "audit",
        "accepted_by_name",
        "decided_by_name",
        "amount_text",
    )

    @admin.display(description="申请人", ordering="applicant__name")
    def applicant_name(self, obj: WithdrawalApplication) -> SafeString:
        # The masked ID number under the name: one narrow column instead of two.
        return format_html(
            '{}<br><span class="gjj-id" style="color:#666;font-size:11px">{}</span>',
            obj.applicant.name,
            mask_id_number(obj.applicant.id_number),
        )

    @admin.display(description="金额（元）", ordering="amount")
    def amount_text(self, obj: WithdrawalApplication) -> str:
        return money(obj.amount)

    @admin.display(description="受理人")
    def accepted_by_name(self, obj: WithdrawalApplication) -> str:
        return person_name(obj.accepted_by) if obj.accepted_by_id else "—"

    @admin.display(description="审批人")
    def decided_by_name(self, obj: WithdrawalApplication) -> str:
        return person_name(obj.decided_by) if obj.decided_by_id else "—"

    @admin.display(description="提交时额度测算")
    def limits_table(self, obj: WithdrawalApplication) -> SafeString | str:
        snapshot = obj.limits_snapshot
        if not snapshot:
            return "—"
        shown = {
            key: money(value) if key in _SNAPSHOT_MONEY and value is not None else value
            for key, value in snapshot.items()
        }
        if snapshot.get("rule") == WithdrawalKind.RENTAL:
            shown["rule"] = WithdrawalKind.RENTAL.label
        return value_table(shown, labels=_SNAPSHOT_LABELS)

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
                special = (
                    f"（特定群体：{special_groups_text(a.cap.groups)}）" if a.cap.special else ""
                )
                return format_html(
                    "{}年度额度 {} 元{}；本申请以外已提取 {} 元，在办 {} 元；剩余 {} 元；"
                    "本次申请 {} 元",
                    a.year,
                    money(a.cap.amount),
                    special,
                    money(a.used),
                    money(a.in_flight),
                    money(a.remaining),
                    money(obj.amount),
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
                money(p.own_funds),
                money(obj.amount),
                p.window_ends_on or "—",
                "在期限内" if p.within_window else "已超过期限",
                "、".join(MemberRelation(r).label for r in p.allowed_relations),
            )
        except BusinessError as exc:
            return exc.message

    @admin.display(description="审计记录")
    def audit(self, obj: WithdrawalApplication) -> SafeString | str:
        return audit_table(selectors.audit_trail(obj).select_related("actor"))

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
        _bulk(self, request, queryset, "accept", {})

    @admin.action(description="核准所选申请并支付", permissions=["approve"])
    def approve(self, request: HttpRequest, queryset: QuerySet[WithdrawalApplication]) -> None:
        _bulk(self, request, queryset, "approve", {"reason": request.POST.get("reason", "")})

    @admin.action(description="不予提取（须在“原因/依据”栏填写原因）", permissions=["reject"])
    def reject(self, request: HttpRequest, queryset: QuerySet[WithdrawalApplication]) -> None:
        reason = request.POST.get("reason", "").strip()
        if not reason:
            self.message_user(request, "不予提取必须填写原因，未作任何处理", level=messages.ERROR)
            return
        _bulk(self, request, queryset, "reject", {"reason": reason})


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
