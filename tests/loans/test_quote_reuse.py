"""The quote's per-process shortcuts change nothing a client sees.

The request serializer keeps one set of fields per thread, the answer is
written by orjson, and the annuity factor is kept per (rate, term). Each must
give exactly what the plain DRF/stdlib path gives, request after request and
thread beside thread.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from rest_framework.renderers import JSONRenderer
from rest_framework.serializers import Serializer

from gjj.renderers import OrjsonRenderer
from loans.quote_api import QuoteRequestSerializer
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


def _validate(body: dict) -> tuple[bool, dict]:
    ser = QuoteRequestSerializer(data=body)
    ok = ser.is_valid()
    return ok, (dict(ser.validated_data) if ok else json.loads(json.dumps(ser.errors)))


class _PlainQuoteRequest(QuoteRequestSerializer):
    """The same declared fields, deep-copied for every instance as DRF does."""

    fields = Serializer.fields
    _writable_fields = Serializer._writable_fields


def _validate_plain(body: dict) -> tuple[bool, dict]:
    ser = _PlainQuoteRequest(data=body)
    ok = ser.is_valid()
    return ok, (dict(ser.validated_data) if ok else json.loads(json.dumps(ser.errors)))


BODIES = [
    GOOD,
    {**GOOD, "term_months": 0, "house_price": ""},
    {**GOOD, "prior_pf_loans": [{"issued_on": "2014-13-01", "settled": "yes"}]},
    {**GOOD, "commercial_loan": {"bank": "CCB", "city": "太原", "issued_on": "2023-01-01"}},
    {
        **{k: v for k, v in GOOD.items() if k != "house_price"},
        "commercial_loan": {
            "bank": "CCB",
            "city": "太原",
            "issued_on": "2023-01-01",
            "remaining_principal": "300000.00",
            "remaining_term_months": 200,
        },
    },
    {**GOOD, "special_groups": ["talent", "nobody"], "children": -1},
    GOOD,
]


def test_reused_fields_validate_each_request_like_fresh_ones() -> None:
    # Given bodies good and bad, nested and not, one after another in one thread
    # When each is validated by the quote serializer and by a plain DRF copy
    got = [_validate(b) for b in BODIES]
    want = [_validate_plain(b) for b in BODIES]
    # Then every answer is the same: nothing from one request leaks into the next
    assert got == want
    assert [ok for ok, _ in got] == [True, False, False, False, True, False, True]
    assert got[1][1] == {
        "house_price": ['金额格式不正确：请填写最多2位小数的数字字符串，如"1000000.00"'],
        "term_months": ["请确保该值大于或者等于 1。"],
    }
    assert got[2][1] == {
        "prior_pf_loans": {
            "0": {
                "issued_on": ["日期格式错误。请从这些格式中选择：YYYY-MM-DD。"],
                "settled": ["必须是有效的布尔值。"],
            }
        }
    }


def test_each_thread_keeps_its_own_fields() -> None:
    # Given eight threads validating different bodies at the same time
    want = {i: _validate_plain(b) for i, b in enumerate(BODIES)}
    seen_fields: dict[int, set[int]] = {}
    lock = threading.Lock()

    def work(n: int) -> list[bool]:
        out = []
        for k in range(60):
            i = (n + k) % len(BODIES)
            ser = QuoteRequestSerializer(data=BODIES[i])
            ser.is_valid()
            with lock:
                seen_fields.setdefault(threading.get_ident(), set()).add(
                    id(ser.fields["term_months"])
                )
            out.append(_validate(BODIES[i]) == want[i])
        return out

    # When they run
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [ok for chunk in pool.map(work, range(8)) for ok in chunk]
    # Then every validation matched the plain one, and each thread used one set
    assert results == [True] * 480
    assert all(len(ids) == 1 for ids in seen_fields.values())
    assert len({next(iter(ids)) for ids in seen_fields.values()}) == len(seen_fields)


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
