"""The quote's JSON fast path reads exactly what the serializer reads, or steps aside.

``loans.quote_json`` decodes well-formed quote bodies with msgspec; the DRF
serializer stays the authority. These tests hold the fast path to it: every
body it accepts, the serializer accepts with the same facts; bodies outside its
subset go to the serializer (and its 400s) unchanged.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from loans.engine import LoanFacts
from loans.openapi_examples import QUOTE_EXAMPLES
from loans.quote_api import EXAMPLE_REQUEST, QuoteRequestSerializer
from loans.quote_json import quote_facts_from_json

pytestmark = pytest.mark.django_db

factory = APIRequestFactory()


def request_of(raw: bytes, content_type: str = "application/json") -> Request:
    from rest_framework.parsers import JSONParser

    return Request(
        factory.generic("POST", "/api/v1/loans/quote/", raw, content_type=content_type),
        parsers=[JSONParser()],
    )


def normal(read: tuple[date, LoanFacts]) -> dict[str, Any]:
    """Facts with exact decimal text (1.0 ≠ 1.00 here) and sets sorted."""
    on, facts = read

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return ("D", str(value))
        if isinstance(value, frozenset):
            return sorted(value)
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return (type(value).__name__, value)

    return {"as_of": on, **plain(dataclasses.asdict(facts))}


def serializer_read(request: Request) -> tuple[date, LoanFacts] | None:
    ser = QuoteRequestSerializer(data=request.data)
    return ser.to_facts() if ser.is_valid() else None


# Near misses of every kind, beside valid values, for each kind of field.
DATES = [
    "2025-06-01",
    "2014-12-31",
    "2024-02-29",
    "2025-6-1",
    "20250601",
    "2025-02-30",
    "2025-06-01T00:00:00",
    " 2025-06-01",
    "",
    None,
    20250601,
]
MONEY = [
    "1000000.00",
    "1000000",
    "1000000.5",
    "0",
    "0.00",
    "00012.30",
    "12345678901234",
    "123456789012345",
    "1.001",
    "1e6",
    "-1",
    "+1",
    " 100",
    "100 ",
    "١٢٣",
    "NaN",
    "",
    1.5,
    1e6,
    True,
    None,
    -0,
    -5,
    12345678901234,
    123456789012345,
]
INTS = [-1, 0, 1, 2, 5, 20, 21, 99, 100, 359, 360, 361, 600, 601, 720, 721, True, 5.0, "12", None]
TEXTS = [
    "太原",
    "阳泉市",
    " 太原",
    "太原 ",
    "太原\u3000",
    "太原\n",
    "\t太原",
    "太原\x1c",
    "",
    " ",
    "\x00",
    "太\x00原",
    "CCB",
    "ccb",
    " CCB",
    "CCB\n",
    "C",
    "ABCDEFGHIJ",
    "ABCDEFGHIJK",
    "阳" * 19,
    "阳" * 20,
    "阳" * 21,
    " " + "阳" * 20,
    "😀" * 20,
    7,
    None,
]
CHOICES = ["commercial", "affordable", "Commercial", "equal_installment", "equal_principal"]
CHOICES += ["M", "F", "m", "", None, 1, "youth", "talent", "new_citizen", "multi_child"]
BOOLS = [True, False, "true", 1, 0, None]
LISTS = [[], {}, None, "youth", ["youth", "youth"], ["youth", "nobody"], ["youth"] * 6]

SZG = {
    "bank": "CCB",
    "city": "太原",
    "issued_on": "2023-05-01",
    "remaining_principal": "300000.00",
    "remaining_term_months": 240,
}
VALID = {
    "property_type": "commercial",
    "house_price": "1000000.00",
    "term_months": 360,
    "homes_owned": 0,
    "prior_pf_loans": [{"issued_on": "2014-06-10", "settled": True}],
    "commercial_loan": SZG,
}
# Each field (nested ones by path) and the values to try in it.
NEAR_MISSES: dict[tuple[str, ...], list[Any]] = {
    ("as_of",): DATES,
    ("property_type",): CHOICES,
    ("new_build",): BOOLS,
    ("house_price",): MONEY,
    ("term_months",): INTS,
    ("repayment_method",): CHOICES,
    ("homes_owned",): INTS,
    ("prior_pf_loans",): LISTS,
    ("prior_pf_loans", "issued_on"): DATES,
    ("prior_pf_loans", "settled"): BOOLS,
    ("children",): INTS,
    ("special_groups",): LISTS + [[c] for c in CHOICES],
    ("loan_amount",): MONEY,
    ("voucher_amount",): MONEY,
    ("commercial_loan",): [None, [], {}, "CCB"],
    ("commercial_loan", "bank"): TEXTS,
    ("commercial_loan", "city"): TEXTS,
    ("commercial_loan", "issued_on"): DATES,
    ("commercial_loan", "remaining_principal"): MONEY,
    ("commercial_loan", "remaining_term_months"): INTS,
    ("birth_date",): DATES,
    ("sex",): CHOICES,
    ("account_balance",): MONEY,
    ("monthly_income",): MONEY,
    ("continuous_deposit_months",): INTS,
}
MISSING = object()


def changed(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """VALID with the field at ``path`` set to ``value`` (or left out for MISSING)."""
    return changed_in(json.loads(json.dumps(VALID)), path, value)


def assert_reads_alike(body: dict[str, Any], ascii_only: bool = False) -> None:
    raw = json.dumps(body, ensure_ascii=ascii_only).encode()
    # When both paths read it
    fast = quote_facts_from_json(request_of(raw))
    slow = serializer_read(request_of(raw))
    # Then the fast path either steps aside or reads exactly the same facts
    if fast is not None:
        assert slow is not None, body
        assert normal(fast) == normal(slow), body


@pytest.mark.parametrize(
    ("path", "value"),
    [(p, v) for p, values in NEAR_MISSES.items() for v in [*values, MISSING]],
    ids=lambda x: ".".join(x) if isinstance(x, tuple) else repr(x),
)
def test_each_near_miss_is_read_as_the_serializer_reads_it(path, value) -> None:
    # Given a valid body with one field changed or left out
    assert_reads_alike(changed(path, value))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    changes=st.lists(
        st.tuples(
            st.sampled_from(sorted(NEAR_MISSES)),
            st.one_of(
                st.text(max_size=22),
                st.integers(min_value=-(10**16), max_value=10**16),
                st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
                st.booleans(),
                st.none(),
            ),
        ),
        min_size=1,
        max_size=3,
    ),
    ascii_only=st.booleans(),
)
def test_random_values_are_read_as_the_serializer_reads_them(changes, ascii_only: bool) -> None:
    # Given a valid body with up to three fields set to arbitrary JSON scalars
    body = json.loads(json.dumps(VALID))
    for path, value in changes:
        body = changed_in(body, path, value)
    assert_reads_alike(body, ascii_only)


def changed_in(body: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    parent: Any = body
    for name in path[:-1]:
        parent = parent.get(name) if isinstance(parent, dict) else None
        if isinstance(parent, list):
            parent = parent[0] if parent else None
        if not isinstance(parent, dict):
            return body  # an earlier change replaced the container
    if value is MISSING:
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = value
    return body


GROUPS = ["talent", "new_citizen", "youth", "military_family", "multi_child"]
iso_dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2040, 12, 31)).map(str)
amounts = st.one_of(
    st.decimals(min_value=0, max_value=10**9, places=2).map(str),
    st.decimals(min_value=0, max_value=10**9, places=1).map(str),
    st.integers(min_value=0, max_value=10**13),
)
well_formed = st.fixed_dictionaries(
    {
        "property_type": st.sampled_from(["commercial", "affordable"]),
        "term_months": st.integers(min_value=1, max_value=360),
        "homes_owned": st.integers(min_value=0, max_value=99),
    },
    optional={
        "as_of": iso_dates,
        "new_build": st.booleans(),
        "house_price": amounts,
        "repayment_method": st.sampled_from(["equal_installment", "equal_principal"]),
        "prior_pf_loans": st.lists(
            st.fixed_dictionaries({"issued_on": iso_dates, "settled": st.booleans()}),
            max_size=3,
        ),
        "children": st.integers(min_value=0, max_value=20),
        "special_groups": st.lists(st.sampled_from(GROUPS), max_size=5),
        "loan_amount": amounts,
        "voucher_amount": amounts,
        "commercial_loan": st.fixed_dictionaries(
            {
                "bank": st.from_regex(r"\A[A-Za-z]{2,10}\Z"),
                "city": st.sampled_from(["太原", "阳泉", "阳泉市", "北京", "太 原"]),
                "issued_on": iso_dates,
                "remaining_principal": amounts,
                "remaining_term_months": st.integers(min_value=1, max_value=600),
            }
        ),
        "birth_date": iso_dates,
        "sex": st.sampled_from(["M", "F"]),
        "account_balance": amounts,
        "monthly_income": amounts,
        "continuous_deposit_months": st.integers(min_value=0, max_value=720),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=well_formed)
def test_well_formed_bodies_take_the_fast_path_with_the_same_facts(body: dict[str, Any]) -> None:
    # Given a body within the fast path's subset (plain ISO dates, amounts, codes)
    raw = json.dumps(body, ensure_ascii=False).encode()
    # When both paths read it
    fast = quote_facts_from_json(request_of(raw))
    slow = serializer_read(request_of(raw))
    # Then both accept it, with the same facts
    assert fast is not None and slow is not None, body
    assert normal(fast) == normal(slow), body


@pytest.mark.parametrize(
    "body",
    [EXAMPLE_REQUEST, *(e.value for e in QUOTE_EXAMPLES if e.request_only)],
    ids=["default", *(e.name for e in QUOTE_EXAMPLES if e.request_only)],
)
def test_every_documented_request_takes_the_fast_path(body: dict[str, Any]) -> None:
    # Given each request the API documents (well-formed by definition)
    raw = json.dumps(body, ensure_ascii=False).encode()
    # When it is read
    fast = quote_facts_from_json(request_of(raw))
    # Then the fast path reads it, and reads it as the serializer does
    assert fast is not None
    assert normal(fast) == normal(serializer_read(request_of(raw)))


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/json; charset=latin-1", "application/x-www-form-urlencoded"],
)
def test_other_content_types_are_left_to_drf(content_type: str) -> None:
    raw = json.dumps(EXAMPLE_REQUEST).encode()
    assert quote_facts_from_json(request_of(raw, content_type)) is None


@pytest.mark.parametrize(
    "content_type",
    ["Application/JSON", "application/json;charset=UTF-8", "application/json; charset=utf-8"],
)
def test_utf8_json_in_any_spelling_takes_the_fast_path(content_type: str) -> None:
    raw = json.dumps(EXAMPLE_REQUEST, ensure_ascii=False).encode()
    fast = quote_facts_from_json(request_of(raw, content_type))
    assert fast is not None
    assert normal(fast) == normal(serializer_read(request_of(raw, content_type)))


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"property_type": "commercial", "term_months": 360, "homes_owned": 0}x', None),
        (b"", "property_type"),
        (json.dumps({**VALID, "term_months": True}).encode(), "term_months"),
        (json.dumps({**VALID, "house_price": 1.5}).encode(), "house_price"),
        (json.dumps({**VALID, "as_of": None}).encode(), "as_of"),
    ],
)
def test_bodies_the_fast_path_declines_still_get_the_serializers_400(
    raw: bytes, field: str | None
) -> None:
    # Given a malformed body
    # When it is posted
    resp = APIClient().post("/api/v1/loans/quote/", raw, content_type="application/json")
    # Then the answer is the serializer's 400, naming the field
    assert resp.status_code == 400
    body = resp.json()
    if field is None:
        assert body["code"] == "parse_error"
    else:
        assert field in body["fields"], body


HEAD = b'"property_type": "commercial", "term_months": 360, "homes_owned": 0'
NOT_UTF8 = "请求内容含有不符合其字符集（默认 UTF-8）的字节"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        # A byte that is not UTF-8 in a field the fast path reads.
        (b'{"property_type": "caf\xe9", "term_months": 360, "homes_owned": 0}', NOT_UTF8),
        (
            b"{" + HEAD + b', "commercial_loan": {"bank": "CCB", "city": "x\xff", '
            b'"issued_on": "2020-01-01", "remaining_principal": "1", '
            b'"remaining_term_months": 1}}',
            NOT_UTF8,
        ),
        # ... in a key or value of a field nobody reads, and an encoded surrogate.
        (b"{" + HEAD + b', "x": "\xff"}', NOT_UTF8),
        (b"{" + HEAD + b', "\xff": 1}', NOT_UTF8),
        (b"{" + HEAD + b', "x": "\xed\xa0\x80"}', NOT_UTF8),
        # An integer past Python's 4,300-digit limit, in a field nobody reads.
        (b"{" + HEAD + b', "n": ' + b"7" * 4301 + b"}", "请求内容不是有效的 JSON"),
    ],
    ids=["enum", "nested-text", "unknown-value", "unknown-key", "surrogate", "long-int"],
)
def test_bodies_the_standard_parser_refuses_are_refused_on_the_fast_path_too(
    raw: bytes, message: str
) -> None:
    # Given a body the serializer's parser cannot read
    # When the fast path is offered it, and it is posted
    fast = quote_facts_from_json(request_of(raw))
    resp = APIClient().post("/api/v1/loans/quote/", raw, content_type="application/json")
    # Then the fast path steps aside and the answer is the parser's 400, never a 500
    assert fast is None
    assert resp.status_code == 400
    assert resp.json() == {"code": "parse_error", "message": message, "fields": {}}


def test_a_body_with_an_unknown_key_is_left_to_the_serializer() -> None:
    # Given a valid body with one key the API does not define
    raw = json.dumps({**VALID, "note": "hi"}).encode()
    # Then the fast path steps aside, and the serializer reads it (ignoring the key)
    assert quote_facts_from_json(request_of(raw)) is None
    assert normal(serializer_read(request_of(raw))) == normal(
        serializer_read(request_of(json.dumps(VALID).encode()))
    )


@pytest.mark.parametrize("url", ["/api/v1/loans/quote/", "/api/v1/loans/quote/schedule/"])
def test_a_well_formed_quote_never_builds_the_serializer(monkeypatch, url: str) -> None:
    # Given the serializer made unusable
    import loans.quote_api

    def unusable(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("serializer built for a well-formed body")

    monkeypatch.setattr(loans.quote_api, "QuoteRequestSerializer", unusable)
    # When the documented request is posted as plain JSON
    resp = APIClient().post(url, EXAMPLE_REQUEST, format="json")
    # Then it is answered from the fast path alone
    assert resp.status_code == 200
    body = resp.json()
    quote = body.get("quote", body)
    assert (quote["eligible"], quote["loan_amount"]) == (True, "800000.00")


def test_an_oversized_body_is_refused_in_the_error_format(settings) -> None:
    # Given a body larger than Django's upload limit
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    body = {**EXAMPLE_REQUEST, "padding": "x" * 4096}
    # When it is posted as plain JSON
    resp = APIClient().post("/api/v1/loans/quote/", body, format="json")
    # Then it is a 400 with its own code, in the API's error format
    assert resp.status_code == 400
    assert resp.json() == {
        "code": "request_too_large",
        "message": "请求内容过大（上限2 KB）",
        "fields": {},
    }
