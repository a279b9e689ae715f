"""Export columns of the loan lists (see gjj.exports for the rules every column follows)."""

from __future__ import annotations

from typing import Any

from import_export.fields import Field

from gjj.admin_display import person_name
from gjj.exports import ExportResource, MaskedField, masked_id, text
from gjj.masking import mask_bank_account
from loans.models import Loan, LoanApplication


def _name(user: Any) -> str:
    return person_name(user) if user is not None else ""


class LoanApplicationResource(ExportResource):
    applicant_name = Field(attribute="applicant__name", column_name="申请人")
    applicant_id_number = masked_id("applicant__id_number")
    seller_account = MaskedField("seller_account", "售房款收款账号", mask_bank_account)
    szg_loan_account = MaskedField("szg_loan_account", "商业贷款账号", mask_bank_account)
    review_opinion = text("review_opinion", "审核意见")
    decision_opinion = text("decision_opinion", "审批意见/不予贷款理由")

    # The people who acted, by name (not their log-in).
    def dehydrate_accepted_by(self, app: LoanApplication) -> str:
        return _name(app.accepted_by)

    def dehydrate_reviewed_by(self, app: LoanApplication) -> str:
        return _name(app.reviewed_by)

    def dehydrate_decided_by(self, app: LoanApplication) -> str:
        return _name(app.decided_by)

    class Meta:
        model = LoanApplication
        fields = (
            "number",
            "kind",
            "status",
            "applicant_name",
            "applicant_id_number",
            "co_borrower",
            "property_address",
            "house_price",
            "seller_name",
            "seller_account",
            "szg_bank_name",
            "szg_loan_account",
            "requested_amount",
            "term_months",
            "repayment_method",
            "submitted_on",
            "eligible",
            "home_tier",
            "loan_amount",
            "annual_rate_percent",
            "accepted_on",
            "accepted_by",
            "deadline_on",
            "reviewed_on",
            "reviewed_by",
            "review_opinion",
            "decided_on",
            "decided_by",
            "decision_opinion",
            "approved_amount",
            "contract_number",
            "signed_on",
            "contract_amount",
            "contract_term_months",
            "contract_rate_percent",
            "disbursed_on",
        )


class LoanResource(ExportResource):
    application_number = Field(attribute="application__number", column_name="申请编号")
    borrower_name = Field(attribute="borrower__name", column_name="借款人")
    borrower_id_number = masked_id("borrower__id_number")
    payee_account = MaskedField("payee_account", "收款账号", mask_bank_account)

    class Meta:
        model = Loan
        fields = (
            "contract_number",
            "application_number",
            "borrower_name",
            "borrower_id_number",
            "co_borrower",
            "kind",
            "principal",
            "contract_term_months",
            "home_tier",
            "term_band",
            "repayment_method",
            "annual_rate_percent",
            "installment_amount",
            "outstanding_principal",
            "next_installment_number",
            "next_due_date",
            "status",
            "disbursed_on",
            "payee_name",
            "payee_account",
            "settled_on",
        )
