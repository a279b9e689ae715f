"""The desk's links in a real browser: Swagger UI without internet, Chinese for an en-US browser."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

from gjj.domain import Role
from tests import factories
from tests.browser.conftest import ARTIFACTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_swagger_ui_renders_with_no_outside_server(page, live_server):
    # Given a browser that may reach only the live server
    ours = urlparse(live_server.url).netloc
    refused: list[str] = []

    def only_ours(route: Any, request: Any) -> None:
        if urlparse(request.url).netloc == ours or request.url.startswith("data:"):
            route.continue_()
        else:
            refused.append(request.url)
            route.abort()

    page.context.route("**/*", only_ours)
    # When it opens the API docs
    page.goto(f"{live_server.url}/api/docs/")
    # Then Swagger UI draws the operations from this server's schema
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() > 10
    assert "阳泉市住房公积金管理中心 API" in page.locator(".info .title").inner_text()
    assert page.locator(".opblock-summary-path", has_text="/api/v1/loans/quote/").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "swagger-ui-offline.png"))
    # and it asked nothing of any other server
    assert refused == []


def test_english_browser_sees_the_desk_in_chinese(page, live_server):
    # Given a clerk and one submitted loan application
    clerk = factories.make_staff("clerk1", Role.CLERK)
    dep = factories.applicant(clerk)
    factories.advance(factories.draft(dep), factories.make_team("t"), to="submit")
    # and a browser set to American English
    browser = page.context.browser
    context = browser.new_context(
        locale="en-US",
        extra_http_headers={"Accept-Language": "en-US,en;q=0.9"},
        viewport={"width": 1400, "height": 1000},
    )
    en = context.new_page()
    assert en.evaluate("navigator.language") == "en-US"
    # When it opens the log-in page
    en.goto(f"{live_server.url}/admin/login/?next=/admin/loans/loanapplication/")
    # Then the page is Chinese
    form = en.locator("#login-form").inner_text()
    assert "用户名" in form
    assert "密码" in form
    assert "Username" not in form
    assert en.locator("input[type=submit]").get_attribute("value") == "登录"
    en.screenshot(path=str(ARTIFACTS / "en-us-login.png"))
    # When the clerk logs in there, on the way to the loan applications
    en.fill("#id_username", "clerk1")
    en.fill("#id_password", factories.PASSWORD)
    en.click("input[type=submit]")
    en.wait_for_selector("#result_list")
    # Then the list, its filters and its dates are Chinese
    content = en.locator("#content").inner_text()
    assert "Select " not in content
    assert "选择" in content
    assert " By " not in en.locator("#changelist-filter").inner_text()
    assert "以 " in en.locator("#changelist-filter").inner_text()
    assert en.locator("html").get_attribute("lang") == "zh-hans"
    # the date drill-down names the submission day (2025-06-02) the Chinese way, m月j日
    assert "06月2日" in en.locator(".toplinks").inner_text()
    en.screenshot(path=str(ARTIFACTS / "en-us-loan-application-list.png"), full_page=True)
    context.close()
