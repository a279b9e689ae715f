"""The loan API over HTTP: the full walk, errors in one format, access, idempotency."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gjj.domain import RepaymentMethod
from gjj.models import PfLoanRecord
from loans import services
from loans.models import Loan, LoanApplication
from loans.schedules import build_schedule
from tests.factories import applicant, make_staff, make_team, spouse_of

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = date(2026, 3, 2)  # the business date the API acts on in these tests
BASE = "/api/v1/loans"

BODY = {
    "kind": "purchase",
    "property_address": "阳泉市城区桃北西街1号3单元502室",
    "property_type": "commercial",
    "new_build": True,
    "house_price": "1000000.00",
    "purchase_contract_date": "2026-02-20",
    "seller_name": "阳泉市某房地产开发有限公司",
    "seller_account": "6222000011112222",
    "requested_amount": "500000.00",
    "term_months": 240,
    "repayment_method": "equal_installment",
}


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    """The services' and serializers' "today" (REST actions carry no date)."""
    monkeypatch.setattr("loans.services.today_local", lambda: TODAY)
    monkeypatch.setattr("loans.serializers.today_local", lambda: TODAY)


@pytest.fixture
def staff():
    return make_team()


def client_for(u) -> APIClient:
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=u)[0].key}")
    return c


@pytest.fixture
def dep(staff):
    return applicant(staff.clerk)


@pytest.fixture
def api(dep):
    return client_for(dep.user)


def create(api: APIClient, **overrides) -> dict:
    resp = api.post(f"{BASE}/applications/", {**BODY, **overrides}, format="json")
    assert resp.status_code == 201, resp.json()
    return resp.json()


def assert_error(resp, status: int, code: str) -> dict:
    body = resp.json()
    assert resp.status_code == status, body
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == code
    return body


# --- the walk -------------------------------------------------------------------------


def test_the_full_walk_over_rest(staff, dep, api):
    # Given an applicant's draft, edited once
    app = create(api)
    assert (app["status"], app["status_display"], app["number"]) == (
        "draft",
        "草稿",
        f"DK20260302{app['id']:06d}",
    )
    resp = api.patch(
        f"{BASE}/applications/{app['id']}/", {"seller_name": "阳泉市某置业有限公司"}, format="json"
    )
    assert resp.status_code == 200
    assert resp.json()["seller_name"] == "阳泉市某置业有限公司"

    # When submitted, the engine's decision is frozen
    resp = api.post(f"{BASE}/applications/{app['id']}/submit/")
    body = resp.json()
    assert resp.status_code == 200, body
    assert (body["status"], body["eligible"], body["home_tier"]) == ("submitted", True, 1)
    assert (body["max_loan_amount"], body["loan_amount"]) == ("800000.00", "500000.00")
    assert body["annual_rate_percent"] == "2.600"
    assert body["decision"]["as_of"] == "2026-03-02"
    assert body["decision"]["refusals"] == []

    # And the center takes it through, each by its own role
    steps = [
        (staff.clerk, "accept", {}),
        (staff.reviewer, "review", {"opinion": "材料齐全"}),
        (staff.approver, "approve", {"opinion": "同意"}),
        (
            staff.clerk,
            "sign",
            {
                "amount": "500000.00",
                "term_months": 240,
                "repayment_method": "equal_installment",
                "guarantee_type": "01",
                "repayment_day": 20,
            },
        ),
        (staff.clerk, "disburse", {}),
    ]
    for who, action, data in steps:
        resp = client_for(who).post(
            f"{BASE}/applications/{app['id']}/{action}/", data, format="json"
        )
        assert resp.status_code == 200, (action, resp.json())
    body = resp.json()
    assert body["status"] == "disbursed"
    # accepted Mon 2026-03-02; 15 working days (no holiday in March): Mar 3–6, 9–13, 16–20, 23
    assert body["deadline_on"] == "2026-03-23"

    # Then the borrower sees the loan, its schedule v1 exactly as build_schedule makes it
    loans = api.get(f"{BASE}/").json()
    assert loans["count"] == 1
    assert loans["results"][0]["id"] == body["loan_id"]
    detail = api.get(f"{BASE}/{body['loan_id']}/").json()
    expected = build_schedule(
        principal=D("500000.00"),
        annual_rate_percent=D("2.600"),
        months=240,
        method=RepaymentMethod.EQUAL_INSTALLMENT,
        first_due_date=date(2026, 4, 20),
        first_period_from=date(2026, 3, 2),
    )
    # installment 1 charges interest by actual days (domain.md §6): disbursed 2026-03-02, due
    # 2026-04-20 = 49 days; 500,000 × 2.60 % × 49 / 360 = 1,769.444… → 1,769.44
    assert detail["schedule"][0]["interest"] == "1769.44"
    assert [
        (r["number"], r["due_date"], r["payment"], r["principal"], r["interest"], r["outstanding"])
        for r in detail["schedule"]
    ] == [
        (
            i.number,
            i.due_date.isoformat(),
            f"{i.payment:.2f}",
            f"{i.principal:.2f}",
            f"{i.interest:.2f}",
            f"{i.outstanding:.2f}",
        )
        for i in expected
    ]
    assert detail["outstanding_principal"] == "500000.00"
    assert detail["next_installment"]["number"] == 1
    assert detail["next_installment"]["due_date"] == "2026-04-20"
    assert detail["next_installment"]["payment"] == f"{expected[0].payment:.2f}"
    assert [(h["effective_on"], h["annual_rate_percent"]) for h in detail["rate_history"]] == [
        ("2026-03-02", "2.600")
    ]
    assert [v["version"] for v in detail["schedule_versions"]] == [1]
    assert detail["repayments"] == []
    history = api.get(f"{BASE}/applications/{app['id']}/history/").json()["results"]
    assert [h["to_status"] for h in history] == [
        "draft",
        "submitted",
        "accepted",
        "reviewed",
        "approved",
        "signed",
        "disbursed",
    ]
    assert history[2]["to_status_display"] == "已受理"
    assert PfLoanRecord.objects.get().contract_number == body["contract_number"]

    # And the household's next application counts that loan: a second home
    second = create(api, property_address="阳泉市城区南大街9号")
    body = api.post(f"{BASE}/applications/{second['id']}/submit/").json()
    assert (body["home_tier"], body["eligible"]) == (2, False)
    assert body["decision"]["counted_pf_loans"] == 1
    assert [r["code"] for r in body["decision"]["refusals"]] == ["unsettled_pf_loan"]


def test_the_reviewer_cannot_approve_four_eyes_403(staff, dep, api):
    both = make_staff("both", "复核", "审批")
    app = create(api)
    api.post(f"{BASE}/applications/{app['id']}/submit/")
    client_for(staff.clerk).post(f"{BASE}/applications/{app['id']}/accept/")
    assert client_for(both).post(f"{BASE}/applications/{app['id']}/review/").status_code == 200
    resp = client_for(both).post(f"{BASE}/applications/{app['id']}/approve/")
    assert_error(resp, 403, "four_eyes")
    resp = client_for(staff.clerk).post(f"{BASE}/applications/{app['id']}/approve/")
    assert_error(resp, 403, "role_required")
    assert LoanApplication.objects.get().status == "reviewed"


def test_illegal_transitions_over_rest_are_409(staff, dep, api):
    app = create(api)
    url = f"{BASE}/applications/{app['id']}"
    assert_error(client_for(staff.clerk).post(f"{url}/accept/"), 409, "invalid_transition")
    assert api.post(f"{url}/submit/").status_code == 200
    assert_error(api.post(f"{url}/submit/"), 409, "invalid_transition")
    assert_error(
        api.patch(f"{url}/", {"term_months": 300}, format="json"), 409, "invalid_transition"
    )
    assert_error(client_for(staff.reviewer).post(f"{url}/review/"), 409, "invalid_transition")
    assert_error(client_for(staff.clerk).post(f"{url}/disburse/"), 409, "invalid_transition")
    assert api.post(f"{url}/withdraw/", {"reason": "不买了"}, format="json").status_code == 200
    assert_error(api.post(f"{url}/withdraw/"), 409, "invalid_transition")


def test_the_longest_term_is_policy_refused_on_submit_not_on_the_draft(dep, api):
    # given: a draft asking 601 months (the serializer and the service check shape only)
    app = create(api, term_months=601)
    # when
    resp = api.post(f"{BASE}/applications/{app['id']}/submit/")
    # then: the engine refuses on the field with the policy row MAX_TERM_MONTHS (360)
    body = assert_error(resp, 400, "invalid_application")
    assert body["fields"] == {
        "term_months": [
            {"code": "term_exceeds_limit", "message": "申请期限601个月超过贷款最长期限360个月"}
        ]
    }
    assert LoanApplication.objects.get(pk=app["id"]).status == "draft"


def test_the_staff_api_admits_business_roles_not_the_staff_or_superuser_flag(dep, api):
    # given: a submitted application, a superuser with no role, a clerk without is_staff
    app = create(api)
    api.post(f"{BASE}/applications/{app['id']}/submit/")
    root = make_staff("root", is_superuser=True)
    clerk = make_staff("counter", "经办", is_staff=False)
    url = f"{BASE}/applications/{app['id']}/accept/"
    # when / then: the superuser is refused at the door, the clerk's group lets them act
    assert_error(client_for(root).post(url), 403, "permission_denied")
    assert client_for(clerk).post(url).json()["status"] == "accepted"


def test_one_open_application_per_household_over_rest(staff, dep, api):
    wife = spouse_of(dep, staff.clerk)
    create(api)
    assert_error(
        api.post(f"{BASE}/applications/", BODY, format="json"), 409, "open_application_exists"
    )
    resp = client_for(wife.user).post(f"{BASE}/applications/", BODY, format="json")
    assert_error(resp, 409, "open_application_exists")
    assert LoanApplication.objects.count() == 1


# --- idempotency --------------------------------------------------------------------------


def test_a_repeated_idempotency_key_returns_the_first_result(dep, api):
    headers = {"HTTP_IDEMPOTENCY_KEY": "apply-2026-03-02-001"}
    first = api.post(f"{BASE}/applications/", BODY, format="json", **headers)
    again = api.post(f"{BASE}/applications/", BODY, format="json", **headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert LoanApplication.objects.count() == 1
    other = api.post(
        f"{BASE}/applications/", {**BODY, "term_months": 300}, format="json", **headers
    )
    assert_error(other, 409, "idempotency_key_reused")


# --- access --------------------------------------------------------------------------------


def test_another_household_sees_404_and_anonymous_401(staff, dep, api):
    app = create(api)
    url = f"{BASE}/applications/{app['id']}"
    b = client_for(applicant(staff.clerk, name="李四").user)
    assert_error(b.get(f"{url}/"), 404, "not_found")
    assert_error(b.post(f"{url}/submit/"), 404, "not_found")
    assert_error(b.patch(f"{url}/", {"term_months": 12}, format="json"), 404, "not_found")
    assert_error(b.get(f"{url}/history/"), 404, "not_found")
    assert b.get(f"{BASE}/applications/").json()["count"] == 0
    anonymous = APIClient()
    for resp in (
        anonymous.get(f"{BASE}/applications/"),
        anonymous.post(f"{BASE}/applications/", BODY, format="json"),
        anonymous.get(f"{BASE}/"),
        anonymous.post(f"{url}/accept/"),
    ):
        assert_error(resp, 401, "not_authenticated")
    # An applicant is not staff; staff without a depositor is not an applicant
    assert_error(api.post(f"{url}/accept/"), 403, "permission_denied")
    assert_error(client_for(staff.clerk).get(f"{BASE}/applications/"), 403, "permission_denied")


def test_the_spouse_sees_the_households_application_but_only_the_applicant_acts(staff, dep, api):
    wife = spouse_of(dep, staff.clerk)
    app = create(api)
    w = client_for(wife.user)
    assert w.get(f"{BASE}/applications/{app['id']}/").status_code == 200
    assert_error(w.post(f"{BASE}/applications/{app['id']}/submit/"), 403, "not_applicant")


def test_another_household_cannot_see_a_loan(staff, dep, api):
    from tests.factories import advance

    loan = advance(
        LoanApplication.objects.get(pk=create(api)["id"]),
        staff,
        to="disburse",
        dates={s: TODAY for s in ("submit", "accept", "review", "approve", "sign", "disburse")},
    )
    assert isinstance(loan, Loan)
    b = client_for(applicant(staff.clerk, name="李四").user)
    assert_error(b.get(f"{BASE}/{loan.pk}/"), 404, "not_found")
    assert b.get(f"{BASE}/").json()["count"] == 0
    assert api.get(f"{BASE}/", {"status": "active"}).json()["count"] == 1
    assert api.get(f"{BASE}/", {"status": "settled"}).json()["count"] == 0


# --- malformed input is a 400, never a 500 --------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**BODY, "house_price": "abc"}, "house_price"),
        ({**BODY, "house_price": "100.001"}, "house_price"),
        ({**BODY, "house_price": "-5"}, "house_price"),
        ({**BODY, "house_price": "1e400"}, "house_price"),
        ({**BODY, "term_months": 0}, "term_months"),
        ({**BODY, "term_months": "十年"}, "term_months"),
        ({**BODY, "kind": "car"}, "kind"),
        ({k: v for k, v in BODY.items() if k != "kind"}, "kind"),
        ({**BODY, "repayment_method": "balloon"}, "repayment_method"),
        ({**BODY, "purchase_contract_date": "2026-13-01"}, "purchase_contract_date"),
        ({**BODY, "voucher_amount": "-1.00"}, "voucher_amount"),
        ({**BODY, "house_price": 1.5}, "house_price"),
        ({**BODY, "house_price": "1,000.00"}, "house_price"),
        ({**BODY, "term_months": "240"}, "term_months"),
        ({**BODY, "new_build": "true"}, "new_build"),
        ({**BODY, "seller_name": 5}, "seller_name"),
        ({**BODY, "seller_name": "阳泉\x00公司"}, "seller_name"),
        ({**BODY, "szg_bank": "ICBC"}, "szg_bank"),
        ({**BODY, "spouse_co_borrows": True}, "spouse_co_borrows"),
        ({**BODY, "seller_name": "某" * 201}, "seller_name"),
    ],
)
def test_malformed_application_input_is_a_400(api, body, field):
    resp = api.post(f"{BASE}/applications/", body, format="json")
    body = resp.json()
    assert resp.status_code == 400, body
    assert field in body["fields"]
    assert LoanApplication.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [("{not json", "application/json"), ("[1, 2]", "application/json"), ("x", "text/plain")],
)
def test_a_body_that_is_not_an_object_is_a_4xx(api, payload, content_type):
    resp = api.post(f"{BASE}/applications/", payload, content_type=content_type)
    assert resp.status_code in (400, 415)
    assert set(resp.json()) == {"code", "message", "fields"}


def test_submit_input_errors_are_400s(api):
    app = create(api, voucher_amount="1200000.00")
    body = assert_error(
        api.post(f"{BASE}/applications/{app['id']}/submit/"), 400, "invalid_application"
    )
    assert body["fields"]["voucher_amount"][0]["code"] == "voucher_exceeds_price"
    app2 = api.patch(
        f"{BASE}/applications/{app['id']}/",
        {"voucher_amount": None, "seller_name": ""},
        format="json",
    )
    assert app2.status_code == 200
    body = assert_error(
        api.post(f"{BASE}/applications/{app['id']}/submit/"), 400, "incomplete_application"
    )
    assert list(body["fields"]) == ["seller_name"]
    assert_error(
        api.patch(f"{BASE}/applications/{app['id']}/", {"kind": "szg"}, format="json"),
        400,
        "invalid",
    )


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"amount": "x"}, "amount"),
        ({"repayment_day": 31}, "repayment_day"),
        ({"guarantee_type": "09"}, "guarantee_type"),
        ({"term_months": -1}, "term_months"),
    ],
)
def test_malformed_staff_input_is_a_400(staff, dep, api, data, field):
    app = create(api)
    sign = {
        "amount": "500000.00",
        "term_months": 240,
        "repayment_method": "equal_installment",
        "guarantee_type": "01",
        "repayment_day": 20,
        **data,
    }
    resp = client_for(staff.clerk).post(
        f"{BASE}/applications/{app['id']}/sign/", sign, format="json"
    )
    assert resp.status_code == 400
    assert field in resp.json()["fields"]
    reject = client_for(staff.approver).post(
        f"{BASE}/applications/{app['id']}/reject/", {}, format="json"
    )
    assert reject.status_code == 400
    assert "reason" in reject.json()["fields"]
    assert_error(
        client_for(staff.clerk).post(f"{BASE}/applications/999999/accept/"), 404, "not_found"
    )


def test_the_list_filters_by_status_and_paginates(staff, dep, api):
    app = create(api)
    assert api.get(f"{BASE}/applications/", {"status": "draft"}).json()["count"] == 1
    assert api.get(f"{BASE}/applications/", {"status": "submitted"}).json()["count"] == 0
    assert_error(api.get(f"{BASE}/applications/", {"status": "nonsense"}), 400, "invalid")
    body = assert_error(api.get(f"{BASE}/applications/", {"status": ""}), 400, "invalid")
    assert body["fields"] == {"status": [{"code": "blank", "message": "筛选条件不能为空"}]}
    assert_error(api.get(f"{BASE}/", {"status": ""}), 400, "invalid")
    body = api.get(f"{BASE}/applications/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["results"][0]["id"] == app["id"]


def test_the_schema_documents_the_loan_endpoints(client):
    resp = client.get("/api/schema/", {"format": "json"})
    assert resp.status_code == 200
    paths = resp.json()["paths"]
    assert "/api/v1/loans/applications/{id}/submit/" in paths
    assert "409" in paths["/api/v1/loans/applications/{id}/approve/"]["post"]["responses"]
    assert "/api/v1/loans/{id}/" in paths


def test_services_and_api_share_one_code_path(staff, dep, api):
    # A transition made in the service is what the API then reports
    app = LoanApplication.objects.get(pk=create(api)["id"])
    services.application_submit(application=app, actor=dep.user)
    assert api.get(f"{BASE}/applications/{app.pk}/").json()["submitted_on"] == "2026-03-02"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "applications/null,null/"),
        ("post", "applications/-1/submit/"),
        ("get", "applications/１２/history/"),
        ("get", "applications/99999999999999999999/"),
        ("get", "abc/"),
    ],
)
def test_a_malformed_id_is_a_json_404(staff, api, method, path):
    assert_error(getattr(api, method)(f"{BASE}/{path}"), 404, "not_found")
    assert_error(client_for(staff.clerk).post(f"{BASE}/applications/x1/accept/"), 404, "not_found")
