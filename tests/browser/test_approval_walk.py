"""A loan and a withdrawal taken through the admin by three role groups in a real browser."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from gjj.calendar import deadline_after
from gjj.domain import Role
from gjj.selectors import today_local
from loans.models import ApplicationStatus
from tests.browser.conftest import ARTIFACTS
from tests.factories import Builder, Staff, advance, applicant, deposit_history, draft, make_staff
from withdrawals import services as wd_services
from withdrawals.models import WithdrawalStatus

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in_as(page, admin_login, username: str) -> None:
    page.context.clear_cookies()  # the admin's log-in page sends a signed-in user away
    admin_login(page, username)


def transition(page, label: str) -> None:
    """Click a button on the application page, then confirm on its form page."""
    page.get_by_role("link", name=label, exact=True).click()
    page.wait_for_selector(f"input[type=submit][value='确认{label}']")
    page.click(f"input[type=submit][value='确认{label}']")
    page.wait_for_load_state()


def queue_action(page, url: str, pk: int, action: str) -> None:
    page.goto(url)
    page.check(f"input.action-select[value='{pk}']")
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")
    page.wait_for_selector("ul.messagelist")


def status_count(page, block: str, status: str) -> str:
    return page.locator(f"#{block} tr[data-status={status}] td").inner_text().strip()


def test_clerk_reviewer_and_approver_take_a_loan_and_a_withdrawal_to_approval(
    page, live_server, admin_login
):
    # Given a clerk, a reviewer who also holds 审批 (so only four-eyes can stop them), an approver
    staff = Staff(
        clerk=make_staff("walk-clerk", Role.CLERK),
        reviewer=make_staff("walk-reviewer", Role.REVIEWER, Role.APPROVER),
        approver=make_staff("walk-approver", Role.APPROVER),
    )
    today = today_local()
    # And a loan application submitted today
    borrower = applicant(staff.clerk, name="张伟")
    deposit_history(borrower, actor=staff.clerk, until=today)  # 正常缴存 on today's rules
    app = draft(borrower, monthly_income=Decimal("20000.00"))
    advance(app, staff, to="submit", dates={"submit": today})
    # And a rental withdrawal submitted today
    build = Builder(clerk=staff.clerk)
    wd = build.rental(applicant(staff.clerk, name="王芳"), "1000.00", on=today)
    wd = wd_services.withdrawal_submit(application=wd, actor=staff.clerk, on=today)
    base = live_server.url
    app_url = f"{base}/admin/loans/loanapplication/{app.pk}/change/"
    wd_queue = f"{base}/admin/withdrawals/withdrawalapplication/"

    # When the clerk opens the start page, both are waiting as submitted
    log_in_as(page, admin_login, "walk-clerk")
    assert status_count(page, "gjj-loan-status", "submitted") == "1"
    assert status_count(page, "gjj-withdrawal-status", "submitted") == "1"

    # And the clerk accepts the loan with its button, which starts the 15-day deadline
    page.goto(app_url)
    transition(page, "受理")
    assert f"申请{app.number}：受理完成" in page.locator("ul.messagelist").inner_text()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.ACCEPTED
    assert app.accepted_by == staff.clerk
    # the 15-working-day deadline (its golden dates are in tests/gjj/test_working_days.py)
    assert app.deadline_on == deadline_after(start=today, working_days=15).due_on
    # And accepts the withdrawal from the queue
    queue_action(page, wd_queue, wd.pk, "accept")
    assert "已受理 1 笔" in page.locator("ul.messagelist").inner_text()

    # Then the reviewer reviews the loan
    log_in_as(page, admin_login, "walk-reviewer")
    page.goto(app_url)
    assert page.get_by_role("link", name="受理", exact=True).count() == 0
    transition(page, "审核")
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REVIEWED
    assert app.reviewed_by == staff.reviewer

    # And the same reviewer is not offered approval (four eyes); opening its page anyway is
    # refused on the page, nothing changed
    page.goto(app_url)
    assert page.get_by_role("link", name="审批同意", exact=True).count() == 0
    page.goto(f"{base}/admin/loans/loanapplication/{app.pk}/transition/approve/")
    page.click("input[type=submit][value='确认审批同意']")
    page.wait_for_load_state()
    refusal = page.locator(".errornote").inner_text()
    assert "审批人不能与审核人为同一人（双人复核）" in refusal
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REVIEWED
    assert app.decided_by is None
    page.screenshot(path=str(ARTIFACTS / "admin-loan-four-eyes-refusal.png"))

    # When the approver approves the loan and the withdrawal
    log_in_as(page, admin_login, "walk-approver")
    page.goto(app_url)
    transition(page, "审批同意")
    assert f"申请{app.number}：审批同意完成" in page.locator("ul.messagelist").inner_text()
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED
    assert app.decided_by == staff.approver
    page.screenshot(path=str(ARTIFACTS / "admin-loan-application-approved.png"))
    queue_action(page, wd_queue, wd.pk, "approve")
    assert "已核准并支付 1 笔" in page.locator("ul.messagelist").inner_text()
    wd.refresh_from_db()
    assert wd.status == WithdrawalStatus.APPROVED
    assert wd.decided_by == staff.approver

    # Then the start page shows the new counts, the empty deadline buckets and this month's chart
    page.goto(f"{base}/admin/")
    assert status_count(page, "gjj-loan-status", "submitted") == "0"
    assert status_count(page, "gjj-loan-status", "approved") == "1"
    assert status_count(page, "gjj-withdrawal-status", "accepted") == "0"
    assert status_count(page, "gjj-withdrawal-status", "approved") == "1"
    assert page.locator("#gjj-loan-status h2").inner_text() == "贷款申请（共1件）"
    for bucket in ("loan-overdue", "loan-due_soon", "withdrawal-yes", "withdrawal-today"):
        assert page.locator(f"tr[data-bucket={bucket}] td.num").inner_text() == "0件"
    first_home = page.locator("#gjj-loans-by-tier .gjj-bar-row[data-label=首套]")
    assert (
        first_home.locator(".gjj-bar-value").inner_text() == f"1件 · {app.approved_amount:,.2f}元"
    )
    no_home = page.locator("#gjj-withdrawals-by-tier .gjj-bar-row[data-label=无房]")
    assert no_home.locator(".gjj-bar-value").inner_text() == "1件 · 1,000.00元"
    assert re.search(r"width:\s*100%", first_home.locator(".gjj-bar").get_attribute("style"))
    # And the app list is still there below the dashboard
    assert page.locator("#content-main .app-loans").count() == 1
    page.screenshot(path=str(ARTIFACTS / "admin-start-page.png"), full_page=True)

    # And the count links open the filtered queue with that one application
    page.locator("#gjj-loan-status tr[data-status=approved] a").click()
    page.wait_for_selector("#result_list")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert app.number in rows.first.inner_text()
