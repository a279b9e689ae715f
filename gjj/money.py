"""Money and rate arithmetic: the one rounding policy of the system.

Amounts are ``Decimal`` to the fen (0.01 yuan), rounded half-up. Rates are
exact decimals in percent per year (``Decimal("2.850")``). Floats never
touch money: converting one raises.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

FEN = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")


def to_decimal(value: object) -> Decimal:
    """Exact conversion of a str/int/Decimal; floats are refused."""
    if isinstance(value, float):
        raise TypeError("金额不得使用浮点数")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("金额不得为布尔值")
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"无效金额: {value!r}") from exc


def round_fen(amount: Decimal) -> Decimal:
    """Round to the fen, half-up (the system's single rounding rule)."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def round_fen_exact(amount: Fraction) -> Decimal:
    """An exact amount in yuan, rounded once, half-up to the fen (no precision limit)."""
    fen = amount * 100
    # Half-up away from zero, as ``round_fen`` does for a Decimal.
    whole = (2 * abs(fen.numerator) + fen.denominator) // (2 * fen.denominator)
    return Decimal(whole if fen >= 0 else -whole).scaleb(-2)


def interest_for_days(*, amount: Decimal, annual_rate_percent: Decimal, days: int) -> Decimal:
    """``amount × rate × days / 36000`` (360-day year), exact, rounded once half-up.

    Never ``amount × (rate / 36000) × days``: the rate divided at limited precision
    turns exact half-fen amounts (4.375) into a fen too little (docs/money.md).
    """
    exact = Fraction(amount) * Fraction(annual_rate_percent) * days / 36000
    return round_fen_exact(exact)


def interest_for_month(*, amount: Decimal, annual_rate_percent: Decimal) -> Decimal:
    """One month's interest ``amount × rate / 1200``, exact, rounded once half-up."""
    return round_fen_exact(Fraction(amount) * Fraction(annual_rate_percent) / 1200)


def monthly_rate(annual_rate_percent: Decimal) -> Decimal:
    """Monthly rate as a fraction: annual percent / 100 / 12, at the context's precision.

    For factors such as (1 + i)^n only: an amount of interest comes from
    ``interest_for_month``, which never loses a half-fen tie.
    """
    return annual_rate_percent / Decimal(1200)


def daily_rate(annual_rate_percent: Decimal) -> Decimal:
    """Daily rate on a 360-day year, at the context's precision (amounts: ``interest_for_days``)."""
    return annual_rate_percent / Decimal(36000)
