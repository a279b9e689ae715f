"""The quote's per-process shortcuts change nothing a client sees.

The answer is written by orjson and the annuity factor is kept per (rate,
term); each must give exactly what the plain DRF/stdlib path gives.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer

from gjj.renderers import OrjsonRenderer
from loans.schedules import annuity_factor

GOOD = {
    "as_of": "2025-06-01",
    "property_type": "commercial",
    "house_price": "1000000.00",
    "term_months": 360,
    "homes_owned": 1,
    "prior_pf_loans": [{"issued_on": "2014-06-10", "settled": True}],
    "children": 2,
    "special_groups": ["youth"],
}


def test_orjson_writes_what_drf_would() -> None:
    # Given an answer with Chinese text, nulls, nested lists and a lazy message
    from django.utils.translation import gettext_lazy

    body = {
        "eligible": False,
        "refusal_reasons": [{"code": "home_tier_exceeded", "message": "第3套及以上住房不予贷款"}],
        "home_tier": None,
        "term_months": 360,
        "detail": gettext_lazy("Not found."),
    }
    # When both renderers write it
    ours = OrjsonRenderer().render(body)
    theirs = JSONRenderer().render(body)
    # Then the bytes are identical (compact UTF-8)
    assert ours == theirs
    assert OrjsonRenderer().render(None) == b""
    # And a Decimal that slips through stays an exact string, never a float
    assert OrjsonRenderer().render({"amount": Decimal("800000.10")}) == b'{"amount":"800000.10"}'


def test_annuity_factor_is_kept_per_rate_and_term() -> None:
    # Given the factor for 2.60% over 360 months, computed once
    annuity_factor.cache_clear()
    first = annuity_factor(Decimal("2.60"), 360)
    # When it is asked again (also as 2.6, the same rate)
    again = annuity_factor(Decimal("2.6"), 360)
    # Then the kept value is returned, and it is the formula's
    assert again == first
    assert annuity_factor.cache_info().hits == 1
    assert first.quantize(Decimal("1.000000000000")) == Decimal("0.004003397115")


@pytest.mark.django_db
def test_quote_over_http_uses_orjson(client) -> None:
    # Given a well-formed quote request
    resp = client.post("/api/v1/loans/quote/", GOOD, content_type="application/json")
    # Then the answer is compact UTF-8 JSON with Chinese as characters
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/json"
    assert b'"eligible":true' in resp.content
    assert "阳政办发〔2024〕52号".encode() in resp.content
