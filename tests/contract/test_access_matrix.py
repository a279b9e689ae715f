"""Who may call what: every API endpoint and method, the exact status for each role.

The endpoints are enumerated from the URL resolver (as drf-spectacular does),
so an endpoint without a row here fails ``test_every_endpoint_has_a_row``.

Columns (``tests.contract.world.ROLES``): anonymous; the owner 张伟 ("A"),
whose records the row's id names; another applicant 李四 ("B"); the center's
经办, 复核 and 审批 staff, who have no depositor record. An applicant's
records are nobody else's: another applicant gets 404 (the id reveals
nothing), staff get 403 (they are not applicants; they work in the admin and,
for a loan application's stages, through the transition endpoints, each by
their own role). A request that is refused, and any read, changes nothing,
except that a refused log-in adds its audit row (a security event).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator
from rest_framework.views import APIView

from loans.quote_api import EXAMPLE_REQUEST
from tests.contract.world import (
    LOAN_BODY,
    OWNER_BANK,
    PASSWORD,
    ROLES,
    World,
    db_state,
    records_state,
)

if TYPE_CHECKING:  # the test client's response: a DRF Response with .json() (stub-only type)
    from rest_framework.response import _MonkeyPatchedResponse as ClientResponse

pytestmark = pytest.mark.django_db

Body = Callable[[World], dict[str, Any]] | None

# Expected statuses, in the order of ROLES:
#   anonymous, owner (A), other (B), clerk (经办), reviewer (复核), approver (审批)
PUBLIC = (200, 200, 200, 200, 200, 200)
OWN_RECORD = (401, 200, 404, 403, 403, 403)  # the owner's id in the URL
OWN_LIST = (401, 200, 200, 403, 403, 403)  # no id: each applicant reads their own
OWN_CREATE = (401, 201, 201, 403, 403, 403)

# Refusals that are audited all the same, with the one audit action each adds.
AUDITED_REFUSALS = {("POST", "/api/v1/auth/login/", 400): "login.failed"}


def staff_step(role: str) -> tuple[int, ...]:
    """A loan application's stage taken by one role of the center's staff."""
    return tuple(401 if r == "anonymous" else 200 if r == role else 403 for r in ROLES)


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # as the URL resolver enumerates it
    expect: tuple[int, ...]
    scenario: str = ""
    target: str | None = None  # the world's object named by {pk}
    stage: str = "draft"  # the owner's loan application before the call
    body: Body = None
    query: dict[str, str] | None = None
    documentation: bool = False  # the published contract itself, not records

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.path)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}" + (f" [{self.scenario}]" if self.scenario else "")

    def url(self, world: World) -> str:
        if self.target is None:
            return self.path
        url = self.path.replace("{pk}", str(world.target_pk(self.target)))
        if "{authorization_id}" in url:
            url = url.replace("{authorization_id}", str(world.authorization_pk()))
        return url

    def call(self, world: World, role: str) -> ClientResponse:
        api = world.client(role)
        if self.method == "GET":
            return api.get(self.url(world), self.query or {})
        data = self.body(world) if self.body is not None else None
        return getattr(api, self.method.lower())(self.url(world), data, format="json")


def _signup(name_of: str, username: str) -> Body:
    def body(world: World) -> dict[str, Any]:
        dep = getattr(world, name_of)
        return {
            "username": username,
            "password": PASSWORD,
            "name": dep.name,
            "id_number": dep.id_number,
            "account_number": world.accounts[name_of],
        }

    return body


def _login(password: str) -> Body:
    def body(world: World) -> dict[str, Any]:
        user = world.owner.user
        assert user is not None
        return {"username": user.username, "password": password}

    return body


def _const(data: dict[str, Any]) -> Body:
    return lambda world: dict(data)


def _member_of_owner(relation: str, data: dict[str, Any]) -> Body:
    """``data`` naming a family member on the owner's record: nobody else's to name."""

    def body(world: World) -> dict[str, Any]:
        member = world.owner.family.get(relation=relation, ended_on__isnull=True)
        return {**data, "member": member.pk}

    return body


HOME = {
    "address": "太原市小店区长风街66号2单元1101",
    "city": "太原",
    "registered_on": "2018-09-12",
    "certificate_number": "晋(2018)太原市不动产权第0056789号",
}
PF_LOAN = {
    "source": "elsewhere",
    "lender": "太原市住房公积金管理中心",
    "amount": "400000.00",
    "issued_on": "2018-09-20",
}
LOANS = "/api/v1/loans"
APPS = f"{LOANS}/applications"
WD = "/api/v1/withdrawals"
RENTAL = {
    "kind": "rental",
    "amount": "1500.00",
    "period_type": "monthly",
    "period_index": 3,
    **OWNER_BANK,
}
LOAN_EDIT = {k: v for k, v in LOAN_BODY.items() if k != "kind"} | {
    "seller_name": "阳泉市某置业有限公司",
    "term_months": 300,
}
SIGN = {
    "amount": "500000.00",
    "term_months": 240,
    "repayment_method": "equal_installment",
    "guarantee_type": "01",
    "repayment_day": 20,
}
PURCHASE_QUERY = {
    "price": "500000.00",
    "contract_date": "2026-10-01",
    "loans_amount": "400000.00",
}

MATRIX: list[Row] = [
    # The published contract and the health check: anyone.
    Row("GET", "/api/docs/", PUBLIC, documentation=True),
    Row("GET", "/api/schema/", PUBLIC, documentation=True),
    Row("GET", "/api/v1/", PUBLIC, documentation=True),
    Row("GET", "/api/v1/health/", PUBLIC),
    # Sign-up and log-in judge the identity in the body; the caller's token plays no part.
    Row(
        "POST",
        "/api/v1/auth/signup/",
        (409,) * 6,
        scenario="已注册的张伟的身份",
        body=_signup("owner", "zhangwei2"),
    ),
    Row(
        "POST",
        "/api/v1/auth/signup/",
        (201,) * 6,
        scenario="未注册的王芳的身份",
        body=_signup("newcomer", "wangfang"),
    ),
    Row("POST", "/api/v1/auth/login/", (200,) * 6, scenario="张伟的口令", body=_login(PASSWORD)),
    Row(
        "POST",
        "/api/v1/auth/login/",
        (400,) * 6,
        scenario="张伟的用户名、错误口令",
        body=_login("not-the-password"),
    ),
    Row("POST", "/api/v1/auth/logout/", (401, 204, 204, 204, 204, 204)),
    Row("GET", "/api/v1/me/", OWN_LIST),
    # Declared homes and provident loans: one's own, or of a family member on one's own record.
    Row("POST", "/api/v1/me/homes/", OWN_CREATE, scenario="本人的住房", body=_const(HOME)),
    Row(
        "POST",
        "/api/v1/me/homes/",
        (401, 201, 400, 403, 403, 403),
        scenario="张伟登记的配偶的住房",
        body=_member_of_owner("spouse", HOME),
    ),
    Row("POST", "/api/v1/me/pf-loans/", OWN_CREATE, scenario="本人的贷款", body=_const(PF_LOAN)),
    Row(
        "POST",
        "/api/v1/me/pf-loans/",
        (401, 201, 400, 403, 403, 403),
        scenario="张伟登记的子女的贷款",
        body=_member_of_owner("child", PF_LOAN),
    ),
    # The calculator: public, writes nothing.
    Row("POST", f"{LOANS}/quote/", PUBLIC, body=_const(EXAMPLE_REQUEST)),
    Row("POST", f"{LOANS}/quote/schedule/", PUBLIC, body=_const(EXAMPLE_REQUEST)),
    # Loan applications: the household's own.
    Row("GET", f"{APPS}/", OWN_LIST),
    Row(
        "POST",
        f"{APPS}/",
        OWN_CREATE,
        scenario="张伟家庭无在办申请",
        stage="none",
        body=_const(LOAN_BODY),
    ),
    Row(
        "POST",
        f"{APPS}/",
        (401, 409, 201, 403, 403, 403),
        scenario="张伟家庭已有在办申请",
        body=_const(LOAN_BODY),
    ),
    Row("GET", f"{APPS}/{{pk}}/", OWN_RECORD, target="loan_application"),
    Row("PUT", f"{APPS}/{{pk}}/", OWN_RECORD, target="loan_application", body=_const(LOAN_EDIT)),
    Row(
        "PATCH",
        f"{APPS}/{{pk}}/",
        OWN_RECORD,
        target="loan_application",
        body=_const({"seller_name": "阳泉市某置业有限公司"}),
    ),
    Row("POST", f"{APPS}/{{pk}}/submit/", OWN_RECORD, target="loan_application"),
    Row(
        "POST",
        f"{APPS}/{{pk}}/withdraw/",
        OWN_RECORD,
        target="loan_application",
        body=_const({"reason": "不买了"}),
    ),
    Row("GET", f"{APPS}/{{pk}}/history/", OWN_RECORD, target="loan_application"),
    # The center's stages: each by its own role, on an application at the stage before.
    Row(
        "POST",
        f"{APPS}/{{pk}}/accept/",
        staff_step("clerk"),
        target="loan_application",
        stage="submitted",
    ),
    Row(
        "POST",
        f"{APPS}/{{pk}}/review/",
        staff_step("reviewer"),
        target="loan_application",
        stage="accepted",
        body=_const({"opinion": "材料齐全"}),
    ),
    Row(
        "POST",
        f"{APPS}/{{pk}}/approve/",
        staff_step("approver"),
        target="loan_application",
        stage="reviewed",
        body=_const({"opinion": "同意"}),
    ),
    Row(
        "POST",
        f"{APPS}/{{pk}}/reject/",
        staff_step("approver"),
        target="loan_application",
        stage="reviewed",
        body=_const({"reason": "购房合同与备案信息不符"}),
    ),
    Row(
        "POST",
        f"{APPS}/{{pk}}/sign/",
        staff_step("clerk"),
        target="loan_application",
        stage="approved",
        body=_const(SIGN),
    ),
    Row(
        "POST",
        f"{APPS}/{{pk}}/disburse/",
        staff_step("clerk"),
        target="loan_application",
        stage="signed",
    ),
    # Loans.
    Row("GET", f"{LOANS}/", OWN_LIST, stage="disbursed"),
    Row("GET", f"{LOANS}/{{pk}}/", OWN_RECORD, target="loan", stage="disbursed"),
    Row(
        "GET",
        f"{LOANS}/{{pk}}/repayment-authorizations/",
        OWN_RECORD,
        target="loan",
        stage="disbursed",
    ),
    Row(
        "POST",
        f"{LOANS}/{{pk}}/repayment-authorizations/",
        (401, 201, 404, 403, 403, 403),
        scenario="本人账户授权冲还贷",
        target="loan",
        stage="disbursed",
    ),
    Row(
        "POST",
        f"{LOANS}/{{pk}}/repayment-authorizations/{{authorization_id}}/stop/",
        OWN_RECORD,
        target="loan",
        stage="authorized",
        body=_const({}),
    ),
    # Withdrawals: one's own applications, and consents asked of oneself.
    Row("GET", f"{WD}/applications/", OWN_LIST),
    Row("POST", f"{WD}/applications/", OWN_CREATE, body=_const(RENTAL)),
    Row("GET", f"{WD}/applications/{{pk}}/", OWN_RECORD, target="withdrawal"),
    Row("POST", f"{WD}/applications/{{pk}}/submit/", OWN_RECORD, target="withdrawal"),
    Row(
        "POST",
        f"{WD}/applications/{{pk}}/cancel/",
        OWN_RECORD,
        target="withdrawal",
        body=_const({"reason": "暂不需要"}),
    ),
    Row("GET", f"{WD}/applications/{{pk}}/history/", OWN_RECORD, target="withdrawal"),
    Row("GET", f"{WD}/limits/rental/", OWN_LIST),
    Row("GET", f"{WD}/limits/purchase/", OWN_LIST, query=PURCHASE_QUERY),
    Row("GET", f"{WD}/consents/", OWN_LIST),
    Row("POST", f"{WD}/consents/{{pk}}/accept/", OWN_RECORD, target="consent"),
    Row("POST", f"{WD}/consents/{{pk}}/decline/", OWN_RECORD, target="consent"),
]


# --- the table covers the API ---------------------------------------------------------------


def _api_patterns(patterns: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
    """(route, view) of every URL pattern under api/."""
    found: list[tuple[str, Any]] = []
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            found += _api_patterns(p.url_patterns, route)
        elif isinstance(p, URLPattern) and route.lstrip("^").startswith("api/"):
            found.append((route, p.callback))
    return found


def enumerated_endpoints() -> set[tuple[str, str]]:
    return {(method, path) for path, _, method, _ in EndpointEnumerator().get_api_endpoints()}


def test_every_url_under_api_is_a_rest_view_the_enumeration_sees():
    # Given every URL pattern under /api/
    patterns = _api_patterns(get_resolver().url_patterns)
    # Then each is a DRF view, so its methods are enumerated with the rest
    assert [route for route, view in patterns if not hasattr(view, "cls")] == []
    assert all(issubclass(view.cls, APIView) for _, view in patterns)
    assert len({path for _, path in enumerated_endpoints()}) == len(patterns)


def test_every_endpoint_has_a_row():
    # Given the endpoints and methods the URL resolver serves
    served = enumerated_endpoints()
    # Then the table has a row for each, and none for what is not served
    covered = {row.key for row in MATRIX}
    assert sorted(served - covered) == []
    assert sorted(covered - served) == []


def test_every_operation_of_the_published_schema_has_a_row():
    # Given the OpenAPI document clients are generated from
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        (method.upper(), path.replace("{id}", "{pk}").rstrip("/") + "/")
        for path, item in schema["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    # Then every operation is in the table
    assert sorted(operations - {row.key for row in MATRIX}) == []


def test_every_row_names_all_roles_and_an_object_where_the_path_has_one():
    for row in MATRIX:
        assert len(row.expect) == len(ROLES), row.id
        assert ("{pk}" in row.path) == (row.target is not None), row.id


# --- the matrix ------------------------------------------------------------------------


def _without_audited_refusal(
    row: Row, status: int, before: dict[str, Any], after: dict[str, Any]
) -> dict[str, Any]:
    """``after`` less the one audit row the refusal must add (it fails if that is not so)."""
    action = AUDITED_REFUSALS.get((*row.key, status))
    if action is None:
        return after
    label = "gjj.AuditLog"
    added = after[label][len(before[label]) :]
    assert after[label][: len(before[label])] == before[label]
    assert [a["action"] for a in added] == [action], added
    return {**after, label: before[label]}


def _is_error_body(resp: ClientResponse) -> bool:
    try:
        body = resp.json()
    except ValueError:
        return False
    return isinstance(body, dict) and set(body) == {"code", "message", "fields"}


@pytest.mark.parametrize("row", MATRIX, ids=[row.id for row in MATRIX])
def test_each_role_gets_exactly_its_status(make_world, row: Row):
    # Given the world, the owner's loan application at the row's stage
    world = make_world(row.stage)
    got: dict[str, int] = {}
    for role in ROLES:
        world.client(role)  # the role's token exists before the state is taken
        with transaction.atomic():
            before = db_state()
            owners_before = records_state(world.owner_records())
            # When the role calls the endpoint
            resp = row.call(world, role)
            got[role] = resp.status_code
            # Then a refusal is in the error format and changes nothing
            if resp.status_code >= 400:
                assert _is_error_body(resp), (role, resp.content[:300])
                after = _without_audited_refusal(row, resp.status_code, before, db_state())
                assert after == before, f"{role} 被拒绝后数据库有变化"
            # And a read changes nothing
            if row.method == "GET":
                assert db_state() == before, f"{role} 读取后数据库有变化"
            # And whoever is not the owner neither changes nor reads the owner's records
            if role in ("anonymous", "other") and resp.status_code < 400:
                assert records_state(world.owner_records()) == owners_before, role
                if not row.documentation:
                    text = resp.content.decode()
                    leaked = [m for m in world.owner_markers() if m in text]
                    assert leaked == [], (role, leaked)
            transaction.set_rollback(True)
        cache.clear()  # throttles count per test, not per role
    assert got == dict(zip(ROLES, row.expect, strict=True))


# --- staff stand aside from their own household's application ----------------------------

STAFF_STEPS = [
    ("accept", "submitted", "经办", None),
    ("review", "accepted", "复核", {"opinion": "材料齐全"}),
    ("approve", "reviewed", "审批", {"opinion": "同意"}),
    ("reject", "reviewed", "审批", {"reason": "购房合同与备案信息不符"}),
    ("sign", "approved", "经办", SIGN),
    ("disburse", "signed", "经办", None),
]


@pytest.mark.parametrize("who", ["owner", "spouse"])
@pytest.mark.parametrize(
    ("action", "stage", "group", "body"), STAFF_STEPS, ids=[s[0] for s in STAFF_STEPS]
)
def test_staff_may_not_take_their_own_households_application_through(
    make_world, who: str, action: str, stage: str, group: str, body: dict[str, Any] | None
):
    from django.contrib.auth.models import Group

    # Given the owner's application at the stage before, and the owner (or his
    # wife) on the center's staff in the role that takes the next stage
    world = make_world(stage)
    user = world.user(who)
    assert user is not None
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=group))
    api = world.client(who)
    before = db_state()
    # When they take it
    resp = api.post(f"{APPS}/{world.loan_application.pk}/{action}/", body, format="json")
    # Then they are refused, and nothing changes
    assert (resp.status_code, resp.json()["code"]) == (403, "own_application")
    assert resp.json()["message"] == "不能办理本人或本家庭成员的贷款申请"
    assert db_state() == before


# --- the superuser is no business role; a relative on the staff stands aside -------------

STAFF_STEP_EXPECTS = {staff_step(role) for role in ("clerk", "reviewer", "approver")}


def _api_as(user: Any) -> Any:
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    api = APIClient()
    api.raise_request_exception = False
    token, _ = Token.objects.get_or_create(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


@pytest.mark.parametrize("row", MATRIX, ids=[row.id for row in MATRIX])
def test_a_superuser_without_a_role_group_is_staff_with_no_business_role(make_world, row: Row):
    # Given the world, and IT's superuser who holds no role group
    world = make_world(row.stage)
    api = _api_as(world.superuser)
    # A center's stage is refused to him; elsewhere he fares as any staff member does
    clerk_column = row.expect[ROLES.index("clerk")]
    expected = 403 if row.expect in STAFF_STEP_EXPECTS else clerk_column
    with transaction.atomic():
        before = db_state()
        # When he calls the endpoint
        if row.method == "GET":
            resp = api.get(row.url(world), row.query or {})
        else:
            data = row.body(world) if row.body is not None else None
            resp = getattr(api, row.method.lower())(row.url(world), data, format="json")
        # Then he gets what staff without the role get, and a refusal changes nothing
        assert resp.status_code == expected, resp.content[:300]
        if resp.status_code >= 400:
            assert _is_error_body(resp)
            assert _without_audited_refusal(row, resp.status_code, before, db_state()) == before
        if row.expect in STAFF_STEP_EXPECTS:  # the staff permission: groups, never is_superuser
            assert resp.json()["code"] == "permission_denied"
        transaction.set_rollback(True)


@pytest.mark.parametrize(
    ("action", "stage", "group", "body"), STAFF_STEPS, ids=[s[0] for s in STAFF_STEPS]
)
def test_the_owners_father_on_the_staff_may_not_take_the_application_through(
    make_world, action: str, stage: str, group: str, body: dict[str, Any] | None
):
    from datetime import date

    from django.contrib.auth.models import Group

    from tests import factories

    # Given the owner's application at the stage before, and his father, recorded
    # as his parent, on the center's staff in the role that takes the next stage
    world = make_world(stage)
    father = factories.applicant(world.clerk, name="张建国", birth=date(1958, 2, 1))
    factories.relate(world.owner, father, "parent", actor=world.clerk, evidence="户口簿")
    user = father.user
    assert user is not None
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=group))
    api = _api_as(user)
    before = db_state()
    # When he takes it
    resp = api.post(f"{APPS}/{world.loan_application.pk}/{action}/", body, format="json")
    # Then he is refused, and nothing changes
    assert (resp.status_code, resp.json()["code"]) == (403, "own_application")
    assert resp.json()["message"] == "不能办理本人或本家庭成员的贷款申请"
    assert db_state() == before
