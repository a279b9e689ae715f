"""The clerks' admin: the queue with its deadlines, the object page, and transitions by role."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from gjj.domain import RepaymentMethod
from gjj.selectors import today_local
from loans.models import Loan, LoanApplication, Repayment
from loans.schedules import build_schedule
from tests.factories import advance, applicant, deposit_history, draft, make_staff, make_team

pytestmark = pytest.mark.django_db
D = Decimal
QUEUE = "/admin/loans/loanapplication/"


@pytest.fixture
def staff():
    return make_team()


@pytest.fixture
def dep(staff):
    return applicant(staff.clerk)


def logged(client, u):
    client.force_login(u)
    return client


def test_the_queue_is_chinese_with_deadlines_and_overdue_cases_flagged(client, staff, dep):
    # Given one application accepted long ago (overdue) and one submitted but not accepted
    late = draft(dep)
    advance(
        late,
        staff,
        to="accept",
        dates={"submit": date(2026, 1, 5), "accept": date(2026, 1, 5)},
    )
    fresh = draft(applicant(staff.clerk, name="王强"))
    advance(fresh, staff, to="submit", dates={"submit": date(2026, 1, 6)})
    # Accepted Mon 2026-01-05; 15 working days (元旦 Jan 1-3 and its make-up Sun Jan 4 are
    # before it): Jan 6-9 (4), 12-16 (9), 19-23 (14), 26 (15) -> Mon 2026-01-26
    overdue_days = (today_local() - date(2026, 1, 26)).days

    # When a clerk opens the queue
    html = logged(client, staff.clerk).get(QUEUE).content.decode()

    # Then it is in Chinese, shows the statutory deadline and flags the overdue case
    for text in ("贷款申请", "法定办结期限", "申请人", "超期", "已受理", "已提交", "受理所选申请"):
        assert text in html, text
    assert "2026年1月26日" in html or "2026-01-26" in html
    assert f"已超期{overdue_days}天" in html
    assert dep.masked_id_number in html
    assert dep.id_number not in html

    # And the overdue filter shows only that case
    html = client.get(QUEUE, {"deadline": "overdue"}).content.decode()
    assert late.number in html
    assert fresh.number not in html


@pytest.mark.parametrize("field", ["name", "id_number", "account_number", "number"])
def test_the_queue_searches_by_name_id_account_and_number(client, staff, dep, field):
    app = draft(dep)
    other = draft(applicant(staff.clerk, name="王强"))
    term = {
        "name": dep.name,
        "id_number": dep.id_number,
        "account_number": dep.account.account_number,
        "number": app.number,
    }[field]
    html = logged(client, staff.clerk).get(QUEUE, {"q": term}).content.decode()
    assert app.number in html
    assert other.number not in html


def test_the_object_page_shows_the_frozen_reasons_with_citations(client, staff, dep):
    app = draft(dep)
    advance(app, staff, to="accept")
    html = logged(client, staff.clerk).get(f"{QUEUE}{app.pk}/change/").content.decode()
    assert "测算依据" in html
    assert "符合贷款条件" in html
    assert "阳政办发〔2024〕52号" in html  # the citation of the cap and down payment
    assert "第1套住房、合同期限240个月" in html  # the rate reason
    assert "状态记录" in html
    assert "审计日志" in html
    assert "受理贷款申请" in html  # the audit row of the acceptance, by its label
    # The deadline: accepted Tue 2025-06-03, 15 working days (端午 May 31-Jun 2 already past):
    # Jun 4-6 (3), 9-13 (8), 16-20 (13), 23-24 (15) -> 2025-06-24
    assert "2025-06-24" in html
    # A clerk is offered no review button; a reviewer is
    assert "/transition/review/" not in html
    html = logged(client, staff.reviewer).get(f"{QUEUE}{app.pk}/change/").content.decode()
    assert "/transition/review/" in html


def test_actions_are_offered_by_role(client, staff, dep):
    draft(dep)
    clerk_html = logged(client, staff.clerk).get(QUEUE).content.decode()
    assert "受理所选申请" in clerk_html
    assert "审批同意所选申请" not in clerk_html
    reviewer_html = logged(client, staff.reviewer).get(QUEUE).content.decode()
    assert "审核通过所选申请" in reviewer_html
    assert "受理所选申请" not in reviewer_html
    policy = make_staff("policy", "政策管理")
    assert logged(client, policy).get(QUEUE).status_code == 403


def test_the_queue_actions_call_the_services(client, staff, dep):
    app = draft(dep)
    advance(app, staff, to="submit")
    resp = logged(client, staff.clerk).post(
        QUEUE, {"action": "action_accept", "_selected_action": [app.pk]}
    )
    assert resp.status_code == 302
    app.refresh_from_db()
    assert (app.status, app.accepted_by) == ("accepted", staff.clerk)
    # The same action again is refused by the service and said so, in Chinese
    resp = client.post(
        QUEUE, {"action": "action_accept", "_selected_action": [app.pk]}, follow=True
    )
    assert "不能受理" in resp.content.decode()


def test_four_eyes_in_the_admin(client, staff, dep):
    both = make_staff("both", "复核", "审批")
    app = draft(dep)
    advance(app, staff, to="accept")
    logged(client, both).post(QUEUE, {"action": "action_review", "_selected_action": [app.pk]})
    resp = client.post(
        QUEUE, {"action": "action_approve", "_selected_action": [app.pk]}, follow=True
    )
    assert "审批人不能与审核人为同一人" in resp.content.decode()
    app.refresh_from_db()
    assert app.status == "reviewed"


def test_rejection_needs_a_reason_on_its_form(client, staff, dep):
    app = draft(dep)
    advance(app, staff, to="review")
    url = f"{QUEUE}{app.pk}/transition/reject/"
    c = logged(client, staff.approver)
    resp = c.post(QUEUE, {"action": "action_reject", "_selected_action": [app.pk]})
    assert resp.status_code == 302
    assert resp["Location"] == url
    assert "不予贷款理由" in c.get(url).content.decode()
    resp = c.post(url, {"reason": ""})
    assert resp.status_code == 200
    assert "该字段是必填项" in resp.content.decode()
    app.refresh_from_db()
    assert app.status == "reviewed"
    resp = c.post(url, {"reason": "首付款来源不明"})
    assert resp.status_code == 302
    app.refresh_from_db()
    assert (app.status, app.decision_opinion) == ("rejected", "首付款来源不明")
    # A clerk may not open the approver's form
    assert logged(client, staff.clerk).get(url).status_code == 403


def test_signing_and_disbursing_in_the_admin(client, staff, dep):
    # given an approved case whose borrower has paid in every month (signing runs today's rules)
    deposit_history(dep, actor=staff.clerk, until=today_local())
    app = draft(dep)
    advance(app, staff, to="approve")
    c = logged(client, staff.clerk)
    url = f"{QUEUE}{app.pk}/transition/sign/"
    page = c.get(url).content.decode()
    assert "签订借款合同" in page
    assert 'value="500000.00"' in page
    # A term other than the approved one is shown on the form and nothing is signed
    resp = c.post(
        url,
        {
            "amount": "500000.00",
            "term_months": 334,
            "repayment_method": "equal_installment",
            "guarantee_type": "01",
            "repayment_day": 20,
        },
    )
    assert resp.status_code == 200
    assert "合同期限须为批准的240个月" in resp.content.decode()
    resp = c.post(
        url,
        {
            "amount": "500000.00",
            "term_months": 240,
            "repayment_method": "equal_installment",
            "guarantee_type": "01",
            "repayment_day": 20,
        },
    )
    assert resp.status_code == 302
    app.refresh_from_db()
    assert app.status == "signed"
    resp = c.post(QUEUE, {"action": "action_disburse", "_selected_action": [app.pk]})
    assert resp.status_code == 302
    loan = Loan.objects.get()
    assert loan.disbursed_on == today_local()


@pytest.fixture
def loan(staff, dep):
    return advance(draft(dep), staff, to="disburse")


def test_the_loan_page_shows_versions_and_offers_repayment_to_a_clerk(client, staff, loan):
    html = logged(client, staff.clerk).get(f"/admin/loans/loan/{loan.pk}/change/").content.decode()
    for text in ("还款计划版本", "利率调整记录", "还款记录", "未还期次", "登记还款", "提前还款"):
        assert text in html, text
    list_html = client.get("/admin/loans/loan/").content.decode()
    assert loan.contract_number in list_html
    assert "导入银行还款文件" in list_html
    reviewer_html = (
        logged(client, staff.reviewer).get(f"/admin/loans/loan/{loan.pk}/change/").content.decode()
    )
    assert "登记还款" not in reviewer_html
    assert client.get(f"/admin/loans/loan/{loan.pk}/repay/").status_code == 403


def test_a_repayment_and_a_bank_file_in_the_admin(client, staff, loan):
    schedule = build_schedule(
        principal=D("500000.00"),
        annual_rate_percent=D("2.600"),
        months=240,
        method=RepaymentMethod.EQUAL_INSTALLMENT,
        first_due_date=date(2025, 7, 20),
        first_period_from=loan.disbursed_on,
    )
    c = logged(client, staff.clerk)
    resp = c.post(
        f"/admin/loans/loan/{loan.pk}/repay/",
        {"amount": str(schedule[0].payment), "paid_on": "2025-07-20", "bank_reference": ""},
    )
    assert resp.status_code == 302
    assert Repayment.objects.filter(loan=loan, installment_number=1).exists()

    from django.core.files.uploadedfile import SimpleUploadedFile

    bad = (
        "合同编号,期次,金额,还款日期,银行流水号\n"
        f"{loan.contract_number},2,{schedule[1].payment},2025-08-20,B1\n"
        f"{loan.contract_number},3,1.00,2025-09-20,B2\n"
    ).encode("gb18030")
    resp = c.post("/admin/loans/loan/import/", {"file": SimpleUploadedFile("bank.csv", bad)})
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "第3行" in html
    assert "整批未入账" in html
    assert Repayment.objects.count() == 1
    good = bad.replace(b",1.00,", f",{schedule[2].payment},".encode())
    resp = c.post("/admin/loans/loan/import/", {"file": SimpleUploadedFile("bank.csv", good)})
    assert resp.status_code == 302
    assert Repayment.objects.count() == 3


def test_nothing_is_deletable_or_editable(client, staff, loan):
    app = LoanApplication.objects.get()
    c = logged(client, staff.clerk)
    assert c.get(f"{QUEUE}{app.pk}/delete/").status_code == 403
    assert c.get(f"/admin/loans/loan/{loan.pk}/delete/").status_code == 403
    assert c.get(f"{QUEUE}add/").status_code == 403
    before = app.updated_at
    c.post(f"{QUEUE}{app.pk}/change/", {"house_price": "1.00"})
    app.refresh_from_db()
    assert (app.house_price, app.updated_at) == (D("1000000.00"), before)


def test_a_deadline_in_the_future_shows_days_left(client, staff, dep):
    # given a case submitted yesterday and accepted today (the default date) in the queue
    app = draft(dep, monthly_income=D("20000.00"))
    advance(app, staff, to="submit", dates={"submit": today_local() - timedelta(days=1)})
    logged(client, staff.clerk).post(
        QUEUE, {"action": "action_accept", "_selected_action": [app.pk]}
    )
    # when the clerk opens the queue
    page = client.get(QUEUE).content.decode()
    # then the calendar days left to the stored working-day deadline are shown
    app.refresh_from_db()
    assert app.deadline_on is not None
    days_left = (app.deadline_on - today_local()).days
    assert days_left >= 15  # 15 working days are at least 15 calendar days
    assert f"剩余{days_left}天" in page
