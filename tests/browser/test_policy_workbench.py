"""A policy draft walked through the admin: drafted, previewed, confirmed by a second person."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from config.celery import app as celery_app
from gjj.domain import Role
from gjj.draft_models import PolicyDraft, PolicyDraftStatus
from gjj.models import LoanRate
from gjj.selectors import today_local
from tests.browser.conftest import ARTIFACTS
from tests.factories import disbursed_loan, make_staff, make_team

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def log_in_as(page, admin_login, username: str) -> None:
    page.context.clear_cookies()
    admin_login(page, username)


def act(page, slug: str) -> None:
    page.click(f"form[action$='/{slug}/'] input[type=submit]")
    page.wait_for_selector("ul.messagelist")


@pytest.fixture
def eager_tasks():
    """The preview task runs in the live server's process, as a worker would run it."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def test_a_policy_admin_drafts_and_previews_and_a_second_one_confirms(
    page, live_server, admin_login, eager_tasks
):
    # given: two policy admins and one loan of more than five years at today's rate
    disbursed_loan(make_team("wb"), name="借款人", term=240)
    make_staff("wb-drafter", Role.POLICY_ADMIN)
    make_staff("wb-checker", Role.POLICY_ADMIN)
    changed_on = (today_local() + timedelta(days=20)).isoformat()

    # when: the drafter opens a draft and enters a rate cell
    log_in_as(page, admin_login, "wb-drafter")
    page.goto(f"{live_server.url}/admin/gjj/policydraft/add/")
    page.fill("#id_title", "首套五年以上利率下调")
    page.click("input[name=_save]")
    draft = PolicyDraft.objects.get(title="首套五年以上利率下调")
    page.goto(f"{live_server.url}/admin/gjj/policydraft/{draft.pk}/change/")
    page.fill("#id_add-rate-effective_from", changed_on)
    page.select_option("#id_add-rate-home_tier", "1")
    page.select_option("#id_add-rate-term_band", "gt5")
    page.fill("#id_add-rate-annual_rate_percent", "2.350")
    page.fill("#id_add-rate-document", "银发〔2027〕1号")
    page.fill("#id_add-rate-article", "第一条")
    act(page, "add-rate")
    # the drafter is offered no confirmation of the own draft
    act(page, "preview")
    page.screenshot(path=str(ARTIFACTS / "policy-workbench-1-preview.png"), full_page=True)

    # then: the preview is on the page, with its chart and the Excel link
    assert page.locator("#gjj-draft-rates").is_visible()
    assert page.locator("#gjj-draft-chart .gjj-bar-row").get_attribute("data-count") == "1"
    assert page.locator("#gjj-draft-chart").count() == 1
    assert page.locator("#gjj-draft-export").is_visible()
    assert page.locator("form[action$='/confirm/']").count() == 0

    # when: the second policy admin confirms what was previewed
    log_in_as(page, admin_login, "wb-checker")
    page.goto(f"{live_server.url}/admin/gjj/policydraft/{draft.pk}/change/")
    assert "2.350" in page.locator("#gjj-draft-preview-rows").inner_text()
    page.screenshot(path=str(ARTIFACTS / "policy-workbench-2-before-confirm.png"), full_page=True)
    act(page, "confirm")
    page.screenshot(path=str(ARTIFACTS / "policy-workbench-3-confirmed.png"), full_page=True)

    # then
    draft.refresh_from_db()
    assert draft.status == PolicyDraftStatus.CONFIRMED
    assert draft.confirmed_by.username == "wb-checker"
    row = LoanRate.objects.get(effective_from=changed_on, home_tier=1, term_band="gt5")
    assert (row.annual_rate_percent, row.document) == (Decimal("2.350"), "银发〔2027〕1号")
