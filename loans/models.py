"""Loan applications, loans, schedule-version headers, rate changes and repayments.

No business rules here: ``loans.services`` writes every row, ``loans.selectors``
reads. The tables are shaped for the nightly repricing batch (set-based SQL by
id range): a ``Loan`` carries its *current* terms as plain columns, and a
``ScheduleVersion`` is a header from which ``loans.schedules.build_schedule``
computes the installments — installments are never stored row by row.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from gjj.domain import LOANABLE_PROPERTY_TYPES, PropertyType, RepaymentMethod, TermBand
from gjj.models import MONEY, Depositor, FamilyMember, PfLoanRecord

RATE: dict[str, Any] = {"max_digits": 6, "decimal_places": 3}


class ApplicationKind(models.TextChoices):
    PURCHASE = "purchase", "购房贷款"
    SZG = "szg", "商转公贷款"


class ApplicationStatus(models.TextChoices):
    """GB/T 51267-2017 stages: 受理 → 审查与批准 → 签约与发放."""

    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    ACCEPTED = "accepted", "已受理"
    REVIEWED = "reviewed", "已审核"
    APPROVED = "approved", "已审批同意"
    REJECTED = "rejected", "不予贷款"
    SIGNED = "signed", "已签约"
    DISBURSED = "disbursed", "已放款"
    WITHDRAWN = "withdrawn", "已撤回"


# An application in one of these holds the household's single open slot.
OPEN_STATUSES: tuple[str, ...] = (
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.REVIEWED,
    ApplicationStatus.APPROVED,
    ApplicationStatus.SIGNED,
)


class SzgMode(models.TextChoices):
    REPAY_FIRST = "repay_first", "先还后贷"
    SECOND_MORTGAGE = "second_mortgage", "顺位抵押"


class GuaranteeType(models.TextChoices):
    """担保类型, JGJ/T 320-2014 codes."""

    MORTGAGE = "01", "抵押"
    PLEDGE = "02", "质押"
    SURETY = "03", "保证"


class LoanApplication(models.Model):
    number = models.CharField(  # set right after the insert, from the pk
        "申请编号", max_length=30, unique=True, null=True, blank=True, editable=False
    )
    kind = models.CharField("贷款类型", max_length=10, choices=ApplicationKind.choices)
    status = models.CharField(
        "状态",
        max_length=12,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        db_index=True,
    )
    applicant = models.ForeignKey(
        Depositor,
        verbose_name="借款申请人",
        on_delete=models.PROTECT,
        related_name="loan_applications",
    )
    co_borrower = models.ForeignKey(
        FamilyMember,
        verbose_name="共同借款人（配偶）",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # The home (purchase; for 商转公 the refinanced home).
    property_address = models.CharField("房屋坐落", max_length=300, blank=True)
    property_type = models.CharField(
        "房屋性质",
        max_length=12,
        choices=PropertyType.choices(LOANABLE_PROPERTY_TYPES),
        default=PropertyType.COMMERCIAL.value,
    )
    new_build = models.BooleanField("新建商品住房（一手房）", default=False)
    house_price = models.DecimalField("房屋总价", null=True, blank=True, **MONEY)
    purchase_contract_date = models.DateField("购房合同签订日期", null=True, blank=True)
    seller_name = models.CharField("售房人/开发企业", max_length=200, blank=True)
    seller_account = models.CharField("售房款收款账号", max_length=40, blank=True)
    voucher_amount = models.DecimalField("房票面额", null=True, blank=True, **MONEY)

    # 商转公.
    szg_bank = models.CharField("商业贷款银行代码", max_length=20, blank=True)
    szg_bank_name = models.CharField("商业贷款银行名称", max_length=100, blank=True)
    szg_city = models.CharField("商业贷款银行所在城市", max_length=50, blank=True)
    szg_issued_on = models.DateField("商业贷款发放日期", null=True, blank=True)
    szg_remaining_principal = models.DecimalField(
        "商业贷款剩余本金", null=True, blank=True, **MONEY
    )
    szg_remaining_term_months = models.PositiveSmallIntegerField(
        "商业贷款剩余期限（月）", null=True, blank=True
    )
    szg_mode = models.CharField("商转公方式", max_length=20, choices=SzgMode.choices, blank=True)
    szg_loan_account = models.CharField("商业贷款账号", max_length=40, blank=True)

    # What is asked for.
    requested_amount = models.DecimalField(
        "申请金额", null=True, blank=True, help_text="留空表示按可贷最高额申请", **MONEY
    )
    term_months = models.PositiveSmallIntegerField("申请期限（月）", null=True, blank=True)
    repayment_method = models.CharField(
        "还款方式",
        max_length=20,
        choices=RepaymentMethod.choices(),
        default=RepaymentMethod.EQUAL_INSTALLMENT.value,
    )
    # Borrower plus co-borrowing spouse: the income of the capacity limit (domain.md §8).
    monthly_income = models.DecimalField(
        "借款人及共同借款配偶月收入合计", null=True, blank=True, **MONEY
    )

    # Frozen on submission: the engine's decision on the household's facts that day.
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    submitted_on = models.DateField("提交日期", null=True, blank=True)
    decision = models.JSONField("提交时测算结果", null=True, blank=True)
    eligible = models.BooleanField("提交时是否符合条件", null=True, blank=True)
    home_tier = models.PositiveSmallIntegerField("认定住房套数", null=True, blank=True)
    max_loan_amount = models.DecimalField("可贷最高额", null=True, blank=True, **MONEY)
    loan_amount = models.DecimalField("测算贷款金额", null=True, blank=True, **MONEY)
    annual_rate_percent = models.DecimalField("测算年利率（%）", null=True, blank=True, **RATE)
    monthly_payment = models.DecimalField("测算月还款额", null=True, blank=True, **MONEY)
    policy_version = models.CharField("政策版本", max_length=20, blank=True)

    # 受理 and the statutory deadline (住房公积金管理条例 art. 26).
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="受理人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    deadline_on = models.DateField("法定办结期限", null=True, blank=True)

    # 审核.
    reviewed_on = models.DateField("审核日期", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    review_opinion = models.CharField("审核意见", max_length=500, blank=True)

    # 审批.
    decided_on = models.DateField("审批日期", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_opinion = models.CharField("审批意见/不予贷款理由", max_length=500, blank=True)
    approval_decision = models.JSONField("审批时复核测算结果", null=True, blank=True)
    approved_amount = models.DecimalField("批准金额", null=True, blank=True, **MONEY)
    approved_home_tier = models.PositiveSmallIntegerField(
        "批准时认定住房套数", null=True, blank=True
    )
    approved_rate_percent = models.DecimalField("批准时年利率（%）", null=True, blank=True, **RATE)

    # 签约.
    contract_number = models.CharField(  # unique once signed, NULL before
        "借款合同编号", max_length=40, unique=True, null=True, blank=True
    )
    signed_on = models.DateField("签约日期", null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签约经办人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    contract_amount = models.DecimalField("合同金额", null=True, blank=True, **MONEY)
    contract_term_months = models.PositiveSmallIntegerField("合同期限（月）", null=True, blank=True)
    contract_method = models.CharField(
        "合同还款方式", max_length=20, choices=RepaymentMethod.choices(), blank=True
    )
    contract_rate_percent = models.DecimalField("签约时年利率（%）", null=True, blank=True, **RATE)
    guarantee_type = models.CharField(
        "担保方式", max_length=2, choices=GuaranteeType.choices, blank=True
    )
    guarantee_note = models.CharField("担保说明", max_length=300, blank=True)
    repayment_day = models.PositiveSmallIntegerField("每月还款日", null=True, blank=True)

    # 放款 / 撤回.
    disbursed_on = models.DateField("放款日期", null=True, blank=True)
    disbursed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="放款经办人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_on = models.DateField("撤回日期", null=True, blank=True)
    withdraw_reason = models.CharField("撤回原因", max_length=300, blank=True)

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "贷款申请"
        verbose_name_plural = "贷款申请"
        ordering = ["-id"]
        permissions = [
            ("accept_loanapplication", "受理贷款申请"),
            ("review_loanapplication", "审核贷款申请"),
            ("approve_loanapplication", "审批贷款申请（同意或不予贷款）"),
            ("sign_loanapplication", "签订借款合同"),
            ("disburse_loanapplication", "发放贷款"),
        ]
        constraints = [
            # Backstop of the service's household check (which also covers the spouse).
            models.UniqueConstraint(
                fields=["applicant"],
                condition=Q(status__in=OPEN_STATUSES),
                name="loan_application_one_open_per_applicant",
            ),
            models.CheckConstraint(
                condition=Q(repayment_day__isnull=True)
                | Q(repayment_day__gte=1, repayment_day__lte=28),
                name="loan_application_repayment_day_1_28",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline_on"], name="loan_app_queue")]

    def __str__(self) -> str:
        return f"{self.number or '（未编号）'} {self.applicant.name}"


class ApplicationStatusChange(models.Model):
    """One step of an application's status history (written with its audit row)."""

    application = models.ForeignKey(
        LoanApplication, verbose_name="贷款申请", on_delete=models.PROTECT, related_name="history"
    )
    from_status = models.CharField(
        "原状态", max_length=12, choices=ApplicationStatus.choices, blank=True
    )
    to_status = models.CharField("新状态", max_length=12, choices=ApplicationStatus.choices)
    on = models.DateField("业务日期")
    at = models.DateTimeField("操作时间", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField("操作人标识", max_length=150)
    note = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "申请状态记录"
        verbose_name_plural = "申请状态记录"
        ordering = ["id"]

    def __str__(self) -> str:
        before = self.get_from_status_display() if self.from_status else "—"
        return f"{self.application_id} {before} → {self.get_to_status_display()}"


class LoanStatus(models.TextChoices):
    ACTIVE = "active", "还款中"
    SETTLED = "settled", "已结清"


class PayeeKind(models.TextChoices):
    DEVELOPER = "developer", "开发企业"
    SELLER = "seller", "售房人"
    COMMERCIAL_BANK = "commercial_bank", "商业银行（商转公）"


class Loan(models.Model):
    """A disbursed loan with its *current* terms as plain columns.

    The nightly repricing batch updates ``annual_rate_percent``,
    ``installment_amount``, ``current_schedule_version``, ``priced_rate_row``
    and ``priced_on`` set-based, inserting a ``ScheduleVersion`` header and a
    ``RateChange`` row for each loan it moves. The new version starts at the
    first installment due on or after the repricing date (installments due
    before it keep their rate, paid or not; docs/money.md).
    """

    contract_number = models.CharField("借款合同编号", max_length=40, unique=True)
    application = models.OneToOneField(
        LoanApplication, verbose_name="贷款申请", on_delete=models.PROTECT, related_name="loan"
    )
    borrower = models.ForeignKey(
        Depositor, verbose_name="借款人", on_delete=models.PROTECT, related_name="loans"
    )
    co_borrower = models.ForeignKey(
        FamilyMember,
        verbose_name="共同借款人（配偶）",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    pf_loan_record = models.OneToOneField(
        PfLoanRecord,
        verbose_name="公积金贷款记录",
        on_delete=models.PROTECT,
        related_name="loan",
    )
    kind = models.CharField("贷款类型", max_length=10, choices=ApplicationKind.choices)
    principal = models.DecimalField("贷款本金", **MONEY)
    contract_term_months = models.PositiveSmallIntegerField("合同期限（月）")
    home_tier = models.PositiveSmallIntegerField("认定住房套数")
    term_band = models.CharField("利率期限档次", max_length=3, choices=TermBand.choices())
    repayment_method = models.CharField(
        "还款方式", max_length=20, choices=RepaymentMethod.choices()
    )
    repayment_day = models.PositiveSmallIntegerField("每月还款日")
    guarantee_type = models.CharField("担保方式", max_length=2, choices=GuaranteeType.choices)
    payee_kind = models.CharField("收款方类型", max_length=20, choices=PayeeKind.choices)
    payee_name = models.CharField("收款方", max_length=200)
    payee_account = models.CharField("收款账号", max_length=40)
    disbursed_on = models.DateField("放款日期", db_index=True)
    first_due_date = models.DateField("首期还款日")

    # Current terms (denormalised; written by the services and the repricing batch).
    status = models.CharField(
        "状态", max_length=10, choices=LoanStatus.choices, default=LoanStatus.ACTIVE
    )
    annual_rate_percent = models.DecimalField("执行年利率（%）", **RATE)
    installment_amount = models.DecimalField(
        "当前月还款额", help_text="等额本金为当前版本首月还款额", **MONEY
    )
    outstanding_principal = models.DecimalField("剩余本金", **MONEY)
    next_installment_number = models.PositiveIntegerField("下一期期次")
    next_due_date = models.DateField("下一期还款日", null=True, blank=True)
    final_installment_number = models.PositiveIntegerField("最后一期期次")
    current_schedule_version = models.PositiveIntegerField("当前还款计划版本")
    priced_rate_row = models.CharField("定价利率行", max_length=30)
    priced_on = models.DateField("定价日期")
    settled_on = models.DateField("结清日期", null=True, blank=True)

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "个人住房公积金贷款"
        verbose_name_plural = "个人住房公积金贷款"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outstanding_principal__gte=0), name="loan_outstanding_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(repayment_day__gte=1, repayment_day__lte=28),
                name="loan_repayment_day_1_28",
            ),
            models.CheckConstraint(
                condition=Q(next_installment_number__gte=1), name="loan_next_installment_positive"
            ),
        ]
        indexes = [
            # The batch walks active loans by id range: WHERE status='active' AND id BETWEEN …
            models.Index(fields=["status", "id"], name="loan_status_id"),
            models.Index(
                fields=["home_tier", "term_band", "priced_rate_row"],
                condition=Q(status="active"),
                name="loan_active_pricing",
            ),
        ]

    def __str__(self) -> str:
        return self.contract_number


class ScheduleReason(models.TextChoices):
    DISBURSEMENT = "disbursement", "放款"
    PREPAYMENT = "prepayment", "提前还款"
    REPRICING = "repricing", "利率调整"


class ScheduleVersion(models.Model):
    """A schedule header: installments are computed from it, never stored.

    Version *k* covers installments ``starts_at_installment`` … up to the one
    before the next version's start (or its own ``months``). Installment *n*
    (contract numbering) is item ``n - starts_at_installment + 1`` of
    ``build_schedule(principal, annual_rate_percent, months, method, first_due_date)``.
    Earlier installments are never edited: a change is a new version.
    """

    loan = models.ForeignKey(
        Loan, verbose_name="贷款", on_delete=models.PROTECT, related_name="schedule_versions"
    )
    version = models.PositiveIntegerField("版本号")
    starts_at_installment = models.PositiveIntegerField("起始期次")
    principal = models.DecimalField("起始剩余本金", **MONEY)
    annual_rate_percent = models.DecimalField("年利率（%）", **RATE)
    months = models.PositiveIntegerField("剩余期数")
    method = models.CharField("还款方式", max_length=20, choices=RepaymentMethod.choices())
    first_due_date = models.DateField("首期还款日")
    installment_amount = models.DecimalField("月还款额", help_text="等额本金为首月还款额", **MONEY)
    reason = models.CharField("原因", max_length=20, choices=ScheduleReason.choices)
    rate_row = models.CharField("利率依据行", max_length=30)
    batch_run_id = models.BigIntegerField("批处理编号", null=True, blank=True, db_index=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "还款计划版本"
        verbose_name_plural = "还款计划版本"
        ordering = ["loan_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "version"], name="schedule_version_unique"),
            models.CheckConstraint(condition=Q(months__gte=1), name="schedule_months_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} v{self.version}"


class RateChange(models.Model):
    """Rate history of a loan after disbursement (the repricing batch writes these)."""

    loan = models.ForeignKey(
        Loan, verbose_name="贷款", on_delete=models.PROTECT, related_name="rate_changes"
    )
    from_rate = models.DecimalField("原年利率（%）", **RATE)
    to_rate = models.DecimalField("新年利率（%）", **RATE)
    effective_on = models.DateField("生效日期")
    rate_row = models.CharField("利率依据行", max_length=30)
    schedule_version = models.PositiveIntegerField("对应计划版本", null=True, blank=True)
    batch_run_id = models.BigIntegerField("批处理编号", null=True, blank=True, db_index=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "利率调整记录"
        verbose_name_plural = "利率调整记录"
        ordering = ["loan_id", "effective_on", "id"]
        indexes = [models.Index(fields=["loan", "effective_on"], name="rate_change_loan_on")]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.from_rate}→{self.to_rate} @{self.effective_on}"


class RepaymentSource(models.TextChoices):
    COUNTER = "counter", "柜面"
    BANK_IMPORT = "bank_import", "银行代扣文件"
    # The nightly servicing (loans.servicing): the channel of the payment that settled it.
    PROVIDENT = "provident", "冲还贷"
    BANK_DEBIT = "bank_debit", "委托扣款"


class RepaymentImport(models.Model):
    """One bank file posted in full (a rejected file writes nothing)."""

    file_name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("文件摘要", max_length=64)
    rows = models.PositiveIntegerField("行数")
    posted = models.PositiveIntegerField("入账笔数")
    skipped = models.PositiveIntegerField("已入账跳过笔数")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "还款文件导入"
        verbose_name_plural = "还款文件导入"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.file_name} @{self.created_at:%Y-%m-%d %H:%M}"


class Repayment(models.Model):
    """One installment paid in full (split into principal and interest by the schedule)."""

    loan = models.ForeignKey(
        Loan, verbose_name="贷款", on_delete=models.PROTECT, related_name="repayments"
    )
    installment_number = models.PositiveIntegerField("期次")
    due_date = models.DateField("应还日期")
    amount = models.DecimalField("还款金额", **MONEY)
    principal = models.DecimalField("本金", **MONEY)
    interest = models.DecimalField("利息", **MONEY)
    paid_on = models.DateField("还款日期")
    source = models.CharField("来源", max_length=12, choices=RepaymentSource.choices)
    bank_reference = models.CharField("银行流水号", max_length=64, blank=True)
    import_batch = models.ForeignKey(
        RepaymentImport,
        verbose_name="导入批次",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repayments",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "还款记录"
        verbose_name_plural = "还款记录"
        ordering = ["loan_id", "installment_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "installment_number"], name="repayment_one_per_installment"
            ),
            # A bank file re-imported posts nothing twice.
            models.UniqueConstraint(
                fields=["source", "bank_reference"],
                condition=~Q(bank_reference=""),
                name="repayment_reference_unique_per_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} 第{self.installment_number}期 {self.amount}"


class PrepaymentMode(models.TextChoices):
    SHORTEN_TERM = "shorten_term", "缩短期限（月还款额基本不变）"
    LOWER_INSTALLMENT = "lower_installment", "减少月还款额（期限不变）"
    FULL = "full", "全部提前还款（结清）"


class Prepayment(models.Model):
    """A principal prepayment; a partial one starts a new schedule version."""

    loan = models.ForeignKey(
        Loan, verbose_name="贷款", on_delete=models.PROTECT, related_name="prepayments"
    )
    paid_on = models.DateField("还款日期")
    principal = models.DecimalField("提前归还本金", **MONEY)
    interest = models.DecimalField("应计利息", **MONEY)
    mode = models.CharField("方式", max_length=20, choices=PrepaymentMode.choices)
    before_installment = models.PositiveIntegerField("自该期次起生效")
    schedule_version = models.PositiveIntegerField("新计划版本", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "提前还款记录"
        verbose_name_plural = "提前还款记录"
        ordering = ["loan_id", "id"]

    def __str__(self) -> str:
        return f"{self.loan_id} 提前还款 {self.principal} @{self.paid_on}"


# The repricing batch's tables live beside the loans they move.
from loans.batch_models import (  # noqa: E402
    BatchChunk,
    BatchError,
    BatchRun,
    BatchStatus,
    RepricingFactor,
)

__all__ = ["BatchChunk", "BatchError", "BatchRun", "BatchStatus", "RepricingFactor"]

# Loan servicing (repayment sources, collection, overdue) lives in its own module.
from loans.servicing_models import *  # noqa: E402, F403
