"""Request and response shapes of the withdrawals API.

Choice fields are typed as plain strings in the schema (with the values in the
help text): the enum names ``status`` and ``relation`` are already taken by the
core's serializers with other value sets.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gjj.fields import OPTIONAL_TEXT, TEXT, MoneyField, StrictIntegerField, StrictRegexField
from withdrawals.models import (
    ConsentStatus,
    MemberRelation,
    RentPeriod,
    StatusChange,
    WithdrawalApplication,
    WithdrawalKind,
    WithdrawalMember,
    WithdrawalPayment,
    WithdrawalStatus,
)

# Free text: no NUL (PostgreSQL cannot store it); required text has a visible character.
# Stated as patterns so that the schema says exactly what the server accepts.


def _values(choices: type) -> str:
    return "；".join(f"{c.value}={c.label}" for c in choices)  # type: ignore[attr-defined]


def code_choice(choices: list[tuple[str, str]], **kwargs: Any) -> serializers.ChoiceField:
    """A choice field whose schema is an exact pattern rather than a named enum.

    The enum names ``relation``, ``status`` and ``kind`` are shared across the
    project's schema with other value sets; a pattern states the same rule
    without renaming anyone's enum component.
    """
    pattern = "^(?:" + "|".join(re.escape(value) for value, _ in choices) + ")$"
    field_class = extend_schema_field({"type": "string", "pattern": pattern})(
        type("CodeChoiceField", (serializers.ChoiceField,), {})
    )
    return field_class(choices=choices, **kwargs)


# --- requests --------------------------------------------------------------------------


class WithdrawalKindSerializer(serializers.Serializer):
    kind = code_choice(WithdrawalKind.choices, help_text=f"提取类型：{_values(WithdrawalKind)}")


class WithdrawalMemberRequestSerializer(serializers.Serializer):
    relation = code_choice(
        MemberRelation.choices, help_text=f"与申请人关系：{_values(MemberRelation)}"
    )
    family_member = StrictIntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        allow_null=True,
        help_text="家庭成员编号（见 /api/v1/me/ 的 family.id）；本人不填",
    )
    amount = MoneyField(help_text="该成员申请提取金额（元），须大于零")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        is_self = attrs["relation"] == MemberRelation.SELF
        if not is_self and not attrs.get("family_member"):
            raise serializers.ValidationError({"family_member": "请指定家庭成员"}, code="required")
        if is_self and attrs.get("family_member"):
            raise serializers.ValidationError(
                {"family_member": "本人提取不需指定家庭成员"}, code="invalid"
            )
        return attrs


class _BankFields(serializers.Serializer):
    bank_name = StrictRegexField(TEXT, max_length=100, help_text="收款银行")
    bank_account = StrictRegexField(
        r"^\d{8,30}$", max_length=30, help_text="收款账号（8–30位数字）"
    )


class WithdrawalPurchaseCreateSerializer(_BankFields):
    kind = code_choice([(WithdrawalKind.PURCHASE.value, "购房提取")])
    purchase_number = StrictRegexField(
        TEXT,
        max_length=64,
        help_text="购房合同编号或不动产权证号：家庭成员为同一套住房申请时填写同一编号，共用一个自筹额度",
    )
    price = MoneyField(help_text="房屋总价（元），须大于零")
    contract_date = serializers.DateField(help_text="购房合同签订日期")
    loans_amount = MoneyField(default=Decimal("0.00"), help_text="商业贷款与公积金贷款合计（元）")
    voucher_amount = MoneyField(default=Decimal("0.00"), help_text="房票金额（元）")
    property_address = StrictRegexField(TEXT, max_length=300, help_text="房屋坐落")
    # many=True builds a ListSerializer, which takes max_length; the stubs type the child.
    members = WithdrawalMemberRequestSerializer(many=True, allow_empty=False, max_length=10)  # type: ignore[call-arg]


class WithdrawalRentalCreateSerializer(_BankFields):
    kind = code_choice([(WithdrawalKind.RENTAL.value, "租房提取")])
    amount = MoneyField(help_text="本次提取金额（元），须大于零")
    period_type = code_choice(RentPeriod.choices, help_text=f"提取周期：{_values(RentPeriod)}")
    period_index = StrictIntegerField(
        min_value=1, max_value=12, help_text="按月为1–12，按季为1–4，按年为1"
    )
    property_address = StrictRegexField(
        OPTIONAL_TEXT,
        max_length=300,
        required=False,
        default="",
        allow_blank=True,
        help_text="租赁房屋坐落",
    )


class WithdrawalReasonSerializer(serializers.Serializer):
    reason = StrictRegexField(
        OPTIONAL_TEXT,
        max_length=500,
        required=False,
        default="",
        allow_blank=True,
        help_text="原因（选填）",
    )


class WithdrawalRentalLimitsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        min_value=2000, max_value=2100, required=False, help_text="年度，默认今年"
    )


class WithdrawalPurchaseLimitsQuerySerializer(serializers.Serializer):
    purchase_number = StrictRegexField(
        OPTIONAL_TEXT,
        max_length=64,
        required=False,
        default="",
        allow_blank=True,
        help_text="购房合同编号或不动产权证号（选填）：已登记的住房按剩余额度试算",
    )
    price = MoneyField(help_text="房屋总价（元）")
    contract_date = serializers.DateField(help_text="购房合同签订日期")
    loans_amount = MoneyField(default=Decimal("0.00"), help_text="贷款合计（元）")
    voucher_amount = MoneyField(default=Decimal("0.00"), help_text="房票金额（元）")


# --- responses --------------------------------------------------------------------------


class WithdrawalMemberSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="depositor.name", read_only=True)
    relation = serializers.CharField(read_only=True, help_text=_values(MemberRelation))
    relation_display = serializers.CharField(source="get_relation_display", read_only=True)
    consent_status = serializers.CharField(read_only=True, help_text=_values(ConsentStatus))
    consent_status_display = serializers.CharField(
        source="get_consent_status_display", read_only=True
    )

    class Meta:
        model = WithdrawalMember
        fields = [
            "id",
            "name",
            "relation",
            "relation_display",
            "amount",
            "consent_status",
            "consent_status_display",
            "consented_at",
        ]


class WithdrawalPaymentSerializer(serializers.ModelSerializer):
    bank_account = serializers.CharField(source="masked_bank_account", read_only=True)
    payment_status = serializers.CharField(source="status", read_only=True)
    payment_status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = WithdrawalPayment
        fields = [
            "payee_name",
            "bank_name",
            "bank_account",
            "amount",
            "payment_status",
            "payment_status_display",
            "paid_on",
            "reference",
        ]


class WithdrawalApplicationSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=_values(WithdrawalKind))
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status = serializers.CharField(read_only=True, help_text=_values(WithdrawalStatus))
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    period_type = serializers.CharField(read_only=True, help_text=_values(RentPeriod))
    bank_account = serializers.CharField(source="masked_bank_account", read_only=True)
    members = WithdrawalMemberSerializer(many=True, read_only=True)
    purchase_number = serializers.CharField(
        source="purchase.number",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="购房合同编号或不动产权证号（购房提取）",
    )
    limits = serializers.JSONField(
        source="limits_snapshot", read_only=True, help_text="提交（或创建）时按当日政策测算的额度"
    )
    payment = serializers.SerializerMethodField()

    class Meta:
        model = WithdrawalApplication
        fields = [
            "id",
            "number",
            "kind",
            "kind_display",
            "status",
            "status_display",
            "amount",
            "applied_on",
            "property_address",
            "purchase_number",
            "price",
            "contract_date",
            "loans_amount",
            "voucher_amount",
            "rent_year",
            "period_type",
            "period_index",
            "bank_name",
            "bank_account",
            "submitted_at",
            "accepted_at",
            "decision_due_on",
            "decided_at",
            "decision_reason",
            "cancelled_at",
            "created_at",
            "members",
            "limits",
            "payment",
        ]
        read_only_fields = fields

    @extend_schema_field(WithdrawalPaymentSerializer(allow_null=True))
    def get_payment(self, obj: WithdrawalApplication) -> dict[str, Any] | None:
        payment = getattr(obj, "payment", None)
        return WithdrawalPaymentSerializer(payment).data if payment is not None else None


class WithdrawalStatusChangeSerializer(serializers.ModelSerializer):
    from_status = serializers.CharField(read_only=True, help_text=_values(WithdrawalStatus))
    to_status = serializers.CharField(read_only=True, help_text=_values(WithdrawalStatus))
    to_status_display = serializers.CharField(source="get_to_status_display", read_only=True)

    class Meta:
        model = StatusChange
        fields = ["from_status", "to_status", "to_status_display", "at", "reason"]


class WithdrawalConsentSerializer(serializers.ModelSerializer):
    """A request to me to let a relative draw from my account."""

    application_number = serializers.CharField(source="application.number", read_only=True)
    applicant_name = serializers.CharField(source="application.applicant.name", read_only=True)
    application_status = serializers.CharField(source="application.status", read_only=True)
    property_address = serializers.CharField(source="application.property_address", read_only=True)
    relation = serializers.CharField(read_only=True, help_text=_values(MemberRelation))
    relation_display = serializers.CharField(source="get_relation_display", read_only=True)
    consent_status = serializers.CharField(read_only=True, help_text=_values(ConsentStatus))
    consent_status_display = serializers.CharField(
        source="get_consent_status_display", read_only=True
    )

    class Meta:
        model = WithdrawalMember
        fields = [
            "id",
            "application_number",
            "applicant_name",
            "application_status",
            "property_address",
            "relation",
            "relation_display",
            "amount",
            "consent_status",
            "consent_status_display",
            "consented_at",
        ]


class WithdrawalCitationSerializer(serializers.Serializer):
    document = serializers.CharField()
    article = serializers.CharField()
    # The metaclass moves a declared field off the class, so Field.source is not shadowed.
    source = serializers.CharField()  # type: ignore[assignment]
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(allow_null=True)
    row = serializers.CharField()
    status = serializers.CharField(help_text="provisional 暂定（待中心确认）/ confirmed 已确认")
    provisional = serializers.BooleanField()


class WithdrawalRentalLimitsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    on = serializers.DateField(help_text="按此日在执行的政策计算")
    cap = serializers.CharField(help_text="年度额度（元）")
    special = serializers.BooleanField(help_text="是否适用特定群体额度")
    groups = serializers.ListField(child=serializers.CharField(), help_text="据以适用的群体")
    used = serializers.CharField(help_text="本年度已核准提取（元）")
    in_flight = serializers.CharField(help_text="本年度在办（已提交、已受理）金额（元）")
    remaining = serializers.CharField(help_text="剩余额度（元）")
    citation = WithdrawalCitationSerializer()
    balance = serializers.CharField(allow_null=True, help_text="账户余额（元）")
    owns_home = serializers.BooleanField(help_text="家庭在本市是否有住房")
    max_amount = serializers.CharField(help_text="本次最多可申请（元）")
    claimed_months = serializers.ListField(
        child=serializers.IntegerField(), help_text="本年度已申请提取的月份"
    )


class WithdrawalCandidateSerializer(serializers.Serializer):
    relation = serializers.CharField(help_text=_values(MemberRelation))
    family_member = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    eligible = serializers.BooleanField()
    problem_code = serializers.CharField()
    problem = serializers.CharField()
    max_amount = serializers.CharField(help_text="该成员最多可提取（元）")


class WithdrawalPurchaseRoomSerializer(serializers.Serializer):
    number = serializers.CharField(allow_null=True, help_text="购房合同编号或不动产权证号")
    own_funds = serializers.CharField(help_text="自筹部分（元）")
    approved = serializers.CharField(help_text="家庭成员已提取（元）")
    in_flight = serializers.CharField(help_text="家庭成员在办（已提交、已受理）（元）")
    remaining = serializers.CharField(help_text="剩余可提取（元）")


class WithdrawalPurchaseLimitsSerializer(serializers.Serializer):
    on = serializers.DateField(help_text="按此日在执行的政策计算")
    own_funds = serializers.CharField(help_text="自筹部分：房价 − 贷款 − 房票（元）")
    window_months = serializers.IntegerField(allow_null=True)
    window_ends_on = serializers.DateField(allow_null=True, help_text="申请截止日（含）")
    within_window = serializers.BooleanField()
    contract_in_future = serializers.BooleanField()
    allowed_relations = serializers.ListField(child=serializers.CharField())
    remaining = serializers.CharField(help_text="该住房剩余可提取额度（元）：自筹减已提取和在办")
    purchase = WithdrawalPurchaseRoomSerializer(
        allow_null=True, help_text="已登记的购房记录及其额度；未登记时为 null"
    )
    max_total = serializers.CharField(help_text="合计最多可提取（元）")
    candidates = WithdrawalCandidateSerializer(many=True)
    citations = serializers.DictField(
        child=WithdrawalCitationSerializer(allow_null=True), help_text="relations、window 的依据"
    )
