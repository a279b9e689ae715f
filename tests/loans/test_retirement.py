"""Statutory retirement under the 2025 reform, read from the policy rows."""

from __future__ import annotations

from datetime import date

import pytest

from gjj.policy import Key, ValueKind
from loans.retirement import (
    RetirementPolicyMissing,
    retirement_category,
    retirement_date,
    statutory_retirement,
)
from tests.loans import snap, with_params, without_params

REFORM_DAY = date(2025, 6, 1)
PRE_REFORM_DAY = date(2024, 12, 31)


@pytest.mark.parametrize(
    ("birth", "sex", "age_label", "retires_on"),
    [
        # Published examples of the reform (men 60→63, women 55→58, 1 month per 4).
        (date(1965, 1, 15), "M", "60周岁1个月", date(2025, 2, 15)),
        (date(1965, 4, 1), "M", "60周岁1个月", date(2025, 5, 1)),
        (date(1965, 5, 1), "M", "60周岁2个月", date(2025, 7, 1)),
        (date(1976, 8, 1), "M", "62周岁11个月", date(2039, 7, 1)),
        (date(1976, 9, 1), "M", "63周岁", date(2039, 9, 1)),
        (date(1976, 12, 1), "M", "63周岁", date(2039, 12, 1)),
        (date(1990, 6, 30), "M", "63周岁", date(2053, 6, 30)),
        (date(1964, 12, 31), "M", "60周岁", date(2024, 12, 31)),
        (date(1970, 1, 1), "F", "55周岁1个月", date(2025, 2, 1)),
        (date(1981, 12, 1), "F", "58周岁", date(2039, 12, 1)),
        (date(1969, 12, 20), "F", "55周岁", date(2024, 12, 20)),
    ],
)
def test_reform_golden(birth: date, sex: str, age_label: str, retires_on: date) -> None:
    """Given the reform row in force, when a birth date is looked up, then the
    published age and the month birth + age (birth day) come out."""
    r = statutory_retirement(birth_date=birth, sex=sex, policy=snap(REFORM_DAY))
    assert r.age_label == age_label
    assert r.on == retires_on
    assert retirement_date(birth_date=birth, sex=sex, policy=snap(REFORM_DAY)) == retires_on
    assert r.citation.effective_from == date(2025, 1, 1)


def test_pre_reform_row_gives_fixed_ages() -> None:
    """Given a date before 2025-01-01, then the old fixed ages (60 / 55) apply."""
    r = statutory_retirement(birth_date=date(1965, 1, 15), sex="M", policy=snap(PRE_REFORM_DAY))
    assert (r.age_label, r.on) == ("60周岁", date(2025, 1, 15))
    f = statutory_retirement(birth_date=date(1981, 12, 1), sex="F", policy=snap(PRE_REFORM_DAY))
    assert (f.age_label, f.on) == ("55周岁", date(2036, 12, 1))


@pytest.mark.parametrize(
    ("birth", "retires_on"),
    [
        # since 1965-01: 6 months → delay 6//4+1 = 2 → 60y2m → September has 30 days.
        (date(1965, 7, 31), date(2025, 9, 30)),
        # 10 months → delay 3 → 60y3m → February 2026.
        (date(1965, 11, 30), date(2026, 2, 28)),
        # Before the reform's first birth month: 60y, leap day kept in a leap year.
        (date(1964, 2, 29), date(2024, 2, 29)),
    ],
)
def test_birth_day_clamped_to_month_end(birth: date, retires_on: date) -> None:
    """Given a birthday late in the month, when the retirement month is shorter, then clamp."""
    assert retirement_date(birth_date=birth, sex="M", policy=snap(REFORM_DAY)) == retires_on


def test_female_category_follows_policy() -> None:
    """Given the center switches women to the 50 category, then female_50 applies."""
    p = with_params(snap(REFORM_DAY), base=(Key.RETIREMENT_FEMALE_BASE_AGE, 50, ValueKind.INTEGER))
    assert retirement_category(sex="f", policy=p) == "female_50"
    # female_50: from 1975-01, 1 month per 2 months of birth, up to 55.
    r = statutory_retirement(birth_date=date(1975, 1, 5), sex="F", policy=p)
    assert (r.age_label, r.on) == ("50周岁1个月", date(2025, 2, 5))
    r = statutory_retirement(birth_date=date(1984, 12, 5), sex="F", policy=p)
    assert (r.age_label, r.on) == ("55周岁", date(2039, 12, 5))


def test_missing_rows_raise() -> None:
    """Given no reform row (or no category) in force, then a lookup error names the key."""
    p = without_params(snap(REFORM_DAY), Key.RETIREMENT_REFORM)
    with pytest.raises(RetirementPolicyMissing) as exc:
        retirement_date(birth_date=date(1970, 1, 1), sex="M", policy=p)
    assert exc.value.key == Key.RETIREMENT_REFORM
    p = with_params(snap(REFORM_DAY), base=(Key.RETIREMENT_FEMALE_BASE_AGE, 45, ValueKind.INTEGER))
    with pytest.raises(RetirementPolicyMissing) as exc:
        retirement_date(birth_date=date(1970, 1, 1), sex="F", policy=p)
    assert exc.value.detail == "female_45"


def test_bad_sex_rejected() -> None:
    with pytest.raises(ValueError, match="性别只能为 M 或 F"):
        retirement_category(sex="X", policy=snap(REFORM_DAY))
