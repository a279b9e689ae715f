"""Every write through the API leaves an audit row that the admin's search finds.

For each write endpoint, every role that succeeds (per the access matrix) is
checked: the request adds audit rows, all naming the caller; one of them is the
endpoint's action on the object it changed, with what it was and what it became;
and the audit log's changelist finds that row by the caller's user name, by the
object's type and id, and by the application number (or the depositor's name),
for a superuser and for a clerk (经办). Log-in and log-out are audited on the
user whose token they issue or end; a refused log-in is audited too, on the
user name it tried (masked), without the password.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.forms.models import model_to_dict
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gjj.admin import AuditLogAdmin
from gjj.domain import AuditAction
from gjj.models import AuditLog, IdempotencyRecord, PfLoanRecord
from tests.contract.test_access_matrix import MATRIX, Row, enumerated_endpoints
from tests.contract.world import LOAN_BODY, PASSWORD, ROLES, World, db_state

pytestmark = pytest.mark.django_db

Pick = Callable[[World, dict[str, Any]], str]
APPS = "/api/v1/loans/applications"
WD = "/api/v1/withdrawals"


@dataclass(frozen=True)
class Audited:
    action: str
    object_type: str
    # None: the object is the caller's own log-in, named by its id and its user name.
    object_id: Pick | None
    case: Pick | None  # a search term naming the case: its application number, or the person
    creates: bool = False  # a new object has no "before"


def _loan_app(world: World, body: dict[str, Any]) -> str:
    return str(world.target_pk("loan_application"))


def _number(number: str | None) -> str:
    assert number is not None  # set right after the insert
    return number


def _loan_number(world: World, body: dict[str, Any]) -> str:
    assert world.loan_application is not None
    return _number(world.loan_application.number)


def _withdrawal(world: World, body: dict[str, Any]) -> str:
    return str(world.withdrawal.pk)


def _withdrawal_number(world: World, body: dict[str, Any]) -> str:
    return _number(world.withdrawal.number)


def _created(world: World, body: dict[str, Any]) -> str:
    return str(body["id"])


def _created_number(world: World, body: dict[str, Any]) -> str:
    return body["number"]


def _consent(world: World, body: dict[str, Any]) -> str:
    return str(world.consent.pk)


def _consent_number(world: World, body: dict[str, Any]) -> str:
    return _number(world.consent.application.number)


def _loan_contract(world: World, body: dict[str, Any]) -> str:
    assert world.loan is not None
    return world.loan.contract_number


def _loan_step(action: AuditAction) -> Audited:
    return Audited(action, "loans.loanapplication", _loan_app, _loan_number)


AUDITED: dict[tuple[str, str], Audited] = {
    ("POST", "/api/v1/auth/signup/"): Audited(
        "applicant.signed_up",
        "gjj.depositor",
        lambda world, body: str(world.newcomer.pk),
        lambda world, body: world.newcomer.name,
    ),
    ("POST", "/api/v1/auth/login/"): Audited("api_login.succeeded", "auth.user", None, None),
    ("POST", "/api/v1/auth/logout/"): Audited("api_logout.succeeded", "auth.user", None, None),
    ("POST", f"{APPS}/"): Audited(
        "loan_application.created",
        "loans.loanapplication",
        _created,
        _created_number,
        creates=True,
    ),
    ("PUT", f"{APPS}/{{pk}}/"): _loan_step(AuditAction.LOAN_APPLICATION_UPDATED),
    ("PATCH", f"{APPS}/{{pk}}/"): _loan_step(AuditAction.LOAN_APPLICATION_UPDATED),
    **{
        ("POST", f"{APPS}/{{pk}}/{action}/"): _loan_step(audit)
        for action, audit in (
            ("submit", AuditAction.LOAN_APPLICATION_SUBMITTED),
            ("withdraw", AuditAction.LOAN_APPLICATION_WITHDRAWN),
            ("accept", AuditAction.LOAN_APPLICATION_ACCEPTED),
            ("review", AuditAction.LOAN_APPLICATION_REVIEWED),
            ("approve", AuditAction.LOAN_APPLICATION_APPROVED),
            ("reject", AuditAction.LOAN_APPLICATION_REJECTED),
            ("sign", AuditAction.LOAN_APPLICATION_SIGNED),
        )
    },
    ("POST", f"{APPS}/{{pk}}/disburse/"): _loan_step(AuditAction.LOAN_APPLICATION_DISBURSED),
    ("POST", "/api/v1/me/homes/"): Audited(
        AuditAction.HOME_DECLARED,
        "gjj.home",
        _created,
        lambda world, body: body["address"],
        creates=True,
    ),
    ("POST", "/api/v1/me/pf-loans/"): Audited(
        AuditAction.PF_LOAN_RECORD_DECLARED,
        "gjj.pfloanrecord",
        _created,
        lambda world, body: PfLoanRecord.objects.get(pk=body["id"]).holder_name,
        creates=True,
    ),
    ("POST", "/api/v1/loans/{pk}/repayment-authorizations/"): Audited(
        AuditAction.REPAYMENT_AUTHORIZATION_GRANTED,
        "loans.repaymentauthorization",
        _created,
        _loan_contract,
        creates=True,
    ),
    ("POST", "/api/v1/loans/{pk}/repayment-authorizations/{authorization_id}/stop/"): Audited(
        AuditAction.REPAYMENT_AUTHORIZATION_STOPPED,
        "loans.repaymentauthorization",
        lambda world, body: str(world.authorization_pk()),
        _loan_contract,
    ),
    ("POST", f"{WD}/applications/"): Audited(
        "withdrawal.created",
        "withdrawals.withdrawalapplication",
        _created,
        _created_number,
        creates=True,
    ),
    ("POST", f"{WD}/applications/{{pk}}/submit/"): Audited(
        "withdrawal.submitted",
        "withdrawals.withdrawalapplication",
        _withdrawal,
        _withdrawal_number,
    ),
    ("POST", f"{WD}/applications/{{pk}}/cancel/"): Audited(
        "withdrawal.cancelled",
        "withdrawals.withdrawalapplication",
        _withdrawal,
        _withdrawal_number,
    ),
    ("POST", f"{WD}/consents/{{pk}}/accept/"): Audited(
        "withdrawal_member.consent_recorded",
        "withdrawals.withdrawalmember",
        _consent,
        _consent_number,
    ),
    ("POST", f"{WD}/consents/{{pk}}/decline/"): Audited(
        "withdrawal_member.consent_recorded",
        "withdrawals.withdrawalmember",
        _consent,
        _consent_number,
    ),
}

# Writes that change no business record, and what they do change.
NOT_AUDITED: dict[tuple[str, str], tuple[str, ...]] = {
    ("POST", "/api/v1/loans/quote/"): (),  # a calculation
    ("POST", "/api/v1/loans/quote/schedule/"): (),
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


def _found_in_admin(user: User, q: str, row: AuditLog) -> bool:
    browser = Client()
    browser.force_login(user)
    resp = browser.get("/admin/gjj/auditlog/", {"q": q})
    assert resp.status_code == 200, (user.get_username(), q)
    return resp.context["cl"].queryset.filter(pk=row.pk).exists()


def _actor(world: World, row: Row, role: str) -> User:
    if row.key == ("POST", "/api/v1/auth/signup/"):  # the new log-in signs itself up
        assert row.body is not None
        return User.objects.get(username=row.body(world)["username"])
    if row.key == ("POST", "/api/v1/auth/login/"):  # whoever calls, 张伟's password logs him in
        owner = world.owner.user
        assert owner is not None
        return owner
    user = world.user(role)
    assert isinstance(user, User)
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
    object_id = str(actor.pk) if spec.object_id is None else spec.object_id(world, body)
    case = actor.get_username() if spec.case is None else spec.case(world, body)
    [audit] = [a for a in added if a.action == spec.action]
    assert (audit.object_type, audit.object_id) == (spec.object_type, object_id)
    assert isinstance(audit.new, dict)
    assert audit.new != {}
    if spec.creates:
        assert audit.old is None
    else:
        assert isinstance(audit.old, dict)
        assert audit.old != {}
        assert set(audit.old) <= set(audit.new)
        assert [k for k in audit.old if audit.old[k] != audit.new[k]] != []
    # And the admin finds it by who, by what, and by which case
    for staff in (world.superuser, world.clerk):
        for q in (
            actor.get_username(),
            f"{spec.object_type} {object_id}",
            case,
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
    assert AuditLog.objects.filter(action="loan_application.created").count() == 1
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


# --- log-in and log-out ---------------------------------------------------------------


def _row_text(row: AuditLog) -> str:
    return repr(model_to_dict(row))


def test_log_in_and_log_out_are_audited_on_the_user_without_the_token(make_world):
    # Given 张伟, signed up with his mobile number as user name, and no token yet
    world = make_world("none")
    user = world.owner.user
    api = APIClient()
    last = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # When he logs in, and then logs out with the token he was given
    login = api.post(
        "/api/v1/auth/login/", {"username": "13803530001", "password": PASSWORD}, format="json"
    )
    token = login.json()["token"]
    issued_at = Token.objects.get(key=token).created.isoformat()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    logout = api.post("/api/v1/auth/logout/")
    # Then there is one row for each, by him, on his user, naming the token by when it was issued
    assert (login.status_code, logout.status_code) == (200, 204)
    added = list(AuditLog.objects.filter(pk__gt=last).order_by("pk"))
    assert [
        (
            a.action,
            a.actor_id,
            a.actor_label,
            a.object_type,
            a.object_id,
            a.object_repr,
            a.old,
            a.new,
            a.reason,
        )
        for a in added
    ] == [
        (
            "api_login.succeeded",
            user.pk,
            "13803530001",
            "auth.user",
            str(user.pk),
            "13803530001",
            {"token_issued_at": None},
            {"token_issued_at": issued_at, "client_ip": "127.0.0.1"},
            "API 登录",
        ),
        (
            "api_logout.succeeded",
            user.pk,
            "13803530001",
            "auth.user",
            str(user.pk),
            "13803530001",
            {"token_issued_at": issued_at},
            {"token_issued_at": None},
            "API 退出登录",
        ),
    ]
    # And neither holds the token or the password
    for row in added:
        assert token not in _row_text(row)
        assert PASSWORD not in _row_text(row)
    # And the admin finds both by his user name and by his user, for a superuser and a clerk
    for staff in (world.superuser, world.clerk):
        for row in added:
            assert _found_in_admin(staff, f"13803530001 {row.action}", row)
            assert _found_in_admin(staff, f"auth.user {user.pk} {row.action}", row)


@pytest.mark.parametrize(
    "tried", ["owner_username", "unknown_id_number"], ids=["张伟的用户名", "未注册者的身份证号码"]
)
def test_a_refused_log_in_leaves_an_audit_row_without_the_password(make_world, tried: str):
    # Given the world, and a user name tried at the log-in: 张伟's (his mobile number),
    # or the ID number of 王芳, who has not signed up
    world = make_world("none")
    owner, id_number = world.owner.user, world.newcomer.id_number
    username, object_id, shown, reason = {
        "owner_username": (owner.username, str(owner.pk), "138****0001", "密码错误"),
        "unknown_id_number": (
            id_number,
            "",
            f"{id_number[:6]}********{id_number[-4:]}",
            "用户名不存在",
        ),
    }[tried]
    users = get_user_model().objects.count()
    last = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    password = "Wrong-pass-2026!"
    # When someone logs in with it and a wrong password
    resp = APIClient().post(
        "/api/v1/auth/login/", {"username": username, "password": password}, format="json"
    )
    # Then the log-in is refused as before
    assert resp.status_code == 400
    assert resp.json() == {
        "code": "invalid_credentials",
        "message": "用户名或密码错误",
        "fields": {},
    }
    # And exactly one row records it: anonymous, on the user tried, masked, with the reason
    [row] = AuditLog.objects.filter(pk__gt=last)
    assert (
        row.action,
        row.actor_id,
        row.actor_label,
        row.object_type,
        row.object_id,
        row.object_repr,
        row.old,
        row.new,
        row.reason,
    ) == (
        "login.failed",
        None,
        "anonymous",
        "auth.user",
        object_id,
        shown,
        None,
        {"client_ip": "127.0.0.1", "channel": "api"},
        reason,
    )
    # And it holds neither the password nor the full user name; no user was created
    assert password not in _row_text(row)
    assert username not in _row_text(row)
    assert get_user_model().objects.count() == users
    # And the admin finds it by the masked name, for a superuser and a clerk
    for staff in (world.superuser, world.clerk):
        assert _found_in_admin(staff, f"{shown} login.failed", row)
