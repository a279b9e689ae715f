"""The start page's own actions, provisional policy, risk classes and batch job, in Chinese."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from gjj.domain import Role
from gjj.models import AuditLog
from loans import servicing
from loans.models import BatchRun, BatchStatus, LoanApplication, RiskClassBook
from tests.factories import Staff, advance, applicant, draft, make_staff, make_team

pytestmark = pytest.mark.django_db
ON = date(2026, 12, 2)  # the provisional 6-month / 50% rows are in force from 2026-12-01


@pytest.fixture
def staff() -> Staff:
    return make_team("b")


@pytest.fixture
def freeze(monkeypatch):
    for module in ("backoffice.dashboard", "gjj.policy_admin", "loans.admin", "withdrawals.admin"):
        monkeypatch.setattr(f"{module}.today_local", lambda: ON)


def start_page(client, user) -> tuple[str, object]:
    client.force_login(user)
    resp = client.get("/admin/")
    assert resp.status_code == 200
    return resp.content.decode(), resp.context["dashboard"]


def test_recent_actions_are_the_users_own_audit_rows_in_words(client, staff, freeze):
    # Given the clerk accepted one application and the reviewer reviewed it
    app = draft(applicant(staff.clerk, name="王建国"))
    advance(app, staff, to="review")
    app = LoanApplication.objects.get(pk=app.pk)

    # When the clerk opens the start page
    html, dash = start_page(client, staff.clerk)

    # Then the sidebar lists the clerk's own acceptance, in Chinese, linked to the case
    # (and not the reviewer's step, nor "无可选的")
    accepted = AuditLog.objects.get(actor=staff.clerk, action="loan_application.accepted")
    own = [a for a in dash.recent if a.action == "受理贷款申请"]
    assert len(own) == 1
    assert own[0].object_type == "贷款申请"
    assert own[0].url == reverse("admin:loans_loanapplication_change", args=[app.pk])
    assert own[0].object_text == accepted.object_repr
    assert all(a.action != "审核贷款申请" for a in dash.recent)
    assert 'id="gjj-recent-actions"' in html
    assert "无可选的" not in html


def test_provisional_rows_in_force_are_counted_and_link_to_the_same_rows(client, staff, freeze):
    # Given the policy administrator, on a day the provisional rows are in force
    html, dash = start_page(client, make_staff("policy_b", Role.POLICY_ADMIN))

    # Then the block counts them and its links list exactly those rows
    block = dash.provisional
    assert block.parameters >= 2  # 6 months' deposits and 50% repayment capacity
    for count, url in ((block.parameters, block.parameters_url), (block.rates, block.rates_url)):
        listed = client.get(url).context["cl"]
        assert listed.result_count == count, url
        assert all(row.status == "provisional" for row in listed.result_list)
    assert 'id="gjj-provisional"' in html


def test_staff_without_view_permissions_sees_neither_block(client, freeze):
    # Given a staff log-in holding no business role (no view permission on policy or loans)
    nobody = get_user_model().objects.create_user("nobody", is_staff=True)

    # When it opens the start page
    html, dash = start_page(client, nobody)

    # Then neither the provisional rows nor the book by risk class is shown
    assert dash.provisional is None
    assert dash.risk_classes is None
    assert 'id="gjj-provisional"' not in html
    assert 'id="gjj-risk-classes"' not in html


def test_book_by_risk_class_lists_the_five_classes(client, staff, freeze):
    # Given one disbursed loan (never overdue: class 01)
    loan = advance(draft(applicant(staff.clerk, name="王建国")), staff, to="disburse")

    # When the clerk opens the start page
    html, dash = start_page(client, staff.clerk)

    # Then five classes are listed and the loan is in 正常 with its outstanding principal
    rows = {r.risk_class: r for r in dash.risk_classes}
    assert sorted(rows) == ["01", "02", "03", "04", "05"]
    assert rows["01"].loans == 1
    assert rows["01"].outstanding_principal == loan.outstanding_principal
    assert sum(r.loans for r in rows.values()) == 1
    assert 'id="gjj-risk-classes"' in html


def test_batch_block_names_the_job_in_chinese(client, staff, freeze):
    # Given last night's repricing run
    BatchRun.objects.create(
        job="reprice",
        business_date=ON,
        reference_date=ON,
        status=BatchStatus.DONE,
    )

    # When the clerk opens the start page
    html, dash = start_page(client, staff.clerk)

    # Then the job reads 利率调整, not its code
    assert dash.batch.job_label == "利率调整"
    assert '<td class="num" data-field="job">利率调整</td>' in html


def test_book_by_risk_class_is_last_nights_as_the_overdue_run_left_it(client, staff, freeze):
    # Given a loan disbursed 2025-06-12 that nobody has repaid, and the night of 2025-08-20
    # run (installment 1 fell due in July: 1–90 days overdue is 02 关注)
    loan = advance(draft(applicant(staff.clerk, name="王建国")), staff, to="disburse")
    night = date(2025, 8, 20)
    servicing.servicing_run_inline(business_date=night, with_repricing=False)

    # When the clerk opens the start page
    html, dash = start_page(client, staff.clerk)

    # Then the block shows that night's figures, kept when the run closed, and says so
    rows = {r.risk_class: r for r in dash.risk_classes}
    assert dash.risk_classes_on == night
    assert (rows["01"].loans, rows["02"].loans) == (0, 1)
    assert rows["02"].outstanding_principal == loan.outstanding_principal
    assert list(RiskClassBook.objects.values_list("business_date", "risk_class", "loans")) == [
        (night, "01", 0),
        (night, "02", 1),
        (night, "03", 0),
        (night, "04", 0),
        (night, "05", 0),
    ]
    assert "截至2025-08-20日终批处理" in html
