"""Reads for withdrawals: limits, allowances, deadlines, and what an applicant may see.

Every limit comes from ``policy_in_force(on=...)``; nothing here writes.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum

from gjj.calendar import Deadline, deadline_after
from gjj.errors import BusinessError
from gjj.models import (
    AuditLog,
    Depositor,
    FamilyMember,
    ProvidentAccount,
)
from gjj.money import round_fen
from gjj.policy import Citation, Key, PolicySnapshot
from gjj.selectors import (
    household_depositors,
    household_homes,
    local_date,
    policy_in_force,
    special_groups_of,
)
from withdrawals.models import (
    COUNTED_STATUSES,
    MemberRelation,
    Purchase,
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
    *, depositor: Depositor, on: date, policy: PolicySnapshot | None = None
) -> set[str]:
    """Groups that count for the withdrawing person on ``on`` (domain.md §8).

    The person's own groups and the family's, from the one rule
    (``gjj.selectors.special_groups_of``); a spouse's personal groups do not count.
    """
    return {m.group.value for m in special_groups_of(depositor=depositor, on=on)}


def rental_cap(
    *, depositor: Depositor, on: date, policy: PolicySnapshot | None = None
) -> RentalCap:
    """The yearly cap in force on ``on`` for this person: special where a group qualifies.

    ``policy`` replaces the rows in force (a policy draft's preview).
    """
    policy = policy or policy_in_force(on=on)
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


def purchase_number_normal(number: str) -> str:
    """The form a contract or certificate number is stored and found in."""
    return "".join(number.split()).upper()


@dataclass(frozen=True)
class PurchaseRoom:
    """What is left of one purchase's own funds (domain.md §8: one purchase, one total)."""

    purchase_id: int
    number: str | None
    own_funds: Decimal  # price − all loans − 房票, never below zero
    approved: Decimal  # paid out for this purchase, by anyone
    in_flight: Decimal  # submitted or accepted, not yet decided
    remaining: Decimal

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "own_funds": str(self.own_funds),
            "approved": str(self.approved),
            "in_flight": str(self.in_flight),
            "remaining": str(self.remaining),
        }


def purchase_room(
    *, purchase: Purchase, exclude_application_id: int | None = None, in_flight: bool = True
) -> PurchaseRoom:
    """The own-funds room of ``purchase`` after every counted draw for it.

    ``in_flight=False`` counts only what was paid out (approval: see services).
    Lock the purchase row before trusting the answer for a write.
    """
    own_funds = max(ZERO, purchase.price - purchase.loans_amount - purchase.voucher_amount)
    rows = WithdrawalApplication.objects.filter(purchase=purchase, status__in=COUNTED_STATUSES)
    if exclude_application_id is not None:
        rows = rows.exclude(pk=exclude_application_id)
    approved = round_fen(
        rows.filter(status=WithdrawalStatus.APPROVED).aggregate(s=Sum("amount"))["s"] or ZERO
    )
    pending = round_fen(
        rows.exclude(status=WithdrawalStatus.APPROVED).aggregate(s=Sum("amount"))["s"] or ZERO
    )
    counted = approved + (pending if in_flight else ZERO)
    return PurchaseRoom(
        purchase_id=purchase.pk,
        number=purchase.number,
        own_funds=own_funds,
        approved=approved,
        in_flight=pending,
        remaining=max(ZERO, own_funds - counted),
    )


def purchase_by_number(*, number: str) -> Purchase | None:
    normal = purchase_number_normal(number)
    return Purchase.objects.filter(number=normal).first() if normal else None


def _in_buyers_family(*, buyer: Depositor, applicant: Depositor) -> bool:
    """The applicant is the buyer, a spouse, or a recorded parent or child (domain.md §5)."""
    if applicant.pk in {d.pk for d in household_depositors(depositor=buyer)}:
        return True
    return FamilyMember.objects.filter(
        Q(depositor=buyer, relative_depositor=applicant)
        | Q(depositor=applicant, relative_depositor=buyer)
    ).exists()


def purchase_check_stated(
    *,
    purchase: Purchase,
    applicant: Depositor,
    price: Decimal,
    loans_amount: Decimal,
    voucher_amount: Decimal,
    contract_date: date,
) -> None:
    """Refuse (400) a purchase number of another family, or figures that differ from it."""
    if applicant.pk != purchase.buyer_id and not _in_buyers_family(
        buyer=purchase.buyer, applicant=applicant
    ):
        message = f"购房记录{purchase.number}属于其他家庭，请核对购房合同编号或不动产权证号"
        raise BusinessError(
            "purchase_other_household",
            message,
            fields={"purchase_number": [{"code": "purchase_other_household", "message": message}]},
        )
    stated = {
        "price": (price, purchase.price, "房屋总价"),
        "loans_amount": (loans_amount, purchase.loans_amount, "贷款总额"),
        "voucher_amount": (voucher_amount, purchase.voucher_amount, "房票金额"),
        "contract_date": (contract_date, purchase.contract_date, "购房合同签订日期"),
    }
    conflicts = {f: (rec, label) for f, (given, rec, label) in stated.items() if given != rec}
    if conflicts:
        listed = "、".join(f"{label}{rec}" for rec, label in conflicts.values())
        raise BusinessError(
            "purchase_conflict",
            f"购房记录{purchase.number}已登记{listed}，与本次填写不一致",
            fields={
                f: [{"code": "purchase_conflict", "message": f"与已登记的{label}{rec}不一致"}]
                for f, (rec, label) in conflicts.items()
            },
        )


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
    room: PurchaseRoom | None = None  # when the purchase is already on record

    @property
    def remaining(self) -> Decimal:
        return self.room.remaining if self.room is not None else self.own_funds

    @property
    def max_total(self) -> Decimal:
        eligible = sum((c.max_amount for c in self.candidates if c.eligible), ZERO)
        return min(self.remaining, eligible)

    def as_dict(self) -> dict[str, Any]:
        return {
            "on": self.on.isoformat(),
            "own_funds": str(self.own_funds),
            "window_months": self.window_months,
            "window_ends_on": self.window_ends_on.isoformat() if self.window_ends_on else None,
            "within_window": self.within_window,
            "contract_in_future": self.contract_in_future,
            "allowed_relations": list(self.allowed_relations),
            "remaining": str(self.remaining),
            "purchase": self.room.as_dict() if self.room is not None else None,
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
        max_amount=min(balance, limits.remaining) if problem is None else ZERO,
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
    purchase: Purchase | None = None,
) -> PurchaseLimits:
    """The limits of a purchase withdrawal applied for on ``on`` (domain.md §5, §8).

    With ``purchase`` (already on record) the room is what its draws left over.
    """
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
        room=purchase_room(purchase=purchase) if purchase is not None else None,
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


def decision_deadline(*, accepted_on: date) -> Deadline | None:
    """``Key.WITHDRAWAL_DECISION_DAYS`` working days after acceptance (条例 art. 25).

    行政许可法 art. 82: working days, statutory holidays skipped, 调休 days
    counted, the acceptance day not counted. None when no row is in force.
    """
    days = policy_in_force(on=accepted_on).value(Key.WITHDRAWAL_DECISION_DAYS)
    if days is None:
        return None
    return deadline_after(start=accepted_on, working_days=int(days))


def decision_due_on(*, accepted_on: date) -> date | None:
    """The date of ``decision_deadline``."""
    deadline = decision_deadline(accepted_on=accepted_on)
    return deadline.due_on if deadline is not None else None


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
        .select_related("payment", "purchase")
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
