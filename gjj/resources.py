"""Export columns of the core lists (see gjj.exports for the rules every column follows)."""

from __future__ import annotations

from import_export.fields import Field

from gjj.exports import ExportResource, MaskedField, masked_id, text
from gjj.masking import mask_phone
from gjj.models import AccountEntry, AuditLog, Depositor, ProvidentAccount


class DepositorResource(ExportResource):
    id_number = masked_id()
    phone = MaskedField("phone", "手机号码", mask_phone)
    account_number = Field(attribute="account__account_number", column_name="个人账号")
    account_status = Field(attribute="account__get_status_display", column_name="账户状态")

    class Meta:
        model = Depositor
        fields = (
            "name",
            "id_number",
            "sex",
            "birth_date",
            "phone",
            "hukou_city",
            "hukou_since",
            "employer",
            "account_number",
            "account_status",
            "created_at",
        )


class ProvidentAccountResource(ExportResource):
    depositor_name = Field(attribute="depositor__name", column_name="姓名")
    depositor_id_number = masked_id("depositor__id_number")

    class Meta:
        model = ProvidentAccount
        fields = (
            "account_number",
            "depositor_name",
            "depositor_id_number",
            "status",
            "balance",
            "deposit_base",
            "employee_monthly",
            "employer_monthly",
            "opened_on",
            "continuous_deposit_months",
        )


class AccountEntryResource(ExportResource):
    account_number = Field(attribute="account__account_number", column_name="个人账号")
    depositor_name = Field(attribute="account__depositor__name", column_name="姓名")
    depositor_id_number = masked_id("account__depositor__id_number")
    memo = text("memo", "摘要")

    class Meta:
        model = AccountEntry
        fields = (
            "id",
            "account_number",
            "depositor_name",
            "depositor_id_number",
            "entry_type",
            "amount",
            "balance_after",
            "value_date",
            "withdrawal_reason",
            "reverses",
            "memo",
            "reference",
            "created_by",
            "created_at",
        )


class AuditLogResource(ExportResource):
    reason = text("reason", "原因")

    class Meta:
        model = AuditLog
        # 对象 is the row as it reads (ID numbers already masked); the snapshots
        # (变更前/变更后) are masked by the cell rule.
        fields = (
            "id",
            "at",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "old",
            "new",
            "reason",
        )
