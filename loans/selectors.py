"""Reads for loan applications and loans.

``household_loan_facts`` turns what the center holds about a household into the
engine's ``LoanFacts``. Documented choices:

* Household: the applicant and the current spouse who is a depositor, plus
  anyone who has recorded *the applicant* as their current spouse, so a
  one-sided spouse record still joins the couple (gjj's ``household_ids``).
* Homes and prior provident loans: ``household_housing`` on the date — every
  member's (the couple, depositors here or not, and their minor children):
  homes held in the city of ``Key.LOCAL_CITY``, loans issued on or before the
  date ("settled" means settled on or before it, this center's own included).
  Each goes to the engine with its evidence, so the decision lists them.
* Special groups: ``gjj.selectors.special_groups_of`` on the date — personal
  groups of the applicant and the co-borrowing spouse only, family groups of
  the household (domain.md §8); each membership's basis goes into the reasons.
* Birth date and sex (retirement limit on the term) are the applicant's;
  account status and balance are the applicant's account, continuous deposit
  months are counted from its monthly 汇缴 entries up to the date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from gjj.domain import PropertyType, RepaymentMethod
from gjj.models import Depositor, FamilyMember, ProvidentAccount, Relation
from gjj.policy import PolicySnapshot
from gjj.selectors import (
    account_continuous_deposit_months,
    household_children,
    household_housing,
    household_ids,
    policy_in_force,
    special_group_codes,
    special_groups_of,
)
from loans.engine import CommercialLoan, HomeEvidence, LoanFacts, PriorPfLoan
from loans.models import (
    ApplicationKind,
    ApplicationStatus,
    Loan,
    LoanApplication,
    RateChange,
    Repayment,
    ScheduleVersion,
)
from loans.schedules import Installment, build_schedule

# --- households --------------------------------------------------------------------


def current_spouse(*, depositor: Depositor) -> FamilyMember | None:
    return (
        FamilyMember.objects.filter(
            depositor=depositor, relation=Relation.SPOUSE, ended_on__isnull=True
        )
        .select_related("relative_depositor")
        .first()
    )


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
    housing = household_housing(depositor=depositor, on=on)
    prior = tuple(
        PriorPfLoan(issued_on=p.issued_on, settled=p.settled_on is not None, label=p.label)
        for p in housing.pf_loans
    )
    # 商转公: the refinanced home is the one recorded at the application's address.
    financed_at = (
        application.property_address.strip() if application.kind == ApplicationKind.SZG else ""
    )
    home_evidence = tuple(
        HomeEvidence(
            label=h.label + (f"，{h.disposed_on.isoformat()}处置" if h.disposed_on else ""),
            count=h.count,
            financed=bool(financed_at) and h.address.strip() == financed_at,
        )
        for h in housing.homes
    )
    memberships = special_groups_of(depositor=depositor, on=on, co_borrower=application.co_borrower)
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
        homes_owned=len(housing.held_homes),
        prior_pf_loans=prior,
        children=household_children(depositor=depositor),
        special_groups=special_group_codes(memberships),
        special_group_basis=tuple(sorted(m.basis for m in memberships)),
        home_evidence=home_evidence,
        loan_amount=loan_amount if loan_amount is not None else application.requested_amount,
        voucher_amount=application.voucher_amount,
        commercial_loan=commercial,
        birth_date=depositor.birth_date,
        sex=depositor.sex,
        account_balance=account.balance if account is not None else None,
        monthly_income=application.monthly_income,
        continuous_deposit_months=(
            account_continuous_deposit_months(account=account, on=on) if account else None
        ),
        account_status=account.status if account is not None else None,
        account_status_label=account.get_status_display() if account is not None else "",
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
    # Through the related manager, so each version knows its loan without a query.
    return list(loan.schedule_versions.order_by("version"))


def schedule_of(version: ScheduleVersion) -> list[Installment]:
    # Installment 1 is charged by actual days from disbursement (domain.md §6),
    # whichever version (v1, a prepayment, a repricing) starts there.
    starts_loan = version.starts_at_installment == 1
    return build_schedule(
        principal=version.principal,
        annual_rate_percent=version.annual_rate_percent,
        months=version.months,
        method=RepaymentMethod(version.method),
        first_due_date=version.first_due_date,
        first_period_from=version.loan.disbursed_on if starts_loan else None,
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
        for inst in schedule_of(v)[: end - v.starts_at_installment + 1]:
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
    return installment_of(versions=_versions(loan), number=number)


def installment_of(
    *,
    versions: list[ScheduleVersion],
    number: int,
    built: dict[int, list[Installment]] | None = None,
) -> ScheduleRow | None:
    """Installment ``number`` from a loan's versions (oldest first): the last one starting
    at or before it is in force. ``built`` keeps each version's schedule for a caller
    reading many installments (the night's collection, per chunk)."""
    in_force = [v for v in versions if v.starts_at_installment <= number]
    if not in_force:
        return None
    v = in_force[-1]
    offset = number - v.starts_at_installment
    if offset >= v.months:
        return None
    if built is None:
        schedule = schedule_of(v)
    else:
        if v.pk not in built:
            built[v.pk] = schedule_of(v)
        schedule = built[v.pk]
    inst = schedule[offset]
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
