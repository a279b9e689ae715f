"""Clerks in a real browser: Chinese admin, search, masked ID numbers, no deletes."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.conftest import ARTIFACTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_clerk_finds_a_depositor_by_id_number(page, live_server, clerk, admin_login):
    # Given two depositors
    dep = factories.depositor(actor=clerk, name="张伟", balance=0, account_number="1403000001")
    other = factories.depositor(actor=clerk, name="王芳", balance=0, account_number="1403000002")
    # When the clerk logs in and searches by the first one's ID number
    admin_login(page, "clerk1")
    assert "业务工作台" in page.content()
    page.goto(f"{live_server.url}/admin/gjj/depositor/")
    page.fill("#searchbar", dep.id_number)
    page.press("#searchbar", "Enter")
    page.wait_for_selector("#result_list")
    # Then only that depositor is listed, with the ID number masked
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    text = rows.first.inner_text()
    assert "张伟" in text
    assert dep.masked_id_number in text
    assert dep.id_number not in text
    assert other.name not in page.locator("#result_list").inner_text()
    page.screenshot(path=str(ARTIFACTS / "admin-depositor-search.png"), full_page=True)
    # And the record offers no delete link
    page.click("#result_list tbody tr th a")
    page.wait_for_selector("#content")
    assert page.locator("a.deletelink").count() == 0
    assert dep.id_number in page.content()  # the clerk who opens it sees it whole
