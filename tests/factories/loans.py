"""Loan applications and loans, built and moved on through the services.

Dates are explicit; the default applicant was born in 1985 (not a 青年人 in 2025)
and holds a 阳泉 hukou without a recent settling date (not a 新市民), so the cap
is the standard 900,000 and a 1,000,000 commercial home lends at most 800,000.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

import factory

from gjj import services as gjj_services
from gjj.models import Depositor
from loans import services
from loans.models import GuaranteeType, Loan, LoanApplication
from tests.factories.people import PASSWORD, Staff, applicant, relate

__all__ = [
    "DATES",
    "ORDER",
    "PASSWORD",
    "PURCHASE",
    "STAGES",
    "SZG",
    "LoanApplicationFactory",
    "advance",
    "applicant",
    "draft",
    "home",
    "spouse_of",
]

D = Decimal

PURCHASE: dict[str, Any] = {
    "property_address": "阳泉市城区桃北西街1号3单元502室",
    "property_type": "commercial",
    "new_build": True,
    "house_price": D("1000000.00"),
    "purchase_contract_date": date(2025, 3, 1),
    "seller_name": "阳泉市某房地产开发有限公司",
    "seller_account": "6222000011112222",
    "requested_amount": D("500000.00"),
    "term_months": 240,
    "repayment_method": "equal_installment",
}

SZG: dict[str, Any] = {
    "property_address": "阳泉市矿区北大街8号",
    "szg_bank": "ICBC",
    "szg_bank_name": "中国工商银行阳泉分行",
    "szg_city": "阳泉",
    "szg_issued_on": date(2023, 6, 1),
    "szg_remaining_principal": D("400000.00"),
    "szg_remaining_term_months": 200,
    "szg_mode": "second_mortgage",
    "szg_loan_account": "0505000012345678",
    "term_months": 200,
    "repayment_method": "equal_installment",
}

# One business date per stage, in order.
DATES: dict[str, date] = {
    "submit": date(2025, 6, 2),
    "accept": date(2025, 6, 3),
    "review": date(2025, 6, 5),
    "approve": date(2025, 6, 9),
    "sign": date(2025, 6, 10),
    "disburse": date(2025, 6, 12),
}
STAGES = ("submit", "accept", "review", "approve", "sign", "disburse")
ORDER = ("draft", "submitted", "accepted", "reviewed", "approved", "signed", "disbursed")


def spouse_of(
    dep: Depositor, clerk: Any, *, name: str = "刘娜", both_ways: bool = True
) -> Depositor:
    """A depositor spouse, recorded on ``dep`` (and on the spouse when ``both_ways``)."""
    wife = applicant(clerk, name=name, birth=date(1987, 6, 1), male=False)
    relate(dep, wife, "spouse", actor=clerk, evidence="", verify=False)
    if both_ways:
        relate(wife, dep, "spouse", actor=clerk, evidence="", verify=False)
    return wife


_CERTIFICATES = itertools.count(1)


def home(dep: Depositor, clerk: Any, *, registered_on: date = date(2018, 5, 1)) -> Any:
    """A home of ``dep``'s, with a certificate number of its own (the same one counts once)."""
    return gjj_services.home_register(
        owner=dep,
        address="阳泉市郊区荫营镇2号",
        registered_on=registered_on,
        actor=clerk,
        certificate_number=f"晋({registered_on.year})阳泉市不动产权第{next(_CERTIFICATES):07d}号",
    )


class LoanApplicationFactory(factory.Factory[LoanApplication]):
    """A draft the applicant enters: ``PURCHASE`` or ``SZG`` fields, overridden by keyword."""

    class Meta:
        model = LoanApplication

    applicant: Any = None
    kind = "purchase"

    @classmethod
    def _create(cls, model_class: type, **kw: Any) -> LoanApplication:
        dep, kind = kw.pop("applicant"), kw.pop("kind")
        fields = {**(PURCHASE if kind == "purchase" else SZG), **kw}
        fields = {k: v for k, v in fields.items() if v is not None or k == "requested_amount"}
        entered = services.ApplicationDraft(**fields)
        return services.application_create(applicant=dep, actor=dep.user, kind=kind, draft=entered)


def draft(dep: Depositor, *, kind: str = "purchase", **overrides: Any) -> LoanApplication:
    return LoanApplicationFactory.create(applicant=dep, kind=kind, **overrides)


def advance(
    app: LoanApplication,
    staff: Staff,
    *,
    to: str,
    dates: dict[str, date] | None = None,
    sign_terms: dict[str, Any] | None = None,
) -> LoanApplication | Loan:
    """Take ``app`` through the stages up to and including ``to``; returns the Loan at the end."""
    on = {**DATES, **(dates or {})}
    result: LoanApplication | Loan = app
    for stage in STAGES[: STAGES.index(to) + 1]:
        app.refresh_from_db()
        if ORDER.index(app.status) > STAGES.index(stage):
            continue  # already past this stage: resume from where it stands
        match stage:
            case "submit":
                result = services.application_submit(
                    application=app, actor=app.applicant.user, on=on[stage]
                )
            case "accept":
                result = services.application_accept(
                    application=app, actor=staff.clerk, on=on[stage]
                )
            case "review":
                result = services.application_review(
                    application=app, actor=staff.reviewer, on=on[stage]
                )
            case "approve":
                result = services.application_approve(
                    application=app, actor=staff.approver, on=on[stage]
                )
            case "sign":
                terms = {
                    "amount": app.approved_amount,
                    "term_months": app.term_months,
                    "repayment_method": app.repayment_method,
                    "guarantee_type": GuaranteeType.MORTGAGE,
                    "repayment_day": 20,
                    **(sign_terms or {}),
                }
                result = services.application_sign(
                    application=app, actor=staff.clerk, on=on[stage], **terms
                )
            case "disburse":
                result = services.application_disburse(
                    application=app, actor=staff.clerk, on=on[stage]
                )
    app.refresh_from_db()
    return result


def disbursed_loan(
    staff: Staff,
    *,
    name: str,
    term: int,
    tier: int = 1,
    method: str = "equal_installment",
    amount: str = "400000.00",
) -> Loan:
    """A loan taken through the real walk to disbursement; ``tier=2`` adds a home first."""
    dep = applicant(staff.clerk, name=name)
    if tier == 2:
        home(dep, staff.clerk)
    app = draft(dep, term_months=term, requested_amount=D(amount), repayment_method=method)
    loan = advance(app, staff, to="disburse")
    if not isinstance(loan, Loan):
        raise AssertionError("the application was not disbursed")
    return loan


def backdate_loan(loan: Loan, *, disbursed_on: date, rate: str, row: str = "rate:old") -> Loan:
    """Make ``loan`` one disbursed on ``disbursed_on`` at ``rate`` (what it carries)."""
    Loan.objects.filter(pk=loan.pk).update(
        disbursed_on=disbursed_on,
        priced_on=disbursed_on,
        annual_rate_percent=D(rate),
        priced_rate_row=row,
    )
    loan.refresh_from_db()
    return loan
