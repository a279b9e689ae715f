"""Reads for loan applications and loans.

``household_loan_facts`` turns what the center holds about a household into the
engine's ``LoanFacts``. Documented choices:

* Household: the applicant and the current spouse who is a depositor, plus
  anyone who has recorded *the applicant* as their current spouse, so a
  one-sided spouse record still joins the couple (gjj's ``household_ids``).
* Homes: ``household_homes`` on the date (registered, not disposed, in the
  city of ``Key.LOCAL_CITY``).
* Prior provident loans: ``household_pf_loans`` (``PfLoanRecord``: the center's
  history, including this center's own disbursed loans), only those issued on
  or before the date; "settled" means settled on or before the date.
* Special groups: the verified memberships valid on the date
  (``household_special_groups``, both spouses) plus two derived ones —
  青年人 when the applicant (or the co-borrowing spouse) is at most
  ``Key.YOUTH_MAX_AGE`` years old on the date, and 新市民 when the applicant
  (or the co-borrowing spouse, if a depositor) has no local hukou or settled
  there less than ``Key.NEW_CITIZEN_MAX_HUKOU_YEARS`` years before the date.
  A blank hukou city is "not recorded", not "no local hukou": nothing is
  derived from it. A parameter with no row in force derives nothing.
* Birth date and sex (retirement limit on the term) are the applicant's;
  account balance and continuous deposit months are the applicant's account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from gjj.domain import PropertyType, RepaymentMethod, SpecialGroup
from gjj.models import Depositor, FamilyMember, ProvidentAccount, Relation
from gjj.policy import Key, PolicySnapshot
from gjj.selectors import (
    household_children,
    household_homes,
    household_ids,
    household_pf_loans,
    household_special_groups,
    policy_in_force,
)
from loans.engine import CommercialLoan, LoanFacts, PriorPfLoan
from loans.models import (
    ApplicationKind,
    ApplicationStatus,
    Loan,
    LoanApplication,
    RateChange,
    Repayment,
    ScheduleVersion,
)
from loans.schedules import Installment, add_months, build_schedule

# --- households --------------------------------------------------------------------


def current_spouse(*, depositor: Depositor) -> FamilyMember | None:
    return (
        FamilyMember.objects.filter(
            depositor=depositor, relation=Relation.SPOUSE, ended_on__isnull=True
        )
        .select_related("relative_depositor")
        .first()
    )


def _age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _norm_city(city: str) -> str:
    c = city.strip()
    return c[:-1] if c.endswith("市") and len(c) > 1 else c


def is_youth(*, birth_date: date, on: date, policy: PolicySnapshot) -> bool:
    max_age = policy.value(Key.YOUTH_MAX_AGE)
    return max_age is not None and _age_on(birth_date, on) <= int(max_age)


def is_new_citizen(*, depositor: Depositor, on: date, policy: PolicySnapshot) -> bool:
    years = policy.value(Key.NEW_CITIZEN_MAX_HUKOU_YEARS)
    city = policy.value(Key.LOCAL_CITY)
    if years is None or not city or not depositor.hukou_city.strip():
        return False
    if _norm_city(depositor.hukou_city) != _norm_city(city):
        return True
    since = depositor.hukou_since
    return since is not None and on < add_months(since, int(years) * 12)


def derived_special_groups(
    *, depositor: Depositor, co_borrower: FamilyMember | None, on: date, policy: PolicySnapshot
) -> set[str]:
    """青年人 / 新市民 derived from age and hukou (module docstring)."""
    groups: set[str] = set()
    if is_youth(birth_date=depositor.birth_date, on=on, policy=policy):
        groups.add(SpecialGroup.YOUTH.value)
    if is_new_citizen(depositor=depositor, on=on, policy=policy):
        groups.add(SpecialGroup.NEW_CITIZEN.value)
    if co_borrower is not None:
        if is_youth(birth_date=co_borrower.birth_date, on=on, policy=policy):
            groups.add(SpecialGroup.YOUTH.value)
        spouse = co_borrower.relative_depositor
        if spouse is not None and is_new_citizen(depositor=spouse, on=on, policy=policy):
            groups.add(SpecialGroup.NEW_CITIZEN.value)
    return groups


def household_loan_facts(
    *,
    depositor: Depositor,
    application: LoanApplication,
    on: date,
    policy: PolicySnapshot | None = None,
    loan_amount: Decimal | None = None,
    term_months: int | None = None,
    repayment_method: str | None = None,
) -> LoanFacts:
    """The engine's facts for ``application`` as the center holds them on ``on``.

    ``loan_amount``/``term_months``/``repayment_method`` override the
    application's (approval and contract terms re-run the engine with them).
    """
    policy = policy or policy_in_force(on=on)
    homes = household_homes(depositor=depositor, on=on)
    prior = tuple(
        PriorPfLoan(issued_on=r.issued_on, settled=r.settled_on is not None and r.settled_on <= on)
        for r in household_pf_loans(depositor=depositor)
        if r.issued_on <= on
    )
    co_borrower = application.co_borrower
    groups = household_special_groups(depositor=depositor, on=on)
    groups |= derived_special_groups(
        depositor=depositor, co_borrower=co_borrower, on=on, policy=policy
    )
    account = ProvidentAccount.objects.filter(depositor=depositor).first()
    commercial = None
    if application.kind == ApplicationKind.SZG:
        commercial = CommercialLoan(
            bank=application.szg_bank,
            city=application.szg_city,
            issued_on=application.szg_issued_on,  # type: ignore[arg-type]
            remaining_principal=application.szg_remaining_principal or Decimal("0"),
            remaining_term_months=application.szg_remaining_term_months or 0,
        )
    return LoanFacts(
        property_type=PropertyType(application.property_type),
        new_build=application.new_build,
        house_price=application.house_price,
        term_months=term_months if term_months is not None else (application.term_months or 0),
        repayment_method=RepaymentMethod(repayment_method or application.repayment_method),
        homes_owned=len(homes),
        prior_pf_loans=prior,
        children=household_children(depositor=depositor),
        special_groups=frozenset(SpecialGroup(g) for g in groups),
        loan_amount=loan_amount if loan_amount is not None else application.requested_amount,
        voucher_amount=application.voucher_amount,
        commercial_loan=commercial,
        birth_date=depositor.birth_date,
        sex=depositor.sex,
        account_balance=account.balance if account is not None else None,
        monthly_income=application.monthly_income,
        continuous_deposit_months=account.continuous_deposit_months if account else None,
    )


# --- applications --------------------------------------------------------------------


def applications_of_household(*, depositor: Depositor) -> QuerySet[LoanApplication]:
    ids = household_ids(depositor=depositor)
    return (
        LoanApplication.objects.filter(applicant_id__in=ids)
        .select_related("applicant", "co_borrower", "loan")
        .order_by("-id")
    )


# Accepted and not yet decided: the statutory clock (条例 art. 26) is running.
AWAITING_DECISION = (ApplicationStatus.ACCEPTED, ApplicationStatus.REVIEWED)
# "Near its deadline": due within this many calendar days from today (a queue
# setting for the clerks, not a statutory figure).
NEAR_DEADLINE_DAYS = 3


def loan_applications_awaiting_decision() -> QuerySet[LoanApplication]:
    return LoanApplication.objects.filter(status__in=AWAITING_DECISION)


def loan_applications_overdue(*, on: date) -> QuerySet[LoanApplication]:
    """Awaiting a decision after the statutory deadline: the one definition of overdue."""
    return loan_applications_awaiting_decision().filter(deadline_on__lt=on)


def loan_applications_near_deadline(*, on: date) -> QuerySet[LoanApplication]:
    """Awaiting a decision, due from ``on`` to ``NEAR_DEADLINE_DAYS`` days later."""
    last = on + timedelta(days=NEAR_DEADLINE_DAYS)
    return loan_applications_awaiting_decision().filter(deadline_on__gte=on, deadline_on__lte=last)


def loan_application_is_overdue(*, application: LoanApplication, on: date) -> bool:
    """``loan_applications_overdue`` for one loaded row (no query)."""
    due = application.deadline_on
    return application.status in AWAITING_DECISION and due is not None and due < on


def application_decided_late(*, application: LoanApplication) -> bool:
    return (
        application.deadline_on is not None
        and application.decided_on is not None
        and application.decided_on > application.deadline_on
    )


# --- loans ----------------------------------------------------------------------------


def loans_of_household(*, depositor: Depositor) -> QuerySet[Loan]:
    ids = household_ids(depositor=depositor)
    return Loan.objects.filter(borrower_id__in=ids).select_related("borrower").order_by("-id")


def _versions(loan: Loan) -> list[ScheduleVersion]:
    return list(ScheduleVersion.objects.filter(loan=loan).order_by("version"))


def _schedule_of(version: ScheduleVersion) -> list[Installment]:
    return build_schedule(
        principal=version.principal,
        annual_rate_percent=version.annual_rate_percent,
        months=version.months,
        method=RepaymentMethod(version.method),
        first_due_date=version.first_due_date,
    )


@dataclass(frozen=True)
class ScheduleRow:
    """One installment in contract numbering, with the version it comes from."""

    number: int
    due_date: date
    payment: Decimal
    principal: Decimal
    interest: Decimal
    outstanding: Decimal
    version: int
    paid: bool = False
    paid_on: date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "due_date": self.due_date,
            "payment": self.payment,
            "principal": self.principal,
            "interest": self.interest,
            "outstanding": self.outstanding,
            "version": self.version,
            "paid": self.paid,
            "paid_on": self.paid_on,
        }


def _rows(versions: list[ScheduleVersion]) -> list[ScheduleRow]:
    rows: list[ScheduleRow] = []
    for i, v in enumerate(versions):
        # A later version takes over from its first installment on.
        end = v.starts_at_installment + v.months - 1
        for later in versions[i + 1 :]:
            end = min(end, later.starts_at_installment - 1)
        if end < v.starts_at_installment:
            continue
        for inst in _schedule_of(v)[: end - v.starts_at_installment + 1]:
            rows.append(
                ScheduleRow(
                    number=v.starts_at_installment + inst.number - 1,
                    due_date=inst.due_date,
                    payment=inst.payment,
                    principal=inst.principal,
                    interest=inst.interest,
                    outstanding=inst.outstanding,
                    version=v.version,
                )
            )
    return rows


def loan_schedule(*, loan: Loan) -> list[ScheduleRow]:
    """The whole schedule: each installment from the version in force for it, paid marked."""
    paid = dict(Repayment.objects.filter(loan=loan).values_list("installment_number", "paid_on"))
    return [
        ScheduleRow(**{**r.__dict__, "paid": r.number in paid, "paid_on": paid.get(r.number)})
        for r in _rows(_versions(loan))
    ]


def loan_installment(*, loan: Loan, number: int) -> ScheduleRow | None:
    """Installment ``number`` (contract numbering) under the version in force for it."""
    versions = [v for v in _versions(loan) if v.starts_at_installment <= number]
    if not versions:
        return None
    v = versions[-1]
    offset = number - v.starts_at_installment
    if offset >= v.months:
        return None
    inst = _schedule_of(v)[offset]
    return ScheduleRow(
        number=number,
        due_date=inst.due_date,
        payment=inst.payment,
        principal=inst.principal,
        interest=inst.interest,
        outstanding=inst.outstanding,
        version=v.version,
    )


def loan_rate_history(*, loan: Loan) -> list[dict[str, Any]]:
    """The disbursement rate, then every change (newest last)."""
    first = ScheduleVersion.objects.filter(loan=loan, version=1).first()
    history: list[dict[str, Any]] = []
    if first is not None:
        history.append(
            {
                "effective_on": loan.disbursed_on,
                "annual_rate_percent": first.annual_rate_percent,
                "rate_row": first.rate_row,
                "reason": "disbursement",
            }
        )
    for rc in RateChange.objects.filter(loan=loan).order_by("effective_on", "id"):
        history.append(
            {
                "effective_on": rc.effective_on,
                "annual_rate_percent": rc.to_rate,
                "rate_row": rc.rate_row,
                "reason": "repricing",
            }
        )
    return history


def loan_next_installment(*, loan: Loan) -> ScheduleRow | None:
    if loan.status != "active":
        return None
    return loan_installment(loan=loan, number=loan.next_installment_number)


def loan_by_contract(*, contract_number: str) -> Loan | None:
    return Loan.objects.filter(contract_number=contract_number.strip()).first()
