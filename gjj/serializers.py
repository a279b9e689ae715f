"""Serializers of the core's API: the applicant's own record, and the error body."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.authtoken.models import Token

from gjj.fields import StrictBooleanField, StrictCharField, StrictRegexField
from gjj.masking import mask_id_number
from gjj.models import (
    Depositor,
    FamilyMember,
    Home,
    PfLoanRecord,
    ProvidentAccount,
    SpecialGroupMembership,
)


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


class HomeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Home
        fields = ["id", "address", "city", "property_type", "registered_on", "disposed_on"]


class PfLoanRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = PfLoanRecord
        fields = ["id", "source", "lender", "amount", "issued_on", "settled_on"]


class SpecialGroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = SpecialGroupMembership
        fields = ["group", "valid_from", "valid_to", "revoked_at"]


class MeSerializer(serializers.ModelSerializer):
    account = AccountSerializer(read_only=True)
    family = FamilyMemberSerializer(many=True, read_only=True)
    homes = HomeSerializer(many=True, read_only=True)
    pf_loans = PfLoanRecordSerializer(many=True, read_only=True)
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
