"""Every API body that cannot be read as JSON is a 400 in the one error format."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from gjj.models import AuditLog

pytestmark = pytest.mark.django_db

QUOTE = "/api/v1/loans/quote/"
SIGNUP = "/api/v1/auth/signup/"

# Deeper than Python's recursion limit: the standard library's json gives up.
DEEP = ('{"property_type": ' + "[" * 5000 + "]" * 5000 + "}").encode()


@pytest.mark.parametrize("url", [QUOTE, "/api/v1/loans/quote/schedule/", SIGNUP])
def test_a_body_nested_too_deep_is_a_400_parse_error(url):
    # Given a 10 KB body nested 5,000 levels deep
    audit_rows = AuditLog.objects.count()
    # When it is posted to a public endpoint
    resp = APIClient().post(url, DEEP, content_type="application/json")
    # Then it is refused as unreadable JSON, in Chinese, and nothing is written
    assert resp.status_code == 400
    assert resp.json() == {
        "code": "parse_error",
        "message": "请求内容的 JSON 嵌套层数过多",
        "fields": {},
    }
    assert User.objects.count() == 0
    assert AuditLog.objects.count() == audit_rows


def test_malformed_json_is_refused_with_where_it_broke():
    # Given a body whose first key is not quoted
    resp = APIClient().post(SIGNUP, b'{"name": "x", id: 1}', content_type="application/json")
    # Then the message says, in Chinese, the line and column where reading stopped
    assert resp.status_code == 400
    assert resp.json() == {
        "code": "parse_error",
        "message": "请求内容不是有效的 JSON（第1行第15列）",
        "fields": {},
    }
