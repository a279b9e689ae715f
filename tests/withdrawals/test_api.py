"""The applicants' REST API: own records only, limits before applying, one error format."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gjj.selectors import today_local
from withdrawals.models import ConsentStatus, WithdrawalApplication, WithdrawalStatus

pytestmark = pytest.mark.django_db

BASE = "/api/v1/withdrawals"
BANK = {"bank_name": "中国工商银行阳泉分行", "bank_account": "6222020501001234567"}


def client_for(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def rental_body(**over):
    return {
        "kind": "rental",
        "amount": "1500.00",
        "period_type": "monthly",
        "period_index": 3,
        **BANK,
        **over,
    }


@pytest.fixture
def alice(build):
    return build.person("爱丽丝", balance="20000.00", login=True)


@pytest.fixture
def bob(build):
    return build.person("鲍勃", balance="20000.00", login=True)


@pytest.fixture
def api_a(alice):
    return client_for(alice.user)


@pytest.fixture
def api_b(bob):
    return client_for(bob.user)


def test_apply_submit_see_status_and_history(api_a, alice):
    # Given Alice previews her rental allowance for the year
    limits = api_a.get(f"{BASE}/limits/rental/").json()
    assert (limits["year"], limits["cap"], limits["special"]) == (
        today_local().year,
        "15000.00",
        False,
    )
    assert (limits["remaining"], limits["max_amount"], limits["owns_home"]) == (
        "15000.00",
        "15000.00",
        False,
    )
    # When she applies and submits
    created = api_a.post(f"{BASE}/applications/", rental_body(), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["kind"], body["status"], body["amount"]) == ("rental", "draft", "1500.00")
    assert body["bank_account"] == "6222****4567"  # masked
    assert body["members"][0]["relation"] == "self"
    assert (body["limits"]["cap"], body["limits"]["remaining"]) == ("15000.00", "15000.00")
    pk = body["id"]
    submitted = api_a.post(f"{BASE}/applications/{pk}/submit/")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["applied_on"] == today_local().isoformat()
    # Then she sees it listed, and its history
    listed = api_a.get(f"{BASE}/applications/", {"status": "submitted", "kind": "rental"}).json()
    assert [a["id"] for a in listed["results"]] == [pk]
    assert api_a.get(f"{BASE}/applications/", {"kind": "purchase"}).json()["count"] == 0
    history = api_a.get(f"{BASE}/applications/{pk}/history/").json()["results"]
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        ("", "draft"),
        ("draft", "submitted"),
    ]
    # And the allowance now counts the claim in flight
    limits = api_a.get(f"{BASE}/limits/rental/").json()
    assert (limits["in_flight"], limits["remaining"]) == ("1500.00", "13500.00")


def test_withdraw_an_application(api_a):
    pk = api_a.post(f"{BASE}/applications/", rental_body(), format="json").json()["id"]
    resp = api_a.post(f"{BASE}/applications/{pk}/cancel/", {"reason": "暂不需要"}, format="json")
    assert resp.status_code == 200
    assert resp.json()["status"] == "cancelled"
    again = api_a.post(f"{BASE}/applications/{pk}/cancel/", {}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"


def test_a_claim_over_the_allowance_is_a_400_naming_what_is_left(api_a):
    resp = api_a.post(f"{BASE}/applications/", rental_body(amount="15000.01"), format="json")
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"] == "rental_cap_exceeded"
    assert "剩余15000.00元" in body["message"]
    assert body["fields"]["amount"][0]["code"] == "rental_cap_exceeded"


def test_a_second_open_claim_is_a_409(api_a):
    assert api_a.post(f"{BASE}/applications/", rental_body(), format="json").status_code == 201
    resp = api_a.post(f"{BASE}/applications/", rental_body(period_index=4), format="json")
    assert (resp.status_code, resp.json()["code"]) == (409, "withdrawal_in_flight")


def test_others_records_are_404_and_anonymous_is_401(api_a, api_b):
    pk = api_a.post(f"{BASE}/applications/", rental_body(), format="json").json()["id"]
    for method, path in [
        ("get", f"{BASE}/applications/{pk}/"),
        ("get", f"{BASE}/applications/{pk}/history/"),
        ("post", f"{BASE}/applications/{pk}/submit/"),
        ("post", f"{BASE}/applications/{pk}/cancel/"),
    ]:
        resp = getattr(api_b, method)(path)
        assert resp.status_code == 404, path
        assert resp.json() == {"code": "not_found", "message": "未找到", "fields": {}}
    assert api_b.get(f"{BASE}/applications/").json()["count"] == 0
    assert WithdrawalApplication.objects.get(pk=pk).status == WithdrawalStatus.DRAFT
    anonymous = APIClient()
    paths = ["applications/", f"applications/{pk}/", "limits/rental/", "limits/purchase/"]
    for path in [*paths, "consents/"]:
        resp = anonymous.get(f"{BASE}/{path}")
        assert resp.status_code == 401, path
        assert resp.json()["code"] == "not_authenticated"


def test_staff_without_a_depositor_record_are_403(clerk):
    resp = client_for(clerk).get(f"{BASE}/applications/")
    assert (resp.status_code, resp.json()["code"]) == (403, "permission_denied")


def test_idempotency_key_repeat_creates_nothing(api_a, alice):
    headers = {"HTTP_IDEMPOTENCY_KEY": "rent-2025-03"}
    first = api_a.post(f"{BASE}/applications/", rental_body(), format="json", **headers)
    second = api_a.post(f"{BASE}/applications/", rental_body(), format="json", **headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert WithdrawalApplication.objects.filter(applicant=alice).count() == 1
    other = api_a.post(
        f"{BASE}/applications/", rental_body(amount="1.00"), format="json", **headers
    )
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_key_reused")


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        (rental_body(amount=""), "amount", "format"),
        (rental_body(amount="10.005"), "amount", "format"),
        (rental_body(amount="0.00"), "amount", "min_value"),
        (rental_body(amount="-1.00"), "amount", "format"),
        (rental_body(amount="abc"), "amount", "format"),
        (rental_body(amount=1500.5), "amount", "format"),  # a JSON float never carries money
        (rental_body(period_index="3"), "period_index", "invalid"),  # JSON types are strict
        (rental_body(kind="gift"), "kind", "invalid_choice"),
        ({"amount": "1.00"}, "kind", "required"),
        (rental_body(period_type="weekly"), "period_type", "invalid_choice"),
        (rental_body(period_index=0), "period_index", "min_value"),
        (rental_body(bank_account="62220205x1001234567"), "bank_account", "invalid"),
        (rental_body(bank_name="   "), "bank_name", "blank"),
        (rental_body(bank_name="工行\x00"), "bank_name", "null_characters_not_allowed"),
        (
            {"kind": "purchase", "price": "1.000", "contract_date": "2025-01-01", "members": []},
            "price",
            "format",
        ),
        (
            {
                "kind": "purchase",
                "price": "100.00",
                "contract_date": "2025-02-30",
                "property_address": "x",
                "members": [{"relation": "self", "amount": "1.00"}],
                **BANK,
            },
            "contract_date",
            "invalid",
        ),
        (
            {
                "kind": "purchase",
                "price": "100.00",
                "contract_date": "2025-01-01",
                "property_address": "x",
                "members": [],
                **BANK,
            },
            "members.non_field_errors",
            "empty",
        ),
        (
            {
                "kind": "purchase",
                "price": "100.00",
                "contract_date": "2025-01-01",
                "property_address": "x",
                "members": [{"relation": "parent", "amount": "1.00"}],
                **BANK,
            },
            "members.0.family_member",
            "required",
        ),
    ],
)
def test_malformed_input_is_a_400_in_the_project_format(api_a, body, field, code):
    resp = api_a.post(f"{BASE}/applications/", body, format="json")
    assert resp.status_code == 400, resp.content
    payload = resp.json()
    assert set(payload) == {"code", "message", "fields"}
    assert payload["fields"][field][0]["code"] == code
    assert WithdrawalApplication.objects.count() == 0


def test_a_body_that_is_not_an_object_is_a_400(api_a):
    resp = api_a.post(f"{BASE}/applications/", [1, 2], format="json")
    assert resp.status_code == 400
    assert resp.json()["code"] in {"invalid", "non_field_errors"}


def test_bad_filter_and_limit_queries_are_400(api_a):
    assert api_a.get(f"{BASE}/applications/", {"status": "paid"}).status_code == 400
    resp = api_a.get(f"{BASE}/consents/", {"consent_status": ""})
    assert (resp.status_code, resp.json()["fields"]["consent_status"][0]["code"]) == (400, "blank")
    assert api_a.get(f"{BASE}/limits/rental/", {"year": "1999"}).status_code == 400
    resp = api_a.get(f"{BASE}/limits/purchase/", {"price": "100.00"})
    assert resp.status_code == 400
    assert resp.json()["fields"]["contract_date"][0]["code"] == "required"
    resp = api_a.get(f"{BASE}/limits/purchase/", {"price": "", "contract_date": "2025-01-01"})
    assert (resp.status_code, resp.json()["fields"]["price"][0]["code"]) == (400, "format")
    # A blank optional amount or year is malformed too, not "use the default"
    resp = api_a.get(
        f"{BASE}/limits/purchase/",
        {"price": "26", "contract_date": "2025-01-01", "loans_amount": ""},
    )
    assert (resp.status_code, resp.json()["fields"]["loans_amount"][0]["code"]) == (400, "format")
    resp = api_a.get(f"{BASE}/limits/rental/", {"year": ""})
    assert (resp.status_code, resp.json()["fields"]["year"][0]["code"]) == (400, "invalid")


def test_money_may_be_a_json_integer(api_a):
    resp = api_a.post(f"{BASE}/applications/", rental_body(amount=1500), format="json")
    assert (resp.status_code, resp.json()["amount"]) == (201, "1500.00")


def test_malformed_ids_are_json_404s(api_a):
    for path in ["applications/abc/", "applications/１２/history/", "consents/x/accept"]:
        resp = api_a.post(f"{BASE}/{path}") if "accept" in path else api_a.get(f"{BASE}/{path}")
        assert (resp.status_code, resp.json()["code"]) == (404, "not_found"), path


@pytest.fixture
def couple(build, alice, bob):
    """Alice buys; Bob, her verified spouse, also deposits."""
    return {"spouse_fm": build.relate(alice, bob, "spouse")}


def purchase_body(spouse_fm, **over):
    contract = today_local() - timedelta(days=30)
    return {
        "kind": "purchase",
        "purchase_number": "YQ-HT-2025-0001",
        "price": "500000.00",
        "contract_date": contract.isoformat(),
        "loans_amount": "400000.00",
        "voucher_amount": "50000.00",
        "property_address": "阳泉市郊区某小区3号楼",
        "members": [
            {"relation": "self", "amount": "10000.00"},
            {"relation": "spouse", "family_member": spouse_fm.pk, "amount": "8000.00"},
        ],
        **BANK,
        **over,
    }


def test_purchase_limits_preview_before_applying(api_a, couple):
    contract = (today_local() - timedelta(days=30)).isoformat()
    resp = api_a.get(
        f"{BASE}/limits/purchase/",
        {
            "price": "500000.00",
            "contract_date": contract,
            "loans_amount": "400000.00",
            "voucher_amount": "50000.00",
        },
    )
    assert resp.status_code == 200
    p = resp.json()
    assert (p["own_funds"], p["within_window"], p["max_total"]) == ("50000.00", True, "40000.00")
    assert [(c["relation"], c["eligible"], c["max_amount"]) for c in p["candidates"]] == [
        ("self", True, "20000.00"),
        ("spouse", True, "20000.00"),
    ]


def test_the_spouse_consents_over_rest(api_a, api_b, couple):
    # Given Alice applies naming Bob
    created = api_a.post(f"{BASE}/applications/", purchase_body(couple["spouse_fm"]), format="json")
    assert created.status_code == 201, created.json()
    app = created.json()
    assert [(m["relation"], m["consent_status"]) for m in app["members"]] == [
        ("self", "accepted"),
        ("spouse", "pending"),
    ]
    # When Bob lists the consents addressed to him and accepts (no trailing slash)
    consents = api_b.get(f"{BASE}/consents/", {"consent_status": "pending"}).json()["results"]
    assert [(c["application_number"], c["applicant_name"], c["amount"]) for c in consents] == [
        (app["number"], "爱丽丝", "8000.00")
    ]
    cid = consents[0]["id"]
    assert api_a.post(f"{BASE}/consents/{cid}/accept").status_code == 404  # not Alice's to give
    resp = api_b.post(f"{BASE}/consents/{cid}/accept")
    # Then the consent is recorded, once
    assert resp.status_code == 200
    assert resp.json()["consent_status"] == ConsentStatus.ACCEPTED
    again = api_b.post(f"{BASE}/consents/{cid}/decline/")
    assert (again.status_code, again.json()["code"]) == (409, "consent_already_recorded")
    assert again.json()["message"] == "鲍勃已同意"
    assert api_a.get(f"{BASE}/consents/").json()["count"] == 0  # Alice's own draw is no request


def test_a_declining_spouse_drops_out(api_a, api_b, couple):
    app = api_a.post(
        f"{BASE}/applications/", purchase_body(couple["spouse_fm"]), format="json"
    ).json()
    cid = api_b.get(f"{BASE}/consents/").json()["results"][0]["id"]
    assert api_b.post(f"{BASE}/consents/{cid}/decline/").status_code == 200
    detail = api_a.get(f"{BASE}/applications/{app['id']}/").json()
    assert detail["amount"] == "10000.00"
    assert [m["consent_status"] for m in detail["members"]] == ["accepted", "declined"]


def test_a_relatives_balance_is_not_in_the_refusal_the_buyer_reads(api_a, couple):
    # Given Bob (Alice's spouse) holds 20,000.00, and Alice asks him for a cent more
    body = purchase_body(
        couple["spouse_fm"],
        members=[
            {"relation": "self", "amount": "10000.00"},
            {"relation": "spouse", "family_member": couple["spouse_fm"].pk, "amount": "20000.01"},
        ],
    )
    resp = api_a.post(f"{BASE}/applications/", body, format="json")
    # Then she is refused without learning his balance
    assert (resp.status_code, resp.json()["code"]) == (400, "exceeds_balance")
    assert resp.json()["message"] == "鲍勃申请提取20000.01元，超过其账户可提取金额"
    assert "20000.00" not in resp.content.decode()


def test_purchase_over_own_funds_is_a_400(api_a, couple):
    body = purchase_body(couple["spouse_fm"], voucher_amount="90000.00")
    resp = api_a.post(f"{BASE}/applications/", body, format="json")
    assert (resp.status_code, resp.json()["code"]) == (400, "exceeds_own_funds")


def test_an_approved_application_shows_the_masked_payment(api_a, alice, clerk, approver):
    from withdrawals import services

    pk = api_a.post(f"{BASE}/applications/", rental_body(), format="json").json()["id"]
    api_a.post(f"{BASE}/applications/{pk}/submit/")
    app = WithdrawalApplication.objects.get(pk=pk)
    services.withdrawal_accept(application=app, actor=clerk)
    services.withdrawal_approve(application=app, actor=approver)
    body = api_a.get(f"{BASE}/applications/{pk}/").json()
    assert body["status"] == "approved"
    assert body["payment"] == {
        "payee_name": "爱丽丝",
        "bank_name": "中国工商银行阳泉分行",
        "bank_account": "6222****4567",
        "amount": "1500.00",
        "payment_status": "paid",
        "payment_status_display": "已支付",
        "paid_on": today_local().isoformat(),
        "reference": body["number"],
    }
    assert "6222020501001234567" not in str(body)
    assert Decimal(api_a.get("/api/v1/me/").json()["account"]["balance"]) == Decimal("18500.00")


def test_the_schema_documents_the_endpoints(api_a):
    resp = APIClient().get("/api/schema/")
    assert resp.status_code == 200
    text = resp.content.decode()
    for path in [
        "/api/v1/withdrawals/applications/",
        "/api/v1/withdrawals/limits/rental/",
        "/api/v1/withdrawals/limits/purchase/",
        "/api/v1/withdrawals/consents/{id}/accept",
    ]:
        assert path in text


def test_the_schema_of_withdrawals_raises_no_generator_warnings():
    # The deploy check fails on any drf-spectacular warning; none may come from here.
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=None).get_schema(request=None, public=True)
    messages = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    GENERATOR_STATS.reset()
    ours = {
        name: body for name, body in schema["components"]["schemas"].items() if "Withdrawal" in name
    }
    assert ours
    assert not any("Enum" in str(body) for body in ours.values())
    assert [m for m in messages if "ithdrawal" in m] == []
