"""Loan servicing tables (GB/T 51267 回收 and 贷后管理; domain.md §9), imported by loans.models.

No rules here: ``loans.servicing`` writes every row and reads them.

* ``RepaymentAuthorization`` — one signed 冲还贷 authorisation of one provident
  account for one loan. Never edited: stopping it fills ``stopped_at`` once (with
  its audit row); authorising again is a new row, so the history stays.
* ``BankDebitAccount`` — the 委托扣款 bank account of a loan; a change ends the
  current row and adds a new one.
* ``InstallmentCollection`` — the collection state of one installment that has
  fallen due: what is due, what has been paid of penalty, interest and
  principal, and the penalty basis accrued night by night. Written when the
  installment falls due (or is paid at the counter); the ``Repayment`` row is
  written when it is fully paid, as before.
* ``CollectionAllocation`` — one movement of money onto one installment (a
  冲还贷 drawing, a bank deduction, a counter payment) with its split into
  penalty, interest and principal.
* ``LoanServicing`` — the overdue state of a loan (overdue periods and amounts,
  penalty, five-class risk classification) and its business-date watermarks.
* ``BankDeductionFile``/``BankDeductionLine`` — what the night sent to the bank;
  ``BankResultImport``/``BankResultLine`` — the bank's answer, line by line.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from gjj.models import MONEY, Depositor, ProvidentAccount

__all__ = [
    "AuthorizationHolder",
    "BankDebitAccount",
    "BankDeductionFile",
    "BankDeductionLine",
    "BankResultImport",
    "BankResultLine",
    "CollectionAllocation",
    "CollectionChannel",
    "DeductionLineStatus",
    "InstallmentCollection",
    "InstallmentStatus",
    "LoanServicing",
    "RepaymentAuthorization",
    "ResultLineStatus",
    "ResultOutcome",
    "RiskClass",
    "RiskClassBook",
]

# Penalty basis: Σ overdue principal × penalty rate (percent) × days; /36000 and rounded
# once gives the penalty (domain.md §6). Principal has 2 places and a rate at most 6.
PENALTY_BASIS: dict[str, Any] = {"max_digits": 30, "decimal_places": 8}
PENALTY_RATE: dict[str, Any] = {"max_digits": 9, "decimal_places": 6}


class RiskClass(models.TextChoices):
    """JGJ/T 320-2014 贷款风险分类."""

    NORMAL = "01", "正常"
    SPECIAL_MENTION = "02", "关注"
    SUBSTANDARD = "03", "次级"
    DOUBTFUL = "04", "可疑"
    LOSS = "05", "损失"


class AuthorizationHolder(models.TextChoices):
    BORROWER = "borrower", "借款人"
    SPOUSE = "spouse", "共同借款人（配偶）"


class RepaymentAuthorization(models.Model):
    """冲还贷: the holder allows the center to draw the loan's installments from the account."""

    loan = models.ForeignKey(
        "loans.Loan",
        verbose_name="贷款",
        on_delete=models.PROTECT,
        related_name="repayment_authorizations",
    )
    account = models.ForeignKey(
        ProvidentAccount,
        verbose_name="公积金账户",
        on_delete=models.PROTECT,
        related_name="repayment_authorizations",
    )
    depositor = models.ForeignKey(
        Depositor, verbose_name="授权人", on_delete=models.PROTECT, related_name="+"
    )
    holder = models.CharField("授权人身份", max_length=10, choices=AuthorizationHolder.choices)
    # Borrower 1, spouse 2: the night draws in this order (domain.md §9).
    priority = models.PositiveSmallIntegerField("扣划顺序")
    granted_on = models.DateField("授权日期")
    granted_at = models.DateTimeField("授权时间", auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办理人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    signed_reference = models.CharField(
        "授权书编号", max_length=64, blank=True, help_text="柜面办理时填写纸质授权书编号"
    )
    channel = models.CharField("办理渠道", max_length=10)  # "api" or "counter"
    stopped_on = models.DateField("终止日期", null=True, blank=True)
    stopped_at = models.DateTimeField("终止时间", null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="终止办理人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    stop_reason = models.CharField("终止原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "冲还贷授权"
        verbose_name_plural = "冲还贷授权"
        ordering = ["loan_id", "priority", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "account"],
                condition=Q(stopped_at__isnull=True),
                name="repayment_auth_one_active_per_account",
            ),
            models.CheckConstraint(
                condition=Q(stopped_at__isnull=True) | Q(stopped_on__isnull=False),
                name="repayment_auth_stop_dated",
            ),
        ]
        indexes = [
            models.Index(
                fields=["loan", "priority"],
                condition=Q(stopped_at__isnull=True),
                name="repayment_auth_active",
            )
        ]

    def __str__(self) -> str:
        state = "已终止" if self.stopped_at else "有效"
        # The contract number first: clerks find the rows (and their audit) by it.
        return f"{self.loan.contract_number} {self.get_holder_display()} 冲还贷授权（{state}）"

    @property
    def is_active(self) -> bool:
        return self.stopped_at is None


class BankDebitAccount(models.Model):
    """委托扣款: the bank account the deduction file debits for this loan."""

    loan = models.ForeignKey(
        "loans.Loan",
        verbose_name="贷款",
        on_delete=models.PROTECT,
        related_name="bank_debit_accounts",
    )
    bank_name = models.CharField("开户银行", max_length=100)
    bank_code = models.CharField("银行代码", max_length=20, blank=True)
    account_number = models.CharField("银行账号", max_length=40)
    account_name = models.CharField("户名", max_length=50)
    registered_on = models.DateField("登记日期")
    registered_at = models.DateTimeField("登记时间", auto_now_add=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    ended_on = models.DateField("停用日期", null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="停用人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "委托扣款账户"
        verbose_name_plural = "委托扣款账户"
        ordering = ["loan_id", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan"],
                condition=Q(ended_on__isnull=True),
                name="bank_debit_one_active_per_loan",
            )
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.account_number[-4:]}"


class InstallmentStatus(models.TextChoices):
    OPEN = "open", "未结清"
    PAID = "paid", "已结清"


class InstallmentCollection(models.Model):
    """One installment that has fallen due: owed, paid, penalty accrued."""

    loan = models.ForeignKey(
        "loans.Loan", verbose_name="贷款", on_delete=models.PROTECT, related_name="installments"
    )
    installment_number = models.PositiveIntegerField("期次")
    due_date = models.DateField("应还日期")
    principal_due = models.DecimalField("应还本金", **MONEY)
    interest_due = models.DecimalField("应还利息", **MONEY)
    principal_paid = models.DecimalField("已还本金", default=0, **MONEY)
    interest_paid = models.DecimalField("已还利息", default=0, **MONEY)
    penalty_paid = models.DecimalField("已还罚息", default=0, **MONEY)
    # Contract rate of the installment's schedule version × the multiplier row.
    penalty_rate_percent = models.DecimalField("罚息年利率（%）", **PENALTY_RATE)
    # Last day whose penalty is in the basis; starts at due date + grace days.
    penalty_through = models.DateField("罚息计至")
    penalty_basis = models.DecimalField("罚息积数", default=0, **PENALTY_BASIS)
    penalty_accrued = models.DecimalField(
        "累计罚息", default=0, help_text="罚息积数 ÷ 36000，四舍五入到分", **MONEY
    )
    overdue_days = models.PositiveIntegerField("逾期天数", default=0)
    status = models.CharField(
        "状态", max_length=6, choices=InstallmentStatus.choices, default=InstallmentStatus.OPEN
    )
    paid_on = models.DateField("结清日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "期次收款状态"
        verbose_name_plural = "期次收款状态"
        ordering = ["loan_id", "installment_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "installment_number"], name="installment_collection_unique"
            ),
            models.CheckConstraint(
                condition=Q(principal_paid__gte=0)
                & Q(principal_paid__lte=models.F("principal_due"))
                & Q(interest_paid__gte=0)
                & Q(interest_paid__lte=models.F("interest_due"))
                & Q(penalty_paid__gte=0)
                & Q(penalty_paid__lte=models.F("penalty_accrued")),
                name="installment_paid_within_due",
            ),
        ]
        indexes = [
            # The nightly passes: open installments of a loan id range.
            models.Index(
                fields=["loan", "installment_number"],
                condition=Q(status="open"),
                name="installment_open",
            ),
        ]

    def __str__(self) -> str:
        return f"贷款{self.loan_id} 第{self.installment_number}期"

    @property
    def penalty_outstanding(self) -> Decimal:
        return self.penalty_accrued - self.penalty_paid

    @property
    def interest_outstanding(self) -> Decimal:
        return self.interest_due - self.interest_paid

    @property
    def principal_outstanding(self) -> Decimal:
        return self.principal_due - self.principal_paid

    @property
    def outstanding(self) -> Decimal:
        return self.penalty_outstanding + self.interest_outstanding + self.principal_outstanding


class CollectionChannel(models.TextChoices):
    PROVIDENT = "provident", "冲还贷"
    BANK_DEBIT = "bank_debit", "委托扣款"
    COUNTER = "counter", "柜面"
    BANK_IMPORT = "bank_import", "银行代扣文件"


class CollectionAllocation(models.Model):
    """One payment onto one installment, split penalty → interest → principal."""

    installment = models.ForeignKey(
        InstallmentCollection,
        verbose_name="期次",
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    loan = models.ForeignKey(
        "loans.Loan", verbose_name="贷款", on_delete=models.PROTECT, related_name="allocations"
    )
    channel = models.CharField("还款渠道", max_length=12, choices=CollectionChannel.choices)
    paid_on = models.DateField("还款日期")
    amount = models.DecimalField("金额", **MONEY)
    penalty = models.DecimalField("罚息", **MONEY)
    interest = models.DecimalField("利息", **MONEY)
    principal = models.DecimalField("本金", **MONEY)
    account_entry = models.ForeignKey(
        "gjj.AccountEntry",
        verbose_name="公积金账户分录",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    deduction_line = models.ForeignKey(
        "loans.BankDeductionLine",
        verbose_name="扣款明细",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
    )
    reference = models.CharField("业务流水号", max_length=64, blank=True)
    batch_run_id = models.BigIntegerField("批处理编号", null=True, blank=True, db_index=True)
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
        verbose_name = "还款分配"
        verbose_name_plural = "还款分配"
        ordering = ["loan_id", "id"]
        constraints = [
            # That the parts add up to the amount is ``loans.services.allocate``'s: SQLite
            # keeps decimals as floats, so a sum in a CHECK would refuse exact splits.
            models.CheckConstraint(
                condition=Q(amount__gt=0)
                & Q(penalty__gte=0)
                & Q(interest__gte=0)
                & Q(principal__gte=0),
                name="allocation_parts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"贷款{self.loan_id} {self.get_channel_display()} {self.amount}"


class LoanServicing(models.Model):
    """The overdue state of one loan and the business dates the night has reached."""

    loan = models.OneToOneField(
        "loans.Loan",
        verbose_name="贷款",
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="servicing",
    )
    overdue_installments = models.PositiveIntegerField("逾期期数", default=0)
    overdue_principal = models.DecimalField("逾期本金", default=0, **MONEY)
    overdue_interest = models.DecimalField("逾期利息", default=0, **MONEY)
    penalty_outstanding = models.DecimalField("未还罚息", default=0, **MONEY)
    days_overdue = models.PositiveIntegerField("逾期天数", default=0)
    risk_class = models.CharField(
        "风险分类", max_length=2, choices=RiskClass.choices, default=RiskClass.NORMAL
    )
    # Watermarks: the last business date each pass finished for this loan.
    collected_through = models.DateField("扣款处理至", null=True, blank=True)
    overdue_through = models.DateField("逾期处理至", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "贷款逾期状态"
        verbose_name_plural = "贷款逾期状态"
        ordering = ["loan_id"]
        indexes = [
            # The overdue list (催收): by class and days overdue.
            models.Index(
                fields=["risk_class", "days_overdue"],
                condition=Q(overdue_installments__gt=0),
                name="servicing_overdue_list",
            ),
        ]

    def __str__(self) -> str:
        return f"贷款{self.loan_id} {self.get_risk_class_display()}"


class RiskClassBook(models.Model):
    """The book by risk class at the end of a night's overdue run (the start page reads it).

    Classes move only at night, so the figures of the last closed run are the book's
    classes; the run writes them when it closes, in the same transaction.
    """

    business_date = models.DateField("业务日期")
    risk_class = models.CharField("风险分类", max_length=2, choices=RiskClass.choices)
    loans = models.PositiveIntegerField("贷款笔数")
    outstanding_principal = models.DecimalField("剩余本金", **MONEY)
    batch_run_id = models.BigIntegerField("批处理编号")

    class Meta:
        verbose_name = "风险分类汇总"
        verbose_name_plural = "风险分类汇总"
        ordering = ["-business_date", "risk_class"]
        constraints = [
            models.UniqueConstraint(
                fields=["business_date", "risk_class"], name="risk_class_book_one_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.business_date} {self.get_risk_class_display()} {self.loans}笔"


class BankDeductionFile(models.Model):
    """The 委托扣款 file of one business date."""

    business_date = models.DateField("业务日期", unique=True)
    batch_run_id = models.BigIntegerField("批处理编号", null=True, blank=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "委托扣款文件"
        verbose_name_plural = "委托扣款文件"
        ordering = ["-business_date"]

    def __str__(self) -> str:
        return f"委托扣款文件 {self.business_date}"


class DeductionLineStatus(models.TextChoices):
    SENT = "sent", "已发送"
    SUCCEEDED = "succeeded", "扣款成功"
    FAILED = "failed", "扣款失败"


class BankDeductionLine(models.Model):
    """One debit asked of the bank: an installment's shortfall on the file's date."""

    file = models.ForeignKey(
        BankDeductionFile, verbose_name="扣款文件", on_delete=models.PROTECT, related_name="lines"
    )
    loan = models.ForeignKey(
        "loans.Loan", verbose_name="贷款", on_delete=models.PROTECT, related_name="+"
    )
    installment = models.ForeignKey(
        InstallmentCollection,
        verbose_name="期次",
        on_delete=models.PROTECT,
        related_name="deduction_lines",
    )
    installment_number = models.PositiveIntegerField("期次号")
    amount = models.DecimalField("扣款金额", **MONEY)
    reference = models.CharField("扣款流水号", max_length=64, unique=True)
    bank_name = models.CharField("开户银行", max_length=100)
    bank_account = models.CharField("银行账号", max_length=40)
    account_name = models.CharField("户名", max_length=50)
    status = models.CharField(
        "状态", max_length=10, choices=DeductionLineStatus.choices, default=DeductionLineStatus.SENT
    )
    result_line = models.OneToOneField(
        "loans.BankResultLine",
        verbose_name="回盘明细",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "委托扣款明细"
        verbose_name_plural = "委托扣款明细"
        ordering = ["file_id", "loan_id", "installment_number"]
        constraints = [
            # A debit awaiting the bank's answer is never asked for again.
            models.UniqueConstraint(
                fields=["installment"],
                condition=Q(status="sent"),
                name="deduction_one_pending_per_installment",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="deduction_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.reference


class BankResultImport(models.Model):
    """One result file from the bank; the same file imported again changes nothing."""

    file_name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("文件摘要", max_length=64, unique=True)
    rows = models.PositiveIntegerField("行数")
    posted = models.PositiveIntegerField("入账笔数", default=0)
    failed = models.PositiveIntegerField("扣款失败笔数", default=0)
    refused = models.PositiveIntegerField("拒绝笔数", default=0)
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
        verbose_name = "委托扣款回盘导入"
        verbose_name_plural = "委托扣款回盘导入"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.file_name} @{self.created_at:%Y-%m-%d %H:%M}"


class ResultOutcome(models.TextChoices):
    SUCCESS = "success", "成功"
    FAILURE = "failure", "失败"


class ResultLineStatus(models.TextChoices):
    POSTED = "posted", "已入账"
    FAILED = "failed", "已记录扣款失败"
    REFUSED = "refused", "拒绝"


class BankResultLine(models.Model):
    """One line of a result file and what became of it."""

    result_import = models.ForeignKey(
        BankResultImport, verbose_name="回盘导入", on_delete=models.PROTECT, related_name="lines"
    )
    line = models.PositiveIntegerField("行号")
    reference = models.CharField("扣款流水号", max_length=64)
    amount = models.DecimalField("金额", null=True, blank=True, **MONEY)
    outcome = models.CharField("银行结果", max_length=10, blank=True)
    paid_on = models.DateField("扣款日期", null=True, blank=True)
    status = models.CharField("处理结果", max_length=10, choices=ResultLineStatus.choices)
    code = models.CharField("原因代码", max_length=40, blank=True)
    message = models.CharField("原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "委托扣款回盘明细"
        verbose_name_plural = "委托扣款回盘明细"
        ordering = ["result_import_id", "line"]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_status_display()}"
