"""The desk in a real browser: a withdrawal walked through its buttons, an ineligible case
marked as such, and the clerks' lists fitting a 1,400 px screen."""

from __future__ import annotations

import pytest

from gjj.domain import Role
from gjj.selectors import today_local
from tests.browser.conftest import ARTIFACTS
from tests.factories import Builder, advance, applicant, draft, home, make_staff, make_team
from withdrawals import services as wd_services
from withdrawals.models import WithdrawalStatus

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LISTS = {
    "loan-applications": "/admin/loans/loanapplication/",
    "withdrawals": "/admin/withdrawals/withdrawalapplication/",
    "loans": "/admin/loans/loan/",
    "policy": "/admin/gjj/policyparameter/",
}


def log_in_as(page, admin_login, username: str) -> None:
    page.context.clear_cookies()  # the log-in page sends a signed-in user away
    admin_login(page, username)


def press(page, label: str) -> str:
    """Press a step button on the case page; the message the page answers with."""
    page.click(f"#gjj-object-actions input[type=submit][value='{label}']")
    page.wait_for_selector("ul.messagelist")
    return page.locator("ul.messagelist").inner_text()


def test_a_withdrawal_walks_through_its_buttons(page, live_server, admin_login):
    # given a clerk, a reviewer and an approver, and a rental withdrawal submitted today
    clerk = make_staff("desk-clerk", Role.CLERK, first_name="王经办")
    make_staff("desk-reviewer", Role.REVIEWER)
    approver = make_staff("desk-approver", Role.APPROVER, first_name="张审批")
    today = today_local()
    build = Builder(clerk=clerk)
    wd = build.rental(applicant(clerk, name="王芳"), "1000.00", on=today)
    wd = wd_services.withdrawal_submit(application=wd, actor=clerk, on=today)
    url = f"{live_server.url}/admin/withdrawals/withdrawalapplication/{wd.pk}/change/"

    # when the clerk accepts it with its button
    log_in_as(page, admin_login, "desk-clerk")
    page.goto(url)
    assert page.locator("#gjj-object-actions input[value='核准并支付']").count() == 0
    assert "已受理" in press(page, "受理")
    wd.refresh_from_db()
    assert (wd.status, wd.accepted_by) == (WithdrawalStatus.ACCEPTED, clerk)

    # then the reviewer has no step on a withdrawal
    log_in_as(page, admin_login, "desk-reviewer")
    page.goto(url)
    assert page.locator("#gjj-object-actions").count() == 0

    # and the approver approves and pays it with an opinion
    log_in_as(page, admin_login, "desk-approver")
    page.goto(url)
    page.fill("textarea[name='approve-reason']", "材料齐全，同意")
    assert "已核准并支付" in press(page, "核准并支付")
    wd.refresh_from_db()
    assert (wd.status, wd.decided_by, wd.decision_reason) == (
        WithdrawalStatus.APPROVED,
        approver,
        "材料齐全，同意",
    )
    assert page.locator("#gjj-object-actions").count() == 0
    history = page.locator("#history-group").inner_text()
    assert "已提交 → 已受理" in history
    assert "王经办" in history
    page.screenshot(path=str(ARTIFACTS / "desk-withdrawal-approved.png"), full_page=True)


def test_an_ineligible_case_is_marked_and_the_lists_fit_1400_px(page, live_server, admin_login):
    # given an ineligible application (a third home), an eligible one, a loan and a withdrawal
    staff = make_team("fit")
    crowded = applicant(staff.clerk, name="李多房")
    home(crowded, staff.clerk)
    home(crowded, staff.clerk)
    refused = draft(crowded)
    advance(refused, staff, to="submit")
    advance(draft(applicant(staff.clerk, name="张伟")), staff, to="accept")
    advance(draft(applicant(staff.clerk, name="赵贷款")), staff, to="disburse")
    build = Builder(clerk=staff.clerk)
    today = today_local()
    wd = build.rental(applicant(staff.clerk, name="王芳"), "1000.00", on=today)
    wd_services.withdrawal_submit(application=wd, actor=staff.clerk, on=today)

    # when the clerk opens the ineligible case
    log_in_as(page, admin_login, "fit-clerk")
    page.goto(f"{live_server.url}/admin/loans/loanapplication/{refused.pk}/change/")
    banner = page.locator(".gjj-ineligible")
    # then a banner says so, with the reason in words
    assert banner.is_visible()
    assert "不符合条件" in banner.inner_text()
    assert "超过可贷款住房套数" in banner.inner_text()
    page.screenshot(path=str(ARTIFACTS / "desk-ineligible-application.png"))

    # and each list fits its box at 1,400 px, the side bars open
    widths = {}
    for name, path in LISTS.items():
        page.goto(f"{live_server.url}{path}")
        page.wait_for_selector("#result_list")
        widths[name] = page.evaluate(
            """() => {
                const box = document.querySelector('#changelist .results');
                const doc = document.documentElement;
                return [box.scrollWidth, box.clientWidth, doc.scrollWidth, doc.clientWidth];
            }"""
        )
        page.screenshot(path=str(ARTIFACTS / f"desk-list-{name}-1400.png"))
        if name == "loan-applications":
            assert page.locator("#result_list").get_by_text("✗ 不符合").count() == 1
    overflowing = {name: w for name, w in widths.items() if w[0] > w[1] or w[2] > w[3]}
    assert overflowing == {}, widths
