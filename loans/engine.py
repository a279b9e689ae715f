"""The loan decision engine (domain.md §2–4): facts + policy snapshot → decision.

Pure: no ORM, no Django, no clock. The decision date is ``policy.on`` and every
number (caps, ratios, cut-off dates, terms, ages, lender lists…) is read from
the ``PolicySnapshot`` by ``Key``; a parameter with no row in force is never
replaced by a default — the quote is refused with ``policy_not_in_force``.

Interpretations (documented product decisions):

* 房票 (52号 art. 6): the voucher's face value is part of the buyer's own
  payment and the shortfall ``price − voucher`` may be borrowed under the same
  rules. With ``Key.VOUCHER_COUNTS_AS_OWN_FUNDS`` true the loan is therefore
  ≤ min(price × (1 − ratio), price − voucher): a voucher at least as large as
  the down payment covers it, a smaller one leaves the ratio limit binding.
  When the flag is false or has no row in force the voucher does not count
  toward the down payment and the loan is ≤ price × (1 − ratio) − voucher.
* 商转公 home count: ``homes_owned`` is taken to *include* the home financed by
  the commercial loan (it is already owned), so one is removed before the tier
  is set (never below 0) — the tier is the one the home had when bought. The
  multi-child deduction and 认贷 apply as for any loan, from the facts given.
* Retirement: see ``loans.retirement``; the maturity (``policy.on`` + term
  months) may not fall after the statutory retirement date + the extra years.
  A birth date without the sex (the public calculator asks for neither) takes
  the earlier of the two retirement dates.
* Repayment capacity: the payment compared with income × share is the one the
  borrower really pays first — the level payment for 等额本息, the first (and
  largest) installment for 等额本金.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal
from operator import attrgetter
from typing import Any, NamedTuple

from gjj.domain import (
    LOANABLE_PROPERTY_TYPES,
    FactCount,
    Labelled,
    PropertyType,
    RepaymentMethod,
    Sex,
    SpecialGroup,
    TermBand,
)
from gjj.money import FEN, round_fen, to_decimal
from gjj.policy import (
    DEDUCTION_SCOPE_HOME_COUNT,
    SZG_REMAINING_PRINCIPAL_AND_TERM,
    Citation,
    Key,
    PolicySnapshot,
    PolicyValue,
    RateValue,
    key_label,
)
from loans.retirement import RetirementPolicyMissing, statutory_retirement
from loans.schedules import add_months, first_payment, max_principal_for_payment
from loans.schedules import total_interest as schedule_total_interest

# ------------------------------------------------------------------------- codes


class RefusalCode(Labelled):
    """Why the engine says no. A refusal that names a fact is the request's fault (400)."""

    POLICY_NOT_IN_FORCE = "policy_not_in_force", "当日无施行中的政策参数"
    HOME_TIER_EXCEEDED = "home_tier_exceeded", "超过可贷款住房套数"
    UNSETTLED_PF_LOAN = "unsettled_pf_loan", "有未结清的住房公积金贷款"
    VOUCHER_EXCEEDS_PRICE = "voucher_exceeds_price", "房票面额超过房价"
    TERM_EXCEEDS_LIMIT = "term_exceeds_limit", "贷款期限超过可贷最长期限"
    INSUFFICIENT_DEPOSIT_MONTHS = "insufficient_deposit_months", "连续缴存月数不足"
    ACCOUNT_NOT_NORMAL = "account_not_normal", "借款人账户非正常缴存状态"
    SZG_INELIGIBLE = "szg_ineligible", "不符合商转公条件"
    AMOUNT_EXCEEDS_LIMIT = "amount_exceeds_limit", "申请金额超过可贷最高额"
    NO_LOANABLE_AMOUNT = "no_loanable_amount", "可贷金额为0"
    HOUSE_PRICE_REQUIRED = "house_price_required", "须提供房价"
    INVALID_AMOUNT = "invalid_amount", "申请金额无效"
    INVALID_TERM = "invalid_term", "贷款期限无效"
    INVALID_INPUT = "invalid_input", "输入无效"


class LimitRule(Labelled):
    """The limits the engine applies; the value is the rule name shown in ``limits_applied``."""

    CAP = "amount.cap", "贷款额度上限"
    DOWN_PAYMENT = "amount.down_payment", "最低首付款比例"
    VOUCHER = "amount.voucher", "房票"
    SZG_REMAINING_PRINCIPAL = "amount.szg_remaining_principal", "商转公商业贷款剩余本金"
    BALANCE_MULTIPLE = "amount.balance_multiple", "账户余额倍数"
    REPAYMENT_CAPACITY = "amount.repayment_capacity", "还款能力"
    TERM_MAX = "term.max", "贷款最长期限"
    TERM_RETIREMENT = "term.retirement", "法定退休年龄"
    TERM_SZG = "term.szg_remaining", "商转公商业贷款剩余期限"
    DEPOSIT_MONTHS = "deposit.min_months", "连续缴存月数下限"
    ACCOUNT_STATUS = "deposit.account_status", "账户状态须为正常"


@dataclass(frozen=True, slots=True)
class Limit:
    """An upper bound on the loan amount, with the policy row it comes from."""

    rule: LimitRule
    amount: Decimal  # yuan, exact to the fen
    citation: Citation | None


@dataclass(frozen=True, slots=True)
class TermLimit:
    """An upper bound on the term, with the policy row it comes from."""

    rule: LimitRule
    months: int
    citation: Citation | None


_DOWN_PAYMENT_KEYS: dict[tuple[PropertyType, int], Key] = {
    (PropertyType.COMMERCIAL, 1): Key.DOWN_PAYMENT_COMMERCIAL_TIER1,
    (PropertyType.COMMERCIAL, 2): Key.DOWN_PAYMENT_COMMERCIAL_TIER2,
    (PropertyType.AFFORDABLE, 1): Key.DOWN_PAYMENT_AFFORDABLE_TIER1,
    (PropertyType.AFFORDABLE, 2): Key.DOWN_PAYMENT_AFFORDABLE_TIER2,
}


# ------------------------------------------------------------------------ inputs


def _opt_money(value: object) -> Decimal | None:
    return None if value is None else to_decimal(value)


@dataclass(frozen=True)
class PriorPfLoan:
    """A provident fund loan the household already had (any center)."""

    issued_on: date
    settled: bool = True
    label: str = ""  # whose loan and its evidence, for the decision's reasons


@dataclass(frozen=True)
class HomeEvidence:
    """A home on the household's record: whose, its evidence, and whether it is held.

    ``count`` is COUNTED for a home held in the city on the date (those make
    ``homes_owned``), else why the record leaves it out (disposed, elsewhere).
    """

    label: str
    count: FactCount = FactCount.COUNTED
    financed: bool = False  # the home a 商转公 application refinances


@dataclass(frozen=True)
class CommercialLoan:
    """The commercial housing loan a 商转公 application replaces."""

    bank: str  # bank code, e.g. "CCB"; matched upper-cased
    city: str  # e.g. "阳泉"; a trailing "市" is ignored
    issued_on: date
    remaining_principal: Decimal
    remaining_term_months: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "remaining_principal", to_decimal(self.remaining_principal))


@dataclass(frozen=True, kw_only=True)
class LoanFacts:
    """What the engine knows about one application or quote.

    ``homes_owned`` counts the household's homes in the city; for 商转公 it
    includes the home being refinanced (see the module docstring). Money may
    be given as ``Decimal``/``str``/``int``; floats are refused.
    """

    property_type: PropertyType = PropertyType.COMMERCIAL
    new_build: bool = False
    house_price: Decimal | None = None
    term_months: int
    repayment_method: RepaymentMethod = RepaymentMethod.EQUAL_INSTALLMENT
    homes_owned: int = 0
    prior_pf_loans: tuple[PriorPfLoan, ...] = ()
    children: int = 0
    special_groups: frozenset[SpecialGroup] = frozenset()
    loan_amount: Decimal | None = None
    voucher_amount: Decimal | None = None
    commercial_loan: CommercialLoan | None = None
    birth_date: date | None = None
    sex: str | None = None
    account_balance: Decimal | None = None
    monthly_income: Decimal | None = None  # household: borrower + co-borrowing spouse
    continuous_deposit_months: int | None = None
    account_status: str | None = None  # JGJ/T 320 个人账户状态 code; None: not known
    account_status_label: str = ""
    special_group_basis: tuple[str, ...] = ()  # why each group applies, for the reasons
    home_evidence: tuple[HomeEvidence, ...] = ()  # the homes on record, for the reasons

    def __post_init__(self) -> None:
        # Normalise once so the rules can rely on exact types.
        setattr_ = object.__setattr__
        setattr_(self, "property_type", PropertyType(self.property_type))
        setattr_(self, "repayment_method", RepaymentMethod(self.repayment_method))
        setattr_(self, "prior_pf_loans", tuple(self.prior_pf_loans))
        setattr_(self, "special_groups", frozenset(SpecialGroup(g) for g in self.special_groups))
        setattr_(self, "special_group_basis", tuple(self.special_group_basis))
        setattr_(self, "home_evidence", tuple(self.home_evidence))
        for name in (
            "house_price",
            "loan_amount",
            "voucher_amount",
            "account_balance",
            "monthly_income",
        ):
            setattr_(self, name, _opt_money(getattr(self, name)))

    @property
    def is_szg(self) -> bool:
        """商转公: refinancing a commercial loan rather than buying."""
        return self.commercial_loan is not None


# ----------------------------------------------------------------------- outputs


class Reason(NamedTuple):
    """One rule applied: its name, the value it gave, why, and the source.

    A named tuple rather than a frozen dataclass: a decision makes some twenty
    of them, and a tuple is built in a third of the time.
    """

    rule: str
    value: str
    message: str
    citation: Citation | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "value": self.value,
            "message": self.message,
            "citation": self.citation.as_dict() if self.citation else None,
        }


class Refusal(NamedTuple):
    """A reason not to lend: a machine-readable code, a Chinese message, the source.

    ``field`` names the fact to blame (a ``LoanFacts`` attribute, dotted into
    ``commercial_loan``) when the request itself is at fault: callers answer
    those with a 400 on that field. A lawful "no" on sound facts names none.
    """

    code: RefusalCode
    message: str
    citation: Citation | None = None
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "citation": self.citation.as_dict() if self.citation else None,
        }


@dataclass(frozen=True)
class HomeTier:
    """套数认定 result: ``tier`` is 1 + max(counted homes, counted pf loans), less the deduction.

    ``multi_child_deduction`` is what the 多子女 rule took off: from the tier
    (scope "tier") or from the homes (scope "home_count").
    """

    counted_homes: int
    counted_pf_loans: int
    tier: int
    max_tier: int | None
    multi_child_deduction: int
    deduction_scope: str
    szg_home_excluded: int
    pf_loans_not_counted: int
    unsettled_pf_loans: int

    @property
    def within_max(self) -> bool:
        return self.max_tier is not None and self.tier <= self.max_tier


@dataclass(frozen=True, kw_only=True)
class Decision:
    eligible: bool
    refusals: tuple[Refusal, ...] = ()
    home_tier: int | None = None
    counted_homes: int | None = None
    counted_pf_loans: int | None = None
    min_down_payment_ratio: Decimal | None = None
    min_down_payment: Decimal | None = None
    loan_cap: Decimal | None = None
    max_loan_amount: Decimal | None = None
    loan_amount: Decimal | None = None
    annual_rate_percent: Decimal | None = None
    rate_citation: Citation | None = None
    term_months: int
    max_term_months: int | None = None
    repayment_method: RepaymentMethod = RepaymentMethod.EQUAL_INSTALLMENT
    monthly_payment: Decimal | None = None
    total_interest: Decimal | None = None
    limits_applied: tuple[Reason, ...] = ()
    limits_not_applied: tuple[Reason, ...] = ()
    amount_bounds: tuple[Limit, ...] = ()
    term_bounds: tuple[TermLimit, ...] = ()
    reasons: tuple[Reason, ...] = ()
    policy_version: str
    as_of: date

    @property
    def refusal_codes(self) -> tuple[RefusalCode, ...]:
        return tuple(r.code for r in self.refusals)

    def input_errors(
        self, names: Mapping[str, str] | None = None
    ) -> dict[str, list[dict[str, str]]]:
        """The refusals the request itself caused, as ``{field: [{code, message}]}``.

        Fields are the facts' names, or their names in ``names`` (a fact missing
        there is a ``non_field_errors`` one). Empty when the request is sound.
        """
        out: dict[str, list[dict[str, str]]] = {}
        for r in self.refusals:
            if r.field is not None:
                name = r.field
                if names is not None:
                    name = names.get(name, "non_field_errors")
                out.setdefault(name, []).append({"code": r.code, "message": r.message})
        return out

    @property
    def amount_limits(self) -> dict[LimitRule, Decimal]:
        """Applied amount limits by rule (yuan, exact to the fen)."""
        return {limit.rule: limit.amount for limit in self.amount_bounds}

    @property
    def term_limits(self) -> dict[LimitRule, int]:
        """Applied term limits by rule (months)."""
        return {limit.rule: limit.months for limit in self.term_bounds}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: money "0.00", ratios/rates with at least 2 decimals, ISO dates."""
        return {
            "eligible": self.eligible,
            "refusals": [r.as_dict() for r in self.refusals],
            "home_tier": self.home_tier,
            "counted_homes": self.counted_homes,
            "counted_pf_loans": self.counted_pf_loans,
            "min_down_payment_ratio": _fmt_min2(self.min_down_payment_ratio),
            "min_down_payment": _fmt_money(self.min_down_payment),
            "loan_cap": _fmt_money(self.loan_cap),
            "max_loan_amount": _fmt_money(self.max_loan_amount),
            "loan_amount": _fmt_money(self.loan_amount),
            "annual_rate_percent": _fmt_min2(self.annual_rate_percent),
            "rate_citation": self.rate_citation.as_dict() if self.rate_citation else None,
            "term_months": self.term_months,
            "max_term_months": self.max_term_months,
            "repayment_method": self.repayment_method.value,
            "repayment_method_code": self.repayment_method.code,
            "monthly_payment": _fmt_money(self.monthly_payment),
            "total_interest": _fmt_money(self.total_interest),
            "limits_applied": [r.as_dict() for r in self.limits_applied],
            "limits_not_applied": [r.as_dict() for r in self.limits_not_applied],
            "reasons": [r.as_dict() for r in self.reasons],
            "policy_version": self.policy_version,
            "as_of": self.as_of.isoformat(),
        }


# ---------------------------------------------------------------------- format


def _fmt_money(d: Decimal | None) -> str | None:
    return None if d is None else f"{round_fen(d):f}"


def _fmt_min2(d: Decimal | None) -> str | None:
    """At least two decimals, trailing zeros beyond them dropped: 2.850→2.85, 2.775→2.775."""
    if d is None:
        return None
    n = d.normalize()
    exponent = n.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        n = n.quantize(FEN)
    return f"{n:f}"


def _yuan(d: Decimal) -> str:
    return f"{round_fen(d):,.2f}元"


def _percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).normalize():f}%"


def _rate(rate: Decimal) -> str:
    return f"{_fmt_min2(rate)}%"


def _groups_text(groups: Iterable[SpecialGroup]) -> str:
    return "、".join(g.label for g in sorted(groups)) or "无"


# ------------------------------------------------------------- reusable helpers


def _set(policy: PolicySnapshot, key: str) -> PolicyValue | None:
    """The row in force with a value, or None (absent and unset alike)."""
    pv = policy.param(key)
    return pv if pv is not None and pv.value is not None else None


def term_band_of(term_months: int, policy: PolicySnapshot) -> TermBand | None:
    """The rate band of a contract term, or None when the band row is not in force."""
    try:
        return policy.term_band(term_months)
    except LookupError:
        return None


def is_multi_child(
    *, children: int, special_groups: Iterable[SpecialGroup], policy: PolicySnapshot
) -> bool:
    """多子女家庭: claimed, or children ≥ ``Key.MULTI_CHILD_MIN_CHILDREN``."""
    if SpecialGroup.MULTI_CHILD in frozenset(special_groups):
        return True
    min_children = _set(policy, Key.MULTI_CHILD_MIN_CHILDREN)
    return min_children is not None and children >= int(min_children.value)


def effective_special_groups(
    *, children: int, special_groups: Iterable[SpecialGroup], policy: PolicySnapshot
) -> frozenset[SpecialGroup]:
    """Claimed groups plus 多子女家庭 when the children alone qualify."""
    groups = frozenset(SpecialGroup(g) for g in special_groups)
    if is_multi_child(children=children, special_groups=groups, policy=policy):
        groups |= {SpecialGroup.MULTI_CHILD}
    return groups


def counted_pf_loans(
    prior_pf_loans: Iterable[PriorPfLoan], policy: PolicySnapshot
) -> tuple[int, int]:
    """(counted, not counted) under 认贷: loans on or before the cut-off do not count.

    Without a cut-off row in force every loan counts.
    """
    cutoff = _set(policy, Key.PF_LOAN_COUNT_CUTOFF)
    counted = skipped = 0
    for loan in prior_pf_loans:
        if cutoff is not None and loan.issued_on <= cutoff.value:
            skipped += 1
        else:
            counted += 1
    return counted, skipped


def counted_home_tier(facts: LoanFacts, policy: PolicySnapshot) -> HomeTier:
    """套数认定 for the facts on ``policy.on`` (domain.md §3, §4)."""
    homes = facts.homes_owned
    szg_excluded = 0
    if facts.is_szg and homes > 0:
        szg_excluded = 1  # the refinanced home is among homes_owned; its tier is as bought
        homes -= 1
    deduction = 0
    deduction_pv = _set(policy, Key.MULTI_CHILD_HOME_DEDUCTION)
    applies = (
        deduction_pv is not None
        and facts.property_type is PropertyType.COMMERCIAL
        and facts.new_build
        and is_multi_child(
            children=facts.children, special_groups=facts.special_groups, policy=policy
        )
    )
    scope_pv = _set(policy, Key.MULTI_CHILD_DEDUCTION_SCOPE)
    # "tier" unless the center chose the narrower reading (domain.md §8).
    scope = str(scope_pv.value) if scope_pv is not None else "tier"
    loans, skipped = counted_pf_loans(facts.prior_pf_loans, policy)
    if applies and deduction_pv is not None and scope == DEDUCTION_SCOPE_HOME_COUNT:
        deduction = min(int(deduction_pv.value), homes)  # never below 0 homes
        homes -= deduction
    tier = 1 + max(homes, loans)
    if applies and deduction_pv is not None and scope != DEDUCTION_SCOPE_HOME_COUNT:
        # 52号 art. 3: the second and third homes take first- and second-home
        # terms, whether homes or counted loans set the tier; never below tier 1.
        deduction = min(int(deduction_pv.value), tier - 1)
        tier -= deduction
    max_tier = _set(policy, Key.MAX_HOME_TIER)
    return HomeTier(
        counted_homes=homes,
        counted_pf_loans=loans,
        tier=tier,
        max_tier=int(max_tier.value) if max_tier is not None else None,
        multi_child_deduction=deduction,
        deduction_scope=scope,
        szg_home_excluded=szg_excluded,
        pf_loans_not_counted=skipped,
        unsettled_pf_loans=sum(1 for p in facts.prior_pf_loans if not p.settled),
    )


def loan_cap_for(
    *, children: int, special_groups: Iterable[SpecialGroup], policy: PolicySnapshot
) -> tuple[PolicyValue | None, frozenset[SpecialGroup]]:
    """The cap row that applies and the groups that earned it (empty: standard).

    The special cap applies when any effective group is listed in
    ``Key.LOAN_CAP_SPECIAL_GROUPS`` and the special cap is set; else standard.
    """
    groups = effective_special_groups(
        children=children, special_groups=special_groups, policy=policy
    )
    special = _set(policy, Key.LOAN_CAP_SPECIAL)
    listed = _set(policy, Key.LOAN_CAP_SPECIAL_GROUPS)
    if special is not None and listed is not None:
        qualifying = frozenset(g for g in groups if g.value in set(listed.value))
        if qualifying:
            return special, qualifying
    return _set(policy, Key.LOAN_CAP_STANDARD), frozenset()


def _norm_city(city: str) -> str:
    c = city.strip()
    return c[:-1] if c.endswith("市") and len(c) > 1 else c


def szg_lender_eligible(loan: CommercialLoan, lenders: Iterable[dict[str, str]]) -> bool:
    """(city, bank) matched by the lender list; bank "*" = any bank of that city."""
    city = _norm_city(loan.city)
    bank = loan.bank.strip().upper()
    for entry in lenders:
        if _norm_city(str(entry["city"])) != city:
            continue
        allowed = str(entry["bank"]).strip().upper()
        if allowed == "*" or allowed == bank:
            return True
    return False


def max_term_before(limit: date, start: date) -> int:
    """Largest whole number of months m with ``add_months(start, m) <= limit`` (≥ 0)."""
    m = (limit.year - start.year) * 12 + (limit.month - start.month)
    while m > 0 and add_months(start, m) > limit:
        m -= 1
    return max(m, 0)


# ------------------------------------------------------------------------ engine


class _Run:
    """Collects refusals, reasons and limits while the rules run."""

    def __init__(self, policy: PolicySnapshot) -> None:
        self.policy = policy
        self.refusals: list[Refusal] = []
        self.reasons: list[Reason] = []
        self.applied: list[Reason] = []
        self.not_applied: list[Reason] = []
        self.amounts: list[Limit] = []
        self.terms: list[TermLimit] = []
        self._missing: set[str] = set()

    def refuse(self, code: RefusalCode, message: str, citation: Citation | None = None) -> None:
        self.refusals.append(Refusal(code, message, citation))

    def bad_input(self, code: RefusalCode, field: str, message: str) -> None:
        self.refusals.append(Refusal(code, message, None, field))

    def reason(self, rule: str, value: object, message: str, cite: Citation | None = None) -> None:
        self.reasons.append(Reason(rule, str(value), message, cite))

    def _applied(self, rule: LimitRule, value: str, message: str, cite: Citation | None) -> None:
        r = Reason(rule, value, message, cite)
        self.applied.append(r)
        self.reasons.append(r)

    def amount_limit(
        self, rule: LimitRule, amount: Decimal, message: str, cite: Citation | None = None
    ) -> None:
        limit = Limit(rule, round_fen(amount), cite)
        self.amounts.append(limit)
        self._applied(rule, _fmt_money(limit.amount) or "", message, cite)

    def term_limit(
        self, rule: LimitRule, months: int, message: str, cite: Citation | None = None
    ) -> None:
        self.terms.append(TermLimit(rule, months, cite))
        self._applied(rule, str(months), message, cite)

    def requirement(
        self, rule: LimitRule, value: object, message: str, cite: Citation | None = None
    ) -> None:
        """A condition applied (not a bound on amount or term), shown with the limits."""
        self._applied(rule, str(value), message, cite)

    def skip(self, rule: LimitRule, message: str, cite: Citation | None = None) -> None:
        r = Reason(rule, "not_applied", message, cite)
        self.not_applied.append(r)
        self.reasons.append(r)

    def require(self, key: str, detail: str = "") -> PolicyValue | None:
        """The parameter in force, or a ``policy_not_in_force`` refusal (once per key)."""
        pv = _set(self.policy, key)
        if pv is None and key not in self._missing:
            self._missing.add(key)
            label = key_label(key) + detail
            self.refuse(
                RefusalCode.POLICY_NOT_IN_FORCE,
                f"{self.policy.on.isoformat()}无施行中的“{label}”规定（{key}），"
                "不得沿用已失效或未生效的参数",
            )
        return pv

    @property
    def missing_policy(self) -> bool:
        return bool(self._missing)


def _check_inputs(facts: LoanFacts, run: _Run) -> None:
    on = run.policy.on

    def bad(field: str, message: str) -> None:
        run.bad_input(RefusalCode.INVALID_INPUT, field, message)

    if facts.term_months < 1:
        run.bad_input(
            RefusalCode.INVALID_TERM,
            "term_months",
            f"贷款期限须至少为1个月（申请{facts.term_months}个月）",
        )
    if facts.property_type not in LOANABLE_PROPERTY_TYPES:
        bad("property_type", f"{facts.property_type.label}不能申请住房公积金贷款")
    if facts.loan_amount is not None and (
        facts.loan_amount <= 0 or facts.loan_amount != round_fen(facts.loan_amount)
    ):
        run.bad_input(
            RefusalCode.INVALID_AMOUNT,
            "loan_amount",
            f"申请贷款金额须大于0且精确到分（申请{facts.loan_amount}）",
        )
    if facts.homes_owned < 0:
        bad("homes_owned", "家庭住房套数不得为负")
    if facts.children < 0:
        bad("children", "子女数不得为负")
    if facts.house_price is not None and facts.house_price <= 0:
        bad("house_price", "房价须大于0")
    if facts.voucher_amount is not None and facts.voucher_amount < 0:
        bad("voucher_amount", "房票面额不得为负")
    for name, label in (("account_balance", "账户余额"), ("monthly_income", "家庭月收入")):
        value = getattr(facts, name)
        if value is not None and value < 0:
            bad(name, f"{label}不得为负")
    if facts.continuous_deposit_months is not None and facts.continuous_deposit_months < 0:
        bad("continuous_deposit_months", "连续缴存月数不得为负")
    if facts.sex is not None and facts.sex.strip().upper() not in tuple(Sex):
        bad("sex", f"性别只能为 M（男）或 F（女），收到 {facts.sex!r}")
    if facts.birth_date is not None and facts.birth_date > on:
        bad("birth_date", "出生日期不得晚于申请日期")
    if facts.voucher_amount and facts.house_price and facts.voucher_amount > facts.house_price:
        run.bad_input(
            RefusalCode.VOUCHER_EXCEEDS_PRICE,
            "voucher_amount",
            f"房票面额{_yuan(facts.voucher_amount)}超过房价{_yuan(facts.house_price)}",
        )
    if facts.house_price is None and not facts.is_szg:
        run.bad_input(RefusalCode.HOUSE_PRICE_REQUIRED, "house_price", "购房贷款须提供房价")
    elif facts.house_price is None and facts.voucher_amount:
        run.bad_input(RefusalCode.HOUSE_PRICE_REQUIRED, "house_price", "使用房票须提供房价")
    loan = facts.commercial_loan
    if loan is not None:
        if loan.remaining_principal <= 0:
            bad("commercial_loan.remaining_principal", "商业贷款剩余本金须大于0")
        if loan.remaining_term_months < 1:
            bad("commercial_loan.remaining_term_months", "商业贷款剩余期限须至少为1个月")


def _rule_measure(run: _Run) -> None:
    policy = run.policy
    measure = _set(policy, Key.MEASURE)
    if measure is None:
        run.reason(
            "measure",
            "none",
            f"{policy.on.isoformat()}无施行中的政策措施，仅适用当日仍有效的参数",
        )
        return
    end = measure.citation.effective_to
    until = f"，有效期至{end.isoformat()}" if end else ""
    run.reason("measure", measure.value, f"适用{measure.value}{until}", measure.citation)
    warn = _set(policy, Key.MEASURE_EXPIRY_WARNING_DAYS)
    if end is not None and warn is not None and (end - policy.on).days <= int(warn.value):
        run.reason(
            "measure.expiry_warning",
            end.isoformat(),
            f"{measure.value}将于{end.isoformat()}到期，到期后相关参数不再适用",
            warn.citation,
        )


def _rule_home_tier(facts: LoanFacts, run: _Run) -> HomeTier:
    policy = run.policy
    ht = counted_home_tier(facts, policy)
    parts = [f"家庭在本市拥有住房{facts.homes_owned}套"]
    deduction_cite = None
    if ht.szg_home_excluded:
        parts.append("商转公所涉住房不计入（按购房时认定）")
    deduction_pv = _set(policy, Key.MULTI_CHILD_HOME_DEDUCTION)
    by_tier = ht.deduction_scope != DEDUCTION_SCOPE_HOME_COUNT
    if ht.multi_child_deduction and not by_tier:
        deduction_cite = deduction_pv.citation if deduction_pv else None
        parts.append(f"二孩及以上多子女家庭购买新建商品住房，核减{ht.multi_child_deduction}套")
    parts.append(f"认定{ht.counted_homes}套")
    run.reason("home_count.homes", ht.counted_homes, "，".join(parts), deduction_cite)

    cutoff = _set(policy, Key.PF_LOAN_COUNT_CUTOFF)
    total = len(facts.prior_pf_loans)
    if cutoff is not None:
        msg = (
            f"住房公积金贷款{total}笔，其中{cutoff.value.isoformat()}（含）前发放的"
            f"{ht.pf_loans_not_counted}笔不计入，认定{ht.counted_pf_loans}笔"
        )
        run.reason("home_count.pf_loans", ht.counted_pf_loans, msg, cutoff.citation)
    else:
        msg = f"住房公积金贷款{total}笔，当日无不计次数的规定，全部计入"
        run.reason("home_count.pf_loans", ht.counted_pf_loans, msg)

    max_pv = run.require(Key.MAX_HOME_TIER)
    if ht.multi_child_deduction and by_tier and deduction_pv is not None:
        scope_pv = _set(policy, Key.MULTI_CHILD_DEDUCTION_SCOPE)
        before = ht.tier + ht.multi_child_deduction
        run.reason(
            "home_tier.multi_child",
            ht.tier,
            f"二孩及以上多子女家庭购买新建商品住房，认定套数核减{ht.multi_child_deduction}套："
            f"由第{before}套降为第{ht.tier}套",
            (scope_pv or deduction_pv).citation,
        )
    if max_pv is not None:
        basis = f"按1+max(住房{ht.counted_homes}套, 公积金贷款{ht.counted_pf_loans}笔)"
        if ht.multi_child_deduction and by_tier:
            basis += f"−核减{ht.multi_child_deduction}套"
        run.reason("home_tier", ht.tier, f"{basis}认定为第{ht.tier}套住房", max_pv.citation)
        if not ht.within_max:
            run.refuse(
                RefusalCode.HOME_TIER_EXCEEDED,
                f"认定为第{ht.tier}套住房，超过可发放贷款的第{ht.max_tier}套，不予贷款",
                max_pv.citation,
            )
    unsettled = ht.unsettled_pf_loans
    allowed_pv = run.require(Key.MAX_UNSETTLED_PF_LOANS) if unsettled else None
    if allowed_pv is not None:
        allowed = int(allowed_pv.value)
        run.reason(
            "home_count.unsettled",
            unsettled,
            f"未结清的住房公积金贷款{unsettled}笔（可有{allowed}笔）",
            allowed_pv.citation,
        )
        if unsettled > allowed:
            run.refuse(
                RefusalCode.UNSETTLED_PF_LOAN,
                f"家庭有{unsettled}笔住房公积金贷款未结清，结清前不予贷款"
                if allowed == 0
                else f"家庭有{unsettled}笔住房公积金贷款未结清，超过{allowed}笔，不予贷款",
                allowed_pv.citation,
            )
    _rule_home_evidence(facts, ht, run)
    return ht


def _rule_home_evidence(facts: LoanFacts, ht: HomeTier, run: _Run) -> None:
    """Each home and provident loan on record: counted or left out, and why (§3, §4, §8)."""
    held = [h for h in facts.home_evidence if h.count is FactCount.COUNTED]
    verdict: dict[int, FactCount] = {}
    if ht.szg_home_excluded and held:
        financed = next((h for h in held if h.financed), held[-1])
        verdict[id(financed)] = FactCount.SZG_FINANCED
        held.remove(financed)
    if ht.deduction_scope == DEDUCTION_SCOPE_HOME_COUNT and ht.multi_child_deduction:
        for home in held[len(held) - ht.multi_child_deduction :]:
            verdict[id(home)] = FactCount.DEDUCTED
    for home in facts.home_evidence:
        count = verdict.get(id(home), home.count)
        run.reason("home_count.home", count.value, f"{home.label}：{count.label}")
    cutoff = _set(run.policy, Key.PF_LOAN_COUNT_CUTOFF)
    for loan in facts.prior_pf_loans:
        if not loan.label:
            continue
        before = cutoff is not None and loan.issued_on <= cutoff.value
        count = FactCount.BEFORE_CUTOFF if before else FactCount.COUNTED
        run.reason(
            "home_count.pf_loan",
            count.value,
            f"{loan.label}：{count.label}",
            cutoff.citation if before and cutoff is not None else None,
        )


def _rule_down_payment(
    facts: LoanFacts, tier: int | None, run: _Run
) -> tuple[Decimal | None, Decimal | None, bool]:
    """(ratio, min down payment, complete): applies the price and voucher limits."""
    price = facts.house_price
    if price is None or price <= 0:
        if facts.is_szg:
            run.skip(LimitRule.DOWN_PAYMENT, "商转公未提供房价，不适用首付款比例限额")
            return None, None, True
        return None, None, False
    if tier is None or facts.property_type not in LOANABLE_PROPERTY_TYPES:
        return None, None, False  # refused already: no tier or not a loanable home
    key = _DOWN_PAYMENT_KEYS.get((facts.property_type, tier))
    if key is None:
        run.require(f"loan.down_payment.{facts.property_type.value}.tier{tier}")
        return None, None, False
    ratio_pv = run.require(key)
    if ratio_pv is None:
        return None, None, False
    ratio = Decimal(ratio_pv.value)
    min_down = round_fen(price * ratio)
    price_limit = price - min_down
    run.amount_limit(
        LimitRule.DOWN_PAYMENT,
        price_limit,
        f"{facts.property_type.label}第{tier}套最低首付款比例{_percent(ratio)}："
        f"首付不低于{_yuan(min_down)}，可贷不超过{_yuan(price_limit)}",
        ratio_pv.citation,
    )

    voucher = facts.voucher_amount
    if voucher:
        if voucher > price:
            return ratio, min_down, True  # refused as input already
        counts = _set(run.policy, Key.VOUCHER_COUNTS_AS_OWN_FUNDS)
        if counts is not None and counts.value is True:
            # The voucher is own funds: it may cover the down payment, and only
            # the shortfall price − voucher may be borrowed.
            voucher_limit = price - voucher
            msg = (
                f"房票面额{_yuan(voucher)}计入自筹资金，不足部分可贷款："
                f"可贷不超过房价减房票面额{_yuan(voucher_limit)}"
            )
        else:
            # Not own funds: the down payment must be paid besides the voucher.
            voucher_limit = max(price_limit - voucher, Decimal("0.00"))
            msg = (
                f"房票面额{_yuan(voucher)}不计入首付款，可贷不超过"
                f"房价×(1−首付比例)−房票面额={_yuan(voucher_limit)}"
            )
        run.amount_limit(LimitRule.VOUCHER, voucher_limit, msg, counts.citation if counts else None)
    return ratio, min_down, True


def _rule_cap(facts: LoanFacts, run: _Run) -> Decimal | None:
    policy = run.policy
    groups = effective_special_groups(
        children=facts.children, special_groups=facts.special_groups, policy=policy
    )
    if groups:
        why = f"（{'；'.join(facts.special_group_basis)}）" if facts.special_group_basis else ""
        run.reason(
            "special_groups",
            ",".join(sorted(g.value for g in groups)),
            f"特定群体：{_groups_text(groups)}{why}",
        )
    cap_pv, qualifying = loan_cap_for(
        children=facts.children, special_groups=facts.special_groups, policy=policy
    )
    if cap_pv is None:
        run.require(Key.LOAN_CAP_STANDARD)
        return None
    cap = round_fen(Decimal(cap_pv.value))
    who = f"{_groups_text(qualifying)}" if qualifying else "正常缴存职工"
    run.amount_limit(LimitRule.CAP, cap, f"{who}贷款额度上限{_yuan(cap)}", cap_pv.citation)
    return cap


def _szg_limits(facts: LoanFacts, run: _Run) -> PolicyValue | None:
    """The 商转公 limits rule in force (the one rule code known), for a 商转公 only."""
    if facts.commercial_loan is None:
        return None
    pv = run.require(Key.SZG_LIMITS)
    if pv is not None and pv.value != SZG_REMAINING_PRINCIPAL_AND_TERM:
        run.refuse(
            RefusalCode.POLICY_NOT_IN_FORCE,
            f"商转公贷款额度与期限规则“{pv.value}”无法识别（{Key.SZG_LIMITS}）",
            pv.citation,
        )
        return None
    return pv


def _rule_term(facts: LoanFacts, szg_limits: PolicyValue | None, run: _Run) -> int | None:
    policy = run.policy
    on = policy.on
    complete = True
    max_pv = run.require(Key.MAX_TERM_MONTHS)
    longest = int(max_pv.value) if max_pv is not None else None
    if max_pv is not None and longest is not None:
        run.term_limit(LimitRule.TERM_MAX, longest, f"贷款期限最长{longest}个月", max_pv.citation)
        if facts.term_months > longest:
            # The longest term any borrower may have: asking more is the request's
            # fault (a 400 on the field), unlike a shorter limit of this borrower.
            run.bad_input(
                RefusalCode.TERM_EXCEEDS_LIMIT,
                "term_months",
                f"申请期限{facts.term_months}个月超过贷款最长期限{longest}个月",
            )
    else:
        complete = False

    if facts.birth_date is not None:
        extra = run.require(Key.RETIREMENT_EXTRA_YEARS)
        # Without the sex, the earlier of the two retirement dates: never a term
        # that a borrower of either sex could not be lent.
        sexes = (facts.sex,) if facts.sex is not None else (Sex.MALE, Sex.FEMALE)
        try:
            ret = min(
                (
                    statutory_retirement(birth_date=facts.birth_date, sex=s, policy=policy)
                    for s in sexes
                ),
                key=lambda r: r.on,
            )
        except RetirementPolicyMissing as exc:
            if run.require(exc.key) is not None:  # row in force but lacks the category
                run.refuse(
                    RefusalCode.POLICY_NOT_IN_FORCE,
                    f"{on.isoformat()}的法定退休年龄规定中无“{exc.detail}”类别",
                )
            ret = None
        except ValueError:
            ret = None  # bad sex: refused as invalid input already
        if ret is None or extra is None:
            complete = False
        else:
            years = int(extra.value)
            limit_date = add_months(ret.on, years * 12)
            months = max_term_before(limit_date, on)
            unknown = "未提供性别，按较早者计：" if facts.sex is None else ""
            run.term_limit(
                LimitRule.TERM_RETIREMENT,
                months,
                f"{unknown}法定退休年龄{ret.age_label}（{ret.on.isoformat()}退休），贷款到期不晚于"
                f"退休后{years}年即{limit_date.isoformat()}，最长{months}个月",
                ret.citation,
            )
            # The limit cites the statutory age; the center's own numbers in it are cited too,
            # so that a provisional one shows (domain.md §8).
            run.reason(
                "term.retirement_extra_years",
                years,
                f"贷款到期不晚于法定退休年龄后{years}年",
                extra.citation,
            )
            if ret.category.startswith("female_"):
                base_pv = policy.param(Key.RETIREMENT_FEMALE_BASE_AGE)
                run.reason(
                    "term.retirement_female_base_age",
                    ret.base_age_years,
                    f"女性借款人按原法定退休年龄{ret.base_age_years}周岁一档计算",
                    base_pv.citation if base_pv is not None else None,
                )
    else:
        run.skip(LimitRule.TERM_RETIREMENT, "未提供出生日期，未按法定退休年龄限制贷款期限")

    loan = facts.commercial_loan
    if loan is not None:
        if szg_limits is None:
            complete = False
        elif loan.remaining_term_months >= 1:
            run.term_limit(
                LimitRule.TERM_SZG,
                loan.remaining_term_months,
                f"商转公贷款期限不超过商业贷款剩余期限{loan.remaining_term_months}个月",
                szg_limits.citation,
            )

    if not complete or not run.terms:
        return None
    binding = min(run.terms, key=attrgetter("months"))
    over_longest = longest is not None and facts.term_months > longest
    if facts.term_months > binding.months and not over_longest:
        why = next(r.message for r in run.applied if r.rule is binding.rule)
        run.refuse(
            RefusalCode.TERM_EXCEEDS_LIMIT,
            f"申请期限{facts.term_months}个月超过可贷最长期限{binding.months}个月（{why}）",
            binding.citation,
        )
    return binding.months


def _rule_rate(facts: LoanFacts, ht: HomeTier, run: _Run) -> RateValue | None:
    policy = run.policy
    if not ht.within_max or facts.term_months < 1:
        return None
    band = term_band_of(facts.term_months, policy)
    if band is None:
        run.require(Key.RATE_TERM_BAND_MONTHS)
        return None
    rate = policy.rate(home_tier=ht.tier, term_months=facts.term_months)
    if rate is None:
        run.refuse(
            RefusalCode.POLICY_NOT_IN_FORCE,
            f"{policy.on.isoformat()}无施行中的第{ht.tier}套住房{band.label}住房公积金贷款利率",
        )
        return None
    floor = "（国家规定的利率下限，中心未另行上浮）" if rate.is_floor else ""
    run.reason(
        "rate",
        _fmt_min2(rate.annual_rate_percent),
        f"第{ht.tier}套住房、合同期限{facts.term_months}个月（{band.label}），"
        f"年利率{_rate(rate.annual_rate_percent)}{floor}",
        rate.citation,
    )
    return rate


def _rule_optional(facts: LoanFacts, rate: RateValue | None, run: _Run) -> None:
    policy = run.policy
    unset = "中心未设置该参数，不适用"

    def row(key: str) -> Citation | None:
        pv = policy.param(key)  # an unset row still says who left it unset
        return pv.citation if pv is not None else None

    multiple = _set(policy, Key.BALANCE_MULTIPLE)
    if multiple is None:
        run.skip(LimitRule.BALANCE_MULTIPLE, f"账户余额倍数：{unset}", row(Key.BALANCE_MULTIPLE))
    elif facts.account_balance is None:
        run.skip(
            LimitRule.BALANCE_MULTIPLE, "账户余额倍数：未提供账户余额，不适用", multiple.citation
        )
    else:
        m = Decimal(multiple.value)
        limit = (facts.account_balance * m).quantize(FEN, rounding=ROUND_DOWN)
        run.amount_limit(
            LimitRule.BALANCE_MULTIPLE,
            limit,
            f"账户余额{_yuan(facts.account_balance)}×{m.normalize():f}倍={_yuan(limit)}",
            multiple.citation,
        )

    share = _set(policy, Key.REPAYMENT_CAPACITY_SHARE)
    if share is None:
        run.skip(
            LimitRule.REPAYMENT_CAPACITY, f"还款能力：{unset}", row(Key.REPAYMENT_CAPACITY_SHARE)
        )
    elif facts.monthly_income is None:
        run.skip(LimitRule.REPAYMENT_CAPACITY, "还款能力：未提供家庭月收入，不适用", share.citation)
    elif rate is None or facts.term_months < 1:
        run.skip(
            LimitRule.REPAYMENT_CAPACITY, "还款能力：利率或期限不可用，无法计算", share.citation
        )
    else:
        s = Decimal(share.value)
        max_payment = (facts.monthly_income * s).quantize(FEN, rounding=ROUND_DOWN)
        limit = max_principal_for_payment(
            max_payment=max_payment,
            annual_rate_percent=rate.annual_rate_percent,
            months=facts.term_months,
            method=facts.repayment_method,
        )
        run.amount_limit(
            LimitRule.REPAYMENT_CAPACITY,
            limit,
            f"月还款额不超过家庭月收入{_yuan(facts.monthly_income)}的{_percent(s)}"
            f"即{_yuan(max_payment)}（{facts.repayment_method.label}），可贷不超过{_yuan(limit)}",
            share.citation,
        )

    min_months = _set(policy, Key.MIN_CONTINUOUS_DEPOSIT_MONTHS)
    if min_months is None:
        run.skip(
            LimitRule.DEPOSIT_MONTHS,
            f"连续缴存月数：{unset}",
            row(Key.MIN_CONTINUOUS_DEPOSIT_MONTHS),
        )
    elif facts.continuous_deposit_months is None:
        run.skip(
            LimitRule.DEPOSIT_MONTHS,
            "连续缴存月数：未提供连续缴存月数，不适用",
            min_months.citation,
        )
    else:
        need = int(min_months.value)
        run.requirement(
            LimitRule.DEPOSIT_MONTHS,
            need,
            f"须连续缴存至少{need}个月（已连续缴存{facts.continuous_deposit_months}个月）",
            min_months.citation,
        )
        if facts.continuous_deposit_months < need:
            run.refuse(
                RefusalCode.INSUFFICIENT_DEPOSIT_MONTHS,
                f"连续缴存{facts.continuous_deposit_months}个月，不足{need}个月",
                min_months.citation,
            )


def _rule_account(facts: LoanFacts, run: _Run) -> None:
    """正常缴存职工 (52号 art. 2): the borrower's account in the status the row names."""
    required = _set(run.policy, Key.REQUIRED_ACCOUNT_STATUS)
    if required is None:
        return  # no row in force: the measure's other rows say what is missing
    code = str(required.value)
    if facts.account_status is None:
        run.skip(
            LimitRule.ACCOUNT_STATUS,
            f"账户状态：未核对借款人账户，受理申请时核对（须为{code}正常）",
            required.citation,
        )
        return
    status = f"{facts.account_status_label or facts.account_status}（{facts.account_status}）"
    run.requirement(
        LimitRule.ACCOUNT_STATUS,
        facts.account_status,
        f"借款人个人账户状态须为正常（{code}），现为{status}",
        required.citation,
    )
    if facts.account_status != code:
        run.refuse(
            RefusalCode.ACCOUNT_NOT_NORMAL,
            f"借款人个人账户状态为{status}，非正常缴存职工，不予贷款",
            required.citation,
        )


def _rule_szg(facts: LoanFacts, szg_limits: PolicyValue | None, run: _Run) -> bool:
    """商转公 eligibility and its amount limit; returns False if a limit is missing."""
    loan = facts.commercial_loan
    if loan is None:
        return True
    cutoff = run.require(Key.SZG_ISSUED_ON_OR_BEFORE)
    lenders = run.require(Key.SZG_ELIGIBLE_LENDERS)
    if cutoff is not None:
        ok = loan.issued_on <= cutoff.value
        run.reason(
            "szg.issued_on",
            loan.issued_on.isoformat(),
            f"商业贷款发放日{loan.issued_on.isoformat()}"
            f"{'在' if ok else '晚于'}{cutoff.value.isoformat()}（含）{'之前' if ok else ''}",
            cutoff.citation,
        )
        if not ok:
            run.refuse(
                RefusalCode.SZG_INELIGIBLE,
                f"商业贷款发放日{loan.issued_on.isoformat()}晚于{cutoff.value.isoformat()}，"
                "不符合商转公条件",
                cutoff.citation,
            )
    if lenders is not None:
        raw = lenders.value
        entries = json.loads(raw) if isinstance(raw, str) else raw
        ok = szg_lender_eligible(loan, entries)
        lender = f"{loan.city.strip()}{loan.bank.strip().upper()}"
        run.reason(
            "szg.lender",
            lender,
            f"贷款银行{lender}{'属于' if ok else '不属于'}商转公认可的贷款银行",
            lenders.citation,
        )
        if not ok:
            run.refuse(
                RefusalCode.SZG_INELIGIBLE,
                f"{lender}发放的商业贷款不在商转公认可的贷款银行范围内",
                lenders.citation,
            )
    if szg_limits is not None and loan.remaining_principal > 0:
        remaining = round_fen(loan.remaining_principal)
        run.amount_limit(
            LimitRule.SZG_REMAINING_PRINCIPAL,
            remaining,
            f"商转公贷款不超过商业贷款剩余本金{_yuan(remaining)}",
            szg_limits.citation,
        )
        return True
    return False


def decide(facts: LoanFacts, policy: PolicySnapshot) -> Decision:
    """Apply domain.md §3–4 to ``facts`` on ``policy.on``.

    Every refusal that can still be established is collected (the rules do not
    stop at the first); numbers that could be computed are reported even when
    the decision is a refusal, numbers that could not are ``None``.
    """
    run = _Run(policy)
    _check_inputs(facts, run)
    _rule_measure(run)
    _rule_account(facts, run)
    ht = _rule_home_tier(facts, run)
    tier = ht.tier if ht.within_max else None
    ratio, min_down, price_done = _rule_down_payment(facts, tier, run)
    cap = _rule_cap(facts, run)
    szg_limits = _szg_limits(facts, run)
    max_term = _rule_term(facts, szg_limits, run)
    rate = _rule_rate(facts, ht, run)
    _rule_optional(facts, rate, run)
    szg_done = _rule_szg(facts, szg_limits, run)

    if run.missing_policy and _set(policy, Key.MEASURE) is None:
        # Say plainly why numbers are missing: no measure in force that day
        # (expired or not yet issued), so its parameters cannot be used.
        run.refusals.insert(
            0,
            Refusal(
                RefusalCode.POLICY_NOT_IN_FORCE,
                f"{policy.on.isoformat()}无施行中的政策措施（措施已到期或尚未录入），"
                "缺失的参数不得沿用旧值，须待新的政策录入后办理",
                None,
            ),
        )

    max_amount: Decimal | None = None
    if cap is not None and price_done and szg_done and run.amounts:
        max_amount = max(min(run.amounts, key=attrgetter("amount")).amount, Decimal("0.00"))
    loan_amount = facts.loan_amount if facts.loan_amount is not None else max_amount
    if max_amount is not None:
        binding = [limit for limit in run.amounts if limit.amount == max_amount]
        run.reason(
            "amount.max",
            _fmt_money(max_amount),
            f"可贷最高额为各项限额中的最低者{_yuan(max_amount)}"
            f"（{'、'.join(limit.rule for limit in binding)}）",
        )
        requested = facts.loan_amount
        if requested is not None and requested > 0 and requested > max_amount:
            run.refuse(
                RefusalCode.AMOUNT_EXCEEDS_LIMIT,
                f"申请金额{_yuan(requested)}超过可贷最高额{_yuan(max_amount)}",
                binding[0].citation if binding else None,
            )
        elif requested is None and max_amount <= 0:
            run.refuse(RefusalCode.NO_LOANABLE_AMOUNT, "按各项限额计算的可贷金额为0，不予贷款")

    eligible = not run.refusals
    monthly_payment: Decimal | None = None
    total_interest: Decimal | None = None
    if eligible and rate is not None and loan_amount is not None:
        monthly_payment = first_payment(
            principal=loan_amount,
            annual_rate_percent=rate.annual_rate_percent,
            months=facts.term_months,
            method=facts.repayment_method,
        )
        total_interest = schedule_total_interest(
            principal=loan_amount,
            annual_rate_percent=rate.annual_rate_percent,
            months=facts.term_months,
            method=facts.repayment_method,
        )
        which = (
            "月还款额"
            if facts.repayment_method is RepaymentMethod.EQUAL_INSTALLMENT
            else "首月还款额"
        )
        run.reason(
            "repayment",
            _fmt_money(monthly_payment),
            f"{facts.repayment_method.label}：贷款{_yuan(loan_amount)}、{facts.term_months}个月、"
            f"年利率{_rate(rate.annual_rate_percent)}，{which}{_yuan(monthly_payment)}，"
            f"利息合计{_yuan(total_interest)}",
        )

    return Decision(
        eligible=eligible,
        refusals=tuple(run.refusals),
        home_tier=tier,
        counted_homes=ht.counted_homes,
        counted_pf_loans=ht.counted_pf_loans,
        min_down_payment_ratio=ratio,
        min_down_payment=min_down,
        loan_cap=cap,
        max_loan_amount=max_amount,
        loan_amount=loan_amount,
        annual_rate_percent=rate.annual_rate_percent if rate else None,
        rate_citation=rate.citation if rate else None,
        term_months=facts.term_months,
        max_term_months=max_term,
        repayment_method=facts.repayment_method,
        monthly_payment=monthly_payment,
        total_interest=total_interest,
        limits_applied=tuple(run.applied),
        limits_not_applied=tuple(run.not_applied),
        amount_bounds=tuple(run.amounts),
        term_bounds=tuple(run.terms),
        reasons=tuple(run.reasons),
        policy_version=policy.version,
        as_of=policy.on,
    )


__all__ = [
    "CommercialLoan",
    "Decision",
    "HomeTier",
    "Limit",
    "LimitRule",
    "LoanFacts",
    "PriorPfLoan",
    "Reason",
    "Refusal",
    "RefusalCode",
    "TermLimit",
    "counted_home_tier",
    "counted_pf_loans",
    "decide",
    "effective_special_groups",
    "is_multi_child",
    "loan_cap_for",
    "max_term_before",
    "szg_lender_eligible",
    "term_band_of",
]
