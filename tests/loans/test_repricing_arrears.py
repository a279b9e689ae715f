"""Repricing leaves arrears alone (domain.md §6, docs/money.md "Repricing").

Golden figures come from the rule in exact fractions, rounded once half-up to
the fen; the loans are made through the real walk in November 2024 (2.85 %)
and repriced on 2026-01-01 (2.60 %, the 2025-05-08 rate). Run on SQLite for
the ORM path and on PostgreSQL for the set-based SQL path.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from loans import repricing, services
from loans.models import Loan, RateChange
from loans.schedules import add_months
from loans.selectors import loan_installment
from tests import factories as support

pytestmark = pytest.mark.django_db
D = Decimal
OLD, NEW = Fraction(285, 100), Fraction(260, 100)
REPRICED_ON = date(2026, 1, 1)
WALK = {
    "submit": date(2024, 11, 1),
    "accept": date(2024, 11, 4),
    "review": date(2024, 11, 6),
    "approve": date(2024, 11, 8),
    "sign": date(2024, 11, 11),
    "disburse": date(2024, 11, 15),
}


# --- the rule, in exact fractions --------------------------------------------------


def fen(x: Fraction) -> Fraction:
    """Half-up to the fen, once."""
    return Fraction((x * 100 + Fraction(1, 2)).__floor__(), 100)


def money(x: Fraction) -> Decimal:
    return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(D("0.01"))


def level(principal: Fraction, rate: Fraction, months: int) -> Fraction:
    i = rate / 1200
    growth = (1 + i) ** months
    return fen(principal * i * growth / (growth - 1))


def annuity_rows(principal: Fraction, rate: Fraction, months: int, count: int):
    """(payment, interest, outstanding after) of the first ``count`` 等额本息 months."""
    payment, out, rows = level(principal, rate, months), principal, []
    for _ in range(count):
        interest = fen(out * rate / 1200)
        out -= payment - interest
        rows.append((payment, interest, out))
    return rows


def even_rows(principal: Fraction, rate: Fraction, months: int, count: int):
    """(payment, interest, outstanding after) of the first ``count`` 等额本金 months."""
    part, out, rows = fen(principal / months), principal, []
    for _ in range(count):
        interest = fen(out * rate / 1200)
        out -= part
        rows.append((part + interest, interest, out))
    return rows


# --- the loans ---------------------------------------------------------------------


def make_loan(staff, *, name, method="equal_installment", amount="200000.00", day=20) -> Loan:
    dep = support.applicant(staff.clerk, name=name)
    app = support.draft(
        dep,
        term_months=240,
        requested_amount=D(amount),
        repayment_method=method,
        purchase_contract_date=date(2024, 10, 8),
    )
    loan = support.advance(app, staff, to="disburse", dates=WALK, sign_terms={"repayment_day": day})
    assert isinstance(loan, Loan)
    assert loan.annual_rate_percent == D("2.850")
    return loan


def pay(loan: Loan, staff, *numbers: int) -> None:
    """Pay each installment on its due date, for the amount the schedule bills."""
    for n in numbers:
        row = loan_installment(loan=loan, number=n)
        assert row is not None
        services.repayment_record(
            loan=loan,
            installment_number=n,
            amount=row.payment,
            paid_on=row.due_date,
            actor=staff.clerk,
        )
        loan.refresh_from_db()


def reprice(day: date) -> None:
    run = repricing.reprice_kickoff(business_date=day)
    for chunk in run.chunks.order_by("id"):
        repricing.reprice_chunk(chunk_id=chunk.pk)


def billed(loan: Loan, number: int) -> tuple[date, Decimal, Decimal]:
    row = loan_installment(loan=loan, number=number)
    assert row is not None
    return row.due_date, row.payment, row.interest


# --- the tests ---------------------------------------------------------------------


def test_installments_due_before_the_repricing_date_keep_the_old_rate():
    # given: the loan, 200,000 at 2.85 % over 240 months, installments 1–10 paid
    staff = support.make_team("ar")
    loan = make_loan(staff, name="欠三期")
    assert loan.first_due_date == date(2024, 12, 20)
    pay(loan, staff, *range(1, 11))
    old = annuity_rows(Fraction(200000), OLD, 240, 13)
    after_13 = old[12][2]
    new = annuity_rows(after_13, NEW, 227, 1)
    # the rule gives the figures
    assert (money(old[10][0]), money(old[10][1])) == (D("1094.24"), D("460.13"))
    assert money(new[0][0]) == D("1070.77")

    # when: repriced on 2026-01-01 with 11, 12 and 13 overdue
    reprice(REPRICED_ON)

    # then: 11–13 are billed as before, at 2.85 %
    loan.refresh_from_db()
    for n, due in ((11, date(2025, 10, 20)), (12, date(2025, 11, 20)), (13, date(2025, 12, 20))):
        assert billed(loan, n) == (due, money(old[n - 1][0]), money(old[n - 1][1]))
    # and the new schedule starts at 14, from the scheduled outstanding after 13, over 227 months
    version = loan.schedule_versions.get(version=loan.current_schedule_version)
    assert (
        version.starts_at_installment,
        version.principal,
        version.months,
        version.annual_rate_percent,
        version.first_due_date,
        version.installment_amount,
    ) == (14, money(after_13), 227, D("2.600"), date(2026, 1, 20), D("1070.77"))
    assert billed(loan, 14) == (date(2026, 1, 20), D("1070.77"), money(new[0][1]))
    assert (loan.annual_rate_percent, loan.installment_amount) == (D("2.600"), D("1070.77"))
    change = RateChange.objects.get(loan=loan)
    assert (change.effective_on, change.from_rate, change.to_rate) == (
        REPRICED_ON,
        D("2.850"),
        D("2.600"),
    )
    # and paying what October billed is taken, then 12, 13 and the first at the new rate
    services.repayment_record(
        loan=loan,
        installment_number=11,
        amount=D("1094.24"),
        paid_on=date(2026, 1, 5),
        actor=staff.clerk,
    )
    loan.refresh_from_db()
    pay(loan, staff, 12, 13, 14)
    assert loan.outstanding_principal == money(after_13 - (new[0][0] - new[0][1]))


def test_a_loan_with_nothing_paid_keeps_its_installments_before_2026():
    # given: the same loan, nothing paid at all
    staff = support.make_team("np")
    loan = make_loan(staff, name="未还款")
    old = annuity_rows(Fraction(200000), OLD, 240, 13)
    first_due = loan.first_due_date
    # when
    reprice(REPRICED_ON)
    # then: 2–13 (due 2025-01-20 … 2025-12-20) are unchanged; 1 keeps its version and principal
    loan.refresh_from_db()
    for n in range(2, 14):
        assert billed(loan, n) == (
            add_months(first_due, n - 1),
            money(old[n - 1][0]),
            money(old[n - 1][1]),
        )
    first = loan_installment(loan=loan, number=1)
    assert first is not None
    assert (first.version, first.principal) == (1, money(old[0][0] - old[0][1]))
    # and the new rate starts at 14, from the scheduled outstanding after 13
    version = loan.schedule_versions.get(version=loan.current_schedule_version)
    assert (version.starts_at_installment, version.principal, version.installment_amount) == (
        14,
        money(old[12][2]),
        D("1070.77"),
    )
    # and the loan still owes what it borrowed
    assert loan.outstanding_principal == D("200000.00")


def test_three_installments_in_arrears_across_the_first_of_january():
    # given: 300,000 等额本金 at 2.85 % over 240 months, due on the 1st, installments 1–11 paid
    staff = support.make_team("ep")
    loan = make_loan(staff, name="等额本金", method="equal_principal", amount="300000.00", day=1)
    assert loan.first_due_date == date(2024, 12, 1)
    pay(loan, staff, *range(1, 12))
    old = even_rows(Fraction(300000), OLD, 240, 13)
    after_13 = old[12][2]
    new = even_rows(after_13, NEW, 227, 1)
    # when: repriced on 2026-01-01, the due day of installment 14
    reprice(REPRICED_ON)
    # then: in arrears on 2026-01-31 are 12 and 13 at 2.85 %, and 14 (due on the repricing date)
    # wholly at 2.60 %
    loan.refresh_from_db()
    assert billed(loan, 12) == (date(2025, 11, 1), money(old[11][0]), money(old[11][1]))
    assert billed(loan, 13) == (date(2025, 12, 1), money(old[12][0]), money(old[12][1]))
    assert billed(loan, 14) == (date(2026, 1, 1), money(new[0][0]), money(new[0][1]))
    version = loan.schedule_versions.get(version=loan.current_schedule_version)
    assert (version.starts_at_installment, version.principal, version.months) == (
        14,
        money(after_13),
        227,
    )
    # and paying the three in order, each for what it billed, leaves the rule's outstanding
    pay(loan, staff, 12, 13, 14)
    assert loan.outstanding_principal == money(after_13 - fen(after_13 / 227))
    assert loan.next_installment_number == 15


def test_a_run_caught_up_late_still_reprices_from_the_first_of_january():
    # given: the loan with 1–10 paid, and the night of 2026-01-01 missed
    staff = support.make_team("lt")
    loan = make_loan(staff, name="补跑")
    pay(loan, staff, *range(1, 11))
    # when: the run for 2026-01-25 catches up, after installment 14 fell due
    reprice(date(2026, 1, 25))
    # then: 14 is still the first installment at the new rate, and the change dates from 1 January
    loan.refresh_from_db()
    version = loan.schedule_versions.get(version=loan.current_schedule_version)
    assert (version.starts_at_installment, version.installment_amount) == (14, D("1070.77"))
    assert RateChange.objects.get(loan=loan).effective_on == REPRICED_ON


@pytest.mark.parametrize(
    ("first_due", "on", "number"),
    [
        (date(2024, 12, 20), date(2026, 1, 1), 14),
        (date(2024, 12, 1), date(2026, 1, 1), 14),
        (date(2024, 12, 20), date(2026, 1, 20), 14),
        (date(2024, 12, 20), date(2026, 1, 21), 15),
        (date(2024, 12, 20), date(2024, 6, 1), 1),
    ],
)
def test_first_installment_due_on_or_after(first_due, on, number):
    assert repricing.first_installment_due_on_or_after(first_due_date=first_due, on=on) == number
    assert add_months(first_due, number - 1) >= on
    assert number == 1 or add_months(first_due, number - 2) < on
