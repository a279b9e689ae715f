"""The 催收 list and a loan's servicing page in a real browser, with screenshots."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gjj.domain import Role
from loans import servicing
from loans.models import Loan
from tests.browser.conftest import ARTIFACTS
from tests.factories import Staff, advance, applicant, draft, make_staff

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_clerk_finds_an_overdue_loan_and_opens_its_servicing_page(page, live_server, admin_login):
    # Given a loan whose first installment (due 2025-07-20) was never paid, 12 days on
    staff = Staff(
        clerk=make_staff("svc-clerk", Role.CLERK),
        reviewer=make_staff("svc-reviewer", Role.REVIEWER),
        approver=make_staff("svc-approver", Role.APPROVER),
    )
    borrower = applicant(staff.clerk, name="赵六", phone="13812345678")
    loan = advance(draft(borrower, requested_amount=Decimal("300000.00")), staff, to="disburse")
    assert isinstance(loan, Loan)
    for night in (date(2025, 7, 20), date(2025, 8, 1)):
        servicing.servicing_run_inline(business_date=night)

    # When the clerk opens the 催收 list and filters it to class 02 关注
    admin_login(page, "svc-clerk")
    page.goto(f"{live_server.url}/admin/loans/loanservicing/")
    page.get_by_role("link", name="02 关注").click()
    page.wait_for_load_state()
    # Then the loan is listed with 12 days overdue and the phone number masked
    row = page.locator("#result_list tbody tr").first
    assert loan.contract_number in row.inner_text()
    assert "138****5678" in row.inner_text()
    assert "13812345678" not in page.content()
    assert row.locator("td.field-days_overdue").inner_text() == "12"
    page.screenshot(path=str(ARTIFACTS / "admin-servicing-overdue-list.png"), full_page=True)

    # When the clerk opens the loan from the list
    row.get_by_role("link", name=loan.contract_number).click()
    page.wait_for_selector("#servicing-state")
    # Then the servicing page shows its state, the open installment and no authorisation
    state = page.locator("#servicing-state").inner_text()
    assert "02 关注" in state
    installments = page.locator("#servicing-installments tbody tr")
    assert installments.count() == 1
    assert installments.first.get_attribute("data-status") == "open"
    assert "未办理冲还贷授权" in page.locator("#servicing-authorizations").inner_text()
    page.screenshot(path=str(ARTIFACTS / "admin-servicing-loan-page.png"), full_page=True)
