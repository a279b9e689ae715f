"""Policy fidelity, round two (domain.md §8): figures from the rule, not the code."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gjj.domain import PropertyType, SpecialGroup
from gjj.selectors import policy_in_force, special_groups_of
from loans import selectors
from loans.engine import LimitRule, LoanFacts, PriorPfLoan, RefusalCode, decide
from tests.factories import applicant, draft, make_team, relate
from withdrawals.selectors import rental_cap

D = Decimal
SECOND_ROUND = date(2026, 12, 1)  # the provisional rows start here

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return make_team()


def test_a_31_year_old_without_a_record_is_youth_for_loan_and_rental_alike(staff):
    # given: born 1994-03-01, no membership row; 31 on 2025-06-02
    dep = applicant(staff.clerk, birth=date(1994, 3, 1))
    on = date(2025, 6, 2)
    # when
    groups = special_groups_of(depositor=dep, on=on)
    facts = selectors.household_loan_facts(depositor=dep, application=draft(dep), on=on)
    # then: one answer, with its basis; 100万 loan cap and 18,000 rental cap
    assert {m.group for m in groups} == {SpecialGroup.YOUTH}
    assert [m.basis for m in groups] == ["张伟2025-06-02时31岁（不超过35岁）"]
    assert decide(facts, policy_in_force(on=on)).loan_cap == D("1000000.00")
    assert rental_cap(depositor=dep, on=on).amount == D("18000.00")


def test_a_spouse_who_does_not_co_borrow_does_not_lend_her_youth(staff):
    # given: a 45-year-old married to a 30-year-old depositor who does not co-borrow
    husband = applicant(staff.clerk, birth=date(1980, 1, 1))
    wife = applicant(staff.clerk, name="刘娜", birth=date(1995, 1, 1), male=False)
    relate(husband, wife, "spouse", actor=staff.clerk, verify=True)
    on = date(2025, 6, 2)
    # when / then: only the borrower's own facts count
    assert special_groups_of(depositor=husband, on=on) == frozenset()
    app = draft(husband)
    facts = selectors.household_loan_facts(depositor=husband, application=app, on=on)
    assert decide(facts, policy_in_force(on=on)).loan_cap == D("900000.00")


def _facts(**kw: object) -> LoanFacts:
    base: dict[str, object] = {"term_months": 240, "house_price": D("1000000.00")}
    base.update(kw)
    return LoanFacts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("homes", "loans", "children", "new_build", "property_type", "tier"),
    [
        (0, (date(2016, 1, 1),), 2, True, PropertyType.COMMERCIAL, 1),  # loan set tier 2 → 1
        (1, (), 2, True, PropertyType.COMMERCIAL, 1),  # home set tier 2 → 1
        (2, (), 2, True, PropertyType.COMMERCIAL, 2),  # third home → second
        (0, (), 2, True, PropertyType.COMMERCIAL, 1),  # never below 1
        (0, (date(2016, 1, 1),), 2, False, PropertyType.COMMERCIAL, 2),  # resale: none
        (0, (date(2016, 1, 1),), 1, True, PropertyType.COMMERCIAL, 2),  # one child: none
        (0, (date(2016, 1, 1),), 2, True, PropertyType.AFFORDABLE, 2),  # affordable: none
    ],
)
def test_multi_child_deduction_lowers_the_tier(
    homes, loans, children, new_build, property_type, tier
):
    # given: 52号 art. 3 as decided in domain.md §8 (scope row "tier")
    facts = _facts(
        homes_owned=homes,
        prior_pf_loans=tuple(PriorPfLoan(issued_on=d, settled=True) for d in loans),
        children=children,
        new_build=new_build,
        property_type=property_type,
    )
    # when
    decision = decide(facts, policy_in_force(on=date(2025, 6, 1)))
    # then
    assert decision.home_tier == tier
    assert decision.eligible


def test_a_sealed_account_is_refused_citing_its_status():
    # given: 封存 (JGJ/T 320 02)
    facts = _facts(account_status="02", account_status_label="封存")
    # when
    decision = decide(facts, policy_in_force(on=date(2025, 6, 1)))
    # then
    assert decision.refusal_codes == (RefusalCode.ACCOUNT_NOT_NORMAL,)
    assert "封存（02）" in decision.refusals[0].message


def test_the_public_quote_says_the_account_status_was_not_checked():
    decision = decide(_facts(), policy_in_force(on=date(2025, 6, 1)))
    assert LimitRule.ACCOUNT_STATUS in {r.rule for r in decision.limits_not_applied}


def test_five_months_of_remittances_are_not_enough():
    decision = decide(_facts(continuous_deposit_months=5), policy_in_force(on=SECOND_ROUND))
    assert decision.refusal_codes == (RefusalCode.INSUFFICIENT_DEPOSIT_MONTHS,)


def test_an_income_of_1000_a_month_binds_the_amount():
    # given: 50 % of 1,000 = 500.00 a month; 240 months at 2.60 % (first home, > 5 years)
    # The payment is rounded half-up to the fen, so it stays 500.00 while the exact payment
    # is below 500.005: P < 500.005 × ((1+i)^240 − 1) / (i × (1+i)^240), i = 0.026 / 12,
    # i.e. P < 93,495.918…, so 93,495.91 (not 800,000)
    facts = _facts(monthly_income=D("1000.00"))
    # when
    decision = decide(facts, policy_in_force(on=SECOND_ROUND))
    # then
    assert decision.max_loan_amount == D("93495.91")
    assert decision.amount_limits[LimitRule.REPAYMENT_CAPACITY] == D("93495.91")
    assert decision.monthly_payment == D("500.00")


def test_without_income_the_quote_says_capacity_was_not_applied():
    decision = decide(_facts(), policy_in_force(on=SECOND_ROUND))
    assert decision.max_loan_amount == D("800000.00")
    not_applied = {r.rule: r.message for r in decision.limits_not_applied}
    assert not_applied[LimitRule.REPAYMENT_CAPACITY] == "还款能力：未提供家庭月收入，不适用"
