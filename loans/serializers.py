"""Serializers of the loan API: validate shapes and types; the services decide."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gjj.auth import staff_display
from gjj.domain import LOANABLE_PROPERTY_TYPES, PropertyType, RepaymentMethod
from gjj.fields import (
    OPTIONAL_TEXT,
    TEXT,
    MoneyField,
    StrictBooleanField,
    StrictIntegerField,
    StrictRegexField,
)
from gjj.masking import mask_bank_account, mask_text
from gjj.selectors import today_local
from loans import selectors, servicing
from loans.models import (
    ApplicationKind,
    ApplicationStatus,
    ApplicationStatusChange,
    AuthorizationHolder,
    GuaranteeType,
    Loan,
    LoanApplication,
    LoanStatus,
    Repayment,
    RepaymentAuthorization,
    RiskClass,
    ScheduleVersion,
    SzgMode,
)
from loans.services import LOAN_STEPS, SMALLINT_MAX

MONEY: dict[str, Any] = {"max_digits": 16, "decimal_places": 2}


def _money(**kw: Any) -> serializers.DecimalField:
    return serializers.DecimalField(**MONEY, **kw)


# Free text: no NUL (PostgreSQL cannot store it); required text has a visible character.


_MONEY_FORMAT = MoneyField()
_MONEY_SCHEMA = {
    "oneOf": [
        {"type": "string", "pattern": _MONEY_FORMAT.pattern, "example": "1000000.00"},
        {"type": "integer", "minimum": 0, "maximum": 10**14 - 1},
    ]
}


@extend_schema_field(_MONEY_SCHEMA)
class OptionalMoneyField(serializers.Field):
    """``gjj.fields.MoneyField``'s format, or null (clears the value in a draft).

    Not a MoneyField subclass: the project's schema class rewrites those and
    would drop ``nullable``, so null would be accepted but not documented.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(allow_null=True, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        return _MONEY_FORMAT.to_internal_value(data)

    def to_representation(self, value: Any) -> Any:
        return _MONEY_FORMAT.to_representation(value)


class MaskedAccountField(serializers.CharField):
    """An account number shown by its first and last four characters only (6222****2222).

    A payee's account (the seller's, or the commercial bank loan's) is not the
    reader's to see in full: the spouse reads the household's application too.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        return mask_bank_account(str(value or ""))


class MaskedTextField(serializers.CharField):
    """Free text with any resident ID, mobile or account number in it masked."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        return mask_text(str(value or ""))


def _text(max_length: int, **kw: Any) -> StrictRegexField:
    return StrictRegexField(
        OPTIONAL_TEXT, max_length=max_length, required=False, allow_blank=True, **kw
    )


def _choice(choices: list[tuple[str, str]], **kw: Any) -> serializers.ChoiceField:
    """A choice field whose enum stays inline in the schema, with its Chinese labels.

    ``status``/``kind``/``property_type``/``method`` exist in several apps with
    other choice sets; drf-spectacular would hoist them into colliding named
    enum components (system-check warnings). Wrapped in ``allOf`` the enum is
    left where it is, and clients still see and validate every allowed value.
    """
    values = [v for v, _ in choices] + ([""] if kw.get("allow_blank") else [])
    schema = {
        "allOf": [{"type": "string", "enum": values}],
        "description": "；".join(f"{v}：{label}" for v, label in choices),
    }
    # On a class of its own: DRF deep-copies field instances, dropping instance attributes.
    field_class = extend_schema_field(schema)(type("ChoiceField", (serializers.ChoiceField,), {}))
    return field_class(choices=choices, **kw)


class ApplicationInputSerializer(serializers.Serializer):
    """Create (with ``kind``) or edit a draft; every other field is optional until submit.

    Formats only (JSON types, money as decimal strings, no NUL in text): whether
    an amount may be zero or a field applies to the kind are the services' rules.
    """

    kind = _choice(ApplicationKind.choices)
    property_address = _text(300)
    property_type = _choice(PropertyType.choices(LOANABLE_PROPERTY_TYPES), required=False)
    new_build = StrictBooleanField(
        required=False, help_text="新建商品住房（一手房）；商转公指所转贷款对应的住房"
    )
    house_price = OptionalMoneyField(help_text="房屋总价（元）")
    purchase_contract_date = serializers.DateField(required=False, allow_null=True)
    seller_name = _text(200, help_text="售房人或开发企业")
    seller_account = _text(40, help_text="售房款收款账号")
    voucher_amount = OptionalMoneyField(help_text="房票面额（元）")
    szg_bank = _text(20, help_text="商业贷款银行代码，如 ICBC、CCB")
    szg_bank_name = _text(100, help_text="商业贷款银行名称（放款收款方）")
    szg_city = _text(50, help_text="商业贷款银行所在城市")
    szg_issued_on = serializers.DateField(required=False, allow_null=True)
    szg_remaining_principal = OptionalMoneyField()
    szg_remaining_term_months = StrictIntegerField(
        min_value=1, max_value=600, required=False, allow_null=True
    )
    szg_mode = _choice(SzgMode.choices, required=False, allow_blank=True)
    szg_loan_account = _text(40, help_text="商业贷款账号（放款收款账号）")
    spouse_co_borrows = StrictBooleanField(required=False, help_text="配偶作为共同借款人")
    requested_amount = OptionalMoneyField(
        help_text="申请金额（元）；不填或 null 为按可贷最高额申请"
    )
    # The longest term is the policy row the engine applies; the bound here is the column's.
    term_months = StrictIntegerField(
        min_value=1, max_value=SMALLINT_MAX, required=False, allow_null=True
    )
    repayment_method = _choice(RepaymentMethod.choices(), required=False)
    monthly_income = OptionalMoneyField(
        help_text="借款人及共同借款配偶月收入合计（元）；中心设置还款能力比例时提交前须填写"
    )


class ApplicationUpdateSerializer(ApplicationInputSerializer):
    """A draft's fields; the kind is fixed at creation (``context["kind"]``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.pop("kind")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        kind = self.initial_data.get("kind")
        if kind is not None and kind != self.context.get("kind"):
            raise serializers.ValidationError({"kind": ["贷款类型创建后不能修改"]})
        return attrs


class StatusChangeSerializer(serializers.ModelSerializer):
    from_status = _choice(ApplicationStatus.choices, allow_blank=True, read_only=True)
    to_status = _choice(ApplicationStatus.choices, read_only=True)
    from_status_display = serializers.SerializerMethodField()
    to_status_display = serializers.CharField(source="get_to_status_display")
    actor_label = serializers.SerializerMethodField(
        help_text="办理人：申请人本人（证件、手机号码已遮蔽），或工作人员的岗位与姓名"
    )

    class Meta:
        model = ApplicationStatusChange
        fields = [
            "from_status",
            "from_status_display",
            "to_status",
            "to_status_display",
            "on",
            "at",
            "actor_label",
            "note",
        ]

    def get_from_status_display(self, obj: ApplicationStatusChange) -> str:
        return obj.get_from_status_display() if obj.from_status else ""

    def get_actor_label(self, obj: ApplicationStatusChange) -> str:
        actor = obj.actor
        if actor is None or actor.pk == obj.application.applicant.user_id:
            return mask_text(obj.actor_label)
        # The role of the step that led to this status: the table's, not the log-in's.
        roles = frozenset(
            role
            for step in LOAN_STEPS.values()
            if step.target == obj.to_status
            for role in step.roles
        )
        return staff_display(actor=actor, roles=roles)


class ApplicationSerializer(serializers.ModelSerializer):
    status = _choice(ApplicationStatus.choices, read_only=True)
    kind = _choice(ApplicationKind.choices, read_only=True)
    property_type = _choice(PropertyType.choices(LOANABLE_PROPERTY_TYPES), read_only=True)
    contract_method = _choice(RepaymentMethod.choices(), allow_blank=True, read_only=True)
    szg_mode = _choice(SzgMode.choices, allow_blank=True, read_only=True)
    guarantee_type = _choice(GuaranteeType.choices, allow_blank=True, read_only=True)
    repayment_method = _choice(RepaymentMethod.choices(), read_only=True)
    status_display = serializers.CharField(source="get_status_display")
    kind_display = serializers.CharField(source="get_kind_display")
    applicant_name = serializers.CharField(source="applicant.name")
    seller_account = MaskedAccountField(help_text="售房款收款账号（仅显示前四位和后四位）")
    szg_loan_account = MaskedAccountField(help_text="商业贷款账号（仅显示前四位和后四位）")
    spouse_co_borrows = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    loan_id = serializers.SerializerMethodField()

    class Meta:
        model = LoanApplication
        fields = [
            "id",
            "number",
            "kind",
            "kind_display",
            "status",
            "status_display",
            "applicant_name",
            "spouse_co_borrows",
            "property_address",
            "property_type",
            "new_build",
            "house_price",
            "purchase_contract_date",
            "seller_name",
            "seller_account",
            "voucher_amount",
            "szg_bank",
            "szg_bank_name",
            "szg_city",
            "szg_issued_on",
            "szg_remaining_principal",
            "szg_remaining_term_months",
            "szg_mode",
            "szg_loan_account",
            "requested_amount",
            "term_months",
            "repayment_method",
            "monthly_income",
            "submitted_on",
            "eligible",
            "home_tier",
            "max_loan_amount",
            "loan_amount",
            "annual_rate_percent",
            "monthly_payment",
            "policy_version",
            "decision",
            "accepted_on",
            "deadline_on",
            "overdue",
            "reviewed_on",
            "decided_on",
            "decision_opinion",
            "approved_amount",
            "approved_rate_percent",
            "contract_number",
            "signed_on",
            "contract_amount",
            "contract_term_months",
            "contract_method",
            "guarantee_type",
            "repayment_day",
            "disbursed_on",
            "withdrawn_on",
            "withdraw_reason",
            "loan_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_spouse_co_borrows(self, obj: LoanApplication) -> bool:
        return obj.co_borrower_id is not None

    def get_overdue(self, obj: LoanApplication) -> bool:
        return selectors.loan_application_is_overdue(application=obj, on=today_local())

    def get_loan_id(self, obj: LoanApplication) -> int | None:
        loan = getattr(obj, "loan", None)
        return loan.pk if loan is not None else None


class WithdrawSerializer(serializers.Serializer):
    reason = _text(300, help_text="撤回原因（选填）")


class OpinionSerializer(serializers.Serializer):
    opinion = _text(500, help_text="意见（选填）")


class RejectSerializer(serializers.Serializer):
    reason = StrictRegexField(TEXT, max_length=500, help_text="不予贷款理由（必填）")


class SignSerializer(serializers.Serializer):
    amount = MoneyField(help_text="合同金额（元），不超过批准金额")
    term_months = StrictIntegerField(min_value=1, max_value=SMALLINT_MAX)
    repayment_method = _choice(RepaymentMethod.choices())
    guarantee_type = _choice(GuaranteeType.choices)
    repayment_day = StrictIntegerField(min_value=1, max_value=28, help_text="每月还款日（1–28）")
    guarantee_note = _text(300, help_text="担保说明（选填）")


# --- loans ----------------------------------------------------------------------------


class LoanSerializer(serializers.ModelSerializer):
    status = _choice(LoanStatus.choices, read_only=True)
    repayment_method = _choice(RepaymentMethod.choices(), read_only=True)
    kind = _choice(ApplicationKind.choices, read_only=True)
    status_display = serializers.CharField(source="get_status_display")
    repayment_method_display = serializers.CharField(source="get_repayment_method_display")

    class Meta:
        model = Loan
        fields = [
            "id",
            "contract_number",
            "kind",
            "status",
            "status_display",
            "principal",
            "contract_term_months",
            "home_tier",
            "repayment_method",
            "repayment_method_display",
            "repayment_day",
            "annual_rate_percent",
            "installment_amount",
            "outstanding_principal",
            "next_installment_number",
            "next_due_date",
            "final_installment_number",
            "disbursed_on",
            "settled_on",
        ]
        read_only_fields = fields


class LoanInstallmentSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    payment = _money()
    principal = _money()
    interest = _money()
    outstanding = _money()
    version = serializers.IntegerField()
    paid = serializers.BooleanField()
    paid_on = serializers.DateField(allow_null=True)


class RateHistorySerializer(serializers.Serializer):
    effective_on = serializers.DateField()
    annual_rate_percent = serializers.DecimalField(max_digits=6, decimal_places=3)
    rate_row = serializers.CharField()
    reason = serializers.CharField()


class ScheduleVersionSerializer(serializers.ModelSerializer):
    method = _choice(RepaymentMethod.choices(), read_only=True)

    class Meta:
        model = ScheduleVersion
        fields = [
            "version",
            "starts_at_installment",
            "principal",
            "annual_rate_percent",
            "months",
            "method",
            "first_due_date",
            "installment_amount",
            "reason",
            "rate_row",
        ]
        read_only_fields = fields


class RepaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Repayment
        fields = ["installment_number", "due_date", "amount", "principal", "interest", "paid_on"]
        read_only_fields = fields


class OverdueSerializer(serializers.Serializer):
    installments = serializers.IntegerField(help_text="逾期期数")
    principal = _money(help_text="逾期本金（元）")
    interest = _money(help_text="逾期利息（元）")
    penalty = _money(help_text="已计未还的罚息（元），计至 serviced_through")
    days = serializers.IntegerField(help_text="最早一期逾期的天数；无逾期为0")


# 冲还贷 authorisations are made on the web (api) or at the counter with a paper form.
CHANNEL_HELP = "办理渠道：api 网上办理；counter 柜面办理"


class ProvidentSourceSerializer(serializers.Serializer):
    """One provident account of a loan's 冲还贷, as the loan's servicing state lists it."""

    id = serializers.IntegerField(help_text="授权编号")
    holder = _choice(AuthorizationHolder.choices)
    holder_display = serializers.CharField(source="holder_label")
    depositor_name = serializers.CharField(help_text="授权人")
    account_number = serializers.CharField(
        source="account_number_masked", help_text="公积金个人账号（仅显示前四位和后四位）"
    )
    granted_on = serializers.DateField(help_text="授权日期")
    channel = serializers.CharField(help_text=CHANNEL_HELP)
    stopped_on = serializers.DateField(allow_null=True, help_text="终止日期；有效授权为 null")
    active = serializers.BooleanField(help_text="授权是否有效")


class ProvidentRepaymentSerializer(serializers.Serializer):
    active = serializers.BooleanField(help_text="是否有有效的冲还贷授权（夜间先从公积金账户扣划）")
    sources = ProvidentSourceSerializer(
        many=True, help_text="各公积金账户的授权，每个账户只列最近一次（借款人在前）"
    )


class BankDebitSerializer(serializers.Serializer):
    bank_name = serializers.CharField(help_text="开户银行")
    account_number = serializers.CharField(
        source="account_number_masked", help_text="银行账号（仅显示前四位和后四位）"
    )
    account_name = serializers.CharField(help_text="户名")


class RepaymentAuthorizationSerializer(serializers.ModelSerializer):
    """One 冲还贷 authorisation of the reader's own provident account, with its state."""

    holder = _choice(AuthorizationHolder.choices, read_only=True)
    holder_display = serializers.CharField(source="get_holder_display")
    depositor_name = serializers.CharField(source="depositor.name", help_text="授权人")
    account_number = MaskedAccountField(
        source="account.account_number", help_text="公积金个人账号（仅显示前四位和后四位）"
    )
    channel = serializers.CharField(help_text=CHANNEL_HELP)
    active = serializers.BooleanField(source="is_active", help_text="授权是否有效")

    class Meta:
        model = RepaymentAuthorization
        fields = [
            "id",
            "loan_id",
            "holder",
            "holder_display",
            "depositor_name",
            "account_number",
            "priority",
            "granted_on",
            "granted_at",
            "channel",
            "active",
            "stopped_on",
            "stopped_at",
            "stop_reason",
        ]
        read_only_fields = fields


class AuthorizationStopSerializer(serializers.Serializer):
    reason = _text(300, help_text="终止原因（选填）")


class LoanDetailSerializer(LoanSerializer):
    schedule = serializers.SerializerMethodField()
    next_installment = serializers.SerializerMethodField()
    rate_history = serializers.SerializerMethodField()
    schedule_versions = ScheduleVersionSerializer(many=True, read_only=True)
    repayments = RepaymentSerializer(many=True, read_only=True)
    overdue = serializers.SerializerMethodField()
    risk_class = serializers.SerializerMethodField()
    risk_class_display = serializers.SerializerMethodField()
    penalty_paid = serializers.SerializerMethodField()
    serviced_through = serializers.SerializerMethodField()
    provident_repayment = serializers.SerializerMethodField()
    bank_debit = serializers.SerializerMethodField()

    class Meta(LoanSerializer.Meta):
        fields = [
            *LoanSerializer.Meta.fields,
            "payee_kind",
            "payee_name",
            "guarantee_type",
            "first_due_date",
            "next_installment",
            "rate_history",
            "schedule_versions",
            "repayments",
            "schedule",
            "overdue",
            "risk_class",
            "risk_class_display",
            "penalty_paid",
            "serviced_through",
            "provident_repayment",
            "bank_debit",
        ]
        read_only_fields = fields

    @staticmethod
    def _dump(row: selectors.ScheduleRow | None) -> dict[str, Any] | None:
        return None if row is None else LoanInstallmentSerializer(row.as_dict()).data

    @extend_schema_field(LoanInstallmentSerializer(many=True))
    def get_schedule(self, obj: Loan) -> list[dict[str, Any]]:
        rows = selectors.loan_schedule(loan=obj)
        # many=True: a ListSerializer, whose data is a list (the stubs say ReturnDict).
        return LoanInstallmentSerializer([r.as_dict() for r in rows], many=True).data  # type: ignore[return-value]

    @extend_schema_field(LoanInstallmentSerializer(allow_null=True))
    def get_next_installment(self, obj: Loan) -> dict[str, Any] | None:
        return self._dump(selectors.loan_next_installment(loan=obj))

    @extend_schema_field(RateHistorySerializer(many=True))
    def get_rate_history(self, obj: Loan) -> list[dict[str, Any]]:
        rows = selectors.loan_rate_history(loan=obj)
        return RateHistorySerializer(rows, many=True).data  # type: ignore[return-value]  # as above

    # --- the servicing state (loans.servicing), read once per loan ------------------

    def _servicing(self, obj: Loan) -> dict[str, Any]:
        cache: dict[int, dict[str, Any]] = self.context.setdefault("servicing", {})
        if obj.pk not in cache:
            cache[obj.pk] = servicing.loan_servicing_summary(loan=obj)
        return cache[obj.pk]

    @extend_schema_field(OverdueSerializer)
    def get_overdue(self, obj: Loan) -> dict[str, Any]:
        return OverdueSerializer(self._servicing(obj)["overdue"]).data

    @extend_schema_field(_choice(RiskClass.choices, read_only=True))
    def get_risk_class(self, obj: Loan) -> str:
        return str(self._servicing(obj)["overdue"]["risk_class"])

    @extend_schema_field(serializers.CharField(help_text="风险分类（JGJ/T 320 贷款风险分类）"))
    def get_risk_class_display(self, obj: Loan) -> str:
        return str(self._servicing(obj)["overdue"]["risk_class_label"])

    @extend_schema_field(_money(help_text="已还罚息（元）"))
    def get_penalty_paid(self, obj: Loan) -> str:
        return str(_money().to_representation(self._servicing(obj)["penalty_paid"]))

    @extend_schema_field(
        serializers.DateField(allow_null=True, help_text="夜间批处理已处理至的业务日期")
    )
    def get_serviced_through(self, obj: Loan) -> str | None:
        on = self._servicing(obj)["serviced_through"]
        return None if on is None else on.isoformat()

    @extend_schema_field(ProvidentRepaymentSerializer)
    def get_provident_repayment(self, obj: Loan) -> dict[str, Any]:
        state = self._servicing(obj)["provident_repayment"]
        # Per account, its latest authorisation (the history is newest first).
        latest: dict[tuple[str, str], dict[str, Any]] = {}
        for row in state["authorizations"]:
            latest.setdefault((row["holder"], row["account_number_masked"]), row)
        sources = sorted(latest.values(), key=lambda r: r["holder"] != "borrower")
        return ProvidentRepaymentSerializer({"active": state["active"], "sources": sources}).data

    @extend_schema_field(BankDebitSerializer(allow_null=True))
    def get_bank_debit(self, obj: Loan) -> dict[str, Any] | None:
        bank = self._servicing(obj)["bank_debit"]
        return None if bank is None else BankDebitSerializer(bank).data
