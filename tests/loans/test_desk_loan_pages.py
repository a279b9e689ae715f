"""The loan desk: decisions at a glance, Chinese labels, buttons only for whom may use them."""

from __future__ import annotations

import pytest

from loans.models import Loan
from tests.export_support import csv_rows, export
from tests.factories import advance, applicant, draft, home, make_team

pytestmark = pytest.mark.django_db

QUEUE = "/admin/loans/loanapplication/"


@pytest.fixture
def staff():
    team = make_team()
    team.clerk.first_name = "王经办"
    team.clerk.save()
    return team


@pytest.fixture
def ineligible(staff):
    """A household with two homes asks for a third: 52号 lends up to the second."""
    dep = applicant(staff.clerk, name="李多房")
    home(dep, staff.clerk)
    home(dep, staff.clerk)
    app = draft(dep)
    advance(app, staff, to="submit")
    return app


@pytest.fixture
def reviewed(staff):
    app = draft(applicant(staff.clerk, name="张伟"))
    advance(app, staff, to="review")
    return app


def get(client, user, url) -> str:
    client.force_login(user)
    resp = client.get(url)
    assert resp.status_code == 200
    return resp.content.decode()


def test_an_ineligible_application_is_marked_in_the_list_its_page_and_the_accept_form(
    client, staff, ineligible, reviewed
):
    # when the clerk opens the queue
    listing = get(client, staff.clerk, QUEUE)
    # then it has an eligibility column: one case marked ✗, the other ✓
    assert "符合条件" in listing
    assert listing.count("✗ 不符合") == 1
    assert listing.count("✓ 符合") == 1
    # and the case page and the 受理 form carry the banner with the binding reason in words
    for url in (f"{QUEUE}{ineligible.pk}/change/", f"{QUEUE}{ineligible.pk}/transition/accept/"):
        html = get(client, staff.clerk, url)
        assert 'class="errornote gjj-ineligible"' in html, url
        assert "不符合条件" in html
        assert "超过可贷款住房套数：认定为第3套住房，超过可发放贷款的第2套，不予贷款" in html
    # while the eligible case's page has no banner
    assert "gjj-ineligible" not in get(client, staff.clerk, f"{QUEUE}{reviewed.pk}/change/")


def test_the_approver_sees_the_engines_decision_before_confirming(client, staff, reviewed):
    # given the decision's rate row is one the center has not yet confirmed
    decision = dict(reviewed.decision)
    decision["rate_citation"] = {**decision["rate_citation"], "provisional": True}
    type(reviewed).objects.filter(pk=reviewed.pk).update(decision=decision)
    # when the approver opens the approval page
    html = get(client, staff.approver, f"{QUEUE}{reviewed.pk}/transition/approve/")
    # then: 1,000,000 commercial first home, 20% down -> at most 800,000.00 (the binding limit);
    # 2.60% for a first home over five years; 240 months; the capacity check's outcome
    assert "可贷最高额</th><td>800,000.00" in html
    assert "约束：最低首付款比例" in html
    assert "测算贷款金额</th><td>500,000.00" in html
    assert "2.60%" in html
    assert "暂定（待中心确认）" in html
    assert "240个月（可贷最长" in html
    assert "还款能力" in html
    assert "月还款额</th><td>2,673.94" in html  # domain.md §6: 500,000 at 2.60% over 240


def test_pages_show_labels_not_codes_and_the_superuser_no_steps(
    client, staff, reviewed, django_user_model
):
    root = django_user_model.objects.create_superuser("desk-root", "", "x")
    html = get(client, root, f"{QUEUE}{reviewed.pk}/change/")
    # no step for a log-in without a business role
    assert "/transition/" not in html
    # rules by their Chinese label (the code only as a grey hint), values in words
    assert "家庭住房套数" in html
    assert "not_applied" not in html
    assert "不适用" in html
    # the history in words, by the person's name
    assert "草稿 → 已提交" in html
    assert "draft →" not in html
    assert "→ submitted" not in html
    assert "王经办" in html
    listing = get(client, root, QUEUE)
    assert "applicant id" not in listing.lower()
    headers = listing[listing.index('id="result_list"') :]
    assert headers.index("法定办结期限") < headers.index("超期") < headers.index("申请人")


def test_the_loan_page_names_its_rate_row_in_words(client, staff):
    loan = advance(draft(applicant(staff.clerk, name="赵贷款")), staff, to="disburse")
    assert isinstance(loan, Loan)
    html = get(client, staff.clerk, f"/admin/loans/loan/{loan.pk}/change/")
    # PBOC 2025-05-08: first home, over five years, 2.60%
    assert "2025-05-08 首套 五年以上 2.60%" in html
    assert f'<div class="readonly">{loan.priced_rate_row}</div>' not in html
    listing = get(client, staff.clerk, "/admin/loans/loan/")
    assert "500,000.00" in listing
    assert "2.60%" in listing


def test_the_export_names_the_people(client, staff, reviewed):
    client.force_login(staff.clerk)
    header, *rows = csv_rows(export(client, QUEUE, "csv"))
    assert [row[header.index("受理人")] for row in rows] == ["王经办"]
