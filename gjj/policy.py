"""The policy snapshot: every parameter in force on one date, with its citation.

Pure data (no ORM, no clock). ``gjj.selectors.policy_in_force(on=D)`` builds a
``PolicySnapshot`` from the effective-dated rows; the loan engine and the
withdrawal rules read only from it. Key names live here; their values live in
the database rows (loaded by data migration), never in code.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any

from gjj.domain import TermBand


class ValueKind(StrEnum):
    DECIMAL = "decimal"
    INTEGER = "integer"
    DATE = "date"
    JSON = "json"
    TEXT = "text"
    BOOLEAN = "boolean"


class Key(StrEnum):
    """Names of the policy parameters (their values are rows, not code)."""

    # The measure itself (阳政办发〔2024〕52号) and its validity window.
    MEASURE = "measure.yqzb_2024_52"
    MEASURE_EXPIRY_WARNING_DAYS = "measure.expiry_warning_days"

    # The city the center serves: homes counted and local hukou are this city's.
    LOCAL_CITY = "center.local_city"

    # Loans: amount limits.
    LOAN_CAP_STANDARD = "loan.cap.standard"
    LOAN_CAP_SPECIAL = "loan.cap.special"
    LOAN_CAP_SPECIAL_GROUPS = "loan.cap.special_groups"
    DOWN_PAYMENT_COMMERCIAL_TIER1 = "loan.down_payment.commercial.tier1"
    DOWN_PAYMENT_COMMERCIAL_TIER2 = "loan.down_payment.commercial.tier2"
    DOWN_PAYMENT_AFFORDABLE_TIER1 = "loan.down_payment.affordable.tier1"
    DOWN_PAYMENT_AFFORDABLE_TIER2 = "loan.down_payment.affordable.tier2"
    BALANCE_MULTIPLE = "loan.balance_multiple"
    REPAYMENT_CAPACITY_SHARE = "loan.repayment_capacity_share"
    MIN_CONTINUOUS_DEPOSIT_MONTHS = "loan.min_continuous_deposit_months"
    VOUCHER_COUNTS_AS_OWN_FUNDS = "loan.voucher.counts_as_own_funds"
    # 正常缴存职工 (52号 art. 2): the JGJ/T 320 account status a borrower needs.
    REQUIRED_ACCOUNT_STATUS = "loan.account.required_status"

    # Loans: home count (套数认定, 认贷).
    MAX_HOME_TIER = "loan.home_count.max_tier"
    PF_LOAN_COUNT_CUTOFF = "loan.home_count.pf_loan_not_counted_on_or_before"
    MULTI_CHILD_MIN_CHILDREN = "loan.multi_child.min_children"
    MULTI_CHILD_HOME_DEDUCTION = "loan.multi_child.home_deduction"
    # What the deduction lowers: "tier" (the resulting tier) or "home_count".
    MULTI_CHILD_DEDUCTION_SCOPE = "loan.multi_child.deduction_scope"
    MAX_UNSETTLED_PF_LOANS = "loan.home_count.max_unsettled_pf_loans"

    # Loans: term.
    MAX_TERM_MONTHS = "loan.term.max_months"
    RETIREMENT_EXTRA_YEARS = "loan.term.retirement_extra_years"
    RETIREMENT_FEMALE_BASE_AGE = "loan.term.retirement_female_base_age"
    RETIREMENT_REFORM = "loan.term.retirement_reform"

    # Rates: how existing loans follow a change.
    REPRICING_RULE = "rate.repricing.rule"
    REPRICING_KEEP_MAX_TERM_MONTHS = "rate.repricing.keep_rate_max_term_months"
    RATE_TERM_BAND_MONTHS = "rate.term_band.up_to_months"

    # Repayments: the smallest prepayment, and the least principal it may leave.
    PREPAYMENT_MIN_AMOUNT = "loan.prepayment.min_amount"

    # 商转公.
    SZG_ISSUED_ON_OR_BEFORE = "szg.issued_on_or_before"
    SZG_ELIGIBLE_LENDERS = "szg.eligible_lenders"
    SZG_LIMITS = "szg.limits"  # rule code: "remaining_principal_and_term"

    # Special groups.
    SPECIAL_GROUPS = "special.groups"
    YOUTH_MAX_AGE = "special.youth.max_age"
    NEW_CITIZEN_MAX_HUKOU_YEARS = "special.new_citizen.max_hukou_years"

    # Withdrawals.
    RENTAL_CAP_STANDARD = "withdrawal.rental.cap.standard"
    RENTAL_CAP_SPECIAL = "withdrawal.rental.cap.special"
    RENTAL_CAP_SPECIAL_GROUPS = "withdrawal.rental.cap.special_groups"
    PURCHASE_FAMILY_RELATIONS = "withdrawal.purchase.family_relations"
    PURCHASE_WINDOW_MONTHS = "withdrawal.purchase.window_months"
    WITHDRAWAL_FOUR_EYES_THRESHOLD = "withdrawal.four_eyes_threshold"

    # Loan servicing (domain.md §9): overdue, penalty interest, risk class, allocation.
    SERVICING_GRACE_DAYS = "servicing.overdue.grace_days"
    PENALTY_RATE_MULTIPLIER = "servicing.penalty.rate_multiplier"
    RISK_CLASS_BANDS = "servicing.risk_class.bands"
    REPAYMENT_ALLOCATION_ORDER = "servicing.allocation.order"

    # Statutory deadlines (住房公积金管理条例).
    LOAN_DECISION_DAYS = "deadline.loan.decision_days"
    WITHDRAWAL_DECISION_DAYS = "deadline.withdrawal.decision_days"


# The one value of ``Key.SZG_LIMITS`` known: a 商转公 loan stays within the
# remaining principal and the remaining term of the commercial loan it replaces.
SZG_REMAINING_PRINCIPAL_AND_TERM = "remaining_principal_and_term"

# The two readings of 52号 art. 3 (domain.md §8): lower the resulting tier, or
# deduct from the home count only.
DEDUCTION_SCOPE_TIER = "tier"
DEDUCTION_SCOPE_HOME_COUNT = "home_count"

# Parameters whose value names a rule, with the rules the code knows: a row
# naming another is refused when it is entered, not when a loan first meets it.
RULE_CODES: dict[str, frozenset[str]] = {
    Key.REPRICING_RULE: frozenset({"next_january_1", "next_quarter_start", "immediate"}),
    Key.SZG_LIMITS: frozenset({SZG_REMAINING_PRINCIPAL_AND_TERM}),
    Key.MULTI_CHILD_DEDUCTION_SCOPE: frozenset({DEDUCTION_SCOPE_TIER, DEDUCTION_SCOPE_HOME_COUNT}),
}


@dataclass(frozen=True)
class Citation:
    document: str
    article: str
    source: str  # "52号", "national" or "decision"
    effective_from: date
    effective_to: date | None
    row: str  # stable row reference, e.g. "param:12" or "rate:3"

    def as_dict(self) -> dict[str, Any]:
        # A copy of the one built per row: a quote cites the same few rows many times.
        return self._json.copy()

    @cached_property
    def _json(self) -> dict[str, Any]:
        return {
            "document": self.document,
            "article": self.article,
            "source": self.source,
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "row": self.row,
        }


@dataclass(frozen=True)
class PolicyValue:
    """One parameter in force. ``value is None`` means the center left it unset."""

    key: str
    value: Any
    kind: ValueKind
    citation: Citation
    note: str = ""

    @property
    def is_set(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class RateValue:
    home_tier: int
    term_band: TermBand
    annual_rate_percent: Decimal
    is_floor: bool
    citation: Citation


@dataclass(frozen=True)
class PolicySnapshot:
    """Everything in force on ``on``. Missing keys: no row in force that day."""

    on: date
    params: Mapping[str, PolicyValue] = field(default_factory=dict)
    rates: tuple[RateValue, ...] = ()

    def param(self, key: str) -> PolicyValue | None:
        return self.params.get(str(key))

    def value(self, key: str) -> Any:
        pv = self.params.get(str(key))
        return pv.value if pv is not None else None

    def term_band(self, term_months: int) -> TermBand:
        limit = self.value(Key.RATE_TERM_BAND_MONTHS)
        if limit is None:
            raise LookupError(Key.RATE_TERM_BAND_MONTHS)
        return TermBand.UP_TO_5Y if term_months <= int(limit) else TermBand.OVER_5Y

    def rate(self, *, home_tier: int, term_months: int) -> RateValue | None:
        """The rate cell for a tier and contract term; None when none is in force."""
        if self.value(Key.RATE_TERM_BAND_MONTHS) is None:
            return None
        band = self.term_band(term_months)
        for r in self.rates:
            if r.home_tier == home_tier and r.term_band == band:
                return r
        return None

    @cached_property
    def version(self) -> str:
        """Latest effective date among the rows in force: names the policy set."""
        dates = [p.citation.effective_from for p in self.params.values()]
        dates += [r.citation.effective_from for r in self.rates]
        return max(dates).isoformat() if dates else "none"

    @property
    def measure(self) -> PolicyValue | None:
        return self.param(Key.MEASURE)


def parse_value(kind: str, raw: str | None) -> Any:
    """Turn a stored string into its typed value; ``None`` stays unset."""
    if raw is None:
        return None
    match ValueKind(kind):
        case ValueKind.DECIMAL:
            return Decimal(raw)
        case ValueKind.INTEGER:
            return int(raw)
        case ValueKind.DATE:
            return date.fromisoformat(raw)
        case ValueKind.JSON:
            return json.loads(raw)
        case ValueKind.BOOLEAN:
            if raw not in ("true", "false"):
                raise ValueError(f"布尔值只能为 true 或 false: {raw!r}")
            return raw == "true"
        case ValueKind.TEXT:
            return raw


def resolve(*, on: date, params: list[PolicyValue], rates: list[RateValue]) -> PolicySnapshot:
    """Pick, for each key and each rate cell, the row in force on ``on``.

    A row is in force from ``effective_from`` through ``effective_to`` (both
    inclusive; an open end runs on). When several are in force the latest
    ``effective_from`` wins, so a change is always a new, later row.
    """

    def in_force(c: Citation) -> bool:
        return c.effective_from <= on and (c.effective_to is None or on <= c.effective_to)

    chosen: dict[str, PolicyValue] = {}
    for p in params:
        if in_force(p.citation):
            cur = chosen.get(p.key)
            if cur is None or p.citation.effective_from > cur.citation.effective_from:
                chosen[p.key] = p
    cells: dict[tuple[int, TermBand], RateValue] = {}
    for r in rates:
        if in_force(r.citation):
            cur_r = cells.get((r.home_tier, r.term_band))
            if cur_r is None or r.citation.effective_from > cur_r.citation.effective_from:
                cells[(r.home_tier, r.term_band)] = r
    return PolicySnapshot(
        on=on,
        params=dict(sorted(chosen.items())),
        rates=tuple(cells[k] for k in sorted(cells)),
    )
