"""Reads for withdrawals: limits, allowances, deadlines, and what an applicant may see.

Every limit comes from ``policy_in_force(on=...)``; nothing here writes.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from gjj.domain import SpecialGroup
from gjj.errors import BusinessError
from gjj.models import (
    AuditLog,
    Depositor,
    FamilyMember,
    ProvidentAccount,
    SpecialGroupMembership,
)
from gjj.money import round_fen
from gjj.policy import Citation, Key, PolicySnapshot
from gjj.selectors import (
    household_children,
    household_depositors,
    household_homes,
    local_date,
    policy_in_force,
)
from withdrawals.models import (
    COUNTED_STATUSES,
    MemberRelation,
    RentPeriod,
    WithdrawalApplication,
    WithdrawalKind,
    WithdrawalMember,
    WithdrawalStatus,
)

ZERO = Decimal("0.00")


def add_months(start: date, months: int) -> date:
    """The corresponding day ``months`` later; the month's last day when there is none.

    民法典 第二百零一条、第二百零二条: a period counted in months starts the day
    after ``start`` and ends on the corresponding day of the last month, or on
    that month's last day when it has no such day.
    """
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    if year > date.max.year:
        return date.max  # a window that never ends within the calendar
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def account_of(depositor: Depositor) -> ProvidentAccount | None:
    return ProvidentAccount.objects.filter(depositor=depositor).first()


# --- rental ------------------------------------------------------------------------


@dataclass(frozen=True)
class RentalCap:
    amount: Decimal
    special: bool
    groups: tuple[str, ...]  # the groups that earned the special cap
    citation: Citation


@dataclass(frozen=True)
class RentalAllowance:
    year: int
    on: date
    cap: RentalCap
    used: Decimal  # approved claims of the year
    in_flight: Decimal  # submitted or accepted claims of the year
    remaining: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "on": self.on.isoformat(),
            "cap": str(self.cap.amount),
            "special": self.cap.special,
            "groups": list(self.cap.groups),
            "used": str(self.used),
            "in_flight": str(self.in_flight),
            "remaining": str(self.remaining),
            "citation": self.cap.citation.as_dict(),
        }


def special_groups_for_rental(
    *, depositor: Depositor, on: date, policy: PolicySnapshot
) -> set[str]:
    """Groups of the person or the spouse that count on ``on`` (domain.md §7).

    A membership counts while verified, valid and not revoked; 青年人 only while
    its holder's age is within ``Key.YOUTH_MAX_AGE``; 多子女家庭 also follows from
    the children the household records (``Key.MULTI_CHILD_MIN_CHILDREN``).
    """
    household = household_depositors(depositor=depositor)
    rows = (
        SpecialGroupMembership.objects.filter(
            depositor__in=household,
            verified_at__isnull=False,
            valid_from__lte=on,
            revoked_at__isnull=True,
        )
        .exclude(valid_to__lt=on)
        .select_related("depositor")
    )
    youth_max = policy.value(Key.YOUTH_MAX_AGE)
    groups: set[str] = set()
    for row in rows:
        if (
            row.group == SpecialGroup.YOUTH
            and youth_max is not None
            and age_on(row.depositor.birth_date, on) > int(youth_max)
        ):
            continue
        groups.add(row.group)
    min_children = policy.value(Key.MULTI_CHILD_MIN_CHILDREN)
    if min_children is not None and household_children(depositor=depositor) >= int(min_children):
        groups.add(SpecialGroup.MULTI_CHILD.value)
    return groups


def rental_cap(*, depositor: Depositor, on: date) -> RentalCap:
    """The yearly cap in force on ``on`` for this person: special where a group qualifies."""
    policy = policy_in_force(on=on)
    special = policy.param(Key.RENTAL_CAP_SPECIAL)
    listed = policy.param(Key.RENTAL_CAP_SPECIAL_GROUPS)
    if special is not None and special.is_set and listed is not None and listed.is_set:
        qualifying = special_groups_for_rental(depositor=depositor, on=on, policy=policy) & set(
            listed.value
        )
        if qualifying:
            return RentalCap(special.value, True, tuple(sorted(qualifying)), special.citation)
    standard = policy.param(Key.RENTAL_CAP_STANDARD)
    if standard is None or not standard.is_set:
        raise BusinessError("policy_missing", f"{on}无有效的租房提取额度政策")
    return RentalCap(standard.value, False, (), standard.citation)


def rental_allowance(
    *, depositor: Depositor, year: int, on: date, exclude_application_id: int | None = None
) -> RentalAllowance:
    """What the person may still draw for rent in ``year`` at the cap in force on ``on``."""
    cap = rental_cap(depositor=depositor, on=on)
    rows = WithdrawalApplication.objects.filter(
        applicant=depositor,
        kind=WithdrawalKind.RENTAL,
        rent_year=year,
        status__in=COUNTED_STATUSES,
    )
    if exclude_application_id is not None:
        rows = rows.exclude(pk=exclude_application_id)
    # SQLite's SUM drops the scale; the fen is restored so messages read "10000.00".
    used = round_fen(
        rows.filter(status=WithdrawalStatus.APPROVED).aggregate(s=Sum("amount"))["s"] or ZERO
    )
    in_flight = round_fen(
        rows.exclude(status=WithdrawalStatus.APPROVED).aggregate(s=Sum("amount"))["s"] or ZERO
    )
    remaining = max(ZERO, cap.amount - used - in_flight)
    return RentalAllowance(
        year=year, on=on, cap=cap, used=used, in_flight=in_flight, remaining=remaining
    )


def rental_preview(*, depositor: Depositor, year: int, on: date) -> dict[str, Any]:
    """What an applicant sees before applying: allowance, balance, and the most one claim can be."""
    allowance = rental_allowance(depositor=depositor, year=year, on=on)
    account = account_of(depositor)
    owns_home = bool(household_homes(depositor=depositor, on=on))
    max_amount = ZERO
    if account is not None and not owns_home:
        max_amount = min(allowance.remaining, account.balance)
    return {
        **allowance.as_dict(),
        "balance": str(account.balance) if account is not None else None,
        "owns_home": owns_home,
        "max_amount": str(max_amount),
        "claimed_months": sorted(rental_claimed_months(depositor=depositor, year=year)),
    }


def rent_months(period_type: str, period_index: int) -> set[int]:
    """The calendar months a rental claim covers; empty when the index is out of range."""
    match period_type:
        case RentPeriod.MONTHLY if 1 <= period_index <= 12:
            return {period_index}
        case RentPeriod.QUARTERLY if 1 <= period_index <= 4:
            return set(range(3 * period_index - 2, 3 * period_index + 1))
        case RentPeriod.YEARLY if period_index == 1:
            return set(range(1, 13))
    return set()


def rental_claimed_months(
    *, depositor: Depositor, year: int, exclude_application_id: int | None = None
) -> set[int]:
    rows = WithdrawalApplication.objects.filter(
        applicant=depositor,
        kind=WithdrawalKind.RENTAL,
        rent_year=year,
        status__in=COUNTED_STATUSES,
    )
    if exclude_application_id is not None:
        rows = rows.exclude(pk=exclude_application_id)
    months: set[int] = set()
    for period_type, index in rows.values_list("period_type", "period_index"):
        if index is not None:  # always, for a rental row (the table's check constraint)
            months |= rent_months(period_type, index)
    return months


# --- purchase ----------------------------------------------------------------------


@dataclass(frozen=True)
class PurchaseCandidate:
    """A person the buyer could name, whether they may draw, and up to how much."""

    relation: str
    family_member_id: int | None
    depositor_id: int | None
    name: str
    eligible: bool
    problem_code: str
    problem: str
    max_amount: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "relation": self.relation,
            "family_member": self.family_member_id,
            "name": self.name,
            "eligible": self.eligible,
            "problem_code": self.problem_code,
            "problem": self.problem,
            "max_amount": str(self.max_amount),
        }


@dataclass(frozen=True)
class PurchaseLimits:
    on: date
    own_funds: Decimal  # price − loans − voucher, never below zero
    window_months: int | None
    window_ends_on: date | None
    within_window: bool
    contract_in_future: bool
    allowed_relations: tuple[str, ...]
    relations_citation: Citation | None
    window_citation: Citation | None
    candidates: tuple[PurchaseCandidate, ...] = ()

    @property
    def max_total(self) -> Decimal:
        eligible = sum((c.max_amount for c in self.candidates if c.eligible), ZERO)
        return min(self.own_funds, eligible)

    def as_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "own_funds": str(self.own_funds),
            "window_months": self.window_months,
            "window_ends_on": self.window_ends_on.isoformat() if self.window_ends_on else None,
            "within_window": self.within_window,
            "contract_in_future": self.contract_in_future,
            "allowed_relations": list(self.allowed_relations),
            "max_total": str(self.max_total),
            "candidates": [c.as_dict() for c in self.candidates],
            "citations": {
                "relations": self.relations_citation.as_dict() if self.relations_citation else None,
                "window": self.window_citation.as_dict() if self.window_citation else None,
            },
        }


def purchase_member_problem(
    *,
    buyer: Depositor,
    relation: str,
    family_member: FamilyMember | None,
    allowed_relations: tuple[str, ...],
    on: date,
) -> tuple[str, str] | None:
    """Why this person may not draw for the buyer on ``on`` (code, message), or None."""
    label = MemberRelation(relation).label
    if relation not in allowed_relations:
        allowed = "、".join(MemberRelation(r).label for r in allowed_relations) or "无"
        return (
            "relation_not_allowed",
            f"{on}适用的政策不允许提取{label}的住房公积金（允许：{allowed}）",
        )
    if relation == MemberRelation.SELF:
        return None
    if family_member is None or family_member.depositor_id != buyer.pk:
        return "family_member_not_found", f"未找到申请人登记的{label}"
    who = f"{label}{family_member.name}"
    if family_member.relation != relation:
        return "relation_mismatch", f"{family_member.name}登记的关系不是{label}"
    if family_member.ended_on is not None and family_member.ended_on <= on:
        return "relation_ended", f"与{who}的家庭关系已终止"
    if family_member.verified_at is None:
        return "relation_not_verified", f"与{who}的家庭关系尚未核验"
    if family_member.relative_depositor_id is None:
        return "member_not_depositor", f"{who}不是本中心缴存职工"
    return None


def _candidate(
    *,
    buyer: Depositor,
    relation: str,
    family_member: FamilyMember | None,
    limits: PurchaseLimits,
) -> PurchaseCandidate:
    problem = purchase_member_problem(
        buyer=buyer,
        relation=relation,
        family_member=family_member,
        allowed_relations=limits.allowed_relations,
        on=limits.on,
    )
    depositor = buyer if family_member is None else family_member.relative_depositor
    name = buyer.name if family_member is None else family_member.name
    balance = ZERO
    if problem is None and depositor is not None:
        account = account_of(depositor)
        if account is None:
            problem = ("no_account", f"{name}没有个人公积金账户")
        else:
            balance = account.balance
    return PurchaseCandidate(
        relation=relation,
        family_member_id=family_member.pk if family_member else None,
        depositor_id=depositor.pk if depositor is not None else None,
        name=name,
        eligible=problem is None,
        problem_code=problem[0] if problem else "",
        problem=problem[1] if problem else "",
        max_amount=min(balance, limits.own_funds) if problem is None else ZERO,
    )


def purchase_limits(
    *,
    buyer: Depositor,
    on: date,
    price: Decimal,
    loans_amount: Decimal,
    voucher_amount: Decimal,
    contract_date: date,
    with_candidates: bool = True,
) -> PurchaseLimits:
    """The limits of a purchase withdrawal applied for on ``on`` (domain.md §5)."""
    policy = policy_in_force(on=on)
    relations_pv = policy.param(Key.PURCHASE_FAMILY_RELATIONS)
    allowed = tuple(relations_pv.value) if relations_pv is not None and relations_pv.is_set else ()
    window_pv = policy.param(Key.PURCHASE_WINDOW_MONTHS)
    window = int(window_pv.value) if window_pv is not None and window_pv.is_set else None
    ends = add_months(contract_date, window) if window is not None else None
    limits = PurchaseLimits(
        on=on,
        own_funds=max(ZERO, price - loans_amount - voucher_amount),
        window_months=window,
        window_ends_on=ends,
        within_window=contract_date <= on and (ends is None or on <= ends),
        contract_in_future=contract_date > on,
        allowed_relations=allowed,
        relations_citation=relations_pv.citation if relations_pv is not None else None,
        window_citation=window_pv.citation if window_pv is not None else None,
    )
    if not with_candidates:
        return limits
    candidates = [
        _candidate(buyer=buyer, relation=MemberRelation.SELF, family_member=None, limits=limits)
    ]
    family = (
        FamilyMember.objects.filter(depositor=buyer)
        .exclude(ended_on__lte=on)
        .select_related("relative_depositor")
        .order_by("pk")
    )
    for member in family:
        candidates.append(
            _candidate(buyer=buyer, relation=member.relation, family_member=member, limits=limits)
        )
    return replace(limits, candidates=tuple(candidates))


# --- deadlines, queues, visibility -------------------------------------------------


def decision_due_on(*, accepted_on: date) -> date | None:
    """Acceptance date + ``Key.WITHDRAWAL_DECISION_DAYS`` calendar days (条例 art. 25).

    Calendar days, the acceptance day not counted (民法典 第二百零一条): accepted
    on a Monday with 3 days, the decision is due by Thursday. No holiday
    extension: the system keeps no holiday calendar, and the earlier date is
    the safe one for citizens.
    """
    days = policy_in_force(on=accepted_on).value(Key.WITHDRAWAL_DECISION_DAYS)
    if days is None:
        return None
    return accepted_on + timedelta(days=int(days))


def withdrawal_applications_awaiting_decision() -> QuerySet[WithdrawalApplication]:
    """Accepted and not yet decided: the decision clock (条例 art. 25) is running."""
    return WithdrawalApplication.objects.filter(status=WithdrawalStatus.ACCEPTED)


def withdrawal_applications_overdue(*, on: date) -> QuerySet[WithdrawalApplication]:
    """Awaiting a decision after its deadline: the one definition of overdue."""
    return withdrawal_applications_awaiting_decision().filter(decision_due_on__lt=on)


def withdrawal_applications_near_deadline(*, on: date) -> QuerySet[WithdrawalApplication]:
    """Awaiting a decision that is due on ``on`` itself (the queue's 今日到期)."""
    return withdrawal_applications_awaiting_decision().filter(decision_due_on=on)


def withdrawal_application_is_overdue(*, application: WithdrawalApplication, on: date) -> bool:
    """``withdrawal_applications_overdue`` for one loaded row (no query)."""
    due = application.decision_due_on
    return application.status == WithdrawalStatus.ACCEPTED and due is not None and due < on


def withdrawal_application_decided_late(*, application: WithdrawalApplication) -> bool:
    """Decided after its deadline (by the business date of the decision)."""
    due, decided_at = application.decision_due_on, application.decided_at
    return due is not None and decided_at is not None and local_date(decided_at) > due


def applications_of(depositor: Depositor) -> QuerySet[WithdrawalApplication]:
    return (
        WithdrawalApplication.objects.filter(applicant=depositor)
        .select_related("payment")
        .prefetch_related("members__depositor")
        .order_by("-id")
    )


def consents_for(depositor: Depositor) -> QuerySet[WithdrawalMember]:
    """Requests addressed to this depositor to consent to a relative's withdrawal."""
    return (
        WithdrawalMember.objects.filter(depositor=depositor)
        .exclude(relation=MemberRelation.SELF)
        .select_related("application__applicant")
        .order_by("-id")
    )


def audit_trail(application: WithdrawalApplication) -> QuerySet[AuditLog]:
    """Audit rows of the application, its members and its payment."""
    member_ids = [str(pk) for pk in application.members.values_list("pk", flat=True)]
    query = Q(object_type="withdrawals.withdrawalapplication", object_id=str(application.pk))
    query |= Q(object_type="withdrawals.withdrawalmember", object_id__in=member_ids)
    payment = getattr(application, "payment", None) if application.pk else None
    if payment is not None:
        query |= Q(object_type="withdrawals.withdrawalpayment", object_id=str(payment.pk))
    return AuditLog.objects.filter(query).order_by("id")
