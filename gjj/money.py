"""Money and rate arithmetic: the one rounding policy of the system.

Amounts are ``Decimal`` to the fen (0.01 yuan), rounded half-up. Rates are
exact decimals in percent per year (``Decimal("2.850")``). Floats never
touch money: converting one raises.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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


def monthly_rate(annual_rate_percent: Decimal) -> Decimal:
    """Monthly rate as a fraction: annual percent / 100 / 12, unrounded."""
    return annual_rate_percent / Decimal(1200)


def daily_rate(annual_rate_percent: Decimal) -> Decimal:
    """Daily rate as a fraction on a 360-day year."""
    return annual_rate_percent / Decimal(36000)
