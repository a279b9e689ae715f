"""The API's edges: NUL bytes, unknown paths, a missing trailing slash, DEBUG, headers."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.views.debug import technical_500_response
from rest_framework.test import APIClient

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_nul_in_the_token_is_a_400_in_the_error_format():
    resp = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION="Token a\x00b")
    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_characters")


def test_a_nul_in_the_idempotency_key_is_a_400():
    resp = APIClient().post(
        "/api/v1/loans/applications/", {}, format="json", HTTP_IDEMPOTENCY_KEY="a\x00b"
    )
    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_characters")


@pytest.mark.django_db
def test_an_empty_idempotency_key_is_refused_and_nothing_is_created():
    # given an applicant signed in
    from loans.models import LoanApplication
    from tests.factories import applicant, make_staff

    dep = applicant(make_staff("edge-clerk", "经办"), username="edge")
    api = APIClient()
    api.force_authenticate(dep.user)
    # when a draft is posted with the header present but blank
    resp = api.post(
        "/api/v1/loans/applications/", {"kind": "purchase"}, format="json", HTTP_IDEMPOTENCY_KEY=" "
    )
    # then it is a 400 on the key, and no draft exists
    assert (resp.status_code, resp.json()["code"]) == (400, "invalid_idempotency_key")
    assert not LoanApplication.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/loans/loanapplication/",
        "/admin/withdrawals/withdrawalapplication/",
        "/admin/loans/loan/",
    ],
)
def test_a_nul_in_an_admin_list_filter_is_a_plain_400(path):
    client = Client()
    client.force_login(User.objects.create_superuser("it", password=PASSWORD))
    resp = client.get(f"{path}?status__exact=%00")
    assert resp.status_code == 400
    assert resp["Content-Type"].startswith("text/plain")


def test_an_unknown_api_path_answers_the_json_404():
    resp = APIClient().get("/api/v1/no-such-thing/")
    assert resp.status_code == 404
    assert resp.json() == {"code": "not_found", "message": "未找到", "fields": {}}


@pytest.mark.parametrize("debug", [False, True], ids=["DEBUG=0", "DEBUG=1"])
def test_a_post_without_its_trailing_slash_says_so(settings, debug):
    settings.DEBUG = debug
    resp = APIClient().post("/api/v1/loans/applications", {}, format="json")
    assert resp.status_code == 404
    assert resp.json()["code"] == "missing_trailing_slash"
    assert "/api/v1/loans/applications/" in resp.json()["message"]


def test_debug_is_off_unless_asked_for():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"


SECRETS = ("broker-pw-1", "cache-pw-2", "db-pw-3")


@pytest.fixture
def urls_with_passwords(settings):
    """Settings as a production would hold them (the page also shows source lines)."""
    broker, cache, db = (s.upper() for s in SECRETS)
    settings.DEBUG = True
    settings.CELERY_BROKER_URL = f"redis://:{broker}@10.0.0.2:6379/0"
    settings.CACHE_URL = f"redis://:{cache}@10.0.0.2:6379/1"
    settings.DATABASE_URL = f"postgres://gjj:{db}@10.0.0.3/gjj"


@pytest.mark.usefixtures("urls_with_passwords")
def test_the_debug_page_masks_urls_that_hold_passwords():
    # given: an error page under DEBUG
    request = RequestFactory().get("/admin/")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        page = technical_500_response(request, *sys.exc_info()).content.decode()
    # then: the settings are listed, their passwords are not
    assert "CELERY_BROKER_URL" in page
    assert [s for s in SECRETS if s.upper() in page] == []


@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs/"])
def test_pages_carry_a_content_security_policy_of_self(path):
    resp = Client().get(path)
    assert resp.status_code == 200
    policy = resp["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "cdn" not in resp.content.decode().lower()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the role groups
def test_concurrent_twins_get_the_replay_or_idempotency_in_progress():
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection
    from rest_framework.authtoken.models import Token

    from gjj.domain import Role
    from loans.models import LoanApplication
    from tests.factories import applicant, make_staff
    from tests.loans.test_loan_api import BODY

    # given: an applicant and ten requests with one key
    dep = applicant(make_staff("clerk1", Role.CLERK))
    token = Token.objects.create(user=dep.user).key

    def send(_: int) -> tuple[int, str]:
        try:
            resp = APIClient().post(
                "/api/v1/loans/applications/",
                BODY,
                format="json",
                HTTP_AUTHORIZATION=f"Token {token}",
                HTTP_IDEMPOTENCY_KEY="twin-1",
            )
            code = resp.json().get("code", "") if resp.status_code != 201 else ""
            if resp.status_code == 409:
                assert resp["Retry-After"] == "1"
            return resp.status_code, code
        finally:
            connection.close()

    # when
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(pool.map(send, range(10)))
    # then: one object; every other answer is the replay or "in progress"
    assert LoanApplication.objects.filter(applicant=dep).count() == 1
    assert {a for a in answers} <= {(201, ""), (409, "idempotency_in_progress")}
    assert answers.count((201, "")) >= 1
