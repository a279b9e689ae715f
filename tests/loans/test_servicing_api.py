"""冲还贷 over the API: each borrower authorises and stops their own account; the loan's state."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gjj.masking import mask_bank_account
from loans import selectors, servicing
from loans.models import Loan, RepaymentAuthorization
from tests.contract.world import db_state
from tests.factories import advance, applicant, draft, make_team, spouse_of

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = date(2025, 7, 1)
BASE = "/api/v1/loans"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """The services' "today" (REST actions carry no date)."""
    monkeypatch.setattr("loans.servicing.today_local", lambda: TODAY, raising=False)


def client_for(user) -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return c


@pytest.fixture
def staff():
    return make_team()


@pytest.fixture
def couple(staff):
    """张伟 borrows 400,000 over 240 months, his wife 刘娜 co-borrowing; disbursed 2025-06-12."""
    zhang = applicant(staff.clerk, name="张伟")
    liu = spouse_of(zhang, staff.clerk)
    app = draft(zhang, spouse_co_borrows=True, requested_amount=D("400000.00"))
    loan = advance(app, staff, to="disburse")
    assert isinstance(loan, Loan)
    return zhang, liu, loan


def authorizations_url(loan_id: int) -> str:
    return f"{BASE}/{loan_id}/repayment-authorizations/"


def assert_error(resp, status: int, code: str) -> None:
    body = resp.json()
    assert resp.status_code == status, body
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code


def test_each_borrower_authorises_their_own_account_and_sees_only_their_own(couple):
    zhang, liu, loan = couple
    # When 张伟 and then 刘娜 authorise 冲还贷 on the loan
    resp = client_for(zhang.user).post(authorizations_url(loan.pk))
    # Then each authorisation is of the caller's own account, masked
    body = resp.json()
    assert resp.status_code == 201, body
    assert (body["holder"], body["holder_display"], body["depositor_name"]) == (
        "borrower",
        "借款人",
        "张伟",
    )
    assert body["account_number"] == mask_bank_account(zhang.account.account_number)
    assert (body["active"], body["channel"], body["granted_on"], body["stopped_on"]) == (
        True,
        "api",
        "2025-07-01",
        None,
    )
    resp = client_for(liu.user).post(authorizations_url(loan.pk))
    assert resp.status_code == 201, resp.json()
    assert resp.json()["holder"] == "spouse"
    rows = RepaymentAuthorization.objects.filter(loan=loan).order_by("priority")
    assert [(a.depositor_id, a.account_id, a.priority) for a in rows] == [
        (zhang.pk, zhang.account.pk, 1),
        (liu.pk, liu.account.pk, 2),
    ]

    # And each lists only their own
    listed = client_for(zhang.user).get(authorizations_url(loan.pk)).json()["results"]
    assert [a["depositor_name"] for a in listed] == ["张伟"]

    # And the loan shows both sources, the borrower's first
    detail = client_for(liu.user).get(f"{BASE}/{loan.pk}/").json()
    state = detail["provident_repayment"]
    assert state["active"] is True
    assert [(s["holder"], s["account_number"], s["active"]) for s in state["sources"]] == [
        ("borrower", mask_bank_account(zhang.account.account_number), True),
        ("spouse", mask_bank_account(liu.account.account_number), True),
    ]


def test_stopping_ones_own_authorisation_keeps_the_history(couple):
    zhang, _, loan = couple
    api = client_for(zhang.user)
    granted = api.post(authorizations_url(loan.pk)).json()
    stop = f"{authorizations_url(loan.pk)}{granted['id']}/stop/"
    # When 张伟 stops it
    resp = api.post(stop, {"reason": "改由银行账户还款"}, format="json")
    # Then it is stopped as of today, with the reason
    body = resp.json()
    assert resp.status_code == 200, body
    assert (body["active"], body["stopped_on"], body["stop_reason"]) == (
        False,
        "2025-07-01",
        "改由银行账户还款",
    )
    # And stopping it again is a conflict that changes nothing
    before = db_state()
    assert_error(api.post(stop, {}, format="json"), 409, "already_stopped")
    assert db_state() == before
    # And authorising again adds a new row; the stopped one stays in the history
    assert api.post(authorizations_url(loan.pk)).status_code == 201
    listed = api.get(authorizations_url(loan.pk)).json()["results"]
    assert [a["active"] for a in listed] == [True, False]
    detail = api.get(f"{BASE}/{loan.pk}/").json()["provident_repayment"]
    assert [(s["holder"], s["active"]) for s in detail["sources"]] == [("borrower", True)]


def test_nobody_touches_another_persons_authorisation_or_loan(staff, couple):
    zhang, liu, loan = couple
    her = client_for(liu.user).post(authorizations_url(loan.pk)).json()
    stranger = applicant(staff.clerk, name="李四")
    him, other = client_for(zhang.user), client_for(stranger.user)
    before = db_state()
    # When 张伟 tries to stop his wife's authorisation, he is told it is not there
    resp = him.post(f"{authorizations_url(loan.pk)}{her['id']}/stop/", {}, format="json")
    assert_error(resp, 404, "not_found")
    # And a stranger can neither authorise on the loan nor read its authorisations
    assert_error(other.post(authorizations_url(loan.pk)), 404, "not_found")
    assert_error(other.get(authorizations_url(loan.pk)), 404, "not_found")
    assert_error(
        other.post(f"{authorizations_url(loan.pk)}{her['id']}/stop/", {}, format="json"),
        404,
        "not_found",
    )
    # And a malformed id is a 404 too
    assert_error(other.post(authorizations_url("abc")), 404, "not_found")
    # Then nothing changed
    assert db_state() == before


def test_a_second_authorisation_and_a_long_reason_are_refused_and_change_nothing(couple):
    zhang, _, loan = couple
    api = client_for(zhang.user)
    granted = api.post(authorizations_url(loan.pk)).json()
    before = db_state()
    # When he authorises the same account again
    assert_error(api.post(authorizations_url(loan.pk)), 409, "already_authorized")
    # And gives a reason over 300 characters when stopping
    resp = api.post(
        f"{authorizations_url(loan.pk)}{granted['id']}/stop/", {"reason": "长" * 301}, format="json"
    )
    assert_error(resp, 400, "invalid")
    # Then nothing changed
    assert db_state() == before


def test_loan_detail_shows_nothing_overdue_before_the_first_night(couple):
    zhang, _, loan = couple
    body = client_for(zhang.user).get(f"{BASE}/{loan.pk}/").json()
    assert body["overdue"] == {
        "installments": 0,
        "principal": "0.00",
        "interest": "0.00",
        "penalty": "0.00",
        "days": 0,
    }
    assert (body["risk_class"], body["risk_class_display"]) == ("01", "正常")
    assert (body["penalty_paid"], body["serviced_through"]) == ("0.00", None)
    assert body["provident_repayment"] == {"active": False, "sources": []}
    assert body["bank_debit"] is None


def test_loan_detail_shows_an_unpaid_installment_overdue_with_its_penalty(staff, couple):
    # Given no 冲还贷 and no bank account: the first installment (due 2025-07-20) stays unpaid
    zhang, _, loan = couple
    first = selectors.loan_schedule(loan=loan)[0]
    assert first.due_date == date(2025, 7, 20)
    # When the nights from the due date to ten days later have run
    day = first.due_date
    while day <= first.due_date + timedelta(days=10):
        servicing.servicing_run_inline(business_date=day)
        day += timedelta(days=1)
    # Then the loan shows one period overdue by 10 days, class 02 关注, and the penalty
    # on the overdue principal at the contract rate × 1.5, daily at annual / 360 (§9)
    penalty = (first.principal * loan.annual_rate_percent * D("1.5") * 10 / D(36000)).quantize(
        D("0.01"), ROUND_HALF_UP
    )
    body = client_for(zhang.user).get(f"{BASE}/{loan.pk}/").json()
    assert body["overdue"] == {
        "installments": 1,
        "principal": f"{first.principal:.2f}",
        "interest": f"{first.interest:.2f}",
        "penalty": f"{penalty:.2f}",
        "days": 10,
    }
    assert (body["risk_class"], body["risk_class_display"]) == ("02", "关注")
    assert body["serviced_through"] == "2025-07-30"
    # And the next installment to pay is still the unpaid first one
    assert (body["next_installment"]["number"], body["next_installment"]["due_date"]) == (
        1,
        "2025-07-20",
    )
