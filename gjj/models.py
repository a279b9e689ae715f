"""The center's core tables. No business rules here: services write, selectors read."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from gjj.domain import (
    ManualPostingKind,
    ManualPostingStatus,
    PropertyType,
    Sex,
    SpecialGroup,
    TermBand,
)
from gjj.masking import mask_id_number
from gjj.policy import PolicyStatus, ValueKind

# Keyword arguments shared by every money column (``Any``: they go to several parameters).
MONEY: dict[str, Any] = {"max_digits": 16, "decimal_places": 2}


class Employer(models.Model):
    name = models.CharField("单位名称", max_length=200)
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    address = models.CharField("单位地址", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "缴存单位"
        verbose_name_plural = "缴存单位"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Depositor(models.Model):
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号码", max_length=18, unique=True)
    birth_date = models.DateField("出生日期")
    sex = models.CharField("性别", max_length=1, choices=Sex.choices())
    phone = models.CharField("手机号码", max_length=20, blank=True)
    hukou_city = models.CharField("户籍所在城市", max_length=50, blank=True)
    hukou_since = models.DateField("落户日期", null=True, blank=True)
    employer = models.ForeignKey(
        Employer, verbose_name="缴存单位", on_delete=models.PROTECT, null=True, blank=True
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录用户",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="depositor",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "缴存职工"
        verbose_name_plural = "缴存职工"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.masked_id_number}）"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)


class AccountStatus(models.TextChoices):
    """JGJ/T 320-2014 个人账户状态."""

    NORMAL = "01", "正常"
    SEALED = "02", "封存"
    MERGED = "03", "合并销户"
    TRANSFERRED_OUT = "04", "外部转出销户"
    WITHDRAWN_CLOSED = "05", "提取销户"
    FROZEN = "06", "冻结"
    OTHER = "99", "其他"


class ProvidentAccount(models.Model):
    depositor = models.OneToOneField(
        Depositor, verbose_name="缴存职工", on_delete=models.PROTECT, related_name="account"
    )
    account_number = models.CharField("个人账号", max_length=20, unique=True)
    status = models.CharField(
        "账户状态", max_length=2, choices=AccountStatus.choices, default=AccountStatus.NORMAL
    )
    deposit_base = models.DecimalField("缴存基数", **MONEY)
    employee_monthly = models.DecimalField("个人月缴存额", **MONEY)
    employer_monthly = models.DecimalField("单位月缴存额", **MONEY)
    opened_on = models.DateField("开户日期")
    continuous_deposit_months = models.PositiveIntegerField("连续缴存月数", default=0)
    # Kept equal to the sum of the ledger by the posting service, under a row lock.
    balance = models.DecimalField("账户余额", default=Decimal("0.00"), editable=False, **MONEY)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "个人公积金账户"
        verbose_name_plural = "个人公积金账户"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="account_balance_not_negative")
        ]

    def __str__(self) -> str:
        return self.account_number


class EntryType(models.TextChoices):
    """Ledger business types (JGJ/T 320-2014 业务类型)."""

    REMITTANCE = "01", "汇缴"
    SUPPLEMENT = "02", "补缴"
    PARTIAL_WITHDRAWAL = "03", "部分提取"
    CLOSING_WITHDRAWAL = "04", "销户提取"
    YEAR_END_INTEREST = "05", "年终结息"
    TRANSFER_IN = "06", "转入"
    TRANSFER_OUT = "07", "转出"
    REVERSAL = "08", "冲账"
    ADJUSTMENT = "09", "调账"


class WithdrawalReason(models.TextChoices):
    """JGJ/T 320-2014 提取原因."""

    PURCHASE = "01", "购买住房"
    BUILD = "02", "建造、翻建、大修自住住房"
    RETIREMENT = "03", "离休、退休"
    DISABILITY = "04", "丧失劳动能力并终止劳动关系"
    EMIGRATION = "05", "户口迁出或出境定居"
    LOAN_REPAYMENT = "06", "偿还购房贷款本息"
    RENT = "07", "房租超出家庭工资收入规定比例"
    DEATH = "08", "死亡"
    MEDICAL = "09", "大病医疗"
    OTHER = "99", "其他"


class AccountEntry(models.Model):
    """One movement of an account. Never edited or deleted; corrected by a reversal."""

    account = models.ForeignKey(
        ProvidentAccount, verbose_name="账户", on_delete=models.PROTECT, related_name="entries"
    )
    entry_type = models.CharField("业务类型", max_length=2, choices=EntryType.choices)
    # Signed: credits positive, debits negative.
    amount = models.DecimalField("发生额", **MONEY)
    balance_after = models.DecimalField("发生后余额", **MONEY)
    value_date = models.DateField("记账日期")
    withdrawal_reason = models.CharField(
        "提取原因", max_length=2, choices=WithdrawalReason.choices, blank=True
    )
    reverses = models.OneToOneField(
        "self",
        verbose_name="冲正的分录",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    memo = models.CharField("摘要", max_length=200, blank=True)
    reference = models.CharField("业务流水号", max_length=64, blank=True)
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
        verbose_name = "账户明细"
        verbose_name_plural = "账户明细"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_not_zero"),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="entry_balance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.get_entry_type_display()} {self.amount}"


class ManualPosting(models.Model):
    """A posting asked for by hand (补缴, 调账, 冲账); it posts only when a second person approves.

    domain.md §8: a reason and a reference, and a second person in another role.
    """

    account = models.ForeignKey(
        ProvidentAccount,
        verbose_name="账户",
        on_delete=models.PROTECT,
        related_name="manual_postings",
    )
    kind = models.CharField("类别", max_length=12, choices=ManualPostingKind.choices())
    # Signed, as on the ledger; a reversal's amount is the opposite of the entry it cancels.
    amount = models.DecimalField("发生额", **MONEY)
    value_date = models.DateField("记账日期")
    reverses = models.ForeignKey(
        AccountEntry,
        verbose_name="冲正的分录",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal_requests",
    )
    reason = models.CharField("原因", max_length=500)
    reference = models.CharField("依据（凭证号）", max_length=64)
    status = models.CharField(
        "状态",
        max_length=10,
        choices=ManualPostingStatus.choices(),
        default=ManualPostingStatus.REQUESTED.value,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="复核人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField("复核时间", null=True, blank=True)
    entry = models.OneToOneField(
        AccountEntry,
        verbose_name="记账分录",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="manual_posting",
    )
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "手工记账申请"
        verbose_name_plural = "手工记账申请"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="manual_posting_amount_not_zero"),
            # One open reversal request per entry: a second would post twice.
            models.UniqueConstraint(
                fields=["reverses"],
                condition=Q(status="requested"),
                name="manual_posting_one_open_reversal",
            ),
        ]

    def __str__(self) -> str:
        return f"手工记账#{self.pk} {self.get_kind_display()} {self.amount}"


class RemittanceImport(models.Model):
    """One employer remittance file (汇缴), imported whole or not at all; one row per file."""

    employer = models.ForeignKey(
        Employer, verbose_name="缴存单位", on_delete=models.PROTECT, related_name="remittances"
    )
    month = models.CharField("缴存月份", max_length=7)
    file_name = models.CharField("文件名", max_length=200)
    file_hash = models.CharField("文件摘要（SHA-256）", max_length=64, unique=True)
    line_count = models.PositiveIntegerField("明细笔数")
    total = models.DecimalField("合计金额", **MONEY)
    value_date = models.DateField("记账日期")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "单位汇缴导入"
        verbose_name_plural = "单位汇缴导入"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.employer} {self.month} 汇缴{self.line_count}笔"


class Relation(models.TextChoices):
    SPOUSE = "spouse", "配偶"
    PARENT = "parent", "父母"
    CHILD = "child", "子女"


class FamilyMember(models.Model):
    """A relative of a depositor; ``relative_depositor`` is set when they deposit too."""

    depositor = models.ForeignKey(
        Depositor, verbose_name="缴存职工", on_delete=models.PROTECT, related_name="family"
    )
    relation = models.CharField("关系", max_length=10, choices=Relation.choices)
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号码", max_length=18)
    birth_date = models.DateField("出生日期")
    relative_depositor = models.ForeignKey(
        Depositor,
        verbose_name="对应缴存职工",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    evidence = models.CharField("关系证明", max_length=200, blank=True)
    verified_at = models.DateTimeField("核验时间", null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核验人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    ended_on = models.DateField("关系终止日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["depositor", "id_number"],
                condition=Q(ended_on__isnull=True),
                name="family_member_unique_current",
            ),
            models.UniqueConstraint(
                fields=["depositor"],
                condition=Q(relation="spouse", ended_on__isnull=True),
                name="family_one_current_spouse",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.depositor.name}的{self.get_relation_display()}{self.name}"

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class HouseholdFact(models.Model):
    """A home or provident loan of one household member, with who declared and verified it.

    The holder is a depositor here (``owner``/``borrower``) or a recorded family
    member (``member``), never both: a spouse or child need not deposit here.
    """

    member = models.ForeignKey(
        FamilyMember,
        verbose_name="家庭成员",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="产权人或借款人不是本中心缴存职工时填写",
    )
    # Set when the applicant declared it (API); a clerk's own record is verified at once.
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申报人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField("核实时间", null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核实人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        abstract = True

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def verification_label(self) -> str:
        return "已核实" if self.verified_at is not None else "待核实"


class Home(HouseholdFact):
    """A home held by a member of a household (in the city or not: the count filters)."""

    owner = models.ForeignKey(
        Depositor,
        verbose_name="产权人（缴存职工）",
        on_delete=models.PROTECT,
        related_name="homes",
        null=True,
        blank=True,
    )
    address = models.CharField("房屋坐落", max_length=300)
    # No default: the city is the policy row ``Key.LOCAL_CITY``, read by the service.
    city = models.CharField("所在城市", max_length=50)
    certificate_number = models.CharField("不动产权证号", max_length=60, blank=True)
    contract_number = models.CharField("购房合同编号", max_length=60, blank=True)
    property_type = models.CharField(
        "房屋性质",
        max_length=12,
        choices=PropertyType.choices(),
        default=PropertyType.COMMERCIAL.value,
    )
    registered_on = models.DateField("登记日期")
    disposed_on = models.DateField("转让日期", null=True, blank=True)

    class Meta:
        verbose_name = "家庭住房"
        verbose_name_plural = "家庭住房"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=False, member__isnull=True)
                | Q(owner__isnull=True, member__isnull=False),
                name="home_one_holder",
            )
        ]

    def __str__(self) -> str:
        return self.address


class PfLoanRecord(HouseholdFact):
    """Provident-fund loan history of a household member (this center or elsewhere)."""

    class Source(models.TextChoices):
        OWN = "own", "本中心"
        ELSEWHERE = "elsewhere", "异地中心"

    borrower = models.ForeignKey(
        Depositor,
        verbose_name="借款人（缴存职工）",
        on_delete=models.PROTECT,
        related_name="pf_loans",
        null=True,
        blank=True,
    )
    source = models.CharField("贷款来源", max_length=10, choices=Source.choices)
    lender = models.CharField("发放机构", max_length=100)
    contract_number = models.CharField("合同编号", max_length=60, blank=True)
    amount = models.DecimalField("贷款金额", **MONEY)
    issued_on = models.DateField("发放日期")
    settled_on = models.DateField("结清日期", null=True, blank=True)

    class Meta:
        verbose_name = "公积金贷款记录"
        verbose_name_plural = "公积金贷款记录"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(borrower__isnull=False, member__isnull=True)
                | Q(borrower__isnull=True, member__isnull=False),
                name="pf_loan_one_holder",
            )
        ]

    def __str__(self) -> str:
        return f"{self.holder_name} {self.lender} {self.issued_on}"

    @property
    def holder_name(self) -> str:
        holder = self.borrower if self.borrower_id is not None else self.member
        return holder.name if holder is not None else ""


class SpecialGroupMembership(models.Model):
    depositor = models.ForeignKey(
        Depositor, verbose_name="缴存职工", on_delete=models.PROTECT, related_name="special_groups"
    )
    group = models.CharField("群体类别", max_length=20, choices=SpecialGroup.choices())
    evidence = models.CharField("认定依据", max_length=300)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="认定人", on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField("认定时间")
    valid_from = models.DateField("有效期起")
    valid_to = models.DateField("有效期止", null=True, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoke_reason = models.CharField("撤销原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "特定群体认定"
        verbose_name_plural = "特定群体认定"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.depositor.name} {self.get_group_display()}"


class AuditLog(models.Model):
    """Who changed what, when, from what to what, and why. Append-only."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField("操作人标识", max_length=150)
    action = models.CharField("操作", max_length=60, db_index=True)
    object_type = models.CharField("对象类型", max_length=60, db_index=True)
    object_id = models.CharField("对象编号", max_length=40, db_index=True)
    object_repr = models.CharField("对象", max_length=200)
    old = models.JSONField("变更前", null=True, blank=True)
    new = models.JSONField("变更后", null=True, blank=True)
    reason = models.CharField("原因", max_length=500, blank=True)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"


class PolicySource(models.TextChoices):
    D52 = "52号", "阳政办发〔2024〕52号"
    NATIONAL = "national", "国家规定"
    DECISION = "decision", "中心决定"


class PolicyRowStatus(models.Model):
    """Whether the center has confirmed a policy row, and by which of its documents.

    A row our own default fills in (source "decision") is provisional until a 政策管理
    user other than its author enters the center's document (gjj.services.policy_row_confirm).
    """

    status = models.CharField(
        "状态",
        max_length=12,
        choices=PolicyStatus.choices(),
        # A row nobody has classified claims nothing: it waits for the center.
        default=PolicyStatus.PROVISIONAL.value,
        db_index=True,
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmation_number = models.CharField("中心确认文号", max_length=100, blank=True)
    confirmation_date = models.DateField("文件日期", null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def provisional(self) -> bool:
        return self.status == PolicyStatus.PROVISIONAL


class PolicyParameter(PolicyRowStatus):
    """One effective-dated value of one policy parameter, with its citation.

    In force from ``effective_from`` through ``effective_to`` (inclusive); the
    latest ``effective_from`` wins. A row in force is never edited: a change is
    a new row.
    """

    key = models.CharField("参数", max_length=80, db_index=True)
    kind = models.CharField("类型", max_length=10, choices=[(k.value, k.value) for k in ValueKind])
    # NULL means "the center has not set it" (the limit does not apply), not "".
    value = models.TextField(  # noqa: DJ001
        "取值", null=True, blank=True, help_text="留空表示中心未设置，不适用"
    )
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True)
    document = models.CharField("依据文件", max_length=300)
    article = models.CharField("条款", max_length=300)
    source = models.CharField("来源", max_length=10, choices=PolicySource.choices)
    note = models.CharField("说明", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "政策参数"
        verbose_name_plural = "政策参数"
        ordering = ["key", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "effective_from"], name="policy_key_from_unique"
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="policy_param_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} @ {self.effective_from}"


class LoanRate(PolicyRowStatus):
    """Provident loan rate of one home tier and term band from a date."""

    effective_from = models.DateField("生效日期")
    home_tier = models.PositiveSmallIntegerField("住房套数", choices=[(1, "首套"), (2, "第二套")])
    term_band = models.CharField("期限档次", max_length=3, choices=TermBand.choices())
    annual_rate_percent = models.DecimalField("年利率（%）", max_digits=6, decimal_places=3)
    is_floor = models.BooleanField("为下限（不低于）", default=False)
    document = models.CharField("依据文件", max_length=300)
    article = models.CharField("条款", max_length=300)
    source = models.CharField(
        "来源", max_length=10, choices=PolicySource.choices, default=PolicySource.NATIONAL
    )
    note = models.CharField("说明", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "公积金贷款利率"
        verbose_name_plural = "公积金贷款利率"
        ordering = ["effective_from", "home_tier", "term_band"]
        constraints = [
            models.UniqueConstraint(
                fields=["effective_from", "home_tier", "term_band"], name="rate_cell_unique"
            ),
            models.CheckConstraint(condition=Q(annual_rate_percent__gt=0), name="rate_positive"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.effective_from} {self.get_home_tier_display()} "
            f"{self.get_term_band_display()} {self.annual_rate_percent}%"
        )


class IdempotencyRecord(models.Model):
    """The first response to a creating request, replayed for a repeated key."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField("幂等键", max_length=100)
    endpoint = models.CharField("接口", max_length=200)
    request_hash = models.CharField("请求摘要", max_length=64)
    status_code = models.PositiveSmallIntegerField("响应状态")
    body = models.JSONField("响应内容")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "幂等请求记录"
        verbose_name_plural = "幂等请求记录"
        constraints = [
            models.UniqueConstraint(fields=["user", "key", "endpoint"], name="idempotency_unique")
        ]

    def __str__(self) -> str:
        return f"{self.endpoint} {self.key}"


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", "放假（法定节假日及调休）"
    WORKDAY = "workday", "调休上班"


class Holiday(models.Model):
    """One day of the State Council's yearly holiday schedule, for a year the package lacks.

    A year with any row counts as published; its other Saturdays and Sundays are
    rest days and its other weekdays working days (行政许可法 art. 82).
    """

    day = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=10, choices=HolidayKind.choices)
    name = models.CharField("节日", max_length=50)
    document = models.CharField("依据文件", max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="录入人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "节假日安排"
        verbose_name_plural = "节假日安排"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {self.name}（{self.get_kind_display()}）"


# Policy drafts (future rows previewed before confirmation) live in their own module.
from gjj.draft_models import *  # noqa: E402, F403
