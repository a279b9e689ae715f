"""Log-in protection (django-axes) and the security audit rows, on the admin and the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gjj.auth import login_cool_off
from gjj.domain import Role
from gjj.models import AuditLog
from tests.factories import PASSWORD, applicant, make_staff

pytestmark = pytest.mark.django_db
LOGIN = "/api/v1/auth/login/"
ADMIN_LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def dep():
    return applicant(make_staff("clerk9", Role.CLERK), username="zhangwei")


def _api_login(password: str, *, username: str = "zhangwei", **headers: Any):
    return APIClient().post(
        LOGIN, {"username": username, "password": password}, format="json", **headers
    )


def test_a_new_forwarded_for_value_each_try_does_not_escape_the_lock(dep):
    # given: four wrong passwords, each claiming another client in X-Forwarded-For
    for n in range(4):
        resp = _api_login("wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
        assert resp.status_code == 400
    # when: a fifth try (the limit), with yet another header value
    resp = _api_login("wrong", HTTP_X_FORWARDED_FOR="10.0.0.99")
    # then: locked, in the API's error format, with when to try again
    assert resp.status_code == 429
    assert resp.json()["code"] == "login_locked"
    assert "分钟后再试" in resp.json()["message"]
    assert int(resp["Retry-After"]) > 0


def test_the_account_is_locked_whichever_addresses_the_tries_come_from(dep):
    # given: five wrong passwords for one account, each from another address (the fifth locks)
    for n in range(4):
        assert _api_login("wrong", REMOTE_ADDR=f"192.0.2.{n}").status_code == 400
    assert _api_login("wrong", REMOTE_ADDR="192.0.2.4").status_code == 429
    # when: the right password, from a new address
    resp = _api_login(PASSWORD, REMOTE_ADDR="198.51.100.7")
    # then: still locked, and no token was issued
    assert resp.status_code == 429
    assert resp.json()["code"] == "login_locked"
    assert not Token.objects.filter(user=dep.user).exists()


def test_the_lock_doubles_with_each_failure_past_the_limit(dep):
    # given: five failures, then two more during the lock
    for _ in range(5):
        _api_login("wrong")
    request = RequestFactory().post(LOGIN, {"username": "zhangwei"})
    first = login_cool_off(request)
    _api_login("wrong")
    _api_login("wrong")
    # when / then: 15 minutes at the limit, 60 after two more
    assert first == timedelta(minutes=15)
    assert login_cool_off(request) == timedelta(minutes=60)


def test_forty_wrong_admin_passwords_then_the_right_one_does_not_log_in():
    # given: a clerk, and forty wrong passwords on the admin's log-in page
    make_staff("clerk1", Role.CLERK)
    client = Client()
    answers = [
        client.post(ADMIN_LOGIN, {"username": "clerk1", "password": "wrong"}).status_code
        for _ in range(40)
    ]
    assert answers == [200] * 4 + [429] * 36
    # when: the right password
    resp = client.post(ADMIN_LOGIN, {"username": "clerk1", "password": PASSWORD})
    # then: locked out, not logged in
    assert resp.status_code == 429
    assert "分钟后再试" in resp.content.decode()
    assert "_auth_user_id" not in client.session


def test_admin_log_ins_and_the_lock_out_are_audited_with_the_client_ip():
    # given: a clerk
    clerk = make_staff("clerk1", Role.CLERK)
    since = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    client = Client(REMOTE_ADDR="203.0.113.5")
    # when: one good log-in, then five wrong passwords
    client.post(ADMIN_LOGIN, {"username": "clerk1", "password": PASSWORD})
    client.logout()
    for _ in range(5):
        client.post(ADMIN_LOGIN, {"username": "clerk1", "password": "wrong"})
    # then: success, five failures and the lock-out, each with the address
    rows = list(AuditLog.objects.filter(pk__gt=since, object_id=str(clerk.pk)).order_by("pk"))
    assert [r.action for r in rows] == [
        "login.succeeded",
        *["login.failed"] * 5,
        "login.locked_out",
    ]
    assert {r.new["client_ip"] for r in rows} == {"203.0.113.5"}
    assert {r.new["channel"] for r in rows} == {"admin"}


def test_api_log_in_success_and_failure_are_audited_with_the_client_ip(dep):
    # when: a wrong password, then the right one
    _api_login("wrong", REMOTE_ADDR="198.51.100.9")
    _api_login(PASSWORD, REMOTE_ADDR="198.51.100.9")
    # then
    rows = AuditLog.objects.filter(
        object_id=str(dep.user.pk), action__in=["login.failed", "api_login.succeeded"]
    ).order_by("pk")
    assert [(r.action, r.new["client_ip"]) for r in rows] == [
        ("login.failed", "198.51.100.9"),
        ("api_login.succeeded", "198.51.100.9"),
    ]
    assert rows[0].new["channel"] == "api"


def test_forwarded_for_is_read_only_behind_the_configured_proxies(dep, settings):
    # given: one trusted proxy, which appends the address it saw
    settings.TRUSTED_PROXY_COUNT = 1
    # when: a client sends a forged entry, and the proxy appends the real one
    _api_login("wrong", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.20", REMOTE_ADDR="10.0.0.1")
    # then: the audit names the address the proxy saw
    row = AuditLog.objects.filter(action="login.failed").order_by("pk").last()
    assert row.new["client_ip"] == "198.51.100.20"


def test_an_expired_token_is_audited_with_the_client_ip(dep):
    # given: a token older than the TTL
    token = Token.objects.create(user=dep.user)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(hours=13))
    # when
    resp = APIClient().get(
        "/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}", REMOTE_ADDR="198.51.100.3"
    )
    # then
    assert resp.status_code == 401
    row = AuditLog.objects.filter(action="api_token.expired").get()
    assert (row.actor_id, row.new) == (dep.user.pk, {"client_ip": "198.51.100.3"})


def test_group_changes_in_the_user_admin_are_audited_before_and_after():
    # given: a superuser (IT) and a clerk
    it = User.objects.create_superuser("it", password=PASSWORD)
    clerk = make_staff("clerk1", Role.CLERK)
    approver_group = Group.objects.get(name=Role.APPROVER.group_name)
    client = Client(REMOTE_ADDR="203.0.113.8")
    client.force_login(it)
    # when: the clerk is put into the approvers' group through the user admin
    resp = client.post(
        f"/admin/auth/user/{clerk.pk}/change/",
        {
            "username": "clerk1",
            "first_name": clerk.first_name,
            "last_name": "",
            "email": "",
            "is_active": "on",
            "is_staff": "on",
            "groups": [g.pk for g in clerk.groups.all()] + [approver_group.pk],
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "08:00:00",
        },
    )
    # then
    assert resp.status_code == 302, resp.content.decode()[:2000]
    row = AuditLog.objects.get(action="user.access_changed")
    assert row.actor_id == it.pk
    assert row.old["groups"] == [Role.CLERK.group_name]
    assert row.new["groups"] == sorted([Role.CLERK.group_name, Role.APPROVER.group_name])
    assert row.new["client_ip"] == "203.0.113.8"
