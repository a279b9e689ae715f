"""Signing keeps what was approved: the contract's amount, term and method (docs/loans.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from loans.models import LoanApplication
from tests.contract.world import db_state
from tests.factories import advance, applicant, draft, make_team

pytestmark = pytest.mark.django_db
D = Decimal
SIGN_ON = date(2025, 6, 10)  # the day after the approval (tests.factories.DATES)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """The services' business date: REST actions carry none."""
    monkeypatch.setattr("loans.services.today_local", lambda: SIGN_ON)


@pytest.fixture
def staff():
    return make_team()


@pytest.fixture
def approved(staff) -> LoanApplication:
    """500,000 approved for 120 months, 等额本息."""
    app = draft(applicant(staff.clerk), term_months=120, repayment_method="equal_installment")
    advance(app, staff, to="approve")
    assert (app.status, app.approved_amount) == ("approved", D("500000.00"))
    return app


def clerk_client(staff) -> APIClient:
    c = APIClient()
    token, _ = Token.objects.get_or_create(user=staff.clerk)
    c.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return c


def sign_body(**overrides) -> dict:
    return {
        "amount": "500000.00",
        "term_months": 120,
        "repayment_method": "equal_installment",
        "guarantee_type": "01",
        "repayment_day": 20,
        **overrides,
    }


def test_signing_another_term_and_method_than_approved_is_refused_and_nothing_changes(
    staff, approved
):
    # given an application approved for 120 months, 等额本息
    api = clerk_client(staff)
    before = db_state()
    # when the clerk signs 360 months, 等额本金
    resp = api.post(
        f"/api/v1/loans/applications/{approved.pk}/sign/",
        sign_body(term_months=360, repayment_method="equal_principal"),
        format="json",
    )
    # then 400, with both fields named, and nothing changed
    body = resp.json()
    assert resp.status_code == 400, body
    assert body["code"] == "contract_differs_from_approval"
    assert body["message"] == "合同期限和还款方式须与审批结果一致；变更须重新审批"
    assert body["fields"] == {
        "term_months": [
            {
                "code": "contract_differs_from_approval",
                "message": "合同期限须为批准的120个月，收到360个月",
            }
        ],
        "repayment_method": [
            {"code": "contract_differs_from_approval", "message": "还款方式须为批准的等额本息"}
        ],
    }
    assert db_state() == before


DIFFERS = "contract_differs_from_approval"


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"term_months": 119}, DIFFERS, "term_months"),
        ({"repayment_method": "equal_principal"}, DIFFERS, "repayment_method"),
        ({"amount": "500000.01"}, "amount_exceeds_approved", "amount"),
    ],
)
def test_each_term_beyond_the_approval_is_refused(staff, approved, overrides, code, field):
    # given the approved application
    api = clerk_client(staff)
    before = db_state()
    # when one term differs
    resp = api.post(
        f"/api/v1/loans/applications/{approved.pk}/sign/", sign_body(**overrides), format="json"
    )
    # then it is refused on its field, and nothing changed
    body = resp.json()
    assert resp.status_code == 400, body
    assert (body["code"], list(body["fields"])) == (code, [field])
    assert db_state() == before


@pytest.mark.parametrize("amount", ["500000.00", "450000.00"])
def test_the_approved_terms_or_a_lower_amount_are_signed(staff, approved, amount):
    # given the approved application
    api = clerk_client(staff)
    # when the clerk signs the approved term and method, for the approved amount or less
    resp = api.post(
        f"/api/v1/loans/applications/{approved.pk}/sign/", sign_body(amount=amount), format="json"
    )
    # then the contract carries them
    assert resp.status_code == 200, resp.json()
    approved.refresh_from_db()
    assert approved.status == "signed"
    assert (
        approved.contract_amount,
        approved.contract_term_months,
        approved.contract_method,
    ) == (D(amount), 120, "equal_installment")
