"""What drafted policy rows would do to the book before they take effect (a dry run).

Three reports, each only where the draft has rows of its kind:

- rates: the loans the repricing rule in force would move to the drafted rates, on
  which date, by tier and term band; the monthly installment before and after; the
  change per loan (min, median, max); the interest of the 12 installments from the
  repricing date on, before and after. The repricing job's own dry run
  (``loans.repricing.repricing_totals``: its chunks, its statement per chunk on
  PostgreSQL, loan by loan through the schedules elsewhere), walked 12 months on.
- caps and down payments: the applications of the last 12 months decided again by
  the engine on their facts, under the drafted rows and under the rows in force.
- rental caps: the depositors with rental claims this year and what more (or less)
  they could draw.

Nothing is written; the result is plain JSON, stored with the draft by ``gjj.drafts``.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

from gjj.errors import BusinessError
from gjj.models import Depositor
from gjj.money import round_fen
from gjj.policy import Key, PolicySnapshot, PolicyValue, RateValue
from gjj.selectors import policy_in_force
from loans import selectors
from loans.engine import decide
from loans.models import LoanApplication
from loans.repricing import (
    CellTotals,
    ChunkMap,
    Drafted,
    Plan,
    chunks_in_process,
    first_repricing_date,
    repricing_plan,
    repricing_totals,
)
from loans.schedules import add_months
from withdrawals.models import COUNTED_STATUSES, WithdrawalApplication, WithdrawalKind
from withdrawals.selectors import rental_allowance, rental_cap

# The keys whose change the loan engine would feel on an application.
APPLICATION_KEYS = frozenset(
    {
        Key.LOAN_CAP_STANDARD,
        Key.LOAN_CAP_SPECIAL,
        Key.LOAN_CAP_SPECIAL_GROUPS,
        Key.DOWN_PAYMENT_COMMERCIAL_TIER1,
        Key.DOWN_PAYMENT_COMMERCIAL_TIER2,
        Key.DOWN_PAYMENT_AFFORDABLE_TIER1,
        Key.DOWN_PAYMENT_AFFORDABLE_TIER2,
    }
)
RENTAL_KEYS = frozenset(
    {Key.RENTAL_CAP_STANDARD, Key.RENTAL_CAP_SPECIAL, Key.RENTAL_CAP_SPECIAL_GROUPS}
)
WINDOW_MONTHS = 12  # the interest of the next 12 installments
LOOKBACK_MONTHS = 12  # the applications of the last 12 months
ZERO = Decimal("0.00")


def preview_run(*, on: date, drafted: Drafted) -> dict[str, Any]:
    """Every report the draft's rows call for, as of the business date ``on``."""
    keys = {p.key for p in drafted[0]}
    return {
        "on": on.isoformat(),
        "rates": rate_impact(on=on, drafted=drafted) if drafted[1] else None,
        "applications": (
            application_impact(on=on, drafted=drafted) if keys & APPLICATION_KEYS else None
        ),
        "rental": rental_impact(on=on, drafted=drafted) if keys & RENTAL_KEYS else None,
    }


# --- rates ---------------------------------------------------------------------------


def rate_plan(*, drafted: Drafted) -> Plan:
    """The repricing run that would first carry the drafted rates, under the rule then in force."""
    changed_on = min(r.citation.effective_from for r in drafted[1])
    rule = policy_in_force(on=changed_on, drafted=drafted).value(Key.REPRICING_RULE)
    if rule is None:
        raise BusinessError("policy_not_in_force", "重定价规则未设置")
    business_date = first_repricing_date(rule=rule, changed_on=changed_on)
    return repricing_plan(business_date=business_date, drafted=drafted)


def rate_impact(
    *, on: date, drafted: Drafted, chunk_map: ChunkMap = chunks_in_process
) -> dict[str, Any]:
    """The drafted rates' run as the repricing job's dry run computes it, plus 12 months' interest.

    The same chunks and the same computation as ``loans.repricing.reprice_dry_run``
    (``repricing_totals``), with the interest of the 12 installments from each
    loan's repricing start under its current schedule and under the new one.
    """
    plan = rate_plan(drafted=drafted)
    _, totals = repricing_totals(plan=plan, window_months=WINDOW_MONTHS, chunk_map=chunk_map)
    whole = totals.total
    return {
        "business_date": plan.business_date.isoformat(),
        "effective_on": plan.effective_on.isoformat(),
        "reference": plan.reference.isoformat(),
        "window_months": WINDOW_MONTHS,
        "cells": [
            _cell(tier, band, totals.cells[(tier, band)]) for tier, band in sorted(totals.cells)
        ],
        "total": {
            "loans": whole.loans,
            **_sums(whole),
            "change_min": _money(totals.change_min()),
            "change_median": _money(totals.change_median()),
            "change_max": _money(totals.change_max()),
        },
    }


def _sums(cell: CellTotals) -> dict[str, str]:
    return {
        "payment_before": str(round_fen(cell.installment_before)),
        "payment_after": str(round_fen(cell.installment_after)),
        "interest_before": str(round_fen(cell.interest_before)),
        "interest_after": str(round_fen(cell.interest_after)),
    }


def _cell(tier: int, band: str, cell: CellTotals) -> dict[str, Any]:
    return {"home_tier": tier, "term_band": band, "loans": cell.loans, **_sums(cell)}


# --- caps and down payments --------------------------------------------------------------


def _as_of(drafted: Drafted, on: date) -> Drafted:
    """The drafted rows as if in force from ``on`` (to decide past applications on them)."""

    def moved_param(p: PolicyValue) -> PolicyValue:
        return dataclasses.replace(
            p, citation=dataclasses.replace(p.citation, effective_from=on, effective_to=None)
        )

    def moved_rate(r: RateValue) -> RateValue:
        return dataclasses.replace(
            r, citation=dataclasses.replace(r.citation, effective_from=on, effective_to=None)
        )

    return [moved_param(p) for p in drafted[0]], [moved_rate(r) for r in drafted[1]]


def _outcome(before: Any, after: Any) -> str | None:
    if before.eligible != after.eligible:
        return "became_eligible" if after.eligible else "became_ineligible"
    low, high = before.max_loan_amount, after.max_loan_amount
    if low is None or high is None or low == high:
        return None
    return "amount_up" if high > low else "amount_down"


# How an application's decision moved (labelled in ``gjj.drafts``).
OUTCOMES = ("became_eligible", "became_ineligible", "amount_up", "amount_down")


def application_impact(*, on: date, drafted: Drafted) -> dict[str, Any]:
    """Applications submitted in the last 12 months, decided again under the drafted rows."""
    since = add_months(on, -LOOKBACK_MONTHS)
    apps = (
        LoanApplication.objects.filter(submitted_on__gte=since, submitted_on__lte=on)
        .select_related("applicant", "co_borrower")
        .order_by("pk")
    )
    changed: list[dict[str, Any]] = []
    examined = 0
    counts = dict.fromkeys(OUTCOMES, 0)
    amount_change = ZERO
    for app in apps:
        day = app.submitted_on
        if day is None:
            continue
        examined += 1
        actual = policy_in_force(on=day)
        hypothetical = policy_in_force(on=day, drafted=_as_of(drafted, day))
        facts = selectors.household_loan_facts(
            depositor=app.applicant, application=app, on=day, policy=actual
        )
        before, after = decide(facts, actual), decide(facts, hypothetical)
        outcome = _outcome(before, after)
        if outcome is None:
            continue
        counts[outcome] += 1
        delta = (after.max_loan_amount or ZERO) - (before.max_loan_amount or ZERO)
        amount_change += delta
        changed.append(
            {
                "number": app.number,
                "submitted_on": day.isoformat(),
                "outcome": outcome,
                "eligible_before": before.eligible,
                "eligible_after": after.eligible,
                "max_before": _money(before.max_loan_amount),
                "max_after": _money(after.max_loan_amount),
            }
        )
    return {
        "since": since.isoformat(),
        "examined": examined,
        "changed": len(changed),
        "by_outcome": counts,
        "max_amount_change": str(round_fen(amount_change)),
        "rows": changed,
    }


def _money(v: Decimal | None) -> str | None:
    return None if v is None else str(round_fen(v))


# --- rental caps -------------------------------------------------------------------------


def _rental_cap(depositor: Depositor, on: date, policy: PolicySnapshot) -> Decimal | None:
    """The cap ``withdrawals.selectors.rental_cap`` picks under ``policy``; None if unset."""
    try:
        return Decimal(rental_cap(depositor=depositor, on=on, policy=policy).amount)
    except BusinessError as exc:
        if exc.code == "policy_missing":
            return None
        raise


def rental_impact(*, on: date, drafted: Drafted) -> dict[str, Any]:
    """Depositors with rental claims this year: what more they could draw under the draft."""
    year = on.year
    ids = (
        WithdrawalApplication.objects.filter(
            kind=WithdrawalKind.RENTAL, rent_year=year, status__in=COUNTED_STATUSES
        )
        .values_list("applicant_id", flat=True)
        .distinct()
        .order_by("applicant_id")
    )
    hypothetical = policy_in_force(on=on, drafted=_as_of(drafted, on))
    rows: list[dict[str, Any]] = []
    extra_total = ZERO
    for depositor in Depositor.objects.filter(pk__in=list(ids)).order_by("pk"):
        allowance = rental_allowance(depositor=depositor, year=year, on=on)
        cap_after = _rental_cap(depositor, on, hypothetical)
        if cap_after is None:
            continue
        spent = allowance.used + allowance.in_flight
        remaining_after = max(ZERO, cap_after - spent)
        extra = remaining_after - allowance.remaining
        if extra == 0:
            continue
        extra_total += extra
        rows.append(
            {
                "depositor": depositor.pk,
                "name": depositor.name,
                "cap_before": str(allowance.cap.amount),
                "cap_after": str(round_fen(cap_after)),
                "drawn": str(spent),
                "extra": str(round_fen(extra)),
            }
        )
    return {
        "year": year,
        "affected": len(rows),
        "extra_total": str(round_fen(extra_total)),
        "rows": rows,
    }
