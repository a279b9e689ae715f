"""Repayment maths (domain.md §6): exact Decimal schedules."""

from __future__ import annotations

import itertools
import random
from datetime import date
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gjj.domain import RepaymentMethod
from loans.schedules import (
    Installment,
    add_months,
    build_schedule,
    first_payment,
    level_payment,
    max_principal_for_payment,
    schedule_totals,
    total_interest,
)

D = Decimal
EI = RepaymentMethod.EQUAL_INSTALLMENT
EP = RepaymentMethod.EQUAL_PRINCIPAL


def test_domain_check_350k_325_240() -> None:
    """Given 350,000 at 3.25% over 240 months (domain.md §6), then 1,985.19 a
    month and 947.92 interest in month 1 — exactly."""
    assert level_payment(principal=D("350000"), annual_rate_percent=D("3.25"), months=240) == D(
        "1985.19"
    )
    s = build_schedule(
        principal=D("350000.00"),
        annual_rate_percent=D("3.250"),
        months=240,
        method=EI,
        first_due_date=date(2025, 1, 20),
    )
    assert s[0] == Installment(
        number=1,
        due_date=date(2025, 1, 20),
        payment=D("1985.19"),
        principal=D("1037.27"),
        interest=D("947.92"),
        outstanding=D("348962.73"),
    )
    assert all(i.payment == D("1985.19") for i in s[:-1])
    # The last month takes the residual principal plus its own interest.
    assert s[-1] == Installment(
        number=240,
        due_date=date(2044, 12, 20),
        payment=D("1983.55"),
        principal=D("1978.19"),
        interest=D("5.36"),
        outstanding=D("0.00"),
    )
    assert schedule_totals(s) == (D("476443.96"), D("126443.96"))


def test_equal_principal_residual() -> None:
    """Given 等额本金, then P/n half-up each month and the last takes the residual."""
    s = build_schedule(
        principal=D("350000.00"),
        annual_rate_percent=D("3.25"),
        months=240,
        method=EP,
        first_due_date=date(2025, 1, 20),
    )
    assert s[0].principal == D("1458.33")
    assert s[0].interest == D("947.92")
    assert s[0].payment == D("2406.25")
    assert all(i.principal == D("1458.33") for i in s[:-1])
    assert s[-1].principal == D("1459.13")  # 350000 − 239 × 1458.33
    assert s[-1].outstanding == D("0.00")
    assert sum(i.principal for i in s) == D("350000.00")
    assert schedule_totals(s) == (D("464224.24"), D("114224.24"))
    assert first_payment(
        principal=D("350000.00"), annual_rate_percent=D("3.25"), months=240, method=EP
    ) == D("2406.25")


def test_method_codes_and_labels() -> None:
    assert (EI.code, EI.label) == ("01", "等额本息")
    assert (EP.code, EP.label) == ("02", "等额本金")
    assert RepaymentMethod.from_code("02") is EP
    with pytest.raises(ValueError, match="未知的还款方式代码"):
        RepaymentMethod.from_code("03")


@pytest.mark.parametrize(
    ("start", "n", "anchor", "expected"),
    [
        (date(2025, 1, 31), 1, None, date(2025, 2, 28)),
        (date(2025, 1, 31), 2, None, date(2025, 3, 31)),
        (date(2024, 1, 31), 1, None, date(2024, 2, 29)),
        (date(2025, 2, 28), 1, 31, date(2025, 3, 31)),
        (date(2025, 3, 31), 1, None, date(2025, 4, 30)),
        (date(2025, 12, 15), 1, None, date(2026, 1, 15)),
        (date(2025, 1, 15), -1, None, date(2024, 12, 15)),
        (date(2025, 1, 31), 0, None, date(2025, 1, 31)),
        (date(2025, 5, 31), 120, None, date(2035, 5, 31)),
    ],
)
def test_add_months(start: date, n: int, anchor: int | None, expected: date) -> None:
    assert add_months(start, n, anchor) == expected


def test_due_dates_keep_month_end_anchor() -> None:
    """Given a first due date on the 31st, then each due date is the 31st or the month's end."""
    s = build_schedule(
        principal=D("12000"),
        annual_rate_percent=D("2.85"),
        months=5,
        method=EI,
        first_due_date=date(2025, 1, 31),
    )
    assert [i.due_date for i in s] == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
        date(2025, 5, 31),
    ]


def test_repricing_from_outstanding() -> None:
    """Given a loan repriced after 12 payments (2.85% → 2.60%), when the tail is
    rebuilt from the outstanding and the remaining months, then the paid part is
    untouched and principal still sums to the original loan."""
    original = build_schedule(
        principal=D("500000.00"),
        annual_rate_percent=D("2.85"),
        months=360,
        method=EI,
        first_due_date=date(2025, 1, 31),
    )
    paid = original[:12]
    tail = build_schedule(
        principal=paid[-1].outstanding,
        annual_rate_percent=D("2.60"),
        months=348,
        method=EI,
        first_due_date=add_months(date(2025, 1, 31), 12),
        anchor_day=31,
    )
    assert tail[0].due_date == date(2026, 1, 31)
    assert tail[1].due_date == date(2026, 2, 28)
    assert tail[0].payment == level_payment(
        principal=paid[-1].outstanding, annual_rate_percent=D("2.60"), months=348
    )
    assert tail[0].payment < paid[0].payment
    assert sum(i.principal for i in paid) + sum(i.principal for i in tail) == D("500000.00")
    assert tail[-1].outstanding == D("0.00")


def test_zero_rate_is_principal_over_n() -> None:
    assert level_payment(principal=D("1000"), annual_rate_percent=D("0"), months=3) == D("333.33")
    s = build_schedule(
        principal=D("1000"),
        annual_rate_percent=D("0"),
        months=3,
        method=EI,
        first_due_date=date(2025, 1, 1),
    )
    assert [i.principal for i in s] == [D("333.33"), D("333.33"), D("333.34")]
    assert all(i.interest == 0 for i in s)


def test_floats_and_bad_inputs_refused() -> None:
    with pytest.raises(TypeError):
        level_payment(principal=350000.0, annual_rate_percent=D("3.25"), months=240)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        level_payment(principal=D("350000"), annual_rate_percent=3.25, months=240)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="期数至少为 1"):
        level_payment(principal=D("1"), annual_rate_percent=D("3"), months=0)
    with pytest.raises(ValueError, match="本金不得为负"):
        level_payment(principal=D("-1"), annual_rate_percent=D("3"), months=12)


def _check_schedule(s: list[Installment], principal: Decimal, months: int) -> None:
    assert len(s) == months
    assert sum(i.principal for i in s) == principal
    assert s[-1].outstanding == D("0.00")
    outstanding = principal
    for i in s:
        assert i.principal >= 0
        assert i.interest >= 0
        assert i.payment == i.principal + i.interest
        outstanding -= i.principal
        assert i.outstanding == outstanding
        assert i.outstanding >= 0
        for amount in (i.payment, i.principal, i.interest, i.outstanding):
            assert amount == amount.quantize(D("0.01"))


money = st.decimals(min_value=D("0.01"), max_value=D("2000000"), places=2)
rates = st.decimals(min_value=D("0"), max_value=D("8"), places=3)
terms = st.integers(min_value=1, max_value=360)
methods = st.sampled_from(list(RepaymentMethod))
firsts = st.dates(min_value=date(2015, 1, 1), max_value=date(2040, 12, 31))


@settings(max_examples=150, deadline=None)
@given(principal=money, rate=rates, months=terms, method=methods, first=firsts)
def test_schedule_properties(
    principal: Decimal, rate: Decimal, months: int, method: RepaymentMethod, first: date
) -> None:
    """For any loan: principal sums to the loan, outstanding never negative, ends at 0."""
    s = build_schedule(
        principal=principal,
        annual_rate_percent=rate,
        months=months,
        method=method,
        first_due_date=first,
    )
    _check_schedule(s, principal, months)
    assert s[0].due_date == first
    assert all(b.due_date > a.due_date for a, b in itertools.pairwise(s))
    if method is EI and principal >= D("1000"):
        # Real amounts: every month but the last pays exactly the level payment.
        payment = level_payment(principal=principal, annual_rate_percent=rate, months=months)
        assert all(i.payment == payment for i in s[:-1])


@settings(max_examples=100, deadline=None)
@given(
    limit=st.decimals(min_value=D("0.01"), max_value=D("20000"), places=2),
    rate=rates,
    months=terms,
    method=methods,
)
def test_max_principal_for_payment_is_tight(
    limit: Decimal, rate: Decimal, months: int, method: RepaymentMethod
) -> None:
    """The inverted annuity: payment(P) ≤ limit < payment(P + 0.01)."""
    p = max_principal_for_payment(
        max_payment=limit, annual_rate_percent=rate, months=months, method=method
    )
    assert p == p.quantize(D("0.01"))
    assert first_payment(principal=p, annual_rate_percent=rate, months=months, method=method) <= (
        limit
    )
    assert (
        first_payment(
            principal=p + D("0.01"), annual_rate_percent=rate, months=months, method=method
        )
        > limit
    )


def test_max_principal_for_payment_domain_example() -> None:
    """Given 1,985.19 a month at 3.25% over 240 months, then about 350,000 is borrowable."""
    p = max_principal_for_payment(
        max_payment=D("1985.19"), annual_rate_percent=D("3.25"), months=240
    )
    assert p == D("350001.73")
    assert max_principal_for_payment(
        max_payment=D("0"), annual_rate_percent=D("3.25"), months=240
    ) == D("0.00")


def test_numpy_financial_cross_check() -> None:
    """Given ~200 random loans, the Decimal level payment agrees with npf.pmt within a fen.

    Floats appear only here, as an independent check with tolerance.
    """
    rng = random.Random(20241017)
    for _ in range(200):
        principal = D(rng.randrange(1_000_00, 1_500_000_00)) / 100
        rate = D(rng.randrange(1000, 6000)) / 1000
        months = rng.randrange(1, 361)
        ours = level_payment(principal=principal, annual_rate_percent=rate, months=months)
        theirs = -npf.pmt(float(rate) / 1200, months, float(principal))
        assert abs(float(ours) - theirs) <= 0.01, (principal, rate, months, ours, theirs)


@settings(max_examples=150, deadline=None)
@given(principal=money, rate=rates, months=terms, method=methods)
def test_total_interest_is_the_schedules_interest(
    principal: Decimal, rate: Decimal, months: int, method: RepaymentMethod
) -> None:
    """The quote's total (no rows built) equals the full schedule's, to the fen."""
    rows = build_schedule(
        principal=principal,
        annual_rate_percent=rate,
        months=months,
        method=method,
        first_due_date=date(2025, 1, 31),
    )
    expected = sum((i.interest for i in rows), D("0"))
    got = total_interest(
        principal=principal, annual_rate_percent=rate, months=months, method=method
    )
    assert got == expected


@pytest.mark.parametrize("method", list(RepaymentMethod))
def test_total_interest_of_a_few_fen_matches_the_clamped_schedule(method: RepaymentMethod) -> None:
    """Given amounts of a few fen, where rounding makes a month's principal part
    larger than what is owed (the schedule clamps it), the total still equals the
    schedule's interest, for every amount, rate and term in the grid."""
    clamped = 0
    for fen in range(1, 301):
        for rate in (D("2.100"), D("2.600"), D("3.325"), D("8.000")):
            for months in (2, 3, 12, 59, 360):
                principal = D(fen) / 100
                rows = build_schedule(
                    principal=principal,
                    annual_rate_percent=rate,
                    months=months,
                    method=method,
                    first_due_date=date(2025, 1, 1),
                )
                expected = sum((i.interest for i in rows), D("0"))
                # A clamped month pays off all that is left before the last month.
                clamped += any(i.outstanding == 0 for i in rows[:-1])
                got = total_interest(
                    principal=principal, annual_rate_percent=rate, months=months, method=method
                )
                assert got == expected, (principal, rate, months)
    assert clamped > 0  # the grid reaches the clamped case


def test_interest_rounds_exact_halves_up() -> None:
    """Given 30.00 at 2.6% (i = 13/6000), the month's interest is exactly 6.5 fen:
    half-up gives 0.07."""
    rows = build_schedule(
        principal=D("30.00"),
        annual_rate_percent=D("2.600"),
        months=2,
        method=RepaymentMethod.EQUAL_PRINCIPAL,
        first_due_date=date(2025, 1, 1),
    )
    assert rows[0].interest == D("0.07")


# --- the first period by days (domain.md §6) ------------------------------------------------


@pytest.mark.parametrize("method", [EI, EP])
@pytest.mark.parametrize("days", [10, 28, 31, 56])
def test_only_installment_one_changes_with_the_first_period(method, days):
    # given the same loan with and without its first period counted by days
    due = date(2025, 8, 20)
    regular = build_schedule(
        principal=D("50000.00"),
        annual_rate_percent=D("2.100"),
        months=60,
        method=method,
        first_due_date=due,
    )
    by_days = build_schedule(
        principal=D("50000.00"),
        annual_rate_percent=D("2.100"),
        months=60,
        method=method,
        first_due_date=due,
        first_period_from=date.fromordinal(due.toordinal() - days),
    )
    # then installment 1 keeps its principal and charges 50,000 × 2.10 × days / 36000
    exact_fen = D(50000 * 210 * days) / D(36000)  # in fen (the rate 2.10 taken as 210 / 100)
    assert by_days[0].interest == (exact_fen / 100).quantize(D("0.01"), rounding="ROUND_HALF_UP")
    assert by_days[0].principal == regular[0].principal
    assert by_days[0].payment == by_days[0].principal + by_days[0].interest
    # … and every other installment is the regular one
    assert by_days[1:] == regular[1:]


def test_a_first_period_starting_after_the_due_date_is_refused():
    with pytest.raises(ValueError, match="首期计息起日"):
        build_schedule(
            principal=D("1000.00"),
            annual_rate_percent=D("2.100"),
            months=2,
            method=EI,
            first_due_date=date(2025, 8, 20),
            first_period_from=date(2025, 8, 21),
        )


def test_the_first_equal_principal_payment_rounds_its_half_fen_interest_up():
    # 51,000 at 2.35 %: 51,000 / 36 = 1,416.666… → 1,416.67; 51,000 × 2.35 / 1200 = 99.875 → 99.88
    assert first_payment(
        principal=D("51000.00"), annual_rate_percent=D("2.350"), months=36, method=EP
    ) == D("1516.55")
