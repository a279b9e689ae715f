"""Reads of the center's core data and of policy."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from gjj.domain import TermBand
from gjj.models import (
    Depositor,
    FamilyMember,
    Home,
    LoanRate,
    PfLoanRecord,
    PolicyParameter,
    Relation,
    SpecialGroupMembership,
)
from gjj.policy import (
    Citation,
    Key,
    PolicySnapshot,
    PolicyValue,
    RateValue,
    ValueKind,
    parse_value,
    resolve,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

# A snapshot for a day up to today never changes: rows in force are immutable and
# new rows must start after today. Such snapshots are kept in the process (no
# cache server needed, no staleness across processes); future days are read
# from the database each time.
_SNAPSHOT_MEMO_SIZE = 256
_snapshot_memo: dict[date, PolicySnapshot] = {}


def today_local() -> date:
    """Today's business date in Asia/Shanghai."""
    return timezone.now().astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def local_date(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def policy_cache_clear() -> None:
    """Forget kept snapshots (after a policy write, and between tests)."""
    _snapshot_memo.clear()


def _param_value(row: PolicyParameter) -> PolicyValue:
    return PolicyValue(
        key=row.key,
        value=parse_value(row.kind, row.value),
        kind=ValueKind(row.kind),
        citation=Citation(
            document=row.document,
            article=row.article,
            source=row.source,
            effective_from=row.effective_from,
            effective_to=row.effective_to,
            row=f"param:{row.pk}",
        ),
        note=row.note,
    )


def _rate_value(row: LoanRate) -> RateValue:
    return RateValue(
        home_tier=row.home_tier,
        term_band=TermBand(row.term_band),
        annual_rate_percent=row.annual_rate_percent,
        is_floor=row.is_floor,
        citation=Citation(
            document=row.document,
            article=row.article,
            source="national",
            effective_from=row.effective_from,
            effective_to=None,
            row=f"rate:{row.pk}",
        ),
    )


def policy_in_force(*, on: date) -> PolicySnapshot:
    """Every parameter and rate in force on ``on``, each with its citation."""
    settled = on <= today_local()
    if settled:
        snap = _snapshot_memo.get(on)
        if snap is not None:
            return snap
    params = [
        _param_value(r)
        for r in PolicyParameter.objects.filter(effective_from__lte=on).exclude(effective_to__lt=on)
    ]
    rates = [_rate_value(r) for r in LoanRate.objects.filter(effective_from__lte=on)]
    snap = resolve(on=on, params=params, rates=rates)
    if settled:
        if len(_snapshot_memo) >= _SNAPSHOT_MEMO_SIZE:
            _snapshot_memo.clear()
        _snapshot_memo[on] = snap
    return snap


def measure_days_left(*, on: date) -> int | None:
    """Days until the 52号 measure expires (0 on its last day); None when not in force."""
    snap = policy_in_force(on=on)
    measure = snap.measure
    if measure is None or measure.citation.effective_to is None:
        return None
    return (measure.citation.effective_to - on).days


# --- households --------------------------------------------------------------------


def household_depositors(*, depositor: Depositor) -> list[Depositor]:
    """The depositor and, where the spouse also deposits, the current spouse.

    The household of 套数认定 is the couple (with their minor children); only
    depositors can own recorded homes and loans here.
    """
    spouse = (
        FamilyMember.objects.filter(
            depositor=depositor,
            relation=Relation.SPOUSE,
            ended_on__isnull=True,
            relative_depositor__isnull=False,
        )
        .select_related("relative_depositor")
        .first()
    )
    members = [depositor]
    if spouse is not None and spouse.relative_depositor is not None:
        members.append(spouse.relative_depositor)
    return members


def household_ids(*, depositor: Depositor) -> list[int]:
    """Depositor ids of the depositor's household, in ascending order.

    ``household_depositors`` plus anyone who has recorded *this* depositor as
    their current spouse, so a spouse recorded on one side only still joins
    the couple.
    """
    ids = {d.pk for d in household_depositors(depositor=depositor)}
    ids |= set(
        FamilyMember.objects.filter(
            relative_depositor=depositor, relation=Relation.SPOUSE, ended_on__isnull=True
        ).values_list("depositor_id", flat=True)
    )
    return sorted(ids)


def user_in_household(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    depositor: Depositor,
    also_ids: Iterable[int] = (),
) -> bool:
    """Whether the log-in ``user`` is the depositor, one of the household, or one of ``also_ids``.

    The check behind 回避: staff do not handle a case of their own household.
    ``also_ids`` names further depositors the case involves (relatives drawing
    from their own accounts). A log-in with no depositor record is in no household.
    """
    if user is None or user.pk is None:
        return False
    own = Depositor.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()
    if own is None:  # most staff are not depositors: one query and done
        return False
    return own in {*household_ids(depositor=depositor), *also_ids}


def local_city(*, on: date) -> str:
    """The city the center serves on ``on`` (``Key.LOCAL_CITY``).

    Raises ``LookupError`` when no row is in force: counting no homes would lend
    as if the household owned none.
    """
    city = policy_in_force(on=on).value(Key.LOCAL_CITY)
    if not city:
        raise LookupError(Key.LOCAL_CITY)
    return str(city)


def household_homes(*, depositor: Depositor, on: date) -> list[Home]:
    """Homes the household holds in the local city on ``on`` (registered, not yet disposed)."""
    ids = [d.pk for d in household_depositors(depositor=depositor)]
    return list(
        Home.objects.filter(owner_id__in=ids, city=local_city(on=on), registered_on__lte=on)
        .exclude(disposed_on__lte=on)
        .order_by("pk")
    )


def household_pf_loans(*, depositor: Depositor) -> list[PfLoanRecord]:
    ids = [d.pk for d in household_depositors(depositor=depositor)]
    return list(PfLoanRecord.objects.filter(borrower_id__in=ids).order_by("issued_on", "pk"))


def household_children(*, depositor: Depositor) -> int:
    """Distinct children recorded by either spouse (by ID number)."""
    ids = [d.pk for d in household_depositors(depositor=depositor)]
    numbers = FamilyMember.objects.filter(
        depositor_id__in=ids, relation=Relation.CHILD, ended_on__isnull=True
    ).values_list("id_number", flat=True)
    return len(set(numbers))


def household_special_groups(*, depositor: Depositor, on: date) -> set[str]:
    """Verified special-group memberships of either spouse valid on ``on``."""
    ids = [d.pk for d in household_depositors(depositor=depositor)]
    rows = (
        SpecialGroupMembership.objects.filter(
            depositor_id__in=ids, valid_from__lte=on, revoked_at__isnull=True
        )
        .exclude(valid_to__lt=on)
        .values_list("group", flat=True)
    )
    return set(rows)
