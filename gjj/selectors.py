"""Reads of the center's core data and of policy."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Final
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from gjj.domain import FactCount, SpecialGroup, TermBand
from gjj.models import (
    AccountEntry,
    Depositor,
    EntryType,
    FamilyMember,
    Home,
    LoanRate,
    PfLoanRecord,
    PolicyParameter,
    ProvidentAccount,
    Relation,
    SpecialGroupMembership,
)
from gjj.policy import (
    Citation,
    Key,
    PolicySnapshot,
    PolicyStatus,
    PolicyValue,
    RateValue,
    ValueKind,
    parse_value,
    resolve,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.db.models import QuerySet

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


def param_value(row: PolicyParameter) -> PolicyValue:
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
            status=PolicyStatus(row.status),
        ),
        note=row.note,
    )


def rate_value(row: LoanRate) -> RateValue:
    return RateValue(
        home_tier=row.home_tier,
        term_band=TermBand(row.term_band),
        annual_rate_percent=row.annual_rate_percent,
        is_floor=row.is_floor,
        citation=Citation(
            document=row.document,
            article=row.article,
            source=row.source,
            effective_from=row.effective_from,
            effective_to=None,
            row=f"rate:{row.pk}",
            status=PolicyStatus(row.status),
        ),
    )


def policy_in_force(
    *,
    on: date,
    drafted: tuple[Sequence[PolicyValue], Sequence[RateValue]] | None = None,
) -> PolicySnapshot:
    """Every parameter and rate in force on ``on``, each with its citation.

    ``drafted`` adds rows not yet saved (a policy draft under preview): the
    snapshot is then what would be in force had they been confirmed.
    """
    if drafted is not None:
        base = policy_in_force(on=on)
        return resolve(
            on=on,
            params=[*base.params.values(), *drafted[0]],
            rates=[*base.rates, *drafted[1]],
        )
    settled = on <= today_local()
    if settled:
        snap = _snapshot_memo.get(on)
        if snap is not None:
            return snap
    params = [
        param_value(r)
        for r in PolicyParameter.objects.filter(effective_from__lte=on).exclude(effective_to__lt=on)
    ]
    rates = [rate_value(r) for r in LoanRate.objects.filter(effective_from__lte=on)]
    snap = resolve(on=on, params=params, rates=rates)
    if settled:
        if len(_snapshot_memo) >= _SNAPSHOT_MEMO_SIZE:
            _snapshot_memo.clear()
        _snapshot_memo[on] = snap
    return snap


def policy_parameters_in_force(*, on: date) -> QuerySet[PolicyParameter]:
    """The parameter rows in force on ``on``: per key, the covering row that starts last.

    The same choice as ``gjj.policy.resolve``, as one query (admin filters, the start page).
    """
    covering = PolicyParameter.objects.filter(effective_from__lte=on).exclude(effective_to__lt=on)
    later = covering.filter(key=OuterRef("key"), effective_from__gt=OuterRef("effective_from"))
    return covering.exclude(Exists(later))


def policy_rates_in_force(*, on: date) -> QuerySet[LoanRate]:
    """The rate rows in force on ``on``: per tier and term band, the latest that has started."""
    started = LoanRate.objects.filter(effective_from__lte=on)
    later = started.filter(
        home_tier=OuterRef("home_tier"),
        term_band=OuterRef("term_band"),
        effective_from__gt=OuterRef("effective_from"),
    )
    return started.exclude(Exists(later))


def policy_rows_provisional_in_force(*, on: date) -> QuerySet[PolicyParameter]:
    """Parameter rows in force on ``on`` that the center has not confirmed yet."""
    return policy_parameters_in_force(on=on).filter(status=PolicyStatus.PROVISIONAL)


def policy_rates_provisional_in_force(*, on: date) -> QuerySet[LoanRate]:
    """Rate rows in force on ``on`` that the center has not confirmed yet."""
    return policy_rates_in_force(on=on).filter(status=PolicyStatus.PROVISIONAL)


def policy_rows_provisional_in_force_count(*, on: date) -> int:
    """How many rows in force on ``on`` (parameters and rates) are still provisional."""
    return (
        policy_rows_provisional_in_force(on=on).count()
        + policy_rates_provisional_in_force(on=on).count()
    )


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


# The rings of the recusal circle a setting may name (``GJJ_RECUSAL_CIRCLE``).
RECUSAL_RINGS = frozenset({"self", "spouse", "parents", "children", "household"})


def _relatives(*, ids: set[int], relation: str | None, reverse: str | None) -> set[int]:
    """Depositors recorded as ``relation`` of ``ids``, or who record ``ids`` as ``reverse``.

    Recorded is enough, verified or not: 回避 errs on the side of standing aside.
    """
    current = FamilyMember.objects.filter(ended_on__isnull=True)
    forward = current.filter(depositor_id__in=ids, relative_depositor__isnull=False)
    backward = current.filter(relative_depositor_id__in=ids)
    if relation is not None:
        forward = forward.filter(relation=relation)
        backward = backward.filter(relation=reverse)
    found = set(forward.values_list("relative_depositor_id", flat=True))
    return found | set(backward.values_list("depositor_id", flat=True))


def recusal_circle_ids(*, depositors: Iterable[int]) -> set[int]:
    """Depositor ids a staff member must stand aside for when a case touches ``depositors``.

    The rings come from ``settings.GJJ_RECUSAL_CIRCLE`` (domain.md §8).
    """
    rings = set(settings.GJJ_RECUSAL_CIRCLE)
    unknown = rings - RECUSAL_RINGS
    if unknown:
        raise ImproperlyConfigured(f"GJJ_RECUSAL_CIRCLE: 未知的回避范围 {sorted(unknown)}")
    ids = set(depositors)
    circle = set(ids) if "self" in rings else set()
    if "spouse" in rings:
        circle |= _relatives(ids=ids, relation=Relation.SPOUSE, reverse=Relation.SPOUSE)
    if "parents" in rings:
        circle |= _relatives(ids=ids, relation=Relation.PARENT, reverse=Relation.CHILD)
    if "children" in rings:
        circle |= _relatives(ids=ids, relation=Relation.CHILD, reverse=Relation.PARENT)
    if "household" in rings:
        # The household of 套数认定 (the couple) and anyone either of them records.
        couple = ids | _relatives(ids=ids, relation=Relation.SPOUSE, reverse=Relation.SPOUSE)
        circle |= couple | _relatives(ids=couple, relation=None, reverse=None)
    return circle


def user_in_household(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    depositor: Depositor,
    also_ids: Iterable[int] = (),
) -> bool:
    """Whether the log-in ``user`` is in the recusal circle of the depositor or of ``also_ids``.

    The check behind 回避: staff do not handle a case of themselves or their family
    (``settings.GJJ_RECUSAL_CIRCLE``). ``also_ids`` names further depositors the case
    involves (relatives drawing from their own accounts). A log-in with no depositor
    record is in no household.
    """
    if user is None or user.pk is None:
        return False
    own = Depositor.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()
    if own is None:  # most staff are not depositors: one query and done
        return False
    return own in recusal_circle_ids(depositors={depositor.pk, *also_ids})


def local_city(*, on: date) -> str:
    """The city the center serves on ``on`` (``Key.LOCAL_CITY``).

    Raises ``LookupError`` when no row is in force: counting no homes would lend
    as if the household owned none.
    """
    city = policy_in_force(on=on).value(Key.LOCAL_CITY)
    if not city:
        raise LookupError(Key.LOCAL_CITY)
    return str(city)


# --- homes and provident loans of the household (domain.md §3) ------------------------

# Minors are under 18 (民法典 art. 17): the children counted in the household.
ADULT_AGE: Final = 18


@dataclass(frozen=True, slots=True)
class HomeFact:
    """One home of a household member, as the decision and the clerk see it."""

    home_id: int
    holder: str  # "配偶刘娜"
    evidence: str  # "不动产权证号晋(2016)阳泉市不动产权第0001234号"
    address: str
    city: str
    registered_on: date
    disposed_on: date | None
    verified: bool
    count: FactCount  # COUNTED, DISPOSED or OUTSIDE_CITY on the date

    @property
    def label(self) -> str:
        pending = "" if self.verified else "（待核实）"
        return f"{self.holder}：{self.address}，{self.evidence}{pending}"


@dataclass(frozen=True, slots=True)
class PfLoanFact:
    """One provident loan of a household member, issued on or before the date."""

    record_id: int
    holder: str
    lender: str
    contract_number: str
    issued_on: date
    settled_on: date | None  # on or before the date, else None
    verified: bool

    @property
    def label(self) -> str:
        pending = "" if self.verified else "（待核实）"
        number = f"，合同{self.contract_number}" if self.contract_number else ""
        return f"{self.holder}：{self.lender}{self.issued_on.isoformat()}发放{number}{pending}"


@dataclass(frozen=True, slots=True)
class HouseholdHousing:
    """The household's homes and provident loans on a date: the one source of 套数认定 facts."""

    homes: tuple[HomeFact, ...]  # every member's homes registered by the date
    pf_loans: tuple[PfLoanFact, ...]  # every member's provident loans issued by the date
    unverified: int  # declared facts no clerk has verified yet (待核实)

    @property
    def held_homes(self) -> tuple[HomeFact, ...]:
        """Homes held in the city on the date: the home count."""
        return tuple(h for h in self.homes if h.count is FactCount.COUNTED)


def _household_members(*, depositor: Depositor, on: date) -> tuple[list[int], dict[int, str]]:
    """(depositor ids of the couple, {family member id: holder label}) on ``on``.

    The couple's current spouse and minor children, as either spouse records them.
    """
    ids = household_ids(depositor=depositor)
    # Born after this day: not yet 18 on ``on`` (29 February falls back to the 28th).
    adult_from = date(on.year - ADULT_AGE, on.month, min(on.day, 28 if on.month == 2 else 31))
    members = FamilyMember.objects.filter(depositor_id__in=ids, ended_on__isnull=True).filter(
        Q(relation=Relation.SPOUSE) | Q(relation=Relation.CHILD, birth_date__gt=adult_from)
    )
    return ids, {m.pk: f"{m.get_relation_display()}{m.name}" for m in members}


def _holder_label(
    *, applicant: Depositor, owner: Depositor | None, member_id: int | None, members: dict[int, str]
) -> str:
    if owner is not None:
        return f"本人{owner.name}" if owner.pk == applicant.pk else f"配偶{owner.name}"
    return members.get(member_id or 0, "")


def household_housing(*, depositor: Depositor, on: date) -> HouseholdHousing:
    """Every household member's homes and provident loans on ``on``, with their evidence.

    Members: the couple (depositors here or not) and their minor children. A home
    recorded twice (joint owners, same certificate) counts once; so does a loan
    recorded for both spouses under one contract. The city is ``Key.LOCAL_CITY``.
    """
    ids, members = _household_members(depositor=depositor, on=on)
    city = local_city(on=on)
    held_by = Q(owner_id__in=ids) | Q(member_id__in=list(members))
    homes: list[HomeFact] = []
    seen: set[str] = set()
    for home in (
        Home.objects.filter(held_by, registered_on__lte=on).select_related("owner").order_by("pk")
    ):
        key = home.certificate_number.strip() or home.contract_number.strip() or f"#{home.pk}"
        if key in seen:
            continue
        seen.add(key)
        if home.disposed_on is not None and home.disposed_on <= on:
            count = FactCount.DISPOSED
        elif home.city != city:
            count = FactCount.OUTSIDE_CITY
        else:
            count = FactCount.COUNTED
        evidence = (
            f"不动产权证号{home.certificate_number}"
            if home.certificate_number
            else f"购房合同编号{home.contract_number}"
        )
        homes.append(
            HomeFact(
                home_id=home.pk,
                holder=_holder_label(
                    applicant=depositor, owner=home.owner, member_id=home.member_id, members=members
                ),
                evidence=evidence,
                address=home.address,
                city=home.city,
                registered_on=home.registered_on,
                disposed_on=home.disposed_on if count is FactCount.DISPOSED else None,
                verified=home.verified_at is not None,
                count=count,
            )
        )
    loans: list[PfLoanFact] = []
    seen = set()
    for record in (
        PfLoanRecord.objects.filter(
            Q(borrower_id__in=ids) | Q(member_id__in=list(members)), issued_on__lte=on
        )
        .select_related("borrower")
        .order_by("issued_on", "pk")
    ):
        number = record.contract_number.strip()
        key = f"{record.lender}|{number}" if number else f"#{record.pk}"
        if key in seen:
            continue
        seen.add(key)
        settled = record.settled_on if record.settled_on and record.settled_on <= on else None
        loans.append(
            PfLoanFact(
                record_id=record.pk,
                holder=_holder_label(
                    applicant=depositor,
                    owner=record.borrower,
                    member_id=record.member_id,
                    members=members,
                ),
                lender=record.lender,
                contract_number=number,
                issued_on=record.issued_on,
                settled_on=settled,
                verified=record.verified_at is not None,
            )
        )
    unverified = sum(not h.verified for h in homes) + sum(not p.verified for p in loans)
    return HouseholdHousing(homes=tuple(homes), pf_loans=tuple(loans), unverified=unverified)


def household_homes(*, depositor: Depositor, on: date) -> list[Home]:
    """Homes any household member holds in the local city on ``on`` (the home count)."""
    held = [h.home_id for h in household_housing(depositor=depositor, on=on).held_homes]
    return list(Home.objects.filter(pk__in=held).order_by("pk"))


def household_facts_unverified(*, depositor: Depositor, on: date) -> int:
    """Homes and provident loans of the household on ``on`` declared and not yet verified."""
    ids, members = _household_members(depositor=depositor, on=on)
    held_by = Q(member_id__in=list(members))
    return (
        Home.objects.filter(Q(owner_id__in=ids) | held_by, verified_at__isnull=True).count()
        + PfLoanRecord.objects.filter(
            Q(borrower_id__in=ids) | held_by, verified_at__isnull=True
        ).count()
    )


def recorded_family_member(*, depositor: Depositor, member_id: int) -> FamilyMember | None:
    """A family member the depositor recorded himself, or None (another household's too)."""
    return FamilyMember.objects.filter(depositor=depositor, pk=member_id).first()


def recorded_homes(*, depositor: Depositor) -> QuerySet[Home]:
    """Homes recorded for the depositor or for a family member on his record, verified or not."""
    return Home.objects.filter(Q(owner=depositor) | Q(member__depositor=depositor)).order_by("pk")


def recorded_pf_loans(*, depositor: Depositor) -> QuerySet[PfLoanRecord]:
    """Provident loans recorded for the depositor or for a family member on his record."""
    return PfLoanRecord.objects.filter(
        Q(borrower=depositor) | Q(member__depositor=depositor)
    ).order_by("pk")


def household_children(*, depositor: Depositor) -> int:
    """Distinct children recorded by either spouse (by ID number)."""
    ids = [d.pk for d in household_depositors(depositor=depositor)]
    numbers = FamilyMember.objects.filter(
        depositor_id__in=ids, relation=Relation.CHILD, ended_on__isnull=True
    ).values_list("id_number", flat=True)
    return len(set(numbers))


# --- special groups (domain.md §7, §8) -----------------------------------------------

# 52号 art. 2: 引进人才, 新市民 and 青年人 are the borrower's (or co-borrowing
# spouse's) own status; 现役军人家庭 and 多子女家庭 the family's. Records count
# for these groups; 青年人 only from the birth date, 多子女家庭 from the children.
PERSONAL_RECORDED_GROUPS: Final = frozenset({SpecialGroup.TALENT, SpecialGroup.NEW_CITIZEN})
FAMILY_RECORDED_GROUPS: Final = frozenset({SpecialGroup.MILITARY_FAMILY})


@dataclass(frozen=True, slots=True)
class GroupMembership:
    """One reason a person or family belongs to a special group on a date."""

    group: SpecialGroup
    basis: str  # for the clerk: "张伟2026-12-01时31岁（≤35岁）", "认定记录#41……"


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _norm_city(city: str) -> str:
    c = city.strip()
    return c[:-1] if c.endswith("市") and len(c) > 1 else c


def youth_membership(
    *, name: str, birth_date: date, on: date, policy: PolicySnapshot
) -> GroupMembership | None:
    """青年人: at most ``Key.YOUTH_MAX_AGE`` years old on ``on`` (no row in force: none)."""
    max_age = policy.value(Key.YOUTH_MAX_AGE)
    if max_age is None:
        return None
    age = age_on(birth_date, on)
    if age > int(max_age):
        return None
    return GroupMembership(
        SpecialGroup.YOUTH, f"{name}{on.isoformat()}时{age}岁（不超过{int(max_age)}岁）"
    )


def new_citizen_membership(
    *, depositor: Depositor, on: date, policy: PolicySnapshot
) -> GroupMembership | None:
    """新市民: no hukou in ``Key.LOCAL_CITY``, or settled there under the row's years.

    A blank hukou city is "not recorded", not "no local hukou": nothing is derived.
    """
    years = policy.value(Key.NEW_CITIZEN_MAX_HUKOU_YEARS)
    city = policy.value(Key.LOCAL_CITY)
    if years is None or not city or not depositor.hukou_city.strip():
        return None
    if _norm_city(depositor.hukou_city) != _norm_city(str(city)):
        return GroupMembership(
            SpecialGroup.NEW_CITIZEN,
            f"{depositor.name}户籍在{depositor.hukou_city.strip()}，非{_norm_city(str(city))}户籍",
        )
    since = depositor.hukou_since
    if since is None:
        return None
    month_index = since.month - 1 + int(years) * 12
    year, month = since.year + month_index // 12, month_index % 12 + 1
    until = date(year, month, min(since.day, calendar.monthrange(year, month)[1]))
    if on >= until:
        return None
    return GroupMembership(
        SpecialGroup.NEW_CITIZEN,
        f"{depositor.name}{since.isoformat()}落户本市，不满{int(years)}年",
    )


def is_new_citizen(*, depositor: Depositor, on: date, policy: PolicySnapshot) -> bool:
    return new_citizen_membership(depositor=depositor, on=on, policy=policy) is not None


def _recorded(
    *, depositor_ids: Iterable[int], groups: frozenset[SpecialGroup], on: date
) -> set[GroupMembership]:
    rows = (
        SpecialGroupMembership.objects.filter(
            depositor_id__in=list(depositor_ids),
            group__in=[g.value for g in groups],
            verified_at__isnull=False,
            valid_from__lte=on,
            revoked_at__isnull=True,
        )
        .exclude(valid_to__lt=on)
        .select_related("depositor")
        .order_by("pk")
    )
    out: set[GroupMembership] = set()
    for row in rows:
        group = SpecialGroup(row.group)
        until = row.valid_to.isoformat() if row.valid_to else "长期"
        out.add(
            GroupMembership(
                group,
                f"{row.depositor.name}{group.label}认定记录#{row.pk}"
                f"（{row.evidence}，有效期{row.valid_from.isoformat()}至{until}）",
            )
        )
    return out


def special_groups_of(
    *, depositor: Depositor, on: date, co_borrower: FamilyMember | None = None
) -> frozenset[GroupMembership]:
    """The special groups that apply to ``depositor`` on ``on``, each with why.

    Personal groups count for ``depositor`` and, for a loan, the co-borrowing
    spouse ``co_borrower`` only; family groups for the household. 青年人 and
    新市民 are derived from the person's facts (a verified 新市民 record also
    counts), 引进人才 and 现役军人家庭 need a verified record valid on ``on``,
    多子女家庭 follows from the recorded children. Used by loans, rental
    withdrawals, the quote's account path and the start page (domain.md §8).
    """
    policy = policy_in_force(on=on)
    found: set[GroupMembership] = set()
    people: list[Depositor] = [depositor]
    if co_borrower is not None and co_borrower.relative_depositor is not None:
        people.append(co_borrower.relative_depositor)
    elif co_borrower is not None:  # a spouse who is no depositor: the recorded birth date
        spouse_youth = youth_membership(
            name=co_borrower.name, birth_date=co_borrower.birth_date, on=on, policy=policy
        )
        if spouse_youth is not None:
            found.add(spouse_youth)
    for person in people:
        for derived in (
            youth_membership(name=person.name, birth_date=person.birth_date, on=on, policy=policy),
            new_citizen_membership(depositor=person, on=on, policy=policy),
        ):
            if derived is not None:
                found.add(derived)
    found |= _recorded(
        depositor_ids=[p.pk for p in people],
        groups=PERSONAL_RECORDED_GROUPS,
        on=on,
    )
    found |= _recorded(
        depositor_ids=household_ids(depositor=depositor),
        groups=FAMILY_RECORDED_GROUPS,
        on=on,
    )
    min_children = policy.value(Key.MULTI_CHILD_MIN_CHILDREN)
    children = household_children(depositor=depositor)
    if min_children is not None and children >= int(min_children):
        found.add(
            GroupMembership(
                SpecialGroup.MULTI_CHILD,
                f"家庭登记子女{children}名（不少于{int(min_children)}名）",
            )
        )
    return frozenset(found)


def special_group_codes(memberships: Iterable[GroupMembership]) -> frozenset[SpecialGroup]:
    """The groups among ``memberships`` (a group met twice counts once)."""
    return frozenset(m.group for m in memberships)


# --- ledger facts -------------------------------------------------------------------


def account_continuous_deposit_months(*, account: ProvidentAccount, on: date) -> int:
    """Calendar months in a row, up to ``on``, with a 汇缴 entry not reversed.

    Counted back from this month, or from last month while this month's
    remittance has not arrived yet (domain.md §8, 正常缴存职工).
    """
    dates = (
        AccountEntry.objects.filter(
            account=account,
            entry_type=EntryType.REMITTANCE,
            value_date__lte=on,
            amount__gt=0,
            reversed_by__isnull=True,
        )
        .values_list("value_date", flat=True)
        .distinct()
    )
    months = {d.year * 12 + d.month - 1 for d in dates}
    current = on.year * 12 + on.month - 1
    if current not in months:
        current -= 1
    count = 0
    while current in months:
        count += 1
        current -= 1
    return count
