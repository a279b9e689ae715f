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

from gjj.domain import Labelled, TermBand


class ValueKind(StrEnum):
    DECIMAL = "decimal"
    INTEGER = "integer"
    DATE = "date"
    JSON = "json"
    TEXT = "text"
    BOOLEAN = "boolean"


class PolicyStatus(Labelled):
    """Whether the center has confirmed a row: our own default is provisional until it does."""

    PROVISIONAL = "provisional", "暂定（待中心确认）"
    CONFIRMED = "confirmed", "已确认"


# The source of a row our own default fills in (cited as the center's business decision).
SOURCE_DECISION = "decision"


def status_for_source(source: str) -> PolicyStatus:
    """A row's status when it is entered: a published document is confirmed, our default is not."""
    return PolicyStatus.PROVISIONAL if source == SOURCE_DECISION else PolicyStatus.CONFIRMED


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


# Each parameter's name in the clerks' words (admin pages, messages, the start page).
KEY_LABELS: dict[str, str] = {
    Key.MEASURE: "政策措施",
    Key.MEASURE_EXPIRY_WARNING_DAYS: "措施到期提前预警天数",
    Key.LOCAL_CITY: "本中心所在城市",
    Key.LOAN_CAP_STANDARD: "贷款额度上限（正常缴存职工）",
    Key.LOAN_CAP_SPECIAL: "贷款额度上限（特定群体）",
    Key.LOAN_CAP_SPECIAL_GROUPS: "提高贷款额度的特定群体",
    Key.DOWN_PAYMENT_COMMERCIAL_TIER1: "商品住房首套最低首付款比例",
    Key.DOWN_PAYMENT_COMMERCIAL_TIER2: "商品住房二套最低首付款比例",
    Key.DOWN_PAYMENT_AFFORDABLE_TIER1: "保障性住房首套最低首付款比例",
    Key.DOWN_PAYMENT_AFFORDABLE_TIER2: "保障性住房二套最低首付款比例",
    Key.BALANCE_MULTIPLE: "账户余额倍数",
    Key.REPAYMENT_CAPACITY_SHARE: "月还款额占家庭月收入比例上限",
    Key.MIN_CONTINUOUS_DEPOSIT_MONTHS: "连续缴存月数下限",
    Key.VOUCHER_COUNTS_AS_OWN_FUNDS: "房票面额计入自筹资金",
    Key.REQUIRED_ACCOUNT_STATUS: "贷款须具备的个人账户状态",
    Key.MAX_HOME_TIER: "可贷款住房套数上限",
    Key.PF_LOAN_COUNT_CUTOFF: "公积金贷款次数认定截止日",
    Key.MULTI_CHILD_MIN_CHILDREN: "多子女家庭子女数",
    Key.MULTI_CHILD_HOME_DEDUCTION: "多子女家庭核减住房套数",
    Key.MULTI_CHILD_DEDUCTION_SCOPE: "多子女家庭核减的对象",
    Key.MAX_UNSETTLED_PF_LOANS: "未结清住房公积金贷款笔数上限",
    Key.MAX_TERM_MONTHS: "贷款最长期限",
    Key.RETIREMENT_EXTRA_YEARS: "贷款到期超过法定退休年龄的年限",
    Key.RETIREMENT_FEMALE_BASE_AGE: "女性借款人退休年龄档次",
    Key.RETIREMENT_REFORM: "法定退休年龄（渐进式延迟退休）",
    Key.REPRICING_RULE: "存量贷款利率调整规则",
    Key.REPRICING_KEEP_MAX_TERM_MONTHS: "执行合同利率的最长合同期限",
    Key.RATE_TERM_BAND_MONTHS: "贷款利率期限档次",
    Key.PREPAYMENT_MIN_AMOUNT: "提前还款最低金额",
    Key.SZG_ISSUED_ON_OR_BEFORE: "商转公商业贷款发放截止日",
    Key.SZG_ELIGIBLE_LENDERS: "商转公认可的贷款银行",
    Key.SZG_LIMITS: "商转公贷款额度与期限",
    Key.SPECIAL_GROUPS: "特定群体",
    Key.YOUTH_MAX_AGE: "青年人年龄上限",
    Key.NEW_CITIZEN_MAX_HUKOU_YEARS: "新市民落户年限",
    Key.RENTAL_CAP_STANDARD: "租房提取年度额度（一般）",
    Key.RENTAL_CAP_SPECIAL: "租房提取年度额度（特定群体）",
    Key.RENTAL_CAP_SPECIAL_GROUPS: "提高租房提取额度的特定群体",
    Key.PURCHASE_FAMILY_RELATIONS: "购房提取可提取的家庭成员",
    Key.PURCHASE_WINDOW_MONTHS: "购房提取申请期限（月）",
    Key.WITHDRAWAL_FOUR_EYES_THRESHOLD: "提取双人审核金额",
    Key.SERVICING_GRACE_DAYS: "逾期宽限天数",
    Key.PENALTY_RATE_MULTIPLIER: "罚息利率倍数",
    Key.RISK_CLASS_BANDS: "贷款风险分类档次",
    Key.REPAYMENT_ALLOCATION_ORDER: "还款资金冲抵顺序",
    Key.LOAN_DECISION_DAYS: "贷款审批时限（工作日）",
    Key.WITHDRAWAL_DECISION_DAYS: "提取审批时限（工作日）",
}


def key_label(key: str) -> str:
    """The parameter's Chinese name; an unknown key is shown as it is stored."""
    return KEY_LABELS.get(str(key), str(key))


@dataclass(frozen=True)
class Citation:
    document: str
    article: str
    source: str  # "52号", "national" or "decision"
    effective_from: date
    effective_to: date | None
    row: str  # stable row reference, e.g. "param:12" or "rate:3"
    # The row's status; left out, it follows the source as when a row is entered.
    status: PolicyStatus = None  # type: ignore[assignment]  # set in __post_init__

    def __post_init__(self) -> None:
        status = status_for_source(self.source) if self.status is None else self.status
        object.__setattr__(self, "status", PolicyStatus(status))

    @property
    def provisional(self) -> bool:
        """Not yet confirmed by the center: quotes and decisions say so per cited row."""
        return self.status == PolicyStatus.PROVISIONAL

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
            "status": self.status.value,
            "provisional": self.provisional,
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
