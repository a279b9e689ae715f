"""Repayment maths (domain.md §6): pure amortization over ``Decimal``.

Every amount is computed exactly and rounded once, half-up to the fen; nothing
here reads policy, so the functions serve quotes, new loans and repricing alike.
The first period of a loan is charged by actual days (``first_period_from``).

Repricing: to recompute a loan after a rate change, call ``build_schedule``
with the *outstanding* principal, the *remaining* number of months, the new
rate and the next due date (``anchor_day`` keeps the original day of month).
The installments already paid are never rebuilt; the new list simply replaces
the unpaid tail, numbered from 1 (callers offset ``number`` if they need the
contract's running number).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal, localcontext
from functools import lru_cache

from gjj.domain import RepaymentMethod
from gjj.money import FEN, interest_for_days, interest_for_month, monthly_rate, round_fen

# Intermediate precision for (1+i)^n: the default 28 digits would already do
# for 360 months, the margin keeps the fen rounding exact for any input.
_PRECISION = 50
_ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Installment:
    """One month of a schedule; ``outstanding`` is the principal left after it."""

    number: int
    due_date: date
    payment: Decimal
    principal: Decimal
    interest: Decimal
    outstanding: Decimal


def add_months(d: date, n: int, anchor_day: int | None = None) -> date:
    """``d`` moved by ``n`` months on ``anchor_day`` (default ``d.day``), clamped.

    The anchor is what keeps a 31st-of-month schedule on the 31st after a short
    February: 2025-01-31 + 1 → 2025-02-28, + 2 → 2025-03-31.
    """
    day = d.day if anchor_day is None else anchor_day
    if not 1 <= day <= 31:
        raise ValueError(f"无效的日: {day}")
    total = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(total, 12)
    month = month0 + 1
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _check(principal: Decimal, annual_rate_percent: Decimal, months: int) -> None:
    if not isinstance(principal, Decimal) or not isinstance(annual_rate_percent, Decimal):
        raise TypeError("本金与利率必须为 Decimal")
    if principal < 0:
        raise ValueError("本金不得为负")
    if annual_rate_percent < 0:
        raise ValueError("利率不得为负")
    if months < 1:
        raise ValueError("期数至少为 1")


@lru_cache(maxsize=4096)
def annuity_factor(annual_rate_percent: Decimal, months: int) -> Decimal:
    """Payment per yuan of principal: i(1+i)^n / ((1+i)^n − 1), unrounded.

    Kept per (rate, term): the rates in force are few and terms at most 360
    months, and every quote and repricing needs it.
    """
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        if annual_rate_percent == 0:
            return Decimal(1) / Decimal(months)
        i = monthly_rate(annual_rate_percent)
        growth = (1 + i) ** months
        return i * growth / (growth - 1)


def level_payment(*, principal: Decimal, annual_rate_percent: Decimal, months: int) -> Decimal:
    """等额本息 monthly payment P·i·(1+i)^n/((1+i)^n−1), half-up to the fen.

    A zero rate degenerates to P/n (the formula's limit).
    """
    _check(principal, annual_rate_percent, months)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        return round_fen(principal * annuity_factor(annual_rate_percent, months))


def first_payment(
    *, principal: Decimal, annual_rate_percent: Decimal, months: int, method: RepaymentMethod
) -> Decimal:
    """The regular first (for 等额本金 the largest) monthly payment of a schedule.

    It is the loan's stated monthly payment: one month's interest, whatever the
    length of the first period (domain.md §6).
    """
    _check(principal, annual_rate_percent, months)
    if RepaymentMethod(method) is RepaymentMethod.EQUAL_INSTALLMENT:
        return level_payment(
            principal=principal, annual_rate_percent=annual_rate_percent, months=months
        )
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        first_principal = min(round_fen(principal / months), principal)
    # Exact and rounded once: 51,000 at 2.35 % gives 99.875 → 99.88, not 99.87.
    return first_principal + interest_for_month(
        amount=principal, annual_rate_percent=annual_rate_percent
    )


def build_schedule(
    *,
    principal: Decimal,
    annual_rate_percent: Decimal,
    months: int,
    method: RepaymentMethod,
    first_due_date: date,
    anchor_day: int | None = None,
    first_period_from: date | None = None,
) -> list[Installment]:
    """The full schedule per domain.md §6.

    Each month's interest is the outstanding principal × i, half-up to the fen.
    等额本息: principal part = level payment − interest. 等额本金: principal part =
    P/n half-up. In both, the last month takes the residual, so the principal
    parts add up to ``principal`` exactly and the final outstanding is 0.
    Due dates run monthly from ``first_due_date`` on ``anchor_day`` (default its
    day), clamped to each month's last day.

    ``first_period_from`` (the disbursement date, for a schedule that starts at
    the loan's installment 1): installment 1 keeps its regular principal part but
    its interest runs by actual days from that date, ``P × rate × days / 36000``
    rounded once (domain.md §6, first period). Without it every month is regular.

    For repricing pass the outstanding principal and the remaining months (see
    the module docstring).
    """
    anchor = first_due_date.day if anchor_day is None else anchor_day
    if first_period_from is not None and first_period_from > first_due_date:
        raise ValueError("首期计息起日不得晚于首期还款日")
    rows = []
    for number, part, interest, outstanding in _amortize(
        principal=principal,
        annual_rate_percent=annual_rate_percent,
        months=months,
        method=method,
    ):
        if number == 1 and first_period_from is not None:
            interest = interest_for_days(
                amount=principal,
                annual_rate_percent=annual_rate_percent,
                days=(first_due_date - first_period_from).days,
            )
        rows.append(
            Installment(
                number=number,
                due_date=add_months(first_due_date, number - 1, anchor),
                payment=part + interest,
                principal=part,
                interest=interest,
                outstanding=outstanding,
            )
        )
    return rows


def _amortize(
    *, principal: Decimal, annual_rate_percent: Decimal, months: int, method: RepaymentMethod
) -> Iterator[tuple[int, Decimal, Decimal, Decimal]]:
    """(number, principal part, interest, outstanding after) for each month."""
    for number, part, interest, outstanding in _amortize_fen(
        principal=principal, annual_rate_percent=annual_rate_percent, months=months, method=method
    ):
        yield number, _yuan(part), _yuan(interest), _yuan(outstanding)


def _yuan(fen: int) -> Decimal:
    return Decimal(fen).scaleb(-2)


def _amortize_fen(
    *, principal: Decimal, annual_rate_percent: Decimal, months: int, method: RepaymentMethod
) -> Iterator[tuple[int, int, int, int]]:
    """The month-by-month arithmetic, in whole fen: the one place it lives.

    The monthly rate i = annual / 1200 is kept as an exact fraction num/den, so
    each month's interest is outstanding × i rounded half-up exactly (integer
    arithmetic, no precision limit); schedules and totals both come from here.
    """
    _check(principal, annual_rate_percent, months)
    method = RepaymentMethod(method)
    if principal != round_fen(principal):
        raise ValueError("本金必须精确到分")
    num, den = annual_rate_percent.as_integer_ratio()
    den *= 1200
    twice_den = 2 * den
    outstanding = int(principal * 100)
    payment = even_principal = 0
    if method is RepaymentMethod.EQUAL_INSTALLMENT:
        payment = int(
            level_payment(
                principal=principal, annual_rate_percent=annual_rate_percent, months=months
            )
            * 100
        )
    else:
        even_principal = int(round_fen(principal / months) * 100)
    for number in range(1, months + 1):
        interest = (2 * outstanding * num + den) // twice_den
        if number == months:
            part = outstanding
        elif method is RepaymentMethod.EQUAL_INSTALLMENT:
            part = payment - interest
        else:
            part = even_principal
        # Only for amounts of a few fen can rounding push a part below 0 or
        # past what is owed; clamping keeps outstanding within [0, P].
        if part < 0:
            part = 0
        elif part > outstanding:
            part = outstanding
        outstanding -= part
        yield number, part, interest, outstanding


def total_interest(
    *, principal: Decimal, annual_rate_percent: Decimal, months: int, method: RepaymentMethod
) -> Decimal:
    """Interest over the whole schedule, without building its rows (quotes need only this).

    The same arithmetic as ``_amortize_fen`` without a generator or rows: every
    quote runs it. A property test holds the two to the same totals.
    """
    method = RepaymentMethod(method)
    _check(principal, annual_rate_percent, months)
    if principal != round_fen(principal):
        raise ValueError("本金必须精确到分")
    if method is RepaymentMethod.EQUAL_PRINCIPAL:
        return _yuan(_equal_principal_interest(principal, annual_rate_percent, months))
    num, den = annual_rate_percent.as_integer_ratio()
    den *= 1200
    twice_den = 2 * den
    payment = int(
        level_payment(principal=principal, annual_rate_percent=annual_rate_percent, months=months)
        * 100
    )
    start = int(principal * 100)
    # Each month: outstanding += interest − payment, so the interest paid over
    # the first n−1 months is (n−1)·payment − (start − outstanding) and only the
    # outstanding need be carried. The payment is at least the first month's
    # interest, so no part is ever negative; only a part larger than what is
    # owed (amounts of a few fen) needs the clamped loop, and then the
    # outstanding ends below zero.
    twice_num = 2 * num
    outstanding = start
    for _ in range(months - 1):
        outstanding += (outstanding * twice_num + den) // twice_den - payment
    if outstanding < 0:
        return _yuan(_clamped_level_interest(start, payment, months, num, den))
    last = (outstanding * twice_num + den) // twice_den
    return _yuan((months - 1) * payment - (start - outstanding) + last)


def _equal_principal_interest(principal: Decimal, annual_rate_percent: Decimal, months: int) -> int:
    """等额本金 interest in fen: the outstanding falls by the same part each month."""
    num, den = annual_rate_percent.as_integer_ratio()
    den *= 1200
    twice_den = 2 * den
    twice_num = 2 * num
    outstanding = int(principal * 100)
    part = int(round_fen(principal / months) * 100)
    if part * (months - 1) > outstanding:
        # Rounding up made the even parts overrun a principal of a few fen: the
        # schedule clamps them, so sum the schedule itself.
        return sum(
            interest
            for _, _, interest, _ in _amortize_fen(
                principal=principal,
                annual_rate_percent=annual_rate_percent,
                months=months,
                method=RepaymentMethod.EQUAL_PRINCIPAL,
            )
        )
    fen = 0
    for _ in range(months - 1):
        fen += (outstanding * twice_num + den) // twice_den
        outstanding -= part
    # The last month takes what is left.
    return fen + (outstanding * twice_num + den) // twice_den


def _clamped_level_interest(start: int, payment: int, months: int, num: int, den: int) -> int:
    """``_amortize_fen``'s 等额本息 months with the clamp, summed (tiny amounts only)."""
    twice_den = 2 * den
    outstanding = start
    fen = 0
    for _ in range(months - 1):
        interest = (2 * outstanding * num + den) // twice_den
        part = min(max(payment - interest, 0), outstanding)
        outstanding -= part
        fen += interest
    # The last month pays off what is left, with its interest.
    return fen + (2 * outstanding * num + den) // twice_den


def schedule_totals(installments: Iterable[Installment]) -> tuple[Decimal, Decimal]:
    """(total payment, total interest) of a schedule."""
    total_payment = _ZERO
    total_interest = _ZERO
    for inst in installments:
        total_payment += inst.payment
        total_interest += inst.interest
    return total_payment, total_interest


def max_principal_for_payment(
    *,
    max_payment: Decimal,
    annual_rate_percent: Decimal,
    months: int,
    method: RepaymentMethod = RepaymentMethod.EQUAL_INSTALLMENT,
) -> Decimal:
    """Largest principal (to the fen) whose monthly payment stays ≤ ``max_payment``.

    The payment compared is the one a borrower actually pays: the rounded level
    payment for 等额本息, the first (largest) installment for 等额本金. The
    annuity formula is inverted for an estimate, then a binary search over fens
    settles it against the real rounded payment, so the result is verified.
    """
    _check(_ZERO, annual_rate_percent, months)
    if not isinstance(max_payment, Decimal):
        raise TypeError("月还款额上限必须为 Decimal")
    method = RepaymentMethod(method)
    limit = max_payment.quantize(FEN, rounding=ROUND_DOWN)
    if limit <= 0:
        return _ZERO

    def payment_of(p: Decimal) -> Decimal:
        return first_payment(
            principal=p, annual_rate_percent=annual_rate_percent, months=months, method=method
        )

    with localcontext() as ctx:
        ctx.prec = _PRECISION
        if method is RepaymentMethod.EQUAL_INSTALLMENT:
            factor = annuity_factor(annual_rate_percent, months)
        else:
            factor = Decimal(1) / Decimal(months) + monthly_rate(annual_rate_percent)
        # Rounding moves a payment by at most 1 fen, so past this the payment
        # is certainly above the limit: a safe upper bracket.
        estimate = ((limit + 2 * FEN) / factor).quantize(FEN, rounding=ROUND_DOWN)
    return _search_fen(payment_of, limit, estimate)


def _search_fen(payment_of: Callable[[Decimal], Decimal], limit: Decimal, hi: Decimal) -> Decimal:
    """Largest fen amount in [0, hi] with ``payment_of(amount) <= limit``."""
    lo_fen, hi_fen = 0, int(hi / FEN)
    while payment_of(hi_fen * FEN) <= limit:  # bracket guard; runs at most a few times
        hi_fen = hi_fen * 2 + 1
    while hi_fen - lo_fen > 1:  # invariant: lo ok, hi not ok
        mid = (lo_fen + hi_fen) // 2
        if payment_of(mid * FEN) <= limit:
            lo_fen = mid
        else:
            hi_fen = mid
    return (lo_fen * FEN).quantize(FEN)
