"""API log-in, log-out and refused log-ins: each is audited with the token work it does."""

from __future__ import annotations

from datetime import date

import pytest
from django.forms.models import model_to_dict
from rest_framework.authtoken.models import Token

from gjj import services
from gjj.models import AuditLog
from tests import factories

pytestmark = pytest.mark.django_db


def _row(row: AuditLog) -> tuple[object, ...]:
    return (
        row.action,
        row.actor_id,
        row.actor_label,
        row.object_type,
        row.object_id,
        row.object_repr,
        row.old,
        row.new,
        row.reason,
    )


def _added(since: int) -> list[AuditLog]:
    return list(AuditLog.objects.filter(pk__gt=since).order_by("pk"))


@pytest.fixture
def since() -> int:
    """The last audit row before the test (data migrations load policy rows with theirs)."""
    return AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.fixture
def applicant(django_user_model):
    return django_user_model.objects.create_user(username="zhangwei", password="Lz-8830-gjj!")


def test_issuing_a_token_audits_the_log_in_by_when_the_token_was_issued(applicant, since):
    # Given an applicant without a token
    # When a token is issued
    token = services.api_token_issue(user=applicant)
    # Then it is the applicant's one token
    assert list(Token.objects.filter(user=applicant)) == [token]
    # And one audit row records the log-in, naming the token by its issue time only
    [row] = _added(since)
    assert _row(row) == (
        "api_login.succeeded",
        applicant.pk,
        "zhangwei",
        "auth.user",
        str(applicant.pk),
        "zhangwei",
        {"token_issued_at": None},
        {"token_issued_at": token.created.isoformat()},
        "API 登录",
    )
    assert token.key not in repr(model_to_dict(row))


def test_a_second_log_in_ends_the_first_token_and_says_which(applicant):
    # Given an applicant logged in once
    first = services.api_token_issue(user=applicant)
    # When a token is issued again, as after sign-up
    second = services.api_token_issue(user=applicant, reason="注册后登录")
    # Then only the new token is live
    assert list(Token.objects.filter(user=applicant)) == [second]
    assert not Token.objects.filter(key=first.key).exists()
    # And the second row names the token it replaced and the new one
    row = AuditLog.objects.order_by("pk").last()
    assert (row.action, row.old, row.new, row.reason) == (
        "api_login.succeeded",
        {"token_issued_at": first.created.isoformat()},
        {"token_issued_at": second.created.isoformat()},
        "注册后登录",
    )


def test_revoking_the_token_audits_the_log_out(applicant):
    # Given an applicant logged in
    token = services.api_token_issue(user=applicant)
    # When the token is revoked
    services.api_token_revoke(user=applicant)
    # Then no token is left, and the log-out is recorded with the token it ended
    assert not Token.objects.filter(user=applicant).exists()
    row = AuditLog.objects.order_by("pk").last()
    assert _row(row) == (
        "api_logout.succeeded",
        applicant.pk,
        "zhangwei",
        "auth.user",
        str(applicant.pk),
        "zhangwei",
        {"token_issued_at": token.created.isoformat()},
        {"token_issued_at": None},
        "API 退出登录",
    )


def test_a_log_out_without_a_token_is_recorded_as_such(applicant, since):
    # Given an applicant with no token (a browser session's log-out)
    # When the token is revoked
    services.api_token_revoke(user=applicant)
    # Then the log-out is recorded, with no token before or after
    [row] = _added(since)
    assert (row.action, row.old, row.new) == (
        "api_logout.succeeded",
        {"token_issued_at": None},
        {"token_issued_at": None},
    )


def test_no_token_is_issued_if_the_audit_row_cannot_be_written(applicant, since, monkeypatch):
    # Given an applicant logged in, and an audit log that refuses to write
    old = services.api_token_issue(user=applicant)

    def broken(**kwargs: object) -> AuditLog:
        raise RuntimeError("审计日志写入失败")

    monkeypatch.setattr(services, "audit_record", broken)
    # When a token is issued, and then revoked
    with pytest.raises(RuntimeError):
        services.api_token_issue(user=applicant)
    with pytest.raises(RuntimeError):
        services.api_token_revoke(user=applicant)
    # Then neither took effect: the token and the audit are one transaction
    assert list(Token.objects.filter(user=applicant)) == [old]
    assert [row.action for row in _added(since)] == ["api_login.succeeded"]


def test_a_wrong_password_is_recorded_on_the_user_without_an_actor(applicant):
    # Given an active applicant
    # When a log-in with his user name is refused
    row = services.login_failure_record(username="zhangwei", client_ip="127.0.0.1", channel="api")
    # Then the row is anonymous, on his user, with the reason
    assert _row(row) == (
        "login.failed",
        None,
        "anonymous",
        "auth.user",
        str(applicant.pk),
        "zhangwei",
        None,
        {"client_ip": "127.0.0.1", "channel": "api"},
        "密码错误",
    )


def test_a_disabled_user_is_recorded_as_disabled(applicant):
    # Given an applicant whose log-in has been disabled
    applicant.is_active = False
    applicant.save(update_fields=["is_active"])
    # When a log-in with his user name is refused
    row = services.login_failure_record(username="zhangwei", client_ip="127.0.0.1", channel="api")
    # Then the reason says so
    assert (row.object_id, row.reason) == (str(applicant.pk), "用户已停用")


def test_a_mobile_number_as_user_name_is_masked(django_user_model):
    # Given an applicant who signed up with his mobile number
    user = django_user_model.objects.create_user(username="13803530001", password="x")
    # When a log-in with it is refused
    row = services.login_failure_record(
        username="13803530001", client_ip="127.0.0.1", channel="api"
    )
    # Then the row names his user but shows the number masked
    assert (row.object_id, row.object_repr) == (str(user.pk), "138****0001")
    assert "13803530001" not in repr(model_to_dict(row))


ID_NUMBER = factories.id_number(date(1990, 3, 15))


@pytest.mark.parametrize(
    ("username", "shown"),
    [
        ("nobody", "nobody"),
        ("13903530002", "139****0002"),
        (ID_NUMBER, ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]),
    ],
    ids=["plain", "mobile", "id_number"],
)
def test_an_unknown_user_name_creates_no_user_and_is_masked(django_user_model, username, shown):
    # Given no user of that name (in two cases a mobile or ID number typed as the user name)
    # When a log-in with it is refused
    row = services.login_failure_record(username=username, client_ip="127.0.0.1", channel="api")
    # Then the row is on no user, shows the name masked, and no user was created
    assert _row(row) == (
        "login.failed",
        None,
        "anonymous",
        "auth.user",
        "",
        shown,
        None,
        {"client_ip": "127.0.0.1", "channel": "api"},
        "用户名不存在",
    )
    assert django_user_model.objects.count() == 0
