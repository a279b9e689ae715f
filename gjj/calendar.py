"""Working days for statutory deadlines (行政许可法 art. 82), and the Holiday rows behind them.

The State Council's schedule comes from ``chinese_calendar`` for the years it knows and
from ``Holiday`` rows for later years. Imports nothing above ``gjj``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from django.db import transaction

from gjj.domain import AuditAction, Role
from gjj.errors import ActorNotAllowed, BusinessError
from gjj.models import Holiday, HolidayKind
from gjj.services import Actor, audit_record
from gjj.workflow import actor_has_role


@dataclass(frozen=True, slots=True)
class Deadline:
    """The last day of a period of working days, and whether a year lacked a calendar."""

    due_on: date
    working_days: int
    # Years on the way with no schedule: their days were counted as calendar days
    # (an earlier, so safe, date); never empty when ``fell_back``.
    years_without_calendar: tuple[int, ...] = ()

    @property
    def fell_back(self) -> bool:
        return bool(self.years_without_calendar)

    @property
    def note(self) -> str:
        """For the case history: how the date was counted."""
        if not self.fell_back:
            return f"{self.working_days}个工作日"
        years = "、".join(f"{y}年" for y in self.years_without_calendar)
        return f"{self.working_days}日（{years}尚无节假日安排，按自然日计算）"


def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


class _Schedule:
    """Per-year answers, loaded once per computation."""

    def __init__(self) -> None:
        self._rows: dict[int, dict[date, str] | None] = {}

    def _year_rows(self, year: int) -> dict[date, str] | None:
        if year not in self._rows:
            rows = dict(Holiday.objects.filter(day__year=year).values_list("day", "kind"))
            self._rows[year] = rows or None
        return self._rows[year]

    def known(self, year: int) -> bool:
        return _package_knows(year) or self._year_rows(year) is not None

    def is_working_day(self, day: date) -> bool | None:
        """None when the day's year has no schedule."""
        if _package_knows(day.year):
            return bool(chinese_calendar.is_workday(day))
        rows = self._year_rows(day.year)
        if rows is None:
            return None
        kind = rows.get(day)
        if kind is not None:
            return kind == HolidayKind.WORKDAY
        return day.weekday() < 5


def deadline_after(*, start: date, working_days: int) -> Deadline:
    """The ``working_days``-th working day after ``start`` (the start day is not counted).

    Statutory holidays are skipped and make-up working days (调休) count. A day
    in a year without a schedule counts as a calendar day, and the result says so.
    """
    if working_days < 0:
        raise ValueError("working_days must not be negative")
    schedule = _Schedule()
    day, counted, missing = start, 0, set[int]()
    while counted < working_days:
        day += timedelta(days=1)
        working = schedule.is_working_day(day)
        if working is None:
            missing.add(day.year)
            counted += 1
        elif working:
            counted += 1
    return Deadline(
        due_on=day, working_days=working_days, years_without_calendar=tuple(sorted(missing))
    )


def calendar_years_missing(*, years: Iterable[int]) -> tuple[int, ...]:
    """Those of ``years`` with neither the package's schedule nor Holiday rows."""
    schedule = _Schedule()
    return tuple(sorted({y for y in years if not schedule.known(y)}))


@transaction.atomic
def holiday_add(*, day: date, kind: str, name: str, document: str, actor: Actor) -> Holiday:
    """政策管理 enters one day of a published schedule the package does not carry."""
    if not actor_has_role(actor, Role.POLICY_ADMIN):
        raise ActorNotAllowed("role_required", "只有政策管理人员可以录入节假日安排")
    HolidayKind(kind)
    if _package_knows(day.year):
        raise BusinessError("calendar_already_known", f"{day.year}年的节假日安排已内置，无需录入")
    if not name.strip() or not document.strip():
        raise BusinessError("citation_required", "请填写节日名称和依据文件")
    if kind == HolidayKind.WORKDAY and day.weekday() < 5:
        raise BusinessError("workday_on_weekday", f"{day}是工作日，无需登记为调休上班")
    if Holiday.objects.filter(day=day).exists():
        raise BusinessError("duplicate_holiday", f"{day}已有节假日安排记录")
    row = Holiday.objects.create(
        day=day,
        kind=kind,
        name=name.strip(),
        document=document.strip(),
        created_by=actor if actor is not None and actor.pk else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.HOLIDAY_ADDED,
        obj=row,
        new={"day": day.isoformat(), "kind": kind, "name": row.name, "document": row.document},
    )
    return row
