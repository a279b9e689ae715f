"""Every link the start banner and the admin give leads somewhere, in Chinese, quietly logged."""

from __future__ import annotations

import io
import logging
import re
import sys
from collections.abc import Iterator

import pytest
from django.contrib.staticfiles import finders

from gjj.domain import Role
from gjj.logging import ClientErrorBriefFilter
from tests.factories import make_staff

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def test_api_index_links_to_the_apis_parts(client):
    # When a client opens /api/v1/
    response = client.get("/api/v1/")
    # Then it is told where health, the schema, the docs and the resources are
    assert response.status_code == 200
    links = response.json()["links"]
    assert links["health"] == "http://testserver/api/v1/health/"
    assert links["schema"] == "http://testserver/api/schema/"
    assert links["docs"] == "http://testserver/api/docs/"
    assert links["loan_applications"] == "http://testserver/api/v1/loans/applications/"
    assert links["withdrawal_applications"] == "http://testserver/api/v1/withdrawals/applications/"
    # and the public ones answer
    assert client.get(links["health"]).status_code == 200
    assert client.get(links["docs"]).status_code == 200


def test_api_index_refuses_other_methods_in_the_api_format(client):
    response = client.post("/api/v1/", {}, content_type="application/json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response.json() == {
        "code": "method_not_allowed",
        "message": "方法 “POST” 不被允许。",
        "fields": {},
    }


def test_site_root_leads_to_the_start_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_swagger_ui_loads_only_this_servers_files(client):
    # When the docs page and its start-up script are fetched
    page = client.get("/api/docs/").content.decode()
    script = client.get("/api/docs/?script=").content.decode()
    # Then neither names another server
    assert re.findall(r"https?://", page + script) == []
    # and every script and stylesheet is a static file this server has
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert len(assets) == 4  # favicon, stylesheet, bundle, preset
    for url in assets:
        assert finders.find(url.removeprefix("/static/")) is not None, url
    # and the validator badge (a call to a public server) is off
    assert '"validatorUrl": null' in script


def test_english_browser_gets_the_chinese_log_in_page(client):
    page = client.get("/admin/login/", **EN).content.decode()
    assert "用户名" in page
    assert "密码" in page
    assert "Username" not in page
    assert "Log in" not in page


def test_english_browser_gets_chinese_lists_and_api_messages(client):
    # Given a clerk logged in from an en-US browser
    client.force_login(make_staff("clerk1", Role.CLERK))
    # When the clerk opens a list
    page = client.get("/admin/loans/loanapplication/", **EN).content.decode()
    # Then its headings are Chinese
    assert "Select " not in page
    assert " By " not in page
    assert "选择" in page
    # And an API refusal is Chinese too
    client.logout()
    answer = client.post("/api/v1/auth/login/", {}, content_type="application/json", **EN)
    assert answer.status_code == 400
    fields = answer.json()["fields"]
    assert fields["username"][0]["message"] == "该字段是必填项。"


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the server's console handler prints, through its configured filters."""
    handler = next(
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, ClientErrorBriefFilter) for f in h.filters)
    )
    buffer = io.StringIO()
    old = handler.setStream(buffer)  # type: ignore[attr-defined]
    yield buffer
    handler.setStream(old or sys.stderr)  # type: ignore[attr-defined]


def test_a_refused_request_is_one_warning_line(client, console):
    # Given a staff log-in without any role
    client.force_login(make_staff("norole"))
    console.seek(0)
    console.truncate()
    # When it opens a list it may not see
    response = client.get("/admin/auth/user/")
    # Then it is refused, and the log has one line for it, without a traceback
    assert response.status_code == 403
    lines = console.getvalue().splitlines()
    assert lines == ["Forbidden (Permission denied): /admin/auth/user/"]


def test_a_server_error_keeps_its_masked_traceback(console):
    # Given a failure whose message names an ID number
    try:
        raise ValueError("bad row 140302199003150011")
    except ValueError:
        # When Django logs it as a 500
        logging.getLogger("django.request").error(
            "Internal Server Error: %s", "/api/v1/me/", exc_info=True, extra={"status_code": 500}
        )
    # Then the traceback is printed, with the ID number masked
    text = console.getvalue()
    assert text.startswith("Internal Server Error: /api/v1/me/\nTraceback (most recent call last):")
    assert "ValueError: bad row" in text
    assert "140302199003150011" not in text
