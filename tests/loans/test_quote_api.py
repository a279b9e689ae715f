"""POST /api/v1/loans/quote/ and /quote/schedule/: the public calculator over HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

URL = "/api/v1/loans/quote/"
SCHEDULE_URL = "/api/v1/loans/quote/schedule/"

BASE = {
    "as_of": "2025-06-01",
    "property_type": "commercial",
    "new_build": True,
    "house_price": "1000000.00",
    "term_months": 360,
    "homes_owned": 0,
}


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def quote(api: APIClient, url: str = URL, **changes):
    body = {**BASE, **changes}
    for k in [k for k, v in body.items() if v is None]:
        del body[k]
    return api.post(url, body, format="json")


def test_multi_child_family_second_home_is_quoted_as_first(api):
    # Given a family with two children that owns one home and had a 2014 provident loan
    resp = quote(
        api,
        homes_owned=1,
        children=2,
        prior_pf_loans=[{"issued_on": "2014-06-10", "settled": True}],
    )
    # When it buys new commercial housing for 1,000,000 over 30 years on 2025-06-01
    assert resp.status_code == 200
    q = resp.json()
    # Then the home is its first (tier 2 lowered by one, the 2014 loan not counted)
    assert q["eligible"] is True
    assert q["refusal_reasons"] == []
    assert (q["home_tier"], q["counted_homes"], q["counted_pf_loans"]) == (1, 1, 0)
    assert q["min_down_payment_ratio"] == "0.20"
    assert q["min_down_payment"] == "200000.00"
    assert q["loan_cap"] == "1000000.00"  # two children: the special cap
    assert q["max_loan_amount"] == q["loan_amount"] == "800000.00"
    assert q["annual_rate_percent"] == "2.60"
    assert (q["monthly_payment"], q["total_interest"]) == ("3202.72", "352978.04")
    rules = {r["rule"]: r for r in q["limits_applied"]}
    assert rules["amount.cap"]["value"] == "1000000.00"
    assert "阳政办发〔2024〕52号" in rules["amount.cap"]["citation"]["document"]
    assert rules["amount.down_payment"]["value"] == "800000.00"
    assert {r["rule"] for r in q["limits_not_applied"]} >= {"amount.balance_multiple"}


@pytest.mark.parametrize(
    ("as_of", "tier_inputs", "rate", "cap"),
    [
        ("2024-10-17", {}, "2.85", "900000.00"),
        ("2025-05-07", {}, "2.85", "900000.00"),
        ("2025-05-08", {}, "2.60", "900000.00"),
        ("2025-05-08", {"homes_owned": 1}, "3.075", "900000.00"),
        ("2025-05-08", {"special_groups": ["youth"]}, "2.60", "1000000.00"),
        ("2027-10-16", {"special_groups": ["talent"]}, "2.60", "1000000.00"),
    ],
)
def test_rate_and_cap_follow_the_date(api, as_of, tier_inputs, rate, cap):
    q = quote(api, as_of=as_of, **tier_inputs).json()
    assert q["eligible"] is True
    assert (q["annual_rate_percent"], q["loan_cap"]) == (rate, cap)


def test_after_the_measure_expires_nothing_is_silently_applied(api):
    q = quote(api, as_of="2027-10-17").json()
    assert q["eligible"] is False
    codes = {r["code"] for r in q["refusal_reasons"]}
    assert codes == {"policy_not_in_force"}
    assert q["loan_cap"] is None
    assert q["max_loan_amount"] is None


def test_requested_amount_above_the_maximum_is_refused_with_a_reason(api):
    q = quote(api, loan_amount="800000.01").json()
    assert q["eligible"] is False
    assert [r["code"] for r in q["refusal_reasons"]] == ["amount_exceeds_limit"]
    assert q["max_loan_amount"] == "800000.00"


def test_third_home_and_unsettled_loan_are_refused(api):
    q = quote(api, homes_owned=2).json()
    assert q["eligible"] is False
    assert q["home_tier"] is None
    assert "home_tier_exceeded" in {r["code"] for r in q["refusal_reasons"]}
    q = quote(api, prior_pf_loans=[{"issued_on": "2020-01-01", "settled": False}]).json()
    assert "unsettled_pf_loan" in {r["code"] for r in q["refusal_reasons"]}


def test_voucher_counts_as_own_funds(api):
    q = quote(api, voucher_amount="300000.00").json()
    assert q["max_loan_amount"] == "700000.00"
    assert "amount.voucher" in {r["rule"] for r in q["limits_applied"]}


@pytest.mark.parametrize(
    ("bank", "city", "issued_on", "eligible"),
    [
        ("CCB", "太原", "2024-03-31", True),
        ("ICBC", "阳泉", "2024-03-31", True),
        ("ICBC", "太原", "2024-03-31", False),
        ("CCB", "太原", "2024-04-01", False),
    ],
)
def test_commercial_loan_conversion(api, bank, city, issued_on, eligible):
    resp = quote(
        api,
        house_price=None,
        homes_owned=1,
        term_months=240,
        commercial_loan={
            "bank": bank,
            "city": city,
            "issued_on": issued_on,
            "remaining_principal": "420000.00",
            "remaining_term_months": 250,
        },
    )
    q = resp.json()
    assert resp.status_code == 200
    assert q["eligible"] is eligible
    if eligible:
        assert q["max_loan_amount"] == "420000.00"
        assert q["home_tier"] == 1  # the financed home itself is not counted
    else:
        assert "szg_ineligible" in {r["code"] for r in q["refusal_reasons"]}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"property_type": "villa"}, "property_type"),
        ({"house_price": ""}, "house_price"),
        ({"house_price": "100.001"}, "house_price"),
        ({"house_price": "-1"}, "house_price"),
        ({"term_months": 0}, "term_months"),
        ({"term_months": 361}, "term_months"),
        ({"term_months": "十年"}, "term_months"),
        ({"homes_owned": -1}, "homes_owned"),
        ({"special_groups": ["vip"]}, "special_groups.0"),
        (
            {"prior_pf_loans": [{"issued_on": "2014-13-01", "settled": True}]},
            "prior_pf_loans.0.issued_on",
        ),
        ({"as_of": "yesterday"}, "as_of"),
    ],
)
def test_malformed_input_is_a_400_naming_the_field(api, changes, field):
    resp = quote(api, **changes)
    assert resp.status_code == 400
    body = resp.json()
    assert body["code"]
    assert body["message"]
    assert field in body["fields"], body


@pytest.mark.parametrize(
    ("changes", "field", "code", "message"),
    [
        (
            {"voucher_amount": "1000000.01"},
            "voucher_amount",
            "voucher_exceeds_price",
            "房票面额1,000,000.01元超过房价1,000,000.00元",
        ),
        ({"house_price": None}, "house_price", "house_price_required", "购房贷款须提供房价"),
        ({"house_price": "0"}, "house_price", "invalid_input", "房价须大于0"),
        (
            # The longest term is the policy row MAX_TERM_MONTHS (360), not a serializer limit
            {"term_months": 361},
            "term_months",
            "term_exceeds_limit",
            "申请期限361个月超过贷款最长期限360个月",
        ),
        (
            {"loan_amount": "0"},
            "loan_amount",
            "invalid_amount",
            "申请贷款金额须大于0且精确到分（申请0.00）",
        ),
        (
            {"house_price": "100.00", "voucher_amount": "200.00", "homes_owned": 3},
            "voucher_amount",
            "voucher_exceeds_price",
            "房票面额200.00元超过房价100.00元",
        ),
        (
            {"birth_date": "2025-06-02", "sex": "F"},
            "birth_date",
            "invalid_input",
            "出生日期不得晚于申请日期",
        ),
        (
            {
                "house_price": None,
                "commercial_loan": {
                    "bank": "CCB",
                    "city": "太原",
                    "issued_on": "2020-01-01",
                    "remaining_principal": "0",
                    "remaining_term_months": 200,
                },
            },
            "commercial_loan.remaining_principal",
            "invalid_input",
            "商业贷款剩余本金须大于0",
        ),
    ],
)
def test_well_formed_facts_that_cannot_be_quoted_are_a_400_on_their_field(
    api, changes, field, code, message
):
    # Given a body whose every field is well-formed but whose facts cannot be quoted
    # When it is posted
    resp = quote(api, **changes)
    # Then it is a 400 naming the field, with the engine's code and message
    assert resp.status_code == 400
    assert resp.json() == {
        "code": "invalid",
        "message": message,
        "fields": {field: [{"code": code, "message": message}]},
    }


def test_form_encoded_bodies_are_not_accepted(api):
    resp = api.post(URL, {"property_type": "commercial"})
    assert resp.status_code == 415
    assert resp.json()["code"] == "unsupported_media_type"


def test_non_json_body_is_a_400_not_a_500(api):
    resp = api.post(URL, "{not json", content_type="application/json")
    assert resp.status_code == 400
    assert resp.json()["code"] == "parse_error"


def test_schedule_endpoint_returns_every_month_summing_to_the_loan(api):
    resp = quote(api, SCHEDULE_URL, term_months=240, loan_amount="350000.00")
    assert resp.status_code == 200
    body = resp.json()
    rows = body["installments"]
    assert len(rows) == 240
    assert sum(Decimal(r["principal"]) for r in rows) == Decimal("350000.00")
    assert rows[0]["due_date"] == "2025-07-01"
    assert rows[-1]["due_date"] == "2045-06-01"
    assert rows[0]["payment"] == body["quote"]["monthly_payment"]
    assert rows[-1]["outstanding"] == "0.00"
    assert body["total_interest"] == body["quote"]["total_interest"]
    assert Decimal(body["total_payment"]) == Decimal("350000.00") + Decimal(body["total_interest"])


def test_a_birth_date_alone_bounds_the_term_by_the_earlier_retirement(api):
    # Given a birth date and no sex (the calculator does not ask for it)
    resp = quote(api, birth_date="1985-03-15", term_months=300)
    # Then the term is bounded as for a woman, whose statutory retirement comes first
    assert resp.status_code == 200
    q = resp.json()
    assert (q["eligible"], q["max_term_months"]) == (False, 273)
    assert [r["code"] for r in q["refusal_reasons"]] == ["term_exceeds_limit"]


def test_a_schedule_quoted_on_a_months_last_day_stays_on_each_months_last_day(api):
    # Given a quote on 2025-01-31
    resp = quote(api, SCHEDULE_URL, as_of="2025-01-31", term_months=12, loan_amount="120000.00")
    # Then a short month clamps one due date and the next returns to the 31st
    dates = [r["due_date"] for r in resp.json()["installments"]]
    assert dates[:4] == ["2025-02-28", "2025-03-31", "2025-04-30", "2025-05-31"]
    assert dates[-1] == "2026-01-31"


def test_schedule_for_an_ineligible_quote_is_empty_with_the_reasons(api):
    resp = quote(api, SCHEDULE_URL, homes_owned=3)
    assert resp.status_code == 200
    body = resp.json()
    assert body["installments"] == []
    assert body["total_payment"] is None
    assert body["quote"]["eligible"] is False
    assert "home_tier_exceeded" in {r["code"] for r in body["quote"]["refusal_reasons"]}


def test_quote_is_throttled_with_the_error_format(api, monkeypatch):
    from gjj.throttling import FixedWindowScopedThrottle

    monkeypatch.setattr(FixedWindowScopedThrottle, "THROTTLE_RATES", {"quote": "2/min"})
    responses = [quote(api) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    body = responses[2].json()
    assert (body["code"], body["fields"]) == ("throttled", {})
    assert 0 < int(responses[2]["Retry-After"]) <= 60


@pytest.mark.parametrize("price", ["１０００", "1e6", "+1000", " 1000", "1000.", 1000.5, True])
def test_money_is_ascii_decimal_strings_or_integers_only(api, price):
    resp = quote(api, house_price=price)
    assert resp.status_code == 400
    assert resp.json()["fields"]["house_price"][0]["code"] == "format"


def test_integer_money_is_accepted_exactly(api):
    q = quote(api, house_price=1000000).json()
    assert q["max_loan_amount"] == "800000.00"
