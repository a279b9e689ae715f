"""Statutory deadlines in working days (行政许可法 art. 82; domain.md §8).

Expected dates come from the State Council's schedules, not from the package:
- 2025 (国办发明电〔2024〕12号): 国庆节、中秋节 10月1日至8日放假调休，共8天；
  9月28日（周日）、10月11日（周六）上班.
- 2026 (国办发明电〔2025〕7号): 春节 2月15日至23日放假调休，共9天；
  2月14日（周六）、2月28日（周六）上班.
"""

from __future__ import annotations

from datetime import date

import pytest

from gjj.calendar import Deadline, calendar_years_missing, deadline_after, holiday_add
from gjj.domain import Role
from gjj.errors import ActorNotAllowed, BusinessError
from gjj.models import Holiday, HolidayKind
from tests.factories.people import make_staff

pytestmark = pytest.mark.django_db

WITHDRAWAL_DAYS = 3  # 条例 art. 25 (the policy row's figure)
LOAN_DAYS = 15  # 条例 art. 26


@pytest.mark.parametrize(
    ("accepted", "days", "due"),
    [
        # Fri 9-26: Sat 9-27 rest, Sun 9-28 调休 (1), Mon 9-29 (2), Tue 9-30 (3).
        (date(2025, 9, 26), WITHDRAWAL_DAYS, date(2025, 9, 30)),
        # Tue 9-30: 10-1..10-8 off; Thu 10-9 (1), Fri 10-10 (2), Sat 10-11 调休 (3).
        (date(2025, 9, 30), WITHDRAWAL_DAYS, date(2025, 10, 11)),
        # Sat 9-27 (accepted on a rest day): 9-28 (1), 9-29 (2), 9-30 (3).
        (date(2025, 9, 27), WITHDRAWAL_DAYS, date(2025, 9, 30)),
        # Fri 9-26, 15 days: 9-28, 9-29, 9-30, 10-9, 10-10, 10-11, 10-13..10-17 (11),
        # 10-20..10-23 (15).
        (date(2025, 9, 26), LOAN_DAYS, date(2025, 10, 23)),
        # Fri 2026-02-13: Sat 2-14 调休 (1), 2-15..2-23 off, Tue 2-24 (2), Wed 2-25 (3).
        (date(2026, 2, 13), WITHDRAWAL_DAYS, date(2026, 2, 25)),
        # Thu 2026-02-26: Fri 2-27 (1), Sat 2-28 调休 (2), Sun 3-1 rest, Mon 3-2 (3).
        (date(2026, 2, 26), WITHDRAWAL_DAYS, date(2026, 3, 2)),
        # Thu 2026-02-12, 15 days: 2-13 (1), 2-14 (2), 2-24..2-27 (6), 2-28 (7),
        # 3-2..3-6 (12), 3-9..3-11 (15).
        (date(2026, 2, 12), LOAN_DAYS, date(2026, 3, 11)),
    ],
)
def test_deadline_counts_working_days_across_the_official_holidays(accepted, days, due):
    # Given a case accepted on `accepted`
    # When its statutory deadline is counted
    deadline = deadline_after(start=accepted, working_days=days)
    # Then it is the official schedule's working day, with no fallback
    assert deadline == Deadline(due_on=due, working_days=days)
    assert deadline.fell_back is False


def test_a_year_without_any_calendar_falls_back_to_calendar_days_and_says_so():
    # Given no schedule for 2027 (the package stops at 2026; no Holiday rows)
    assert calendar_years_missing(years=(2026, 2027)) == (2027,)
    # When a withdrawal is accepted on Wed 2026-12-30
    deadline = deadline_after(start=date(2026, 12, 30), working_days=WITHDRAWAL_DAYS)
    # Then Thu 12-31 counts as a working day, 2027-01-01 and 01-02 as calendar days
    assert deadline.due_on == date(2027, 1, 2)
    assert deadline.fell_back is True
    assert deadline.years_without_calendar == (2027,)
    assert deadline.note == "3日（2027年尚无节假日安排，按自然日计算）"


def test_holiday_rows_cover_a_year_the_package_does_not_know(make_staff_policy):
    # Given 政策管理 enters New Year's Day 2027 (a Friday) and a make-up Saturday
    holiday_add(
        day=date(2027, 1, 1),
        kind=HolidayKind.HOLIDAY,
        name="元旦",
        document="测试安排",
        actor=make_staff_policy,
    )
    holiday_add(
        day=date(2027, 1, 9),
        kind=HolidayKind.WORKDAY,
        name="调休",
        document="测试安排",
        actor=make_staff_policy,
    )
    assert calendar_years_missing(years=(2027,)) == ()
    # When withdrawals are accepted on Wed 2026-12-30 and Wed 2027-01-06
    first = deadline_after(start=date(2026, 12, 30), working_days=WITHDRAWAL_DAYS)
    second = deadline_after(start=date(2027, 1, 6), working_days=WITHDRAWAL_DAYS)
    # Then 12-31 (1), 1-1 off, weekend off, Mon 1-4 (2), Tue 1-5 (3)
    assert first == Deadline(due_on=date(2027, 1, 5), working_days=WITHDRAWAL_DAYS)
    # And Thu 1-7 (1), Fri 1-8 (2), Sat 1-9 make-up day (3)
    assert second == Deadline(due_on=date(2027, 1, 9), working_days=WITHDRAWAL_DAYS)


@pytest.fixture
def make_staff_policy():
    return make_staff("policy1", Role.POLICY_ADMIN)


def test_holiday_rows_are_refused_for_a_year_the_package_knows_and_for_other_roles(
    make_staff_policy, clerk
):
    # Given the package's 2026 schedule, and a clerk without the 政策管理 role
    # When rows are entered for 2026, or by the clerk
    with pytest.raises(BusinessError) as known:
        holiday_add(
            day=date(2026, 10, 1),
            kind=HolidayKind.HOLIDAY,
            name="国庆节",
            document="x",
            actor=make_staff_policy,
        )
    with pytest.raises(ActorNotAllowed) as not_policy:
        holiday_add(
            day=date(2027, 10, 1),
            kind=HolidayKind.HOLIDAY,
            name="国庆节",
            document="x",
            actor=clerk,
        )
    # Then both are refused and nothing is recorded
    assert known.value.code == "calendar_already_known"
    assert not_policy.value.code == "role_required"
    assert Holiday.objects.count() == 0
