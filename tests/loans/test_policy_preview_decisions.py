"""A drafted cap or down payment: which applications of the last 12 months it would decide
differently, and how — figures from the rule (cap; price × (1 − down payment))."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gjj.policy import Citation, Key, PolicyValue, ValueKind
from loans.policy_preview import application_impact
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal
SUBMITTED = factories.DATES["submit"]  # 2025-06-02
PREVIEW_ON = date(2025, 12, 1)  # the submissions fall in the 12 months before


def drafted(key: Key, value: Decimal) -> tuple[list[PolicyValue], list]:
    citation = Citation(
        document="阳公积金〔2025〕9号（草案）",
        article="第一条",
        source="decision",
        effective_from=date(2026, 1, 1),
        effective_to=None,
        row="draft:1",
    )
    return [PolicyValue(key=key, value=value, kind=ValueKind.DECIMAL, citation=citation)], []


@pytest.fixture
def book():
    """Three first-home purchases (standard cap 900,000; 20 % down), submitted 2025-06-02."""
    staff = factories.make_team("pv")
    asked = {
        # price 2,000,000: 80 % is 1,600,000, so the cap binds: at most 900,000
        "dear": (D("2000000.00"), D("900000.00")),
        # price 1,000,000: at most 800,000 (20 % down); asks 500,000
        "modest": (D("1000000.00"), D("500000.00")),
        # price 1,000,000: asks exactly the 800,000 allowed
        "full": (D("1000000.00"), D("800000.00")),
    }
    apps = {}
    for n, (name, (price, amount)) in enumerate(asked.items()):
        dep = factories.applicant(staff.clerk, name=f"申请人{n}")
        app = factories.draft(dep, house_price=price, requested_amount=amount)
        apps[name] = factories.advance(app, staff, to="submit")
    return apps


def test_a_higher_cap_raises_only_the_application_the_cap_bound(book):
    # Given the standard cap drafted up from 900,000 to 950,000
    draft = drafted(Key.LOAN_CAP_STANDARD, D("950000.00"))

    # When the preview decides the last 12 months' applications again
    impact = application_impact(on=PREVIEW_ON, drafted=draft)

    # Then only the 2,000,000 purchase moves, by 50,000, and stays eligible
    assert impact["examined"] == 3
    assert impact["changed"] == 1
    assert impact["by_outcome"] == {
        "became_eligible": 0,
        "became_ineligible": 0,
        "amount_up": 1,
        "amount_down": 0,
    }
    assert impact["max_amount_change"] == "50000.00"
    [row] = impact["rows"]
    assert row["number"] == book["dear"].number
    assert (row["max_before"], row["max_after"]) == ("900000.00", "950000.00")
    assert (row["eligible_before"], row["eligible_after"]) == (True, True)


def test_a_higher_down_payment_lowers_the_amounts_and_refuses_the_full_loan(book):
    # Given the first-home commercial down payment drafted up from 20 % to 25 %
    draft = drafted(Key.DOWN_PAYMENT_COMMERCIAL_TIER1, D("0.25"))

    # When the preview decides them again
    impact = application_impact(on=PREVIEW_ON, drafted=draft)

    # Then the 1,000,000 purchases lend at most 750,000: the 500,000 one stays eligible,
    # the 800,000 one no longer is; the 2,000,000 one is still held by the cap (1,500,000)
    rows = {r["number"]: r for r in impact["rows"]}
    assert set(rows) == {book["modest"].number, book["full"].number}
    modest, full = rows[book["modest"].number], rows[book["full"].number]
    assert (modest["outcome"], modest["max_before"], modest["max_after"]) == (
        "amount_down",
        "800000.00",
        "750000.00",
    )
    assert (full["outcome"], full["eligible_before"], full["eligible_after"]) == (
        "became_ineligible",
        True,
        False,
    )
    assert impact["by_outcome"]["amount_down"] == 1
    assert impact["by_outcome"]["became_ineligible"] == 1
    assert impact["max_amount_change"] == "-100000.00"
