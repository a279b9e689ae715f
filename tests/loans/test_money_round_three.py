"""Golden figures for round three of the loan maths (docs/money.md, domain.md §6).

Every expected amount is computed here from the rule, in exact fractions rounded
once half-up to the fen, never taken from the code under test.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from gjj.domain import RepaymentMethod
from gjj.money import interest_for_days
from loans import selectors, services
from loans.models import Loan, Prepayment, Repayment, ScheduleVersion
from loans.schedules import first_payment, max_principal_for_payment
from tests.factories import advance, applicant, draft, make_team

D = Decimal
EP = RepaymentMethod.EQUAL_PRINCIPAL
EI = RepaymentMethod.EQUAL_INSTALLMENT


def fen(x: Fraction) -> Decimal:
    """The rule's one rounding: half-up to the fen, of an exact non-negative amount."""
    assert x >= 0
    return D(math.floor(x * 100 + Fraction(1, 2))) / 100


def by_days(amount: str | Decimal, rate: str, days: int) -> Decimal:
    return fen(Fraction(D(amount)) * Fraction(D(rate)) * days / 36000)


def one_month(amount: str | Decimal, rate: str) -> Decimal:
    return fen(Fraction(D(amount)) * Fraction(D(rate)) / 1200)


def level(amount: str, rate: str, months: int) -> Decimal:
    i = Fraction(D(rate)) / 1200
    growth = (1 + i) ** months
    return fen(Fraction(D(amount)) * i * growth / (growth - 1))


# --- defect 2: prepayment interest, exact and rounded once ---------------------------------


@pytest.mark.parametrize(
    ("amount", "rate", "days", "expected"),
    [("25000.00", "2.10", 3, D("4.38")), ("7500.00", "2.60", 15, D("8.13"))],
)
def test_the_issue_half_fen_interest_rounds_up(amount, rate, days, expected):
    # given / when
    interest = interest_for_days(amount=D(amount), annual_rate_percent=D(rate), days=days)
    # then: 4.375 → 4.38 and 8.125 → 8.13, as the rule computes them
    assert interest == by_days(amount, rate, days) == expected


def test_every_round_thousand_half_fen_case_rounds_up():
    # given round-thousand amounts, the rates of the tables and periods up to a quarter
    rates = ["2.100", "2.350", "2.525", "2.600", "2.775", "2.850", "3.075", "3.325"]
    ties = wrong = 0
    for thousands in range(1, 201):
        amount = D(thousands * 1000)
        for rate in rates:
            for days in range(1, 93):
                exact = Fraction(amount) * Fraction(D(rate)) * days / 36000 * 100
                ties += exact.denominator == 2
                # when / then: the code agrees with the rule on every one
                got = interest_for_days(amount=amount, annual_rate_percent=D(rate), days=days)
                wrong += got != by_days(amount, rate, days)
    assert ties > 1000
    assert wrong == 0


@pytest.mark.django_db
def test_prepaying_25000_at_2_10_for_3_days_charges_4_38():
    # given 100,000 at 2.10 % over 12 months, disbursed 2025-06-12
    staff = make_team()
    app = draft(applicant(staff.clerk), requested_amount=D("100000.00"), term_months=12)
    loan = advance(app, staff, to="disburse")
    assert isinstance(loan, Loan)
    assert loan.annual_rate_percent == D("2.100")
    # when 25,000 is prepaid three days later
    pre = services.loan_prepay(
        loan=loan,
        amount=D("25000.00"),
        mode="lower_installment",
        paid_on=date(2025, 6, 15),
        actor=staff.clerk,
    )
    # then the interest is 25,000 × 2.10 × 3 / 36000 = 4.375, rounded once: 4.38
    assert pre.interest == by_days("25000.00", "2.100", 3) == D("4.38")


# --- defect 3: the first 等额本金 payment on a half-fen tie -----------------------------


def test_first_equal_principal_payment_rounds_the_half_fen_interest_up():
    # given 51,000 at 2.35 % over 36 months: month-1 interest 99.875
    expected = fen(Fraction(51000, 36)) + one_month("51000", "2.35")
    # when / then
    assert expected == D("1516.55")
    assert (
        first_payment(principal=D("51000.00"), annual_rate_percent=D("2.350"), months=36, method=EP)
        == expected
    )


def test_the_repayment_capacity_search_uses_the_same_first_payment():
    # given the first payment of 51,000 is 1,516.55 by the rule
    def rule(principal: Decimal) -> Decimal:
        return fen(Fraction(principal) / 36) + one_month(principal, "2.350")

    # when the largest principal for 1,516.55 and for 1,516.54 a month is searched
    at = max_principal_for_payment(
        max_payment=D("1516.55"), annual_rate_percent=D("2.350"), months=36, method=EP
    )
    below = max_principal_for_payment(
        max_payment=D("1516.54"), annual_rate_percent=D("2.350"), months=36, method=EP
    )
    # then 51,000 fits 1,516.55 but not 1,516.54, and each answer is the largest that fits
    assert below < D("51000.00") <= at
    assert rule(at) <= D("1516.55") < rule(at + D("0.01"))
    assert rule(below) <= D("1516.54") < rule(below + D("0.01"))


@pytest.mark.django_db
def test_the_51000_loan_states_1516_55_everywhere():
    # given 51,000 over 36 months, 等额本金, made while 2.35 % was in force
    staff = make_team()
    dates = {
        "submit": date(2025, 3, 3),
        "accept": date(2025, 3, 4),
        "review": date(2025, 3, 5),
        "approve": date(2025, 3, 6),
        "sign": date(2025, 3, 7),
        "disburse": date(2025, 3, 10),
    }
    app = draft(
        applicant(staff.clerk),
        requested_amount=D("51000.00"),
        term_months=36,
        repayment_method="equal_principal",
    )
    # when it is disbursed
    loan = advance(app, staff, to="disburse", dates=dates)
    assert isinstance(loan, Loan)
    # then the loan, its first schedule version and the application show 1,516.55
    app.refresh_from_db()
    assert loan.annual_rate_percent == D("2.350")
    v1 = ScheduleVersion.objects.get(loan=loan, version=1)
    assert loan.installment_amount == v1.installment_amount == D("1516.55")
    assert app.monthly_payment == D("1516.55")
    # … and installment 2 carries one month's interest on what installment 1 left
    rows = selectors.loan_schedule(loan=loan)
    part = fen(Fraction(51000, 36))
    assert rows[1].interest == one_month(D("51000.00") - part, "2.35")


# --- defect 4: the first period by days ----------------------------------------------------


# (days, disbursement date, repayment day): installment 1 falls in the next month.
FIRST_PERIODS = [
    (10, date(2025, 7, 28), 7),
    (28, date(2025, 6, 25), 23),
    (31, date(2025, 7, 20), 20),
    (56, date(2025, 7, 3), 28),
]


def _loan(staff, *, method: RepaymentMethod, disbursed: date, day: int, name: str) -> Loan:
    """50,000 over 60 months at 2.10 % (the ≤5-year band from 2025-05-08)."""
    app = draft(
        applicant(staff.clerk, name=name),
        requested_amount=D("50000.00"),
        term_months=60,
        repayment_method=method.value,
    )
    loan = advance(
        app, staff, to="disburse", dates={"disburse": disbursed}, sign_terms={"repayment_day": day}
    )
    assert isinstance(loan, Loan)
    assert loan.annual_rate_percent == D("2.100")
    return loan


@pytest.mark.django_db
@pytest.mark.parametrize("method", [EI, EP])
@pytest.mark.parametrize(("days", "disbursed", "day"), FIRST_PERIODS)
def test_installment_one_keeps_the_regular_principal_and_charges_interest_by_days(
    method, days, disbursed, day
):
    # given 50,000 at 2.10 % over 60 months with a first period of ``days`` days
    staff = make_team()
    loan = _loan(staff, method=method, disbursed=disbursed, day=day, name="赵一")
    assert (loan.first_due_date - loan.disbursed_on).days == days
    if method is EI:
        regular = level("50000", "2.10", 60)
        part = regular - one_month("50000", "2.10")
    else:
        part = fen(Fraction(50000, 60))
        regular = part + one_month("50000", "2.10")
    # when the schedule is read
    first, second = selectors.loan_schedule(loan=loan)[:2]
    # then installment 1: the regular principal, interest by actual days on a 360-day year
    interest = by_days("50000", "2.10", days)
    assert (first.principal, first.interest, first.payment) == (part, interest, part + interest)
    assert first.outstanding == D("50000.00") - part
    # … the stated monthly payment stays the regular one
    assert loan.installment_amount == regular
    # … and installment 2 is a regular month again
    assert second.interest == one_month(D("50000.00") - part, "2.10")
    # … which the counter takes on the due date
    rep = services.repayment_record(
        loan=loan,
        installment_number=1,
        amount=part + interest,
        paid_on=loan.first_due_date,
        actor=staff.clerk,
    )
    assert (rep.principal, rep.interest) == (part, interest)


@pytest.mark.django_db
def test_prepaying_the_day_before_the_first_due_date_never_costs_more():
    # given the 31-day first period (2025-07-20 → 2025-08-20), 等额本息
    staff = make_team()
    loan = _loan(staff, method=EI, disbursed=date(2025, 7, 20), day=20, name="钱二")
    not_prepaying = by_days("50000", "2.10", 31)
    # when 40,000 is prepaid on 2025-08-19
    pre = services.loan_prepay(
        loan=loan,
        amount=D("40000.00"),
        mode="lower_installment",
        paid_on=date(2025, 8, 19),
        actor=staff.clerk,
    )
    # then the prepaid part pays 30 days, the rest installment 1's 31 days
    assert pre.interest == by_days("40000", "2.10", 30)
    first = selectors.loan_schedule(loan=loan)[0]
    assert first.interest == by_days("10000", "2.10", 31)
    assert pre.interest + first.interest <= not_prepaying


@pytest.mark.django_db
def test_settling_a_young_loan_costs_its_days_like_installment_one():
    # given the 10-day first period (2025-07-28 → 2025-08-07)
    staff = make_team()
    loan = _loan(staff, method=EI, disbursed=date(2025, 7, 28), day=7, name="孙三")
    first = selectors.loan_schedule(loan=loan)[0]
    # when the whole loan is settled nine days after disbursement
    pre = services.loan_prepay(
        loan=loan,
        amount=D("50000.00"),
        mode="shorten_term",
        paid_on=date(2025, 8, 6),
        actor=staff.clerk,
    )
    # then nine days' interest, where installment 1 the next day carries ten
    assert pre.interest == by_days("50000", "2.10", 9) == D("26.25")
    assert first.interest == by_days("50000", "2.10", 10) == D("29.17")
    loan.refresh_from_db()
    assert loan.status == "settled"


# --- rules: regular installments -----------------------------------------------------------


@pytest.mark.django_db
def test_an_installment_before_its_due_date_is_refused_as_a_prepayment():
    # given the 31-day loan, installment 1 due 2025-08-20
    staff = make_team()
    loan = _loan(staff, method=EI, disbursed=date(2025, 7, 20), day=20, name="李四")
    first = selectors.loan_schedule(loan=loan)[0]
    # when it is paid a day early
    with pytest.raises(services.BusinessError) as refused:
        services.repayment_record(
            loan=loan,
            installment_number=1,
            amount=first.payment,
            paid_on=date(2025, 8, 19),
            actor=staff.clerk,
        )
    # then it is refused and nothing is posted
    assert refused.value.code == "installment_not_due"
    assert not Repayment.objects.exists()
    loan.refresh_from_db()
    assert loan.next_installment_number == 1


@pytest.mark.django_db
def test_paying_an_installment_twice_is_refused_as_already_paid():
    # given installment 1 paid on its due date
    staff = make_team()
    loan = _loan(staff, method=EI, disbursed=date(2025, 7, 20), day=20, name="周五")
    first = selectors.loan_schedule(loan=loan)[0]
    services.repayment_record(
        loan=loan,
        installment_number=1,
        amount=first.payment,
        paid_on=first.due_date,
        actor=staff.clerk,
    )
    # when it is paid again
    with pytest.raises(services.BusinessError) as refused:
        services.repayment_record(
            loan=loan,
            installment_number=1,
            amount=first.payment,
            paid_on=first.due_date,
            actor=staff.clerk,
        )
    # then
    assert refused.value.code == "already_paid"
    assert Repayment.objects.count() == 1


# --- rules: prepayment ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "paid_on", "code"),
    [
        # installment 1 falls due that day: it is collected first
        (D("20000.00"), date(2025, 8, 20), "installment_due"),
        (D("20000.00"), date(2025, 8, 21), "installment_overdue"),
        (D("9999.99"), date(2025, 8, 1), "prepayment_below_minimum"),
        # 40,000.01 would leave 9,999.99: the loan is settled in full instead
        (D("40000.01"), date(2025, 8, 1), "settle_in_full"),
        (D("49999.99"), date(2025, 8, 1), "settle_in_full"),
    ],
)
def test_prepayment_rules_refuse_and_change_nothing(amount, paid_on, code):
    # given the 31-day loan of 50,000, nothing paid
    staff = make_team()
    loan = _loan(staff, method=EI, disbursed=date(2025, 7, 20), day=20, name="吴六")
    # when
    with pytest.raises(services.BusinessError) as refused:
        services.loan_prepay(
            loan=loan, amount=amount, mode="lower_installment", paid_on=paid_on, actor=staff.clerk
        )
    # then
    assert refused.value.code == code
    assert not Prepayment.objects.exists()
    loan.refresh_from_db()
    assert (loan.outstanding_principal, loan.current_schedule_version) == (D("50000.00"), 1)


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [D("10000.00"), D("40000.00")])
def test_the_minimum_and_the_least_remainder_are_accepted(amount):
    # given the 31-day loan of 50,000
    staff = make_team()
    loan = _loan(staff, method=EI, disbursed=date(2025, 7, 20), day=20, name="郑七")
    # when 10,000 is prepaid, or so much that exactly 10,000 remains
    pre = services.loan_prepay(
        loan=loan,
        amount=amount,
        mode="lower_installment",
        paid_on=date(2025, 8, 1),
        actor=staff.clerk,
    )
    # then it is taken, with 12 days' interest
    loan.refresh_from_db()
    assert loan.outstanding_principal == D("50000.00") - amount
    assert pre.interest == by_days(amount, "2.10", 12)
    assert loan.status == "active"
