"""Applicants: sign-up ties a log-in to a depositor; tokens expire; only one's own record."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gjj.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "Lz-8830-gjj!"


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def depositor(clerk):
    return factories.depositor(
        actor=clerk, name="张伟", balance=Decimal("86500.00"), account_number="1403000001"
    )


def signup(api, dep, **changes):
    body = {
        "username": "zhangwei",
        "password": PASSWORD,
        "name": dep.name,
        "id_number": dep.id_number,
        "account_number": "1403000001",
        **changes,
    }
    return api.post("/api/v1/auth/signup/", body, format="json")


def test_signup_with_matching_identity_returns_a_token(api, depositor):
    resp = signup(api, depositor)
    assert resp.status_code == 201
    depositor.refresh_from_db()
    assert depositor.user.username == "zhangwei"
    assert Token.objects.get(user=depositor.user).key == resp.json()["token"]
    assert AuditLog.objects.filter(action="applicant.signed_up").count() == 1


@pytest.mark.parametrize("field", ["name", "account_number"])
def test_signup_with_any_mismatch_is_refused_without_saying_which(api, depositor, field):
    wrong = {"name": "李四", "account_number": "1403000009"}[field]
    resp = signup(api, depositor, **{field: wrong})
    assert resp.status_code == 400
    assert resp.json()["code"] == "identity_mismatch"
    depositor.refresh_from_db()
    assert depositor.user is None


def test_signup_twice_is_refused(api, depositor):
    assert signup(api, depositor).status_code == 201
    resp = signup(api, depositor, username="other")
    assert (resp.status_code, resp.json()["code"]) == (409, "already_registered")


def test_weak_password_is_refused_by_django_validators(api, depositor):
    resp = signup(api, depositor, password="12345678")
    assert resp.status_code == 400
    assert resp.json()["code"] == "weak_password"
    assert resp.json()["fields"]["password"]


def test_login_me_logout(api, depositor):
    signup(api, depositor)
    resp = api.post(
        "/api/v1/auth/login/", {"username": "zhangwei", "password": PASSWORD}, format="json"
    )
    assert resp.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {resp.json()['token']}")
    me = api.get("/api/v1/me/").json()
    assert me["id_number"] == depositor.id_number  # the owner sees their own number
    assert me["account"]["balance"] == "86500.00"
    assert api.post("/api/v1/auth/logout/").status_code == 204
    assert api.get("/api/v1/me/").status_code == 401


def test_wrong_password_and_anonymous(api, depositor):
    signup(api, depositor)
    resp = api.post("/api/v1/auth/login/", {"username": "zhangwei", "password": "x"}, format="json")
    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_credentials")
    resp = APIClient().get("/api/v1/me/")
    assert (resp.status_code, resp.json()["code"]) == (401, "not_authenticated")


def test_expired_token_is_refused(api, depositor, settings):
    token = signup(api, depositor).json()["token"]
    Token.objects.filter(key=token).update(
        created=timezone.now() - timedelta(hours=settings.API_TOKEN_TTL_HOURS, seconds=1)
    )
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    resp = api.get("/api/v1/me/")
    assert (resp.status_code, resp.json()["code"]) == (401, "token_expired")


def test_staff_without_a_depositor_is_forbidden_from_me(api, clerk):
    api.force_authenticate(clerk)
    assert api.get("/api/v1/me/").status_code == 403


def test_login_is_throttled(api, depositor, monkeypatch):
    from gjj.throttling import FixedWindowScopedThrottle

    monkeypatch.setattr(FixedWindowScopedThrottle, "THROTTLE_RATES", {"auth": "3/min"})
    codes = [
        api.post(
            "/api/v1/auth/login/", {"username": "x", "password": "y"}, format="json"
        ).status_code
        for _ in range(4)
    ]
    assert codes == [400, 400, 400, 429]


def test_relatives_id_numbers_are_masked_for_the_owner(api, depositor, clerk):
    from datetime import date

    from gjj import services

    child = factories.id_number(date(2016, 9, 1))
    services.family_member_add(
        depositor=depositor, relation="child", name="张小一", id_number=child, actor=clerk
    )
    signup(api, depositor)
    depositor.refresh_from_db()
    api.force_authenticate(depositor.user)
    family = api.get("/api/v1/me/").json()["family"]
    assert family[0]["id_number"] == child[:6] + "********" + child[-4:]
