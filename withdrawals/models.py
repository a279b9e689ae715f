"""Withdrawal tables: applications, the members who draw, status history, payments.

No business rules here: ``withdrawals.services`` writes, ``withdrawals.selectors``
reads. Database constraints guard what must hold even under concurrency.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from gjj.masking import mask_bank_account
from gjj.models import MONEY, AccountEntry, Depositor, FamilyMember


class WithdrawalKind(models.TextChoices):
    PURCHASE = "purchase", "购房提取"
    RENTAL = "rental", "租房提取"


class WithdrawalStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    ACCEPTED = "accepted", "已受理"
    APPROVED = "approved", "已核准（已支付）"
    REJECTED = "rejected", "不予提取"
    CANCELLED = "cancelled", "已撤回"


# At most one of these per applicant and kind (the DB constraint below).
OPEN_STATUSES = (WithdrawalStatus.DRAFT, WithdrawalStatus.SUBMITTED, WithdrawalStatus.ACCEPTED)
# Claims that use up a rental allowance: decided in favour, or waiting for a decision.
COUNTED_STATUSES = (
    WithdrawalStatus.SUBMITTED,
    WithdrawalStatus.ACCEPTED,
    WithdrawalStatus.APPROVED,
)


class RentPeriod(models.TextChoices):
    MONTHLY = "monthly", "按月"
    QUARTERLY = "quarterly", "按季"
    YEARLY = "yearly", "按年"


class MemberRelation(models.TextChoices):
    """Relation of a drawing member to the buyer (the applicant)."""

    SELF = "self", "本人"
    SPOUSE = "spouse", "配偶"
    PARENT = "parent", "父母"
    CHILD = "child", "子女"


class ConsentStatus(models.TextChoices):
    PENDING = "pending", "待确认"
    ACCEPTED = "accepted", "已同意"
    DECLINED = "declined", "已拒绝"


class ConsentChannel(models.TextChoices):
    SELF = "self", "申请人本人"
    ONLINE = "online", "本人网上确认"
    COUNTER = "counter", "柜台记录"


class PaymentStatus(models.TextChoices):
    # The debit and the payment record are written in the approval's transaction.
    PAID = "paid", "已支付"


class Purchase(models.Model):
    """One home bought: every purchase withdrawal for it shares one own-funds room.

    domain.md §8: price − all loans − 房票, less every approved or in-flight draw,
    by the buyer, spouse, parents or children, across all their applications.
    """

    # NULL: an application entered before purchases were numbered (one purchase each).
    number = models.CharField(
        "购房合同编号或不动产权证号", max_length=64, unique=True, null=True, blank=True
    )
    buyer = models.ForeignKey(
        Depositor, verbose_name="购房人", on_delete=models.PROTECT, related_name="purchases"
    )
    price = models.DecimalField("房屋总价", **MONEY)
    loans_amount = models.DecimalField("贷款总额（商业贷款及公积金贷款）", **MONEY)
    voucher_amount = models.DecimalField("房票金额", **MONEY)
    contract_date = models.DateField("购房合同签订日期")
    property_address = models.CharField("房屋坐落", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "购房记录"
        verbose_name_plural = "购房记录"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gt=0, loans_amount__gte=0, voucher_amount__gte=0),
                name="purchase_amounts_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or f'购房记录#{self.pk}'} {self.property_address}"


class WithdrawalApplication(models.Model):
    """One purchase or rental withdrawal application of one applicant."""

    number = models.CharField("申请编号", max_length=24, unique=True, null=True, blank=True)
    kind = models.CharField("提取类型", max_length=10, choices=WithdrawalKind.choices)
    applicant = models.ForeignKey(
        Depositor,
        verbose_name="申请人",
        on_delete=models.PROTECT,
        related_name="withdrawal_applications",
    )
    status = models.CharField(
        "状态", max_length=10, choices=WithdrawalStatus.choices, default=WithdrawalStatus.DRAFT
    )
    amount = models.DecimalField("申请提取总额", default=Decimal("0.00"), **MONEY)
    applied_on = models.DateField("申请日期", help_text="提交之日；额度与政策按此日期计算")
    bank_name = models.CharField("收款银行", max_length=100)
    bank_account = models.CharField("收款账号", max_length=30)
    property_address = models.CharField("房屋坐落", max_length=300, blank=True)
    # Purchase only. The figures as this application stated them; they equal the
    # purchase's (checked when the application is created).
    purchase = models.ForeignKey(
        Purchase,
        verbose_name="购房记录",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="withdrawals",
    )
    price = models.DecimalField("房屋总价", null=True, blank=True, **MONEY)
    contract_date = models.DateField("购房合同签订日期", null=True, blank=True)
    loans_amount = models.DecimalField(
        "贷款总额（商业贷款及公积金贷款）", null=True, blank=True, **MONEY
    )
    voucher_amount = models.DecimalField("房票金额", null=True, blank=True, **MONEY)
    # Rental only.
    rent_year = models.PositiveSmallIntegerField("提取年度", null=True, blank=True)
    period_type = models.CharField(
        "提取周期", max_length=10, choices=RentPeriod.choices, blank=True
    )
    period_index = models.PositiveSmallIntegerField(
        "周期序号", null=True, blank=True, help_text="按月为1–12，按季为1–4，按年为1"
    )
    limits_snapshot = models.JSONField("提交时额度测算", null=True, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="受理人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_due_on = models.DateField("办结期限", null=True, blank=True)
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decision_reason = models.CharField("审批意见", max_length=500, blank=True)
    # The household as on the application date, frozen when approved so reports
    # need not rebuild it per case.
    approved_homes = models.PositiveSmallIntegerField(
        "核准时认定家庭住房套数", null=True, blank=True, editable=False
    )
    approved_groups = models.JSONField("核准时认定特定群体", null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField("撤回时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "提取申请"
        verbose_name_plural = "提取申请"
        ordering = ["-id"]
        permissions = [
            ("accept_withdrawalapplication", "可受理提取申请"),
            ("decide_withdrawalapplication", "可审批提取申请"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "kind"],
                condition=Q(status__in=["draft", "submitted", "accepted"]),
                name="withdrawal_one_open_per_kind",
                violation_error_message="同一类型的提取申请同时只能有一笔在办",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="withdrawal_amount_not_neg"),
            models.CheckConstraint(
                condition=Q(kind="rental")
                | Q(
                    purchase__isnull=False,
                    price__gt=0,
                    contract_date__isnull=False,
                    loans_amount__gte=0,
                    voucher_amount__gte=0,
                ),
                name="withdrawal_purchase_fields",
            ),
            models.CheckConstraint(
                condition=Q(kind="purchase")
                | (Q(rent_year__isnull=False, period_index__gte=1) & ~Q(period_type="")),
                name="withdrawal_rental_fields",
            ),
        ]
        indexes = [models.Index(fields=["status", "decision_due_on"], name="withdrawal_queue")]

    def __str__(self) -> str:
        return f"{self.number or '（未编号）'} {self.get_kind_display()}"

    @property
    def masked_bank_account(self) -> str:
        return mask_bank_account(self.bank_account)


class WithdrawalMember(models.Model):
    """A depositor drawing from own account for the application, with their consent."""

    application = models.ForeignKey(
        WithdrawalApplication,
        verbose_name="提取申请",
        on_delete=models.PROTECT,
        related_name="members",
    )
    depositor = models.ForeignKey(
        Depositor, verbose_name="提取人", on_delete=models.PROTECT, related_name="withdrawal_draws"
    )
    relation = models.CharField("与申请人关系", max_length=10, choices=MemberRelation.choices)
    family_member = models.ForeignKey(
        FamilyMember,
        verbose_name="家庭关系记录",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    amount = models.DecimalField("申请提取金额", **MONEY)
    consent_status = models.CharField(
        "授权状态", max_length=10, choices=ConsentStatus.choices, default=ConsentStatus.PENDING
    )
    consent_channel = models.CharField(
        "授权方式", max_length=10, choices=ConsentChannel.choices, blank=True
    )
    consented_at = models.DateTimeField("授权时间", null=True, blank=True)
    consent_actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="授权记录人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    consent_evidence = models.CharField("授权依据", max_length=300, blank=True)
    entry = models.OneToOneField(
        AccountEntry,
        verbose_name="提取分录",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "提取人及授权"
        verbose_name_plural = "提取人及授权"
        ordering = ["id"]
        permissions = [("recordconsent_withdrawalmember", "可记录提取人授权")]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "depositor"], name="withdrawal_member_once"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="withdrawal_member_amount_pos"),
        ]

    def __str__(self) -> str:
        # The application number first: audit rows of a consent are found by it.
        return (
            f"{self.application.number} {self.depositor.name}"
            f"（{self.get_relation_display()}）{self.amount}元"
        )


class StatusChange(models.Model):
    """One step of an application's history; the applicant can read these."""

    application = models.ForeignKey(
        WithdrawalApplication,
        verbose_name="提取申请",
        on_delete=models.PROTECT,
        related_name="history",
    )
    from_status = models.CharField(
        "原状态", max_length=10, choices=WithdrawalStatus.choices, blank=True
    )
    to_status = models.CharField("新状态", max_length=10, choices=WithdrawalStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField("操作人标识", max_length=150)
    at = models.DateTimeField("时间", auto_now_add=True)
    reason = models.CharField("原因", max_length=500, blank=True)

    class Meta:
        verbose_name = "状态变更记录"
        verbose_name_plural = "状态变更记录"
        ordering = ["id"]

    def __str__(self) -> str:
        before = self.get_from_status_display() if self.from_status else "—"
        return f"{self.application} {before} → {self.get_to_status_display()}"


class WithdrawalPayment(models.Model):
    """The payment to the applicant's bank account, written with the ledger debits."""

    application = models.OneToOneField(
        WithdrawalApplication,
        verbose_name="提取申请",
        on_delete=models.PROTECT,
        related_name="payment",
    )
    payee = models.ForeignKey(
        Depositor, verbose_name="收款人", on_delete=models.PROTECT, related_name="+"
    )
    payee_name = models.CharField("收款人姓名", max_length=50)
    bank_name = models.CharField("收款银行", max_length=100)
    bank_account = models.CharField("收款账号", max_length=30)
    amount = models.DecimalField("支付金额", **MONEY)
    status = models.CharField("支付状态", max_length=10, choices=PaymentStatus.choices)
    paid_on = models.DateField("支付日期")
    reference = models.CharField("业务流水号", max_length=64)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "提取支付记录"
        verbose_name_plural = "提取支付记录"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="withdrawal_payment_amount_pos")
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.payee_name} {self.amount}元"

    @property
    def masked_bank_account(self) -> str:
        return mask_bank_account(self.bank_account)
