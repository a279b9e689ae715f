"""The OpenAPI document's examples and error answers.

Every operation shows an example of each body it takes and gives, and of each
error it documents; every example is valid against its own schema; every
operation documents exactly the 4xx answers it can give; and the calculator's
examples are what the engine answers today, so that they cannot drift.

Every answer in the document is recorded from the server by
``manage.py openapi_examples``; the last test records again and compares.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import drf_spectacular
import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from jsonschema import Draft202012Validator, FormatChecker
from rest_framework.test import APIClient

Operation = tuple[str, str]  # (method, path)

# Every operation answers 400 to a NUL in its path, query or headers (config.middleware).
AUTHENTICATED_READ = {"400", "401", "403", "404"}
AUTHENTICATED_LIST = {"400", "401", "403", "404"}
AUTHENTICATED_CREATE = {"400", "401", "403", "409"}
AUTHENTICATED_CHANGE = {"400", "401", "403", "404", "409"}
APPS = "/api/v1/loans/applications"
WITHDRAWALS = "/api/v1/withdrawals"

# Every operation and the 4xx answers it can give; a new operation must be added here.
EXPECTED_ERRORS: dict[Operation, set[str]] = {
    ("get", "/api/v1/health/"): {"400"},
    ("post", "/api/v1/auth/signup/"): {"400", "409", "429"},
    ("post", "/api/v1/auth/login/"): {"400", "429"},
    ("post", "/api/v1/auth/logout/"): {"400", "401", "403"},
    ("get", "/api/v1/me/"): {"400", "401", "403"},
    ("post", "/api/v1/me/homes/"): {"400", "401", "403"},
    ("post", "/api/v1/me/pf-loans/"): {"400", "401", "403"},
    ("post", "/api/v1/loans/quote/"): {"400", "429"},
    ("post", "/api/v1/loans/quote/schedule/"): {"400", "429"},
    ("get", f"{APPS}/"): AUTHENTICATED_LIST,
    ("post", f"{APPS}/"): AUTHENTICATED_CREATE,
    ("get", f"{APPS}/{{id}}/"): AUTHENTICATED_READ,
    ("put", f"{APPS}/{{id}}/"): AUTHENTICATED_CHANGE,
    ("patch", f"{APPS}/{{id}}/"): AUTHENTICATED_CHANGE,
    ("get", f"{APPS}/{{id}}/history/"): AUTHENTICATED_READ,
    **{
        ("post", f"{APPS}/{{id}}/{action}/"): AUTHENTICATED_CHANGE
        for action in (
            "submit",
            "withdraw",
            "accept",
            "review",
            "approve",
            "reject",
            "sign",
            "disburse",
        )
    },
    ("get", "/api/v1/loans/"): AUTHENTICATED_LIST,
    ("get", "/api/v1/loans/{id}/"): AUTHENTICATED_READ,
    ("get", "/api/v1/loans/{id}/repayment-authorizations/"): AUTHENTICATED_LIST,
    ("post", "/api/v1/loans/{id}/repayment-authorizations/"): AUTHENTICATED_CHANGE,
    (
        "post",
        "/api/v1/loans/{id}/repayment-authorizations/{authorization_id}/stop/",
    ): AUTHENTICATED_CHANGE,
    ("get", f"{WITHDRAWALS}/applications/"): AUTHENTICATED_LIST,
    ("post", f"{WITHDRAWALS}/applications/"): AUTHENTICATED_CREATE,
    ("get", f"{WITHDRAWALS}/applications/{{id}}/"): AUTHENTICATED_READ,
    ("post", f"{WITHDRAWALS}/applications/{{id}}/submit/"): AUTHENTICATED_CHANGE,
    ("post", f"{WITHDRAWALS}/applications/{{id}}/cancel/"): AUTHENTICATED_CHANGE,
    ("get", f"{WITHDRAWALS}/applications/{{id}}/history/"): AUTHENTICATED_READ,
    ("get", f"{WITHDRAWALS}/limits/rental/"): {"400", "401", "403"},
    ("get", f"{WITHDRAWALS}/limits/purchase/"): {"400", "401", "403"},
    ("get", f"{WITHDRAWALS}/consents/"): AUTHENTICATED_LIST,
    ("post", f"{WITHDRAWALS}/consents/{{id}}/accept/"): AUTHENTICATED_READ | {"409"},
    ("post", f"{WITHDRAWALS}/consents/{{id}}/decline/"): AUTHENTICATED_READ | {"409"},
}
OPERATIONS = sorted(EXPECTED_ERRORS, key=lambda op: (op[1], op[0]))

# The fields of a quote that the engine decides (the citations' row ids are left out).
QUOTE_FIELDS = (
    "eligible",
    "home_tier",
    "counted_homes",
    "counted_pf_loans",
    "min_down_payment_ratio",
    "min_down_payment",
    "loan_cap",
    "max_loan_amount",
    "loan_amount",
    "annual_rate_percent",
    "term_months",
    "max_term_months",
    "repayment_method",
    "monthly_payment",
    "total_interest",
    "policy_version",
    "as_of",
)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    # As clients receive it: rendered to JSON and read back.
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


def operation(schema: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return schema["paths"][path][method]


def examples_of(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The examples of a request or response object, by media type merged."""
    found: dict[str, dict[str, Any]] = {}
    for content in body.get("content", {}).values():
        found.update(content.get("examples", {}))
    return found


# --- OpenAPI 3.0 schemas as JSON Schema -----------------------------------------------------


def to_json_schema(node: Any, direction: str) -> Any:
    """OpenAPI 3.0's dialect as JSON Schema 2020-12, for requests or for responses.

    ``nullable`` becomes a ``null`` alternative; read-only properties may not be
    sent and write-only ones are never returned (and neither is then required);
    keywords that only annotate are dropped.
    """
    if isinstance(node, list):
        return [to_json_schema(item, direction) for item in node]
    if not isinstance(node, dict):
        return node
    out = {
        key: value
        for key, value in node.items()
        if key not in {"nullable", "discriminator", "example", "readOnly", "writeOnly"}
    }
    if "properties" in out:
        hidden_flag = "readOnly" if direction == "request" else "writeOnly"
        hidden = {name for name, prop in out["properties"].items() if prop.get(hidden_flag)}
        out["properties"] = {
            name: False if name in hidden else to_json_schema(prop, direction)
            for name, prop in out["properties"].items()
        }
        if "required" in out:
            out["required"] = [name for name in out["required"] if name not in hidden]
    for key in ("items", "additionalProperties", "not"):
        if isinstance(out.get(key), dict):
            out[key] = to_json_schema(out[key], direction)
    for key in ("allOf", "anyOf", "oneOf"):
        if key in out:
            out[key] = to_json_schema(out[key], direction)
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(datetime.fromisoformat(value).tzinfo)


def validation_errors(
    schema: dict[str, Any], target: dict[str, Any], value: Any, direction: str
) -> list[str]:
    components = {
        name: to_json_schema(body, direction)
        for name, body in schema["components"]["schemas"].items()
    }
    document = {"components": {"schemas": components}, "allOf": [to_json_schema(target, direction)]}
    validator = Draft202012Validator(document, format_checker=FORMATS)
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(body)'}: {error.message}"
        for error in validator.iter_errors(value)
    ]


def all_examples(op: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], Any]]:
    """(where, direction, schema, value) of every example of an operation."""
    found = []
    for media_type, content in op.get("requestBody", {}).get("content", {}).items():
        for name, example in content.get("examples", {}).items():
            found.append((f"request {media_type} {name}", "request", content["schema"], example))
    for code, response in op["responses"].items():
        for media_type, content in response.get("content", {}).items():
            for name, example in content.get("examples", {}).items():
                found.append(
                    (f"{code} {media_type} {name}", "response", content["schema"], example)
                )
    return [(where, d, s, example["value"]) for where, d, s, example in found]


# --- the document ---------------------------------------------------------------------------


def test_the_table_names_every_operation(schema):
    documented = {
        (method, path)
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert documented == set(EXPECTED_ERRORS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_each_operation_documents_its_errors_with_examples(schema, method, path):
    op = operation(schema, method, path)
    errors = {code for code in op["responses"] if code.startswith("4")}
    assert errors == EXPECTED_ERRORS[(method, path)]
    for code in errors:
        body = op["responses"][code]
        assert body["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
        assert examples_of(body), f"{code} has no example"
        assert body["description"], f"{code} has no description"
    if "401" in errors:
        assert "WWW-Authenticate" in op["responses"]["401"]["headers"]
    if "429" in errors:
        assert "Retry-After" in op["responses"]["429"]["headers"]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_each_body_has_an_example(schema, method, path):
    op = operation(schema, method, path)
    if "requestBody" in op:
        assert examples_of(op["requestBody"]), "the request body has no example"
    successes = {code: body for code, body in op["responses"].items() if code.startswith("2")}
    assert successes
    for code, body in successes.items():
        if body.get("content"):
            assert examples_of(body), f"the {code} body has no example"


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_each_example_is_valid_against_its_schema(schema, method, path):
    problems = [
        f"{where}: {problem}"
        for where, direction, target, value in all_examples(operation(schema, method, path))
        for problem in validation_errors(schema, target, value, direction)
    ]
    assert problems == []


def test_the_validation_catches_an_invalid_example(schema):
    # The checker itself: money as a number of yuan, a wrong enum, a missing field.
    op = operation(schema, "post", "/api/v1/loans/quote/")
    target = op["requestBody"]["content"]["application/json"]["schema"]
    good = examples_of(op["requestBody"])["首套（多子女家庭核减1套）"]["value"]
    assert validation_errors(schema, target, good, "request") == []
    for bad in (
        {**good, "house_price": "1000000.001"},
        {**good, "property_type": "villa"},
        {**good, "as_of": "2025-02-30"},
        {key: value for key, value in good.items() if key != "term_months"},
    ):
        assert validation_errors(schema, target, bad, "request")
    response = op["responses"]["200"]["content"]["application/json"]["schema"]
    answer = examples_of(op["responses"]["200"])["首套（多子女家庭核减1套）"]["value"]
    assert validation_errors(schema, response, answer, "response") == []
    assert validation_errors(schema, response, {**answer, "eligible": "yes"}, "response")


def test_list_examples_are_one_page_of_what_they_list(schema):
    op = operation(schema, "get", f"{APPS}/{{id}}/history/")
    page = next(iter(examples_of(op["responses"]["200"]).values()))["value"]
    assert page["count"] == len(page["results"]) == 7
    assert page["next"] is None
    assert page["previous"] is None


def test_the_examples_quote_the_2024_measures_numbers(schema):
    # 阳政办发〔2024〕52号 and the rates from 2025-05-08: caps 90万/100万, down payments
    # 20% (commercial) and 15% (affordable), five-year-plus rates 2.60% and 3.075%.
    answers = [
        example["value"]
        for example in examples_of(
            operation(schema, "post", "/api/v1/loans/quote/")["responses"]["200"]
        ).values()
    ]
    assert {a["loan_cap"] for a in answers} >= {"900000.00", "1000000.00"}
    assert {a["min_down_payment_ratio"] for a in answers} >= {"0.20", "0.15"}
    assert {a["annual_rate_percent"] for a in answers} >= {"2.60", "3.075"}
    assert any(not a["eligible"] and a["refusal_reasons"] for a in answers)


# --- the calculator's examples are the engine's answers --------------------------------------


def paired_examples(op: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    requests = examples_of(op["requestBody"])
    answers = examples_of(op["responses"]["200"])
    assert requests
    assert set(requests) <= set(answers), "a request example has no answer"
    return [(name, requests[name]["value"], answers[name]["value"]) for name in requests]


def without_rows(value: Any) -> Any:
    """The value with every citation's ``row`` left out: row ids are the database's."""
    if isinstance(value, dict):
        return {k: without_rows(v) for k, v in value.items() if k != "row"}
    if isinstance(value, list):
        return [without_rows(v) for v in value]
    return value


def assert_same_quote(actual: dict[str, Any], documented: dict[str, Any], name: str) -> None:
    for field in QUOTE_FIELDS:
        assert actual[field] == documented[field], f"{name}: {field}"
    # Every reason, limit and refusal word for word, with its citation.
    for field in ("refusal_reasons", "reasons", "limits_applied", "limits_not_applied"):
        assert without_rows(actual[field]) == without_rows(documented[field]), f"{name}: {field}"
    assert without_rows(actual["rate_citation"]) == without_rows(documented["rate_citation"])


@pytest.mark.django_db
def test_the_quote_examples_are_what_the_engine_answers(schema):
    client = APIClient()
    op = operation(schema, "post", "/api/v1/loans/quote/")
    pairs = paired_examples(op)
    assert len(pairs) >= 4
    for name, request, documented in pairs:
        resp = client.post("/api/v1/loans/quote/", request, format="json")
        assert resp.status_code == 200, (name, resp.json())
        assert_same_quote(resp.json(), documented, name)


@pytest.mark.django_db
def test_the_schedule_examples_are_what_the_engine_answers(schema):
    client = APIClient()
    op = operation(schema, "post", "/api/v1/loans/quote/schedule/")
    for name, request, documented in paired_examples(op):
        resp = client.post("/api/v1/loans/quote/schedule/", request, format="json")
        assert resp.status_code == 200, (name, resp.json())
        actual = resp.json()
        assert_same_quote(actual["quote"], documented["quote"], name)
        assert actual["total_payment"] == documented["total_payment"], name
        assert actual["total_interest"] == documented["total_interest"], name
        by_number = {row["number"]: row for row in actual["installments"]}
        for row in documented["installments"]:  # the example lists some of them
            assert by_number[row["number"]] == row, f"{name}: installment {row['number']}"
        assert bool(actual["installments"]) == bool(documented["installments"])


# --- the recorded answers are the server's answers ------------------------------------------


@pytest.mark.django_db
def test_the_recorded_answers_are_what_the_server_answers_today():
    from config.openapi_recording import RECORDED_DIR, record

    for app, answers in record().items():
        on_file = json.loads((RECORDED_DIR / f"{app}.json").read_text(encoding="utf-8"))
        assert sorted(answers) == sorted(on_file), f"{app}: run manage.py openapi_examples"
        for key, body in answers.items():
            assert body == on_file[key], f"{app}/{key}: run manage.py openapi_examples"


def test_the_schema_class_is_checked_against_this_drf_spectacular():
    # config.schema overrides private methods of drf-spectacular (reasons there), checked
    # against this version only: on an upgrade, re-check them, then update the version here.
    assert drf_spectacular.__version__ == "0.30.0"
