"""The loan decision engine: golden tables over the policy's boundary dates."""

from __future__ import annotations

import json
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from gjj.domain import PropertyType, RepaymentMethod, SpecialGroup, TermBand
from gjj.policy import Key, PolicySnapshot, ValueKind
from loans.engine import (
    CommercialLoan,
    Decision,
    LimitRule,
    LoanFacts,
    PriorPfLoan,
    counted_home_tier,
    decide,
    effective_special_groups,
    max_term_before,
    term_band_of,
)
from loans.schedules import (
    build_schedule,
    first_payment,
    level_payment,
    max_principal_for_payment,
)
from tests.loans import snap, with_params, without_params

D = Decimal
IN_FORCE = date(2025, 6, 1)  # inside 52号, after the 2025-05-08 rate cut
PRICE = D("1000000.00")


def facts(**kw: object) -> LoanFacts:
    """A plain first-home purchase; keywords override."""
    base: dict[str, object] = {"term_months": 240, "house_price": PRICE}
    base.update(kw)
    return LoanFacts(**base)  # type: ignore[arg-type]


def quote(on: date = IN_FORCE, **kw: object) -> Decision:
    return decide(facts(**kw), snap(on))


# ------------------------------------------------------------------ rates


RATE_TABLE = [
    # (date, tier, term months, rate) — domain.md §2; ≤ 60 months is the ≤5y band.
    (date(2015, 8, 26), 1, 60, "2.750"),
    (date(2015, 8, 26), 1, 61, "3.250"),
    (date(2015, 8, 26), 2, 60, "3.025"),
    (date(2015, 8, 26), 2, 61, "3.575"),
    (date(2022, 9, 30), 1, 60, "2.750"),
    (date(2022, 9, 30), 1, 61, "3.250"),
    (date(2022, 9, 30), 2, 60, "3.025"),
    (date(2022, 9, 30), 2, 61, "3.575"),
    (date(2022, 10, 1), 1, 60, "2.600"),
    (date(2022, 10, 1), 1, 61, "3.100"),
    (date(2022, 10, 1), 2, 60, "3.025"),
    (date(2022, 10, 1), 2, 61, "3.575"),
    (date(2024, 5, 17), 1, 60, "2.600"),
    (date(2024, 5, 17), 1, 61, "3.100"),
    (date(2024, 5, 17), 2, 60, "3.025"),
    (date(2024, 5, 17), 2, 61, "3.575"),
    (date(2024, 5, 18), 1, 60, "2.350"),
    (date(2024, 5, 18), 1, 61, "2.850"),
    (date(2024, 5, 18), 2, 60, "2.775"),
    (date(2024, 5, 18), 2, 61, "3.325"),
    (date(2025, 5, 7), 1, 60, "2.350"),
    (date(2025, 5, 7), 1, 61, "2.850"),
    (date(2025, 5, 7), 2, 60, "2.775"),
    (date(2025, 5, 7), 2, 61, "3.325"),
    (date(2025, 5, 8), 1, 60, "2.100"),
    (date(2025, 5, 8), 1, 61, "2.600"),
    (date(2025, 5, 8), 2, 60, "2.525"),
    (date(2025, 5, 8), 2, 61, "3.075"),
]


@pytest.mark.parametrize(("on", "tier", "term", "rate"), RATE_TABLE)
def test_rate_golden(on: date, tier: int, term: int, rate: str) -> None:
    """Given a home of tier N and a contract term, when quoted on a boundary date,
    then the rate of that date's row applies (the contract term sets the band)."""
    d = quote(on, homes_owned=tier - 1, term_months=term)
    assert d.home_tier == tier
    assert d.annual_rate_percent == D(rate)
    assert d.rate_citation is not None
    assert d.rate_citation.effective_from <= on
    assert term_band_of(term, snap(on)) == (TermBand.UP_TO_5Y if term <= 60 else TermBand.OVER_5Y)


def test_rate_eligible_quote_uses_schedule() -> None:
    """Given an eligible quote, then the payment and interest are the schedule's."""
    d = quote(term_months=240, loan_amount=D("350000.00"))
    assert d.eligible
    assert d.annual_rate_percent == D("2.600")
    assert d.monthly_payment == level_payment(
        principal=D("350000.00"), annual_rate_percent=D("2.600"), months=240
    )
    sched = build_schedule(
        principal=D("350000.00"),
        annual_rate_percent=D("2.600"),
        months=240,
        method=RepaymentMethod.EQUAL_INSTALLMENT,
        first_due_date=date(2025, 7, 1),
    )
    assert d.total_interest == sum(i.interest for i in sched)


def test_equal_principal_reports_first_month() -> None:
    d = quote(loan_amount=D("350000.00"), repayment_method=RepaymentMethod.EQUAL_PRINCIPAL)
    assert d.monthly_payment == first_payment(
        principal=D("350000.00"),
        annual_rate_percent=D("2.600"),
        months=240,
        method=RepaymentMethod.EQUAL_PRINCIPAL,
    )
    assert d.monthly_payment == D("1458.33") + D("758.33")


# -------------------------------------------------------------------- cap


@pytest.mark.parametrize(
    ("on", "groups", "children", "cap"),
    [
        (date(2024, 10, 16), (), 0, "800000.00"),
        (date(2024, 10, 16), ("talent",), 0, "800000.00"),  # no special cap before 52号
        (date(2024, 10, 16), (), 2, "800000.00"),
        (date(2024, 10, 17), (), 0, "900000.00"),
        (date(2024, 10, 17), (), 1, "900000.00"),
        (date(2024, 10, 17), (), 2, "1000000.00"),  # two children make 多子女家庭
        (date(2024, 10, 17), ("talent",), 0, "1000000.00"),
        (date(2024, 10, 17), ("new_citizen",), 0, "1000000.00"),
        (date(2024, 10, 17), ("youth",), 0, "1000000.00"),
        (date(2024, 10, 17), ("military_family",), 0, "1000000.00"),
        (date(2024, 10, 17), ("multi_child",), 0, "1000000.00"),
        (date(2027, 10, 16), ("youth", "talent"), 0, "1000000.00"),
    ],
)
def test_cap_boundary(on: date, groups: tuple[str, ...], children: int, cap: str) -> None:
    """Given the cap rows, when quoted either side of 2024-10-17, then 80万 / 90万 / 100万."""
    d = quote(on, special_groups=frozenset(groups), children=children, house_price=D("2000000"))
    assert d.loan_cap == D(cap)
    assert d.amount_limits[LimitRule.CAP] == D(cap)


def test_before_52_no_down_payment_row_so_refused() -> None:
    """Given 2024-10-16 (before 52号), the seed has a cap row but no down-payment row:
    the quote reports the 80万 cap but is refused, never inventing a ratio."""
    d = quote(date(2024, 10, 16))
    assert not d.eligible
    assert d.loan_cap == D("800000.00")
    assert d.min_down_payment_ratio is None
    assert d.max_loan_amount is None
    assert "policy_not_in_force" in d.refusal_codes
    assert any("首付款比例" in r.message for r in d.refusals)


def test_special_cap_unset_falls_back_to_standard() -> None:
    p = without_params(snap(IN_FORCE), Key.LOAN_CAP_SPECIAL)
    d = decide(facts(special_groups={SpecialGroup.TALENT}, house_price=D("2000000")), p)
    assert d.loan_cap == D("900000.00")
    assert d.eligible


def test_multi_child_group_automatic() -> None:
    p = snap(IN_FORCE)
    assert effective_special_groups(children=2, special_groups=(), policy=p) == {
        SpecialGroup.MULTI_CHILD
    }
    assert effective_special_groups(children=1, special_groups=(), policy=p) == frozenset()
    assert SpecialGroup.MILITARY_FAMILY.label == "现役军人家庭"


# ------------------------------------------------------------------ expiry


def test_expiry_last_day_works() -> None:
    """Given 2027-10-16 (last day of 52号), then a quote works with its numbers."""
    d = quote(date(2027, 10, 16))
    assert d.eligible
    assert d.loan_cap == D("900000.00")
    assert d.max_loan_amount == D("800000.00")
    assert d.refusals == ()


def test_expiry_day_after_refused() -> None:
    """Given 2027-10-17 (52号 expired), then refused policy_not_in_force naming the
    missing parameters, and no expired number is used."""
    d = quote(date(2027, 10, 17))
    assert not d.eligible
    assert set(d.refusal_codes) == {"policy_not_in_force"}
    messages = " ".join(r.message for r in d.refusals)
    assert "政策措施" in messages
    assert "贷款额度上限" in messages
    assert "首付款比例" in messages
    assert d.loan_cap is None
    assert d.min_down_payment_ratio is None
    assert d.max_loan_amount is None
    assert d.monthly_payment is None
    assert d.as_of == date(2027, 10, 17)


def test_expiry_warning_reason() -> None:
    """Given a quote within the warning days before expiry, then a reason says so."""
    d = quote(date(2027, 9, 1))
    assert any(r.rule == "measure.expiry_warning" and r.value == "2027-10-16" for r in d.reasons)
    d = quote(IN_FORCE)
    assert not any(r.rule == "measure.expiry_warning" for r in d.reasons)


# ------------------------------------------------------------- home count


@pytest.mark.parametrize(
    ("on", "issued", "counted", "tier"),
    [
        (date(2024, 10, 17), date(2014, 12, 31), 0, 1),
        (date(2024, 10, 17), date(2015, 1, 1), 1, 2),
        (date(2025, 6, 1), date(2014, 12, 31), 0, 1),
        (date(2025, 6, 1), date(2015, 1, 1), 1, 2),
        (date(2024, 10, 16), date(2014, 12, 31), 1, 2),  # before 52号 every loan counts
        (date(2024, 10, 16), date(2015, 1, 1), 1, 2),
    ],
)
def test_pf_loan_count_cutoff(on: date, issued: date, counted: int, tier: int) -> None:
    """认贷: a settled loan issued on or before 2014-12-31 stops counting from 2024-10-17."""
    d = quote(on, prior_pf_loans=(PriorPfLoan(issued_on=issued, settled=True),))
    assert d.counted_pf_loans == counted
    assert d.home_tier == tier


@pytest.mark.parametrize(
    ("property_type", "new_build", "children", "groups", "counted", "tier"),
    [
        # The deduction lowers the tier, not the count (domain.md §8, scope "tier").
        (PropertyType.COMMERCIAL, True, 2, (), 1, 1),
        (PropertyType.COMMERCIAL, True, 3, (), 1, 1),
        (PropertyType.COMMERCIAL, True, 0, ("multi_child",), 1, 1),
        (PropertyType.COMMERCIAL, True, 1, (), 1, 2),
        (PropertyType.COMMERCIAL, False, 2, (), 1, 2),  # resale: no deduction
        (PropertyType.AFFORDABLE, True, 2, (), 1, 2),  # affordable: no deduction
    ],
)
def test_multi_child_deduction(
    property_type: PropertyType,
    new_build: bool,
    children: int,
    groups: tuple[str, ...],
    counted: int,
    tier: int,
) -> None:
    """Given one home owned, then only 多子女家庭 buying new commercial housing get a deduction."""
    d = quote(
        homes_owned=1,
        property_type=property_type,
        new_build=new_build,
        children=children,
        special_groups=frozenset(groups),
    )
    assert d.counted_homes == counted
    assert d.home_tier == tier
    assert d.eligible


def test_multi_child_deduction_makes_third_home_second() -> None:
    d = quote(homes_owned=2, children=2, new_build=True)
    assert (d.counted_homes, d.home_tier, d.eligible) == (2, 2, True)
    d = quote(homes_owned=0, children=2, new_build=True)
    assert d.counted_homes == 0  # never below zero


def test_multi_child_deduction_not_before_52() -> None:
    p = snap(date(2024, 10, 16))
    ht = counted_home_tier(facts(homes_owned=1, children=2, new_build=True), p)
    assert (ht.counted_homes, ht.tier, ht.multi_child_deduction) == (1, 2, 0)


@pytest.mark.parametrize(
    ("homes", "loans"),
    [(2, ()), (0, (date(2016, 1, 1), date(2018, 1, 1))), (3, ())],
)
def test_third_home_refused(homes: int, loans: tuple[date, ...]) -> None:
    """Given tier 3 or more, then refused home_tier_exceeded and no tier/rate is given."""
    d = quote(homes_owned=homes, prior_pf_loans=tuple(PriorPfLoan(x) for x in loans))
    assert not d.eligible
    assert "home_tier_exceeded" in d.refusal_codes
    assert d.home_tier is None
    assert d.annual_rate_percent is None
    assert d.loan_cap == D("900000.00")  # later rules still evaluated


def test_unsettled_loan_refused() -> None:
    """Given an unsettled prior loan (even one no longer counted), then refused,
    citing the center's row that allows none."""
    d = quote(prior_pf_loans=(PriorPfLoan(date(2014, 6, 1), settled=False),))
    assert not d.eligible
    assert d.refusal_codes == ("unsettled_pf_loan",)
    (refusal,) = d.refusals
    assert refusal.message == "家庭有1笔住房公积金贷款未结清，结清前不予贷款"
    assert refusal.citation is not None
    assert refusal.citation.article == (
        "家庭有未结清的住房公积金贷款的，结清前不予发放新的住房公积金贷款"
    )
    assert refusal.citation.source == "decision"
    assert d.counted_pf_loans == 0
    assert d.home_tier == 1


def test_unsettled_loans_follow_the_row_in_force() -> None:
    unsettled = (PriorPfLoan(date(2020, 6, 1), settled=False),)
    # Given a row that allows one unsettled loan: a household with one is not refused for it
    one = with_params(snap(IN_FORCE), n=(Key.MAX_UNSETTLED_PF_LOANS, 1, ValueKind.INTEGER))
    d = decide(facts(prior_pf_loans=unsettled), one)
    assert d.eligible
    assert d.home_tier == 2
    reason = next(r for r in d.reasons if r.rule == "home_count.unsettled")
    assert (reason.value, reason.message) == ("1", "未结清的住房公积金贷款1笔（可有1笔）")
    # Given no row in force: refused for the missing rule, never lent by default
    none = without_params(snap(IN_FORCE), Key.MAX_UNSETTLED_PF_LOANS)
    d = decide(facts(prior_pf_loans=unsettled), none)
    assert d.refusal_codes == ("policy_not_in_force",)
    assert Key.MAX_UNSETTLED_PF_LOANS in d.refusals[0].message
    # ... and a household with no unsettled loan does not need the row at all
    assert decide(facts(), none).eligible


def test_all_refusals_collected() -> None:
    """Given several faults, then every refusal that can be established is listed."""
    d = quote(
        homes_owned=2,
        prior_pf_loans=(PriorPfLoan(date(2020, 1, 1), settled=False),),
        term_months=400,
        loan_amount=D("950000"),
    )
    assert set(d.refusal_codes) >= {
        "home_tier_exceeded",
        "unsettled_pf_loan",
        "term_exceeds_limit",
    }


# ---------------------------------------------------------- down payment


@pytest.mark.parametrize(
    ("property_type", "homes", "ratio", "down", "limit"),
    [
        (PropertyType.COMMERCIAL, 0, "0.20", "200000.00", "800000.00"),
        (PropertyType.COMMERCIAL, 1, "0.20", "200000.00", "800000.00"),
        (PropertyType.AFFORDABLE, 0, "0.15", "150000.00", "850000.00"),
        (PropertyType.AFFORDABLE, 1, "0.15", "150000.00", "850000.00"),
    ],
)
def test_down_payment(
    property_type: PropertyType, homes: int, ratio: str, down: str, limit: str
) -> None:
    d = quote(property_type=property_type, homes_owned=homes)
    assert d.min_down_payment_ratio == D(ratio)
    assert d.min_down_payment == D(down)
    assert d.amount_limits[LimitRule.DOWN_PAYMENT] == D(limit)
    assert d.max_loan_amount == D(limit)
    assert d.loan_amount == D(limit)


def test_down_payment_rounds_half_up_to_fen() -> None:
    d = quote(house_price=D("123456.78"))
    # 123456.78 × 0.20 = 24691.356 → 24691.36; the rest may be borrowed.
    assert d.min_down_payment == D("24691.36")
    assert d.max_loan_amount == D("98765.42")


# ---------------------------------------------------------------- voucher


@pytest.mark.parametrize(
    ("voucher", "max_amount"),
    [
        ("300000", "700000.00"),  # voucher beyond the down payment: price − voucher binds
        ("200000", "800000.00"),
        ("100000", "800000.00"),  # voucher covers part of the down payment: ratio binds
        ("1000000", None),  # nothing left to borrow
    ],
)
def test_voucher_counts_as_own_funds(voucher: str, max_amount: str | None) -> None:
    """房票: the face value is own funds; only price − voucher may be borrowed."""
    d = quote(voucher_amount=D(voucher))
    assert d.amount_limits[LimitRule.VOUCHER] == PRICE - D(voucher)
    if max_amount is None:
        assert d.max_loan_amount == D("0.00")
        assert d.refusal_codes == ("no_loanable_amount",)
    else:
        assert d.max_loan_amount == D(max_amount)
        assert d.eligible


def test_voucher_not_own_funds_when_flag_false() -> None:
    p = with_params(
        snap(IN_FORCE), flag=(Key.VOUCHER_COUNTS_AS_OWN_FUNDS, False, ValueKind.BOOLEAN)
    )
    d = decide(facts(voucher_amount=D("100000")), p)
    assert d.amount_limits[LimitRule.VOUCHER] == D("700000.00")
    assert d.max_loan_amount == D("700000.00")


def test_voucher_exceeds_price_is_input_error() -> None:
    d = quote(voucher_amount=D("1000000.01"))
    assert not d.eligible
    assert "voucher_exceeds_price" in d.refusal_codes
    assert d.input_errors() == {
        "voucher_amount": [{"code": "voucher_exceeds_price", "message": d.refusals[0].message}]
    }


# ----------------------------------------------------------------- 商转公


def szg(
    *, city: str = "阳泉", bank: str = "ICBC", issued: date = date(2020, 5, 1), **kw: object
) -> Decision:
    loan = CommercialLoan(
        bank=bank,
        city=city,
        issued_on=issued,
        remaining_principal=D("420000.50"),
        remaining_term_months=200,
    )
    base: dict[str, Any] = {
        "house_price": None,
        "homes_owned": 1,
        "commercial_loan": loan,
        "term_months": 180,
    }
    base.update(kw)
    return quote(**base)


@pytest.mark.parametrize(
    ("city", "bank", "issued", "ok"),
    [
        ("阳泉", "ICBC", date(2020, 5, 1), True),
        ("阳泉市", "abc", date(2020, 5, 1), True),  # any bank in Yangquan
        ("太原", "CCB", date(2020, 5, 1), True),
        ("太原", "ccb", date(2020, 5, 1), True),
        ("太原", "ICBC", date(2020, 5, 1), False),
        ("北京", "CCB", date(2020, 5, 1), False),
        ("阳泉", "ICBC", date(2024, 3, 31), True),
        ("阳泉", "ICBC", date(2024, 4, 1), False),
    ],
)
def test_szg_eligibility(city: str, bank: str, issued: date, ok: bool) -> None:
    d = szg(city=city, bank=bank, issued=issued)
    assert d.eligible is ok
    assert ("szg_ineligible" in d.refusal_codes) is (not ok)


def test_szg_limits_and_home_count() -> None:
    """Given 商转公 without a price, then the amount is bounded by the remaining
    principal, the term by the remaining term, and the financed home is not counted."""
    d = szg()
    assert d.eligible
    assert (d.counted_homes, d.home_tier) == (0, 1)
    assert d.max_loan_amount == D("420000.50")
    assert d.amount_limits[LimitRule.SZG_REMAINING_PRINCIPAL] == D("420000.50")
    assert d.term_limits[LimitRule.TERM_SZG] == 200
    assert d.max_term_months == 200
    assert LimitRule.DOWN_PAYMENT in {r.rule for r in d.limits_not_applied}
    assert szg(homes_owned=2).home_tier == 2
    assert szg(homes_owned=0).counted_homes == 0


def test_szg_term_and_amount_refused() -> None:
    d = szg(term_months=201, loan_amount=D("420000.51"))
    assert set(d.refusal_codes) == {"term_exceeds_limit", "amount_exceeds_limit"}


def test_szg_with_price_applies_down_payment() -> None:
    d = szg(house_price=D("500000"))
    assert d.max_loan_amount == D("400000.00")


def test_szg_limits_cite_their_row() -> None:
    d = szg()
    limits = {r.rule: r for r in d.limits_applied}
    for rule in (LimitRule.SZG_REMAINING_PRINCIPAL, LimitRule.TERM_SZG):
        cite = limits[rule].citation
        assert cite is not None, rule
        assert cite.article == (
            "商转公贷款额度不超过商业贷款剩余本金，贷款期限不超过商业贷款剩余期限"
        )
    assert all(r.citation is not None for r in d.limits_applied)


@pytest.mark.parametrize("rule", [None, "remaining_principal_only"])
def test_szg_without_a_known_limits_rule_is_refused(rule: str | None) -> None:
    # Given the 商转公 limits row missing, or naming a rule the engine does not know
    p = (
        without_params(snap(IN_FORCE), Key.SZG_LIMITS)
        if rule is None
        else with_params(snap(IN_FORCE), r=(Key.SZG_LIMITS, rule, ValueKind.TEXT))
    )
    loan = CommercialLoan("ICBC", "阳泉", date(2020, 5, 1), D("420000.50"), 200)
    d = decide(facts(house_price=None, homes_owned=1, commercial_loan=loan), p)
    # Then it is refused, with no maximum or term limit made up without the rule
    assert d.refusal_codes == ("policy_not_in_force",)
    assert Key.SZG_LIMITS in d.refusals[0].message
    assert (d.max_loan_amount, d.max_term_months) == (None, None)
    assert {LimitRule.SZG_REMAINING_PRINCIPAL, LimitRule.TERM_SZG}.isdisjoint(
        r.rule for r in d.limits_applied
    )


def test_szg_rows_missing_refused() -> None:
    d = szg(on=date(2024, 10, 16))
    assert "policy_not_in_force" in d.refusal_codes
    assert any("商转公" in r.message for r in d.refusals)


# ----------------------------------------------------------------- amount


def test_requested_amount_above_max_refused() -> None:
    assert quote(loan_amount=D("800000.00")).eligible
    d = quote(loan_amount=D("800000.01"))
    assert not d.eligible
    assert d.refusal_codes == ("amount_exceeds_limit",)
    assert d.loan_amount == D("800000.01")
    assert d.monthly_payment is None


@pytest.mark.parametrize("amount", ["0", "-1", "1000.001"])
def test_invalid_requested_amount(amount: str) -> None:
    d = quote(loan_amount=D(amount))
    assert "invalid_amount" in d.refusal_codes


def test_purchase_needs_price() -> None:
    d = quote(house_price=None)
    assert "house_price_required" in d.refusal_codes
    assert d.max_loan_amount is None


def test_floats_refused() -> None:
    with pytest.raises(TypeError):
        facts(house_price=1000000.0)


# ------------------------------------------------------------------- term


def test_term_max_360() -> None:
    assert quote(term_months=360).eligible
    d = quote(term_months=361)
    assert d.refusal_codes == ("term_exceeds_limit",)
    assert d.max_term_months == 360


def test_term_over_the_longest_names_the_field() -> None:
    # given the row 贷款期限最长360个月
    # when 361 months are asked
    d = quote(term_months=361)
    # then the request is at fault: the refusal names term_months (an API answers 400)
    assert d.input_errors() == {
        "term_months": [
            {"code": "term_exceeds_limit", "message": "申请期限361个月超过贷款最长期限360个月"}
        ]
    }


def test_term_longest_is_read_from_the_row() -> None:
    # given a row in force setting the longest term at 300 months
    p = with_params(snap(IN_FORCE), t=(Key.MAX_TERM_MONTHS, 300, ValueKind.INTEGER))
    # when 300 and 301 months are asked
    # then 300 is lent and 301 is refused on the field
    assert decide(facts(term_months=300), p).eligible
    assert list(decide(facts(term_months=301), p).input_errors()) == ["term_months"]


def test_term_over_the_borrowers_own_limit_is_a_lawful_no() -> None:
    # given a man born 1975-01-10 whose retirement allows 206 months
    # when 207 are asked
    d = quote(birth_date=date(1975, 1, 10), sex="M", term_months=207)
    # then it is a refusal on sound facts, naming no field
    assert d.refusal_codes == ("term_exceeds_limit",)
    assert d.input_errors() == {}


def test_term_retirement_limit() -> None:
    """Given a man born 1975-01-10 quoting on 2025-06-01: retirement 62y7m on
    2037-08-10 (delay 120//4+1 = 31 months), + 5 years → 2042-08-10, so at most
    206 months (2025-06-01 + 206 months = 2042-08-01)."""
    d = quote(birth_date=date(1975, 1, 10), sex="M", term_months=206)
    assert d.eligible
    assert d.term_limits == {LimitRule.TERM_MAX: 360, LimitRule.TERM_RETIREMENT: 206}
    assert d.max_term_months == 206
    d = quote(birth_date=date(1975, 1, 10), sex="M", term_months=207)
    assert d.refusal_codes == ("term_exceeds_limit",)


def test_term_retirement_too_old() -> None:
    d = quote(birth_date=date(1955, 1, 1), sex="F", term_months=12)
    assert d.max_term_months == 0
    assert "term_exceeds_limit" in d.refusal_codes


def test_term_retirement_needs_the_birth_date() -> None:
    assert LimitRule.TERM_RETIREMENT in {r.rule for r in quote().limits_not_applied}
    assert LimitRule.TERM_RETIREMENT in {r.rule for r in quote(sex="M").limits_not_applied}


def test_term_retirement_without_the_sex_takes_the_earlier_date() -> None:
    """Given a birth date 1985-03-15 and no sex, quoted on 2025-06-01: after the
    reform a man would retire at 63 (2048-03-15), a woman (55 category) at 58
    (2043-03-15), so the woman's date bounds the term: maturity by 2048-03-15,
    273 months (a man's would be 333)."""
    born = date(1985, 3, 15)
    female = quote(birth_date=born, sex="F").term_limits[LimitRule.TERM_RETIREMENT]
    male = quote(birth_date=born, sex="M").term_limits[LimitRule.TERM_RETIREMENT]
    d = quote(birth_date=born, term_months=female)
    assert (female, male) == (273, 333)
    assert d.eligible
    assert d.term_limits[LimitRule.TERM_RETIREMENT] == female
    reason = next(r for r in d.limits_applied if r.rule == LimitRule.TERM_RETIREMENT)
    assert reason.message == (
        "未提供性别，按较早者计：法定退休年龄58周岁（2043-03-15退休），"
        "贷款到期不晚于退休后5年即2048-03-15，最长273个月"
    )


def test_max_term_before() -> None:
    assert max_term_before(date(2042, 8, 10), date(2025, 6, 1)) == 206
    assert max_term_before(date(2025, 3, 30), date(2025, 1, 31)) == 1
    assert max_term_before(date(2025, 1, 1), date(2025, 6, 1)) == 0


# -------------------------------------------------------- optional limits


def test_optional_limits_unset_not_applied() -> None:
    """Given the three parameters unset (seed), then each is listed as not applied."""
    d = quote(account_balance=D("10000"), monthly_income=D("5000"), continuous_deposit_months=1)
    assert {r.rule for r in d.limits_not_applied} >= {
        LimitRule.BALANCE_MULTIPLE,
        LimitRule.REPAYMENT_CAPACITY,
        LimitRule.DEPOSIT_MONTHS,
    }
    assert not {
        LimitRule.BALANCE_MULTIPLE,
        LimitRule.REPAYMENT_CAPACITY,
        LimitRule.DEPOSIT_MONTHS,
    } & {r.rule for r in d.limits_applied}
    assert d.eligible


def _optional_policy(on: date = IN_FORCE) -> PolicySnapshot:
    return with_params(
        snap(on),
        mult=(Key.BALANCE_MULTIPLE, D("15"), ValueKind.DECIMAL),
        share=(Key.REPAYMENT_CAPACITY_SHARE, D("0.5"), ValueKind.DECIMAL),
        months=(Key.MIN_CONTINUOUS_DEPOSIT_MONTHS, 6, ValueKind.INTEGER),
    )


def test_optional_limits_applied_when_set() -> None:
    p = _optional_policy()
    f = facts(account_balance=D("40000.00"), monthly_income=D("6000.00"))
    d = decide(f, p)
    assert d.amount_limits[LimitRule.BALANCE_MULTIPLE] == D("600000.00")
    cap = d.amount_limits[LimitRule.REPAYMENT_CAPACITY]
    # 3,000.00 a month at 2.60% over 240 months.
    assert level_payment(principal=cap, annual_rate_percent=D("2.6"), months=240) <= D("3000")
    assert level_payment(principal=cap + D("0.01"), annual_rate_percent=D("2.6"), months=240) > D(
        "3000"
    )
    assert d.max_loan_amount == min(cap, D("600000.00"))
    # Inputs missing: the set parameters are listed as not applied.
    d = decide(facts(), p)
    assert {r.rule for r in d.limits_not_applied} >= {
        LimitRule.BALANCE_MULTIPLE,
        LimitRule.REPAYMENT_CAPACITY,
        LimitRule.DEPOSIT_MONTHS,
    }


def test_insufficient_deposit_months() -> None:
    p = _optional_policy()
    assert decide(facts(continuous_deposit_months=6), p).eligible
    d = decide(facts(continuous_deposit_months=5), p)
    assert d.refusal_codes == ("insufficient_deposit_months",)


# ---------------------------------------------------------------- as_dict


def test_as_dict_formats() -> None:
    d = quote(date(2024, 6, 1), homes_owned=1, term_months=60, voucher_amount=D("300000"))
    out = d.as_dict()
    json.dumps(out, ensure_ascii=False)  # JSON-ready
    assert out["annual_rate_percent"] == "2.775"
    assert out["as_of"] == "2024-06-01"
    d = quote(date(2024, 11, 1), term_months=61)
    out = d.as_dict()
    assert out["annual_rate_percent"] == "2.85"
    assert out["min_down_payment_ratio"] == "0.20"
    assert out["min_down_payment"] == "200000.00"
    assert out["loan_cap"] == "900000.00"
    assert out["max_loan_amount"] == "800000.00"
    assert out["repayment_method_code"] == "01"
    assert out["rate_citation"]["effective_from"] == "2024-05-18"
    assert out["policy_version"] == d.policy_version
    assert all(isinstance(r["message"], str) for r in out["reasons"])


def test_reasons_cover_every_rule_in_order() -> None:
    d = quote(loan_amount=D("500000"))
    rules = [r.rule for r in d.reasons]
    expected = [
        "measure",
        LimitRule.ACCOUNT_STATUS,
        "home_count.homes",
        "home_count.pf_loans",
        "home_tier",
        LimitRule.DOWN_PAYMENT,
        LimitRule.CAP,
        LimitRule.TERM_MAX,
        LimitRule.TERM_RETIREMENT,
        "rate",
        LimitRule.BALANCE_MULTIPLE,
        LimitRule.REPAYMENT_CAPACITY,
        LimitRule.DEPOSIT_MONTHS,
        "amount.max",
        "repayment",
    ]
    assert rules == expected
    assert all(r.citation is not None for r in d.limits_applied)


# ------------------------------------------------------------- properties


ON_DATES = [date(2024, 10, 17), date(2025, 5, 7), date(2025, 5, 8), date(2027, 10, 16)]


def independent_max_amount(
    f: LoanFacts, p: PolicySnapshot, tier: int | None, rate: Decimal | None
) -> Decimal:
    """The least of every amount limit of domain.md §3–4, computed here from the rows
    themselves (not from the decision's list of the limits it chose to apply)."""

    def value(key: str) -> Any:
        pv = p.param(key)
        return pv.value if pv is not None and pv.is_set else None

    bounds: list[Decimal] = []
    groups = {g.value for g in f.special_groups}
    if f.children >= value(Key.MULTI_CHILD_MIN_CHILDREN):
        groups.add("multi_child")
    special = groups & set(value(Key.LOAN_CAP_SPECIAL_GROUPS))
    bounds.append(value(Key.LOAN_CAP_SPECIAL if special else Key.LOAN_CAP_STANDARD))
    if f.house_price is not None:
        assert tier is not None  # without a tier there is no ratio, hence no maximum
        ratio = value(f"loan.down_payment.{f.property_type.value}.tier{tier}")
        down = (f.house_price * ratio).quantize(D("0.01"), rounding=ROUND_HALF_UP)
        bounds.append(f.house_price - down)
        if f.voucher_amount:
            assert value(Key.VOUCHER_COUNTS_AS_OWN_FUNDS) is True
            bounds.append(f.house_price - f.voucher_amount)
    if f.commercial_loan is not None:
        bounds.append(f.commercial_loan.remaining_principal)
    multiple = value(Key.BALANCE_MULTIPLE)
    if multiple is not None and f.account_balance is not None:
        bounds.append((f.account_balance * multiple).quantize(D("0.01"), rounding=ROUND_DOWN))
    share = value(Key.REPAYMENT_CAPACITY_SHARE)
    if share is not None and f.monthly_income is not None and rate is not None:
        bounds.append(
            max_principal_for_payment(
                max_payment=(f.monthly_income * share).quantize(D("0.01"), rounding=ROUND_DOWN),
                annual_rate_percent=rate,
                months=f.term_months,
                method=f.repayment_method,
            )
        )
    return max(min(bounds), D("0"))


@settings(max_examples=150, deadline=None)
@given(
    on=st.sampled_from(ON_DATES),
    optional=st.booleans(),
    price=st.decimals(min_value=D("10000"), max_value=D("3000000"), places=2),
    property_type=st.sampled_from(list(PropertyType)),
    new_build=st.booleans(),
    homes=st.integers(0, 3),
    children=st.integers(0, 3),
    groups=st.frozensets(st.sampled_from(list(SpecialGroup))),
    term=st.integers(1, 400),
    method=st.sampled_from(list(RepaymentMethod)),
    voucher=st.none() | st.decimals(min_value=D("0"), max_value=D("800000"), places=2),
    balance=st.none() | st.decimals(min_value=D("0"), max_value=D("200000"), places=2),
    income=st.none() | st.decimals(min_value=D("0"), max_value=D("50000"), places=2),
    birth=st.none() | st.dates(min_value=date(1960, 1, 1), max_value=date(2005, 12, 31)),
    sex=st.sampled_from(["M", "F", None]),
    requested=st.none() | st.decimals(min_value=D("1"), max_value=D("1200000"), places=2),
    commercial=st.none()
    | st.tuples(
        st.decimals(min_value=D("0.01"), max_value=D("1500000"), places=2),
        st.integers(1, 360),
        st.booleans(),  # with or without the price
    ),
)
def test_amount_never_exceeds_any_limit(
    on: date,
    optional: bool,
    price: Decimal,
    property_type: PropertyType,
    new_build: bool,
    homes: int,
    children: int,
    groups: frozenset[SpecialGroup],
    term: int,
    method: RepaymentMethod,
    voucher: Decimal | None,
    balance: Decimal | None,
    income: Decimal | None,
    birth: date | None,
    sex: str | None,
    requested: Decimal | None,
    commercial: tuple[Decimal, int, bool] | None,
) -> None:
    """For any facts (商转公 among them): the max is the least of every limit, computed
    independently from the rows; an eligible loan stays within it and within every
    term limit; and its schedule is sound."""
    p = _optional_policy(on) if optional else snap(on)
    loan = None
    house_price: Decimal | None = price
    if commercial is not None:
        remaining, remaining_term, with_price = commercial
        house_price = price if with_price else None
        loan = CommercialLoan(
            bank="ICBC",
            city="阳泉",
            issued_on=date(2020, 5, 1),
            remaining_principal=remaining,
            remaining_term_months=remaining_term,
        )
        voucher = voucher if with_price else None
    f = LoanFacts(
        property_type=property_type,
        new_build=new_build,
        house_price=house_price,
        commercial_loan=loan,
        term_months=term,
        repayment_method=method,
        homes_owned=homes,
        children=children,
        special_groups=groups,
        loan_amount=requested,
        voucher_amount=voucher,
        birth_date=birth,
        sex=sex,
        account_balance=balance,
        monthly_income=income,
    )
    d = decide(f, p)
    event("eligible" if d.eligible else "refused: " + ",".join(sorted(set(d.refusal_codes))))
    if d.input_errors():
        return  # a 400, not a decision (voucher above the price): nothing to bound
    limits = d.amount_limits
    if d.max_loan_amount is not None:
        expected = independent_max_amount(f, p, d.home_tier, d.annual_rate_percent)
        assert d.max_loan_amount == expected
        assert d.max_loan_amount == max(min(limits.values()), D("0"))
    if d.eligible:
        assert d.max_loan_amount is not None
        assert d.loan_amount is not None
        assert 0 < d.loan_amount <= d.max_loan_amount
        assert all(d.loan_amount <= v for v in limits.values())
        assert d.term_months <= p.value(Key.MAX_TERM_MONTHS)
        if loan is not None:
            assert d.term_months <= loan.remaining_term_months
        assert all(d.term_months <= v for v in d.term_limits.values())
        assert d.monthly_payment is not None
        assert d.total_interest is not None
        assert d.annual_rate_percent is not None
        if LimitRule.REPAYMENT_CAPACITY in limits:
            assert income is not None
            assert d.monthly_payment <= income * D("0.5")
        sched = build_schedule(
            principal=d.loan_amount,
            annual_rate_percent=d.annual_rate_percent,
            months=d.term_months,
            method=method,
            first_due_date=on,
        )
        assert sum(i.principal for i in sched) == d.loan_amount
        assert all(i.outstanding >= 0 for i in sched)
        assert sched[-1].outstanding == 0
        assert sum(i.interest for i in sched) == d.total_interest
    else:
        assert d.refusals
        assert d.monthly_payment is None
