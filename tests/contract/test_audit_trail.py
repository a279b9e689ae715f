"""Every write through the API leaves an audit row that the admin's search finds.

For each write endpoint, every role that succeeds (per the access matrix) is
checked: the request adds audit rows, all naming the caller; one of them is the
endpoint's action on the object it changed, with what it was and what it became;
and the audit log's changelist finds that row by the caller's user name, by the
object's type and id, and by the application number (or the depositor's name),
for a superuser and for a clerk (经办).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client

from gjj.admin import AuditLogAdmin
from gjj.models import AuditLog, IdempotencyRecord
from tests.contract.test_access_matrix import MATRIX, Row, enumerated_endpoints
from tests.contract.world import LOAN_BODY, ROLES, World, db_state

pytestmark = pytest.mark.django_db

Pick = Callable[[World, dict[str, Any]], str]
APPS = "/api/v1/loans/applications"
WD = "/api/v1/withdrawals"


@dataclass(frozen=True)
class Audited:
    action: str
    object_type: str
    object_id: Pick
    case: Pick  # a search term naming the case: its application number, or the person
    creates: bool = False  # a new object has no "before"


def _loan_app(world: World, body: dict[str, Any]) -> str:
    return str(world.target_pk("loan_application"))


def _loan_number(world: World, body: dict[str, Any]) -> str:
    assert world.loan_application is not None
    return world.loan_application.number


def _withdrawal(world: World, body: dict[str, Any]) -> str:
    return str(world.withdrawal.pk)


def _withdrawal_number(world: World, body: dict[str, Any]) -> str:
    return world.withdrawal.number


def _created(world: World, body: dict[str, Any]) -> str:
    return str(body["id"])


def _created_number(world: World, body: dict[str, Any]) -> str:
    return body["number"]


def _consent(world: World, body: dict[str, Any]) -> str:
    return str(world.consent.pk)


def _consent_number(world: World, body: dict[str, Any]) -> str:
    return world.consent.application.number


def _loan_step(action: str) -> Audited:
    return Audited(f"loan_application_{action}", "loans.loanapplication", _loan_app, _loan_number)


AUDITED: dict[tuple[str, str], Audited] = {
    ("POST", "/api/v1/auth/signup/"): Audited(
        "applicant_signup",
        "gjj.depositor",
        lambda world, body: str(world.newcomer.pk),
        lambda world, body: world.newcomer.name,
    ),
    ("POST", f"{APPS}/"): Audited(
        "loan_application_create",
        "loans.loanapplication",
        _created,
        _created_number,
        creates=True,
    ),
    ("PUT", f"{APPS}/{{pk}}/"): _loan_step("update"),
    ("PATCH", f"{APPS}/{{pk}}/"): _loan_step("update"),
    **{
        ("POST", f"{APPS}/{{pk}}/{action}/"): _loan_step(action)
        for action in ("submit", "withdraw", "accept", "review", "approve", "reject", "sign")
    },
    ("POST", f"{APPS}/{{pk}}/disburse/"): _loan_step("disburse"),
    ("POST", f"{WD}/applications/"): Audited(
        "withdrawal_create",
        "withdrawals.withdrawalapplication",
        _created,
        _created_number,
        creates=True,
    ),
    ("POST", f"{WD}/applications/{{pk}}/submit/"): Audited(
        "withdrawal_submitted",
        "withdrawals.withdrawalapplication",
        _withdrawal,
        _withdrawal_number,
    ),
    ("POST", f"{WD}/applications/{{pk}}/cancel/"): Audited(
        "withdrawal_cancelled",
        "withdrawals.withdrawalapplication",
        _withdrawal,
        _withdrawal_number,
    ),
    ("POST", f"{WD}/consents/{{pk}}/accept/"): Audited(
        "withdrawal_member_consent", "withdrawals.withdrawalmember", _consent, _consent_number
    ),
    ("POST", f"{WD}/consents/{{pk}}/decline/"): Audited(
        "withdrawal_member_consent", "withdrawals.withdrawalmember", _consent, _consent_number
    ),
}

# Writes that change no business record, and what they do change.
NOT_AUDITED: dict[tuple[str, str], tuple[str, ...]] = {
    ("POST", "/api/v1/loans/quote/"): (),  # a calculation
    ("POST", "/api/v1/loans/quote/schedule/"): (),
    ("POST", "/api/v1/auth/login/"): ("authtoken.Token",),  # issues the caller a token
    ("POST", "/api/v1/auth/logout/"): ("authtoken.Token",),  # ends the caller's token
}


def succeeding(rows: list[Row], keys: set[tuple[str, str]]) -> list[tuple[Row, str]]:
    """(row, role) of every call the matrix expects to succeed, for the given endpoints."""
    return [
        (row, role)
        for row in rows
        if row.key in keys
        for role, status in zip(ROLES, row.expect, strict=True)
        if status < 300
    ]


CASES = succeeding(MATRIX, set(AUDITED))
QUIET = succeeding(MATRIX, set(NOT_AUDITED))


def test_every_write_endpoint_is_audited_or_changes_no_business_record():
    # Given the endpoints and methods that write
    writes = {key for key in enumerated_endpoints() if key[0] != "GET"}
    # Then each is in exactly one of the two tables
    assert sorted(writes - set(AUDITED) - set(NOT_AUDITED)) == []
    assert set(AUDITED) & set(NOT_AUDITED) == set()
    assert sorted((set(AUDITED) | set(NOT_AUDITED)) - writes) == []
    # And each audited write succeeds for someone in the matrix, so it is checked below
    assert {row.key for row, _ in CASES} == set(AUDITED)


def test_the_audit_log_admin_searches_actor_object_and_case():
    assert set(AuditLogAdmin.search_fields) >= {
        "actor_label",
        "actor__username",
        "object_type",
        "object_id",
        "object_repr",
    }


def _found_in_admin(user: AbstractBaseUser, q: str, row: AuditLog) -> bool:
    browser = Client()
    browser.force_login(user)
    resp = browser.get("/admin/gjj/auditlog/", {"q": q})
    assert resp.status_code == 200, (user.get_username(), q)
    return resp.context["cl"].queryset.filter(pk=row.pk).exists()


def _actor(world: World, row: Row, role: str) -> AbstractBaseUser:
    if row.key == ("POST", "/api/v1/auth/signup/"):  # the new log-in signs itself up
        return get_user_model().objects.get(username=row.body(world)["username"])
    user = world.user(role)
    assert user is not None
    return user


@pytest.mark.parametrize(("row", "role"), CASES, ids=[f"{row.id} {role}" for row, role in CASES])
def test_a_successful_write_leaves_a_searchable_audit_row(make_world, row: Row, role: str):
    # Given the world, the owner's loan application at the row's stage
    world = make_world(row.stage)
    spec = AUDITED[row.key]
    last = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # When the role makes the write
    resp = row.call(world, role)
    assert resp.status_code < 300, resp.content[:300]
    body = resp.json() if resp.content else {}
    # Then every audit row it added names the caller
    actor = _actor(world, row, role)
    added = list(AuditLog.objects.filter(pk__gt=last).order_by("pk"))
    assert added != []
    assert {(a.actor_id, a.actor_label) for a in added} == {(actor.pk, actor.get_username())}
    # And one is the endpoint's action on the object, from what it was to what it became
    object_id = spec.object_id(world, body)
    [audit] = [a for a in added if a.action == spec.action]
    assert (audit.object_type, audit.object_id) == (spec.object_type, object_id)
    assert isinstance(audit.new, dict) and audit.new != {}
    if spec.creates:
        assert audit.old is None
    else:
        assert isinstance(audit.old, dict) and audit.old != {}
        assert set(audit.old) <= set(audit.new)
        assert [k for k in audit.old if audit.old[k] != audit.new[k]] != []
    # And the admin finds it by who, by what, and by which case
    for staff in (world.superuser, world.clerk):
        for q in (
            actor.get_username(),
            f"{spec.object_type} {object_id}",
            spec.case(world, body),
        ):
            assert _found_in_admin(staff, q, audit), (staff.get_username(), q)


@pytest.mark.parametrize(("row", "role"), QUIET, ids=[f"{row.id} {role}" for row, role in QUIET])
def test_a_write_without_an_audit_row_changes_no_business_record(make_world, row: Row, role: str):
    # Given the world
    world = make_world(row.stage)
    world.client(role)
    before = db_state()
    # When the role makes the write
    resp = row.call(world, role)
    assert resp.status_code < 300
    # Then only the tables the write is about changed
    after = db_state()
    changed = sorted(label for label in before if before[label] != after[label])
    assert set(changed) <= set(NOT_AUDITED[row.key])


def test_a_replayed_create_adds_no_second_audit_row(make_world):
    # Given the owner with no loan application in progress
    world = make_world("none")
    api = world.client("owner")
    headers = {"HTTP_IDEMPOTENCY_KEY": "apply-2026-03-02-001"}
    # When the same create is sent twice with one Idempotency-Key
    first = api.post(f"{APPS}/", LOAN_BODY, format="json", **headers)
    again = api.post(f"{APPS}/", LOAN_BODY, format="json", **headers)
    # Then it was made and audited once
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert AuditLog.objects.filter(action="loan_application_create").count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_a_refused_write_leaves_no_audit_row(make_world):
    # Given the owner's draft and another applicant
    world = make_world("draft")
    last = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first()
    # When the other applicant tries to change it, and a clerk tries to submit it
    patched = world.client("other").patch(
        f"{APPS}/{world.loan_application.pk}/", {"seller_name": "某公司"}, format="json"
    )
    submitted = world.client("clerk").post(f"{APPS}/{world.loan_application.pk}/submit/")
    # Then both are refused, and nothing is audited
    assert (patched.status_code, submitted.status_code) == (404, 403)
    assert AuditLog.objects.filter(pk__gt=last).count() == 0
