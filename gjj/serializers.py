"""Serializers of the core's API: the applicant's own record, and the error body."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.authtoken.models import Token

from gjj.domain import PropertyType
from gjj.fields import (
    OPTIONAL_TEXT,
    TEXT,
    MoneyField,
    StrictBooleanField,
    StrictCharField,
    StrictIntegerField,
    StrictRegexField,
)
from gjj.masking import mask_id_number
from gjj.models import (
    Depositor,
    FamilyMember,
    Home,
    PfLoanRecord,
    ProvidentAccount,
    SpecialGroupMembership,
)
from gjj.selectors import recorded_homes, recorded_pf_loans


class FieldErrorSerializer(serializers.Serializer):
    code = StrictCharField()
    message = StrictCharField()


class ErrorSerializer(serializers.Serializer):
    """Every 4xx: a machine code, a Chinese message, and errors by field."""

    code = StrictCharField()
    message = StrictCharField()
    # The body's key is "fields"; the metaclass moves a declared field off the class
    # attribute, so Serializer.fields is not shadowed at run time.
    fields = serializers.DictField(child=FieldErrorSerializer(many=True))  # type: ignore[assignment]


class SignupSerializer(serializers.Serializer):
    username = StrictRegexField(r"^[A-Za-z0-9_.@+-]{3,150}$", max_length=150)
    password = StrictCharField(write_only=True, min_length=8, max_length=128)
    name = StrictCharField(max_length=50)
    id_number = StrictRegexField(r"^\d{17}[\dXx]$", max_length=18)
    account_number = StrictRegexField(r"^\d{6,20}$", max_length=20)


class LoginSerializer(serializers.Serializer):
    username = StrictCharField(max_length=150)
    password = StrictCharField(max_length=128, write_only=True)


class TokenSerializer(serializers.ModelSerializer):
    token = StrictCharField(source="key")

    class Meta:
        model = Token
        fields = ["token", "created"]


class AccountSerializer(serializers.ModelSerializer):
    status_display = StrictCharField(source="get_status_display")

    class Meta:
        model = ProvidentAccount
        fields = [
            "account_number",
            "status",
            "status_display",
            "balance",
            "deposit_base",
            "employee_monthly",
            "employer_monthly",
            "opened_on",
            "continuous_deposit_months",
        ]


class FamilyMemberSerializer(serializers.ModelSerializer):
    id_number = serializers.SerializerMethodField()
    verified = StrictBooleanField(source="is_verified")

    class Meta:
        model = FamilyMember
        fields = ["id", "relation", "name", "id_number", "birth_date", "verified", "ended_on"]

    def get_id_number(self, obj: FamilyMember) -> str:
        return mask_id_number(obj.id_number)  # a relative's number is not the owner's


class _HouseholdFactSerializer(serializers.ModelSerializer):
    """Who holds the fact, and whether a clerk has verified it (a declared one is 待核实)."""

    member = serializers.IntegerField(
        source="member_id",
        read_only=True,
        allow_null=True,
        help_text="家庭成员编号（见 family.id）；本人的为 null",
    )
    verified = StrictBooleanField(source="is_verified")
    verification_display = StrictCharField(source="verification_label", help_text="已核实或待核实")

    FACT_FIELDS = ["member", "verified", "verification_display"]


class HomeSerializer(_HouseholdFactSerializer):
    class Meta:
        model = Home
        fields = [
            "id",
            "address",
            "city",
            "property_type",
            "certificate_number",
            "contract_number",
            "registered_on",
            "disposed_on",
            *_HouseholdFactSerializer.FACT_FIELDS,
        ]


class PfLoanRecordSerializer(_HouseholdFactSerializer):
    class Meta:
        model = PfLoanRecord
        fields = [
            "id",
            "source",
            "lender",
            "contract_number",
            "amount",
            "issued_on",
            "settled_on",
            *_HouseholdFactSerializer.FACT_FIELDS,
        ]


class SpecialGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = SpecialGroupMembership
        fields = ["group", "valid_from", "valid_to", "revoked_at"]


class MeSerializer(serializers.ModelSerializer):
    account = AccountSerializer(read_only=True)
    family = FamilyMemberSerializer(many=True, read_only=True)
    # Of the depositor and of the family members on his record, with their verification.
    homes = serializers.SerializerMethodField()
    pf_loans = serializers.SerializerMethodField()
    special_groups = SpecialGroupSerializer(many=True, read_only=True)

    class Meta:
        model = Depositor
        fields = [
            "id",
            "name",
            "id_number",
            "birth_date",
            "sex",
            "phone",
            "hukou_city",
            "hukou_since",
            "account",
            "family",
            "homes",
            "pf_loans",
            "special_groups",
        ]

    @extend_schema_field(HomeSerializer(many=True))
    def get_homes(self, obj: Depositor) -> list[dict[str, Any]]:
        return [dict(HomeSerializer(h).data) for h in recorded_homes(depositor=obj)]

    @extend_schema_field(PfLoanRecordSerializer(many=True))
    def get_pf_loans(self, obj: Depositor) -> list[dict[str, Any]]:
        return [dict(PfLoanRecordSerializer(r).data) for r in recorded_pf_loans(depositor=obj)]


# --- the applicant declares homes and provident loans (待核实 until a clerk verifies) ---

# Free text: no NUL (PostgreSQL cannot store it); required text has a visible character.


def _optional_text(max_length: int, help_text: str) -> StrictRegexField:
    return StrictRegexField(
        OPTIONAL_TEXT,
        max_length=max_length,
        required=False,
        default="",
        allow_blank=True,
        help_text=help_text,
    )


class _DeclareSerializer(serializers.Serializer):
    member = StrictIntegerField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        allow_null=True,
        default=None,
        help_text="家庭成员编号（见 /api/v1/me/ 的 family.id）；本人的不填",
    )


class HomeDeclareSerializer(_DeclareSerializer):
    address = StrictRegexField(TEXT, max_length=300, help_text="房屋坐落")
    city = _optional_text(50, "所在城市；不填为本市")
    property_type = serializers.ChoiceField(
        choices=PropertyType.choices(), default=PropertyType.COMMERCIAL.value, help_text="房屋性质"
    )
    registered_on = serializers.DateField(help_text="不动产登记日期（或购房合同签订日期）")
    certificate_number = _optional_text(60, "不动产权证号（与购房合同编号至少填一项）")
    contract_number = _optional_text(60, "购房合同编号（与不动产权证号至少填一项）")


class PfLoanDeclareSerializer(_DeclareSerializer):
    # The metaclass moves a declared field off the class, so Field.source is not shadowed.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=PfLoanRecord.Source.choices, help_text="贷款来源"
    )
    lender = StrictRegexField(TEXT, max_length=100, help_text="发放机构（住房公积金管理中心）")
    contract_number = _optional_text(60, "借款合同编号")
    amount = MoneyField(help_text="贷款金额（元），须大于零")
    issued_on = serializers.DateField(help_text="发放日期")
    settled_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="结清日期；未结清不填"
    )
