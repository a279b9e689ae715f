"""The public quote and the application decide alike on the same facts (issue 15 item 3).

Each household of the grid (children 0/1/2 × homes 0/1/2 × a counted provident
loan or not) is built once for the module through the services (depositor,
spouse, children, homes, a provident loan on record). Each cell (× purchase or
商转公 × new-built or not × commercial or affordable) drafts and submits an
application for it on 2025-06-02, and the quote is sent the same facts, as a
citizen would type them, for the same ``as_of``. The two answers must agree on
eligibility (and the refusals), home tier, rate, cap, down-payment ratio,
maximum amount and the limit that bound it.

2025-06-02 lies before the provisional rows of 2026-12-01 (repayment capacity,
continuous deposit months; gjj/migrations/0010_policy_fidelity.py), so the
application needs no income and the account's remittances play no part; the
rates are those of 2025-05-08 (domain.md §2).

The household: 张伟 (born 1985-03-15, 阳泉 hukou: neither 青年人 nor 新市民) and
his depositor wife 刘娜, who does not co-borrow. Children are recorded on either
spouse's record, the first home is his, the second hers, and the provident loan
(issued 2016-03-01, settled 2020-01-01: after the 2014-12-31 cut-off, so
counted) hers: the household's facts, not only the applicant's, must count.
For 商转公 the financed home is recorded too, at the application's address, and
``homes`` counts the other homes held; the quote is told every home held.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from gjj import services as gjj_services
from gjj.models import Depositor
from loans.models import LoanApplication
from tests.factories import (
    DATES,
    SZG,
    advance,
    applicant,
    draft,
    home,
    id_number,
    make_team,
    spouse_of,
)

D = Decimal
pytestmark = pytest.mark.django_db

URL = "/api/v1/loans/quote/"
AS_OF = DATES["submit"]  # 2025-06-02
PRICE = D("1000000.00")
SZG_PRINCIPAL = D("820000.00")  # between the 20 % (800,000) and 15 % (850,000) limits
BIRTH = date(1985, 3, 15)  # the factories' default applicant
BALANCE = D("50000.00")  # the factories' default opening balance
PF_LOAN_ISSUED = date(2016, 3, 1)


@dataclass(frozen=True)
class Case:
    children: int
    homes: int  # homes held, besides a 商转公's financed home
    pf_loan: bool  # a counted (post-2014) provident loan, settled
    kind: str  # "purchase" or "szg"
    new_build: bool
    property_type: str  # "commercial" or "affordable"

    @property
    def id(self) -> str:
        loan = "loan" if self.pf_loan else "noloan"
        new = "new" if self.new_build else "resale"
        return f"{self.children}ch-{self.homes}home-{loan}-{self.kind}-{new}-{self.property_type}"

    @property
    def term_months(self) -> int:
        return int(SZG["term_months"]) if self.kind == "szg" else 240


# --- the two paths -------------------------------------------------------------------


Household = tuple[int, int, bool]  # (children, homes, pf_loan)


def build_household(staff: Any, children: int, homes: int, pf_loan: bool) -> Depositor:
    """The household as the center records it; returns the applicant."""
    clerk = staff.clerk
    dep = applicant(clerk)
    wife = spouse_of(dep, clerk)
    for i in range(children):
        gjj_services.family_member_add(
            depositor=(dep, wife)[i % 2],
            relation="child",
            name=f"孩子{i + 1}",
            id_number=id_number(date(2012 + 3 * i, 3, 1), male=i % 2 == 0),
            actor=clerk,
        )
    for i in range(homes):
        home((dep, wife)[i % 2], clerk, registered_on=date(2018 + i, 5, 1))
    if pf_loan:
        gjj_services.pf_loan_record_add(
            borrower=wife,
            source="elsewhere",
            lender="太原市住房公积金管理中心",
            amount=D("300000.00"),
            issued_on=PF_LOAN_ISSUED,
            settled_on=date(2020, 1, 1),
            actor=clerk,
        )
    return dep


def submit(staff: Any, dep: Depositor, case: Case, **stated: Any) -> LoanApplication:
    """The application for ``case`` drafted by ``dep`` and submitted on AS_OF.

    ``stated`` overrides the application's fields (``new_build=None``: not sent).
    """
    fields: dict[str, Any] = {
        "property_type": case.property_type,
        "new_build": case.new_build,
        "house_price": PRICE,
        "requested_amount": None,  # the most the household may borrow
        **stated,
    }
    if case.kind == "szg":
        # The financed home is on record at the application's address.
        gjj_services.home_register(
            owner=dep,
            address=SZG["property_address"],
            registered_on=date(2023, 5, 1),
            actor=staff.clerk,
            certificate_number=f"晋(2023)阳泉市不动产权第9{dep.pk:06d}号",
        )
        fields["szg_remaining_principal"] = SZG_PRINCIPAL
    app = draft(dep, kind=case.kind, **fields)
    advance(app, staff, to="submit")
    app.refresh_from_db()
    return app


def quote_request(case: Case) -> dict[str, Any]:
    """The same facts as a citizen enters them in the public calculator."""
    body: dict[str, Any] = {
        "as_of": AS_OF.isoformat(),
        "property_type": case.property_type,
        "new_build": case.new_build,
        "house_price": f"{PRICE:.2f}",
        "term_months": case.term_months,
        "repayment_method": "equal_installment",
        "homes_owned": case.homes + (1 if case.kind == "szg" else 0),
        "prior_pf_loans": (
            [{"issued_on": PF_LOAN_ISSUED.isoformat(), "settled": True}] if case.pf_loan else []
        ),
        "children": case.children,
        "birth_date": BIRTH.isoformat(),
        "sex": "M",
        "account_balance": f"{BALANCE:.2f}",
    }
    if case.kind == "szg":
        body["commercial_loan"] = {
            "bank": SZG["szg_bank"],
            "city": SZG["szg_city"],
            "issued_on": SZG["szg_issued_on"].isoformat(),
            "remaining_principal": f"{SZG_PRINCIPAL:.2f}",
            "remaining_term_months": SZG["szg_remaining_term_months"],
        }
    return body


def quote(case: Case, *, unstated: tuple[str, ...] = ()) -> dict[str, Any]:
    body = {k: v for k, v in quote_request(case).items() if k not in unstated}
    resp = APIClient().post(URL, body, format="json")
    assert resp.status_code == 200, resp.content
    return resp.json()


def _dec(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def outcome(decision: dict[str, Any]) -> dict[str, Any]:
    """What the two answers must share, from a decision as the API and the record show it."""
    refusals = decision.get("refusal_reasons", decision.get("refusals")) or []
    max_amount = _dec(decision["max_loan_amount"])
    binding = sorted(
        r["rule"]
        for r in decision["limits_applied"]
        if r["rule"].startswith("amount.") and _dec(r["value"]) == max_amount
    )
    named = [r["message"] for r in decision["reasons"] if r["rule"] == "amount.max"]
    return {
        "eligible": decision["eligible"],
        "refusals": sorted(r["code"] for r in refusals),
        "home_tier": decision["home_tier"],
        "annual_rate_percent": _dec(decision["annual_rate_percent"]),
        "max_loan_amount": max_amount,
        "binding": binding,
        "binding_named": named,
        "loan_cap": _dec(decision["loan_cap"]),
        "min_down_payment_ratio": _dec(decision["min_down_payment_ratio"]),
    }


# --- the grid ------------------------------------------------------------------------

GRID = [
    Case(children, homes, pf_loan, kind, new_build, property_type)
    for children, homes, pf_loan, kind, new_build, property_type in itertools.product(
        (0, 1, 2),
        (0, 1, 2),
        (False, True),
        ("purchase", "szg"),
        (True, False),
        ("commercial", "affordable"),
    )
]


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[Any, dict]]:
    """Staff and one household per (children, homes, pf_loan), built once for the module.

    Built inside a transaction rolled back at the end of the module; each test runs in
    a savepoint of it (pytest-django's ``django_db``), so the application a cell drafts
    and submits (and a 商转公's financed home) is gone before the next cell starts.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        staff = make_team("qm")
        households = {
            key: build_household(staff, *key)
            for key in itertools.product((0, 1, 2), (0, 1, 2), (False, True))
        }
        yield staff, households
        transaction.set_rollback(True)


def applied(world: tuple[Any, dict], case: Case, **stated: Any) -> LoanApplication:
    staff, households = world
    return submit(staff, households[case.children, case.homes, case.pf_loan], case, **stated)


@pytest.mark.parametrize("case", GRID, ids=lambda c: c.id)
def test_quote_and_application_decide_alike(world, case):
    # given: the household recorded, its application submitted on 2025-06-02
    app = applied(world, case)
    # when: the quote is sent the same facts for the same day
    q = quote(case)
    # then: one decision
    expected = outcome(q)
    assert outcome(app.decision) == expected
    # and the application's frozen fields say the same
    assert app.eligible is expected["eligible"]
    assert app.home_tier == expected["home_tier"]
    assert app.annual_rate_percent == expected["annual_rate_percent"]
    assert app.max_loan_amount == expected["max_loan_amount"]


# --- golden rows: figures from the rule ------------------------------------------------
#
# 2025-06-02 (rates from 2025-05-08, domain.md §2): first home > 5 years 2.60 %,
# second home > 5 years 3.075 % (the national floor). Tier = 1 + max(homes, counted
# provident loans), lowered by one for a family with two or more children buying
# new commercial housing (domain.md §8). Down payment 20 % commercial, 15 %
# affordable; cap 1,000,000 for a multi-child family, 900,000 otherwise. Monthly
# payment (等额本息) = P·i·(1+i)^n / ((1+i)^n − 1), i = rate / 12, half-up to the fen:
#   800,000 at 2.60 % over 240 → 4,278.30      800,000 at 3.075 % over 240 → 4,466.88
#   850,000 at 3.075 % over 240 → 4,746.06     800,000 at 2.60 % over 200 → 4,933.33
#   800,000 at 3.075 % over 200 → 5,117.18

GOLDEN = [
    # two children, one home, a 2016 loan: tier 2 (home and loan alike), new → tier 1
    pytest.param(
        Case(2, 1, True, "purchase", True, "commercial"),
        (True, 1, "2.60", "800000.00", ["amount.down_payment"], "1000000.00", "4278.30"),
        id="multi-child-new-commercial-tier-1",
    ),
    # the same family buying resale: no 核减, tier 2
    pytest.param(
        Case(2, 1, True, "purchase", False, "commercial"),
        (True, 2, "3.075", "800000.00", ["amount.down_payment"], "1000000.00", "4466.88"),
        id="multi-child-resale-tier-2",
    ),
    # the same family buying new affordable housing: no 核减 (not commercial), 15 %
    pytest.param(
        Case(2, 1, True, "purchase", True, "affordable"),
        (True, 2, "3.075", "850000.00", ["amount.down_payment"], "1000000.00", "4746.06"),
        id="multi-child-new-affordable-tier-2",
    ),
    # no children, one home and a 2016 loan, new commercial: tier 2, standard cap
    pytest.param(
        Case(0, 1, True, "purchase", True, "commercial"),
        (True, 2, "3.075", "800000.00", ["amount.down_payment"], "900000.00", "4466.88"),
        id="no-children-tier-2",
    ),
    # two homes, no children: tier 3, refused
    pytest.param(
        Case(0, 2, False, "purchase", True, "commercial"),
        (False, None, None, None, [], "900000.00", None),
        id="third-home-refused",
    ),
    # two homes, two children, new commercial: tier 3 lowered to 2
    pytest.param(
        Case(2, 2, False, "purchase", True, "commercial"),
        (True, 2, "3.075", "800000.00", ["amount.down_payment"], "1000000.00", "4466.88"),
        id="multi-child-third-home-as-second",
    ),
    # 商转公 of a new-build home: the financed home is not counted, the 2016 loan sets
    # tier 2, the 核减 lowers it to 1; 800,000 (20 %) binds below the 820,000 principal
    pytest.param(
        Case(2, 0, True, "szg", True, "commercial"),
        (True, 1, "2.60", "800000.00", ["amount.down_payment"], "1000000.00", "4933.33"),
        id="szg-multi-child-new-tier-1",
    ),
    # the same 商转公 of a resale home: tier 2
    pytest.param(
        Case(2, 0, True, "szg", False, "commercial"),
        (True, 2, "3.075", "800000.00", ["amount.down_payment"], "1000000.00", "5117.18"),
        id="szg-multi-child-resale-tier-2",
    ),
    # 商转公 of affordable housing: 850,000 (15 %) is above the 820,000 principal
    pytest.param(
        Case(2, 0, True, "szg", True, "affordable"),
        (True, 2, "3.075", "820000.00", ["amount.szg_remaining_principal"], "1000000.00", None),
        id="szg-affordable-principal-binds",
    ),
]


@pytest.mark.parametrize(("case", "figures"), GOLDEN)
def test_golden_rows(world, case, figures):
    eligible, tier, rate, max_amount, binding, cap, payment = figures
    app = applied(world, case)
    q = quote(case)
    for answer in (q, app.decision):
        got = outcome(answer)
        assert got["eligible"] is eligible
        assert got["home_tier"] == tier
        assert got["annual_rate_percent"] == _dec(rate)
        assert got["max_loan_amount"] == _dec(max_amount)
        assert got["binding"] == binding
        assert got["loan_cap"] == _dec(cap)
        if payment is not None:
            assert answer["monthly_payment"] == payment
    if not eligible:
        assert "home_tier_exceeded" in outcome(q)["refusals"]


# --- a fact left unstated on both sides -----------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        # unstated is "not new-built" on both sides: no 核减 unless the applicant says so
        Case(2, 0, True, "szg", True, "commercial"),
        Case(2, 1, True, "purchase", True, "commercial"),
        # no 核减 possible (one child): the default makes no difference
        Case(1, 1, True, "szg", True, "commercial"),
    ],
    ids=lambda c: c.id,
)
def test_new_build_left_unstated_decides_alike(world, case):
    # given: the same multi-child family; neither the application nor the quote says
    # whether the home is new-built (the application's form does not require it)
    app = applied(world, case, new_build=None)
    # when
    q = quote(case, unstated=("new_build",))
    # then
    assert outcome(app.decision) == outcome(q)
