"""Export columns of the withdrawal list (see gjj.exports for the rules every column follows)."""

from __future__ import annotations

from import_export.fields import Field

from gjj.admin_display import person_name
from gjj.exports import ExportResource, MaskedField, masked_id, text
from gjj.masking import mask_bank_account
from withdrawals.models import WithdrawalApplication


class WithdrawalApplicationResource(ExportResource):
    applicant_name = Field(attribute="applicant__name", column_name="申请人")
    applicant_id_number = masked_id("applicant__id_number")
    bank_account = MaskedField("bank_account", "收款账号", mask_bank_account)
    decision_reason = text("decision_reason", "审批意见")

    # The people who acted, by name (not their log-in).
    def dehydrate_accepted_by(self, app: WithdrawalApplication) -> str:
        return person_name(app.accepted_by) if app.accepted_by_id else ""

    def dehydrate_decided_by(self, app: WithdrawalApplication) -> str:
        return person_name(app.decided_by) if app.decided_by_id else ""

    class Meta:
        model = WithdrawalApplication
        fields = (
            "number",
            "kind",
            "applicant_name",
            "applicant_id_number",
            "amount",
            "status",
            "applied_on",
            "property_address",
            "price",
            "rent_year",
            "bank_name",
            "bank_account",
            "submitted_at",
            "accepted_at",
            "accepted_by",
            "decision_due_on",
            "decided_at",
            "decided_by",
            "decision_reason",
        )
