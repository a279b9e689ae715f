"""Disbursement: the loan, schedule version 1, the loan-history record, and the next decision."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gjj.domain import RepaymentMethod
from gjj.errors import ActorNotAllowed, BusinessError
from gjj.models import AuditLog, PfLoanRecord
from loans import selectors, services
from loans.models import Loan, ScheduleVersion
from loans.schedules import build_schedule, first_payment, level_payment
from tests.factories import DATES, advance, applicant, draft, make_team

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def staff():
    return make_team()


@pytest.fixture
def dep(staff):
    return applicant(staff.clerk)


def test_disbursement_creates_the_loan_schedule_v1_and_history_record(staff, dep):
    # Given a signed application (500,000 over 240 months, repayment day 20)
    app = draft(dep)

    # When it is disbursed on 2025-06-12
    loan = advance(app, staff, to="disburse")

    # Then the loan carries the contract and its current terms
    payment = level_payment(principal=D("500000.00"), annual_rate_percent=D("2.600"), months=240)
    assert isinstance(loan, Loan)
    assert loan.contract_number == app.contract_number
    assert (loan.principal, loan.contract_term_months, loan.home_tier, loan.term_band) == (
        D("500000.00"),
        240,
        1,
        "gt5",
    )
    assert (loan.annual_rate_percent, loan.installment_amount) == (D("2.600"), payment)
    assert (loan.outstanding_principal, loan.next_installment_number) == (D("500000.00"), 1)
    assert (loan.first_due_date, loan.next_due_date) == (date(2025, 7, 20), date(2025, 7, 20))
    assert (loan.final_installment_number, loan.current_schedule_version) == (240, 1)
    assert (loan.status, loan.disbursed_on, loan.priced_on) == (
        "active",
        DATES["disburse"],
        DATES["disburse"],
    )
    assert loan.priced_rate_row.startswith("rate:")
    assert (loan.payee_kind, loan.payee_name, loan.payee_account) == (
        "developer",
        "阳泉市某房地产开发有限公司",
        "6222000011112222",
    )
    # … schedule version 1 as a header …
    v1 = ScheduleVersion.objects.get(loan=loan)
    assert (v1.version, v1.starts_at_installment, v1.principal, v1.months) == (
        1,
        1,
        D("500000.00"),
        240,
    )
    assert (v1.annual_rate_percent, v1.method, v1.first_due_date) == (
        D("2.600"),
        "equal_installment",
        date(2025, 7, 20),
    )
    assert (v1.installment_amount, v1.reason, v1.rate_row, v1.batch_run_id) == (
        payment,
        "disbursement",
        loan.priced_rate_row,
        None,
    )
    # … and the household's provident-loan history now has it
    record = loan.pf_loan_record
    assert (record.borrower, record.source, record.amount, record.issued_on) == (
        dep,
        "own",
        D("500000.00"),
        DATES["disburse"],
    )
    assert (record.contract_number, record.settled_on) == (loan.contract_number, None)
    assert PfLoanRecord.objects.filter(borrower=dep).count() == 1
    assert AuditLog.objects.filter(action="loan.disbursed", object_id=str(loan.pk)).count() == 1


def test_schedule_v1_is_exactly_build_schedule(staff, dep):
    loan = advance(draft(dep), staff, to="disburse")
    expected = build_schedule(
        principal=D("500000.00"),
        annual_rate_percent=D("2.600"),
        months=240,
        method=RepaymentMethod.EQUAL_INSTALLMENT,
        first_due_date=date(2025, 7, 20),
        first_period_from=DATES["disburse"],  # installment 1 by actual days
    )
    rows = selectors.loan_schedule(loan=loan)
    assert [
        (r.number, r.due_date, r.payment, r.principal, r.interest, r.outstanding) for r in rows
    ] == [
        (i.number, i.due_date, i.payment, i.principal, i.interest, i.outstanding) for i in expected
    ]
    assert sum(r.principal for r in rows) == D("500000.00")
    assert {r.version for r in rows} == {1}
    assert not any(r.paid for r in rows)


def test_equal_principal_loan_keeps_its_first_payment_as_the_installment(staff, dep):
    app = draft(dep, repayment_method="equal_principal")
    loan = advance(app, staff, to="disburse", sign_terms={"repayment_method": "equal_principal"})
    assert loan.repayment_method == "equal_principal"
    assert loan.installment_amount == first_payment(
        principal=D("500000.00"),
        annual_rate_percent=D("2.600"),
        months=240,
        method=RepaymentMethod.EQUAL_PRINCIPAL,
    )
    rows = selectors.loan_schedule(loan=loan)
    assert loan.installment_amount == D("3166.66")  # 2083.33 + one month's 1083.33 interest
    # Installment 1 keeps the principal; its interest runs 38 days from disbursement.
    assert (rows[0].principal, rows[0].interest) == (D("2083.33"), D("1372.22"))


def test_a_resale_pays_the_seller(staff, dep):
    loan = advance(draft(dep, new_build=False, seller_name="赵某"), staff, to="disburse")
    assert (loan.payee_kind, loan.payee_name) == ("seller", "赵某")


def test_the_next_application_counts_the_disbursed_loan(staff, dep):
    # Given a first-home loan disbursed on 2025-06-12
    loan = advance(draft(dep), staff, to="disburse")

    # When the household applies again in 2025-08
    second = draft(dep, property_address="阳泉市城区南大街9号")
    advance(second, staff, to="submit", dates={"submit": date(2025, 8, 1)})

    # Then the loan counts: a second home, refused while the first is unsettled
    assert second.decision["counted_pf_loans"] == 1
    assert second.home_tier == 2
    assert [r["code"] for r in second.decision["refusals"]] == ["unsettled_pf_loan"]
    services.application_withdraw(application=second, actor=dep.user, on=date(2025, 8, 2))

    # And once the loan is repaid in full it is a second home at the second-home rate
    services.loan_prepay(
        loan=loan,
        amount=D("500000.00"),
        mode="lower_installment",
        paid_on=date(2025, 7, 1),
        actor=staff.clerk,
    )
    third = draft(dep, property_address="阳泉市城区南大街9号")
    advance(third, staff, to="submit", dates={"submit": date(2025, 8, 3)})
    assert (third.eligible, third.home_tier, third.annual_rate_percent) == (True, 2, D("3.075"))
    assert third.decision["counted_pf_loans"] == 1


def test_disbursement_needs_a_clerk_and_a_date_after_signing(staff, dep):
    app = draft(dep)
    advance(app, staff, to="sign")
    with pytest.raises(ActorNotAllowed):
        services.application_disburse(application=app, actor=staff.approver, on=DATES["disburse"])
    with pytest.raises(BusinessError) as err:
        services.application_disburse(application=app, actor=staff.clerk, on=date(2025, 6, 9))
    assert err.value.code == "invalid_date"
    assert not Loan.objects.exists()
    assert not PfLoanRecord.objects.exists()


def test_loan_selectors_for_the_borrower(staff, dep):
    loan = advance(draft(dep), staff, to="disburse")
    nxt = selectors.loan_next_installment(loan=loan)
    # 1,590.61 principal + 38 days' interest (500,000 × 2.60 × 38 / 36000 = 1,372.22)
    assert (nxt.number, nxt.due_date, nxt.payment) == (1, date(2025, 7, 20), D("2962.83"))
    assert selectors.loan_rate_history(loan=loan) == [
        {
            "effective_on": DATES["disburse"],
            "annual_rate_percent": D("2.600"),
            "rate_row": loan.priced_rate_row,
            "reason": "disbursement",
        }
    ]
    assert list(selectors.loans_of_household(depositor=dep)) == [loan]
    other = applicant(staff.clerk, name="李四")
    assert list(selectors.loans_of_household(depositor=other)) == []
