"""Every list pages strictly: a page the client asks for is that page or a 404."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import applicant, make_team

pytestmark = pytest.mark.django_db


@pytest.fixture
def api() -> APIClient:
    dep = applicant(make_team().clerk)
    assert dep.user is not None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=dep.user).key}")
    return client


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("", 200),
        ("?page=1", 200),
        ("?page=", 404),
        ("?page=abc", 404),
        ("?page=last", 404),
        ("?page=0", 404),
        ("?page=2", 404),
    ],
)
def test_page_numbers_are_taken_literally(api: APIClient, query: str, status: int) -> None:
    # Given an applicant with no loans (one page, empty)
    # When the list is asked for with this page parameter
    resp = api.get(f"/api/v1/loans/{query}")
    # Then only the first page, asked for or implied, exists
    assert resp.status_code == status
    if status == 200:
        assert resp.json() == {"count": 0, "next": None, "previous": None, "results": []}
    else:
        assert resp.json()["code"] == "not_found"
