"""Statutory retirement date under the 2025 gradual reform, read from policy.

The reform (and the pre-reform ages) live in the JSON row at
``Key.RETIREMENT_REFORM``, one entry per category::

    {"male": {"base_age": 60, "target_age": 63, "first_birth_month": "1965-01",
              "birth_months_per_step": 4}, "female_55": {...}, "female_50": {...}}

For a birth month on or after ``first_birth_month`` retirement is delayed by
one month, plus one more for every further ``birth_months_per_step`` months of
birth, capped at ``target_age − base_age`` years. So a man born 1965-01..04
retires at 60y1m, 1965-05..08 at 60y2m, and from 1976-09 on at 63y. The
pre-reform row has ``target_age == base_age``, so the same rule gives the old
fixed ages: the snapshot's date decides which row applies.

Women are placed in ``female_<Key.RETIREMENT_FEMALE_BASE_AGE>`` because the
job category (cadre 55 / worker 50) is not known at application time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from gjj.domain import Sex
from gjj.policy import Citation, Key, PolicySnapshot
from loans.schedules import add_months


class RetirementPolicyMissing(LookupError):
    """A parameter the retirement rule needs has no row in force on the date."""

    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(key, detail)
        self.key = key
        self.detail = detail  # e.g. the category missing from a row that is in force


@dataclass(frozen=True)
class Retirement:
    category: str
    base_age_years: int
    delay_months: int
    on: date
    citation: Citation

    @property
    def age_months(self) -> int:
        return self.base_age_years * 12 + self.delay_months

    @property
    def age_label(self) -> str:
        """E.g. "60周岁1个月" or "63周岁"."""
        years, months = divmod(self.age_months, 12)
        return f"{years}周岁{months}个月" if months else f"{years}周岁"


def retirement_category(*, sex: str, policy: PolicySnapshot) -> str:
    """Category name: "male", or "female_<base age>" per ``Key.RETIREMENT_FEMALE_BASE_AGE``."""
    s = sex.strip().upper()
    if s == Sex.MALE:
        return "male"
    if s == Sex.FEMALE:
        base = policy.value(Key.RETIREMENT_FEMALE_BASE_AGE)
        if base is None:
            raise RetirementPolicyMissing(Key.RETIREMENT_FEMALE_BASE_AGE)
        return f"female_{int(base)}"
    raise ValueError(f"性别只能为 M 或 F: {sex!r}")


def _month_index(year_month: str) -> int:
    year, month = (int(x) for x in year_month.split("-")[:2])
    return year * 12 + (month - 1)


def delay_months(*, birth_date: date, rule: dict[str, Any]) -> int:
    """Months of delay for one category's rule (0 before the first birth month)."""
    base = int(rule["base_age"])
    target = int(rule["target_age"])
    step = int(rule["birth_months_per_step"])
    since = birth_date.year * 12 + (birth_date.month - 1) - _month_index(rule["first_birth_month"])
    if since < 0:
        return 0
    return min(since // step + 1, (target - base) * 12)


def statutory_retirement(*, birth_date: date, sex: str, policy: PolicySnapshot) -> Retirement:
    """The retirement age and date in force on ``policy.on`` for this person."""
    pv = policy.param(Key.RETIREMENT_REFORM)
    if pv is None or pv.value is None:
        raise RetirementPolicyMissing(Key.RETIREMENT_REFORM)
    category = retirement_category(sex=sex, policy=policy)
    rule = pv.value.get(category)
    if rule is None:
        raise RetirementPolicyMissing(Key.RETIREMENT_REFORM, category)
    delay = delay_months(birth_date=birth_date, rule=rule)
    base = int(rule["base_age"])
    # Retirement falls in the month the age is reached, on the birth day
    # (clamped, e.g. a 31st birthday in a 30-day month).
    on = add_months(birth_date, base * 12 + delay)
    return Retirement(
        category=category, base_age_years=base, delay_months=delay, on=on, citation=pv.citation
    )


def retirement_date(*, birth_date: date, sex: str, policy: PolicySnapshot) -> date:
    """Statutory retirement date (see ``statutory_retirement``)."""
    return statutory_retirement(birth_date=birth_date, sex=sex, policy=policy).on
