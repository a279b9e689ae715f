"""An en-US browser still gets a Chinese admin: the log-in page, a list, an object page."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from gjj.models import AccountStatus
from tests import factories
from tests.browser.conftest import ARTIFACTS, CHROMIUM_ARGS
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def en_page(chromium_path: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A Chromium whose language is American English (Accept-Language: en-US)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium_path, args=[*CHROMIUM_ARGS, "--lang=en-US"]
        )
        context = browser.new_context(locale="en-US", viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(15_000)
        yield context.new_page()
        context.close()
        browser.close()


def test_an_en_us_browser_reads_the_log_in_page_a_list_and_an_account_in_chinese(
    en_page, live_server, clerk
):
    page = en_page
    # Given an account whose status a clerk changed
    clerk.first_name = "王经办"
    clerk.save(update_fields=["first_name"])
    dep = factories.depositor(actor=clerk, name="张伟", balance=Decimal("900000.00"))
    # When an en-US browser opens the log-in page
    page.goto(f"{live_server.url}/admin/login/")
    page.screenshot(path=str(ARTIFACTS / "desk-core-en-us-login.png"), full_page=True)
    login = page.locator("#content-main").inner_text()
    # Then it reads in Chinese
    assert "用户名" in login
    assert "密码" in login
    assert "Username" not in login
    assert "Password" not in login
    assert page.locator("input[type=submit]").get_attribute("value") == "登录"
    # When the clerk logs in and opens the account list
    page.fill("#id_username", "clerk1")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#site-name")
    page.goto(f"{live_server.url}/admin/gjj/providentaccount/")
    page.wait_for_selector("#result_list")
    page.screenshot(path=str(ARTIFACTS / "desk-core-en-us-account-list.png"), full_page=True)
    listing = page.locator("#content").inner_text()
    # Then the list speaks Chinese, with money in the one format
    assert "900,000.00" in listing
    assert "Select" not in listing
    assert "to change" not in listing
    assert "By " not in listing
    # When the clerk changes the account's status from its page
    page.goto(f"{live_server.url}/admin/gjj/providentaccount/{dep.account.pk}/change/")
    page.select_option("#id_status-status", AccountStatus.SEALED)
    page.fill("#id_status-reason", "单位申请封存")
    page.click("input[type=submit][value='变更账户状态']")
    page.wait_for_selector("#gjj-audit")
    page.screenshot(path=str(ARTIFACTS / "desk-core-en-us-account-audit.png"), full_page=True)
    audit = page.locator("#gjj-audit").inner_text()
    # Then the audit block is a short table: the person's name, Chinese labels, no raw data
    assert "王经办" in audit
    assert "变更账户状态" in audit
    assert "正常" in audit
    assert "封存" in audit
    assert "{" not in audit
    assert "'status'" not in audit
