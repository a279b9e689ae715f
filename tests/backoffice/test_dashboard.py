"""The clerks' start page: queues, deadlines, last batch run, policy in force, month chart."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backoffice.dashboard import dashboard_for, month_chart
from gjj.domain import Role
from gjj.models import PolicyParameter
from gjj.policy import Key
from gjj.selectors import policy_cache_clear
from loans import selectors as loan_selectors
from loans import services as loan_services
from loans.models import BatchChunk, BatchError, BatchRun, BatchStatus, LoanApplication
from tests.factories import Builder, Staff, advance, applicant, draft, home, make_staff, make_team
from withdrawals import selectors as wd_selectors
from withdrawals import services as wd_services
from withdrawals.models import WithdrawalApplication

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = date(2025, 6, 16)  # a Monday
LOANS = "/admin/loans/loanapplication/"
WITHDRAWALS = "/admin/withdrawals/withdrawalapplication/"


@pytest.fixture
def freeze(monkeypatch):
    """Pin "today" for the start page and for the queues its links open."""

    def pin(day: date) -> None:
        for module in ("backoffice.dashboard", "loans.admin", "withdrawals.admin"):
            monkeypatch.setattr(f"{module}.today_local", lambda: day)

    pin(TODAY)
    return pin


@pytest.fixture
def staff() -> Staff:
    return make_team("d")


@pytest.fixture
def build(staff) -> Builder:
    return Builder(clerk=staff.clerk)


def page(client, who) -> tuple[str, object]:
    client.force_login(who)
    resp = client.get("/admin/")
    assert resp.status_code == 200
    return resp.content.decode(), resp.context["dashboard"]


def loan_in(staff: Staff, to: str, *, name: str = "张伟", **dates: date):
    app = draft(applicant(staff.clerk, name=name))
    advance(app, staff, to=to, dates=dates or None)
    return app


def rental_in(build: Builder, staff: Staff, to: str, *, name: str, on: date, amount="1000.00"):
    app = build.rental(applicant(staff.clerk, name=name), amount, on=on)
    if to == "draft":
        return app
    app = wd_services.withdrawal_submit(application=app, actor=staff.clerk, on=on)
    if to == "submitted":
        return app
    app = wd_services.withdrawal_accept(application=app, actor=staff.clerk, on=on)
    if to == "approved":
        app = wd_services.withdrawal_approve(application=app, actor=staff.approver, on=on)
    return app


# --- applications by status --------------------------------------------------------------


def test_counts_per_status_are_exact_and_each_links_to_its_filtered_queue(
    client, freeze, staff, build
):
    # Given loans in six statuses and withdrawals in five
    draft(applicant(staff.clerk, name="草稿人"))
    for name in ("甲", "乙"):
        loan_in(staff, "submit", name=name)
    loan_in(staff, "accept", name="丙")
    loan_in(staff, "review", name="丁")
    loan_in(staff, "approve", name="戊")
    rejected = loan_in(staff, "review", name="己")
    loan_services.application_reject(
        application=rejected, actor=staff.approver, reason="收入证明不实", on=date(2025, 6, 9)
    )
    on = date(2025, 6, 10)
    rental_in(build, staff, "draft", name="提取草稿", on=on)
    rental_in(build, staff, "submitted", name="提取已提交", on=on)
    rental_in(build, staff, "accepted", name="提取受理一", on=on)
    rental_in(build, staff, "accepted", name="提取受理二", on=on)
    rental_in(build, staff, "approved", name="提取核准", on=on)
    refused = rental_in(build, staff, "submitted", name="提取不予", on=on)
    wd_services.withdrawal_reject(application=refused, actor=staff.clerk, reason="材料不全")

    # When a clerk opens the start page
    html, dash = page(client, staff.clerk)

    # Then every status is listed with its exact count, zero included
    assert {s.status: s.count for s in dash.loans.statuses} == {
        "draft": 1,
        "submitted": 2,
        "accepted": 1,
        "reviewed": 1,
        "approved": 1,
        "rejected": 1,
        "signed": 0,
        "disbursed": 0,
        "withdrawn": 0,
    }
    assert dash.loans.total == 7
    assert {s.status: s.count for s in dash.withdrawals.statuses} == {
        "draft": 1,
        "submitted": 1,
        "accepted": 2,
        "approved": 1,
        "rejected": 1,
        "cancelled": 0,
    }
    assert dash.withdrawals.total == 6
    assert f'<a href="{LOANS}?status__exact=submitted">2</a>' in html
    assert f'<a href="{WITHDRAWALS}?status__exact=accepted">2</a>' in html

    # And each link opens the queue listing exactly that many cases
    for row in (*dash.loans.statuses, *dash.withdrawals.statuses):
        assert client.get(row.url).context["cl"].result_count == row.count, row.url


# --- statutory deadlines -----------------------------------------------------------------


def test_deadline_buckets_follow_the_queues_filters_at_the_boundary_days(
    client, freeze, staff, build
):
    # Deadlines are working days, so none falls on Sun 2025-06-15: the latest one before
    # TODAY (Mon 2025-06-16) is Fri 2025-06-13. 2025 schedule: 端午 Sat May 31-Mon Jun 2 off,
    # no make-up day, nothing else in May 22-Jun 20.
    # Given loans accepted so that the 15-working-day deadline falls on the last working day
    # before today, today, in 3 and in 4 days:
    #   Thu May 22 -> May 23 (1), 26-30 (6), Jun 3-6 (10), 9-13 (15) -> Fri Jun 13
    #   Fri May 23 -> May 26-30 (5), Jun 3-6 (9), 9-13 (14), 16 (15) -> Mon Jun 16
    #   Wed May 28 -> May 29-30 (2), Jun 3-6 (6), 9-13 (11), 16-19 (15) -> Thu Jun 19
    #   Thu May 29 -> May 30 (1), Jun 3-6 (5), 9-13 (10), 16-20 (15) -> Fri Jun 20
    submit = date(2025, 5, 22)
    late = loan_in(staff, "review", name="上一工作日到期", submit=submit, accept=date(2025, 5, 22))
    due_today = loan_in(staff, "accept", name="今日到期", submit=submit, accept=date(2025, 5, 23))
    due_in_3 = loan_in(staff, "accept", name="三日后", submit=submit, accept=date(2025, 5, 28))
    loan_in(staff, "accept", name="四日后", submit=submit, accept=date(2025, 5, 29))
    # and one decided after its deadline passed (no longer pending): accepted Tue May 20 ->
    # May 21-23 (3), 26-30 (8), Jun 3-6 (12), 9-11 (15) -> Wed Jun 11; approved Fri Jun 13
    loan_in(
        staff,
        "approve",
        name="已审批",
        submit=date(2025, 5, 19),
        accept=date(2025, 5, 20),
        review=date(2025, 6, 12),
        approve=date(2025, 6, 13),
    )
    # And withdrawals accepted so that the 3-working-day deadline falls on the last working
    # day before today, today and tomorrow:
    #   Tue Jun 10 -> Jun 11, 12, 13 -> Fri Jun 13
    #   Wed Jun 11 -> Jun 12, 13, 16 -> Mon Jun 16
    #   Thu Jun 12 -> Jun 13, 16, 17 -> Tue Jun 17
    wd_late = rental_in(build, staff, "accepted", name="提取上一工作日", on=date(2025, 6, 10))
    wd_today = rental_in(build, staff, "accepted", name="提取今日", on=date(2025, 6, 11))
    rental_in(build, staff, "accepted", name="提取明日", on=date(2025, 6, 12))
    rental_in(build, staff, "approved", name="提取已核准", on=date(2025, 6, 2))
    assert (late.deadline_on, wd_late.decision_due_on) == (date(2025, 6, 13), date(2025, 6, 13))

    # When a clerk opens the start page on 2025-06-16
    html, dash = page(client, staff.clerk)

    # Then the loan buckets hold exactly the cases past or within 3 days of the deadline
    overdue, soon = dash.loans.buckets
    assert (overdue.key, overdue.label, overdue.count) == ("overdue", "已超期", 1)
    assert [(c.number, c.due_on, c.days_left, c.overdue_days) for c in overdue.cases] == [
        (late.number, date(2025, 6, 13), -3, 3)
    ]
    assert (soon.key, soon.label, soon.count) == ("due_soon", "3日内到期", 2)
    assert [(c.number, c.days_left) for c in soon.cases] == [
        (due_today.number, 0),
        (due_in_3.number, 3),
    ]
    assert dash.loans.decision_days == 15
    # And the withdrawal buckets: overdue since Friday, due today; tomorrow is in neither
    wd_overdue, wd_due = dash.withdrawals.buckets
    assert (wd_overdue.label, wd_overdue.count) == ("已逾期未办结", 1)
    assert [c.number for c in wd_overdue.cases] == [wd_late.number]
    assert (wd_due.label, wd_due.count) == ("今日到期", 1)
    assert [(c.number, c.days_left) for c in wd_due.cases] == [(wd_today.number, 0)]
    assert dash.withdrawals.decision_days == 3

    # And the page shows them with links to the cases and to the filtered queues
    assert f'href="{LOANS}?deadline=overdue" class="late">1件</a>' in html
    assert f'href="{WITHDRAWALS}?overdue=today" class="late">1件</a>' in html
    assert f'href="{LOANS}{late.pk}/change/"' in html
    assert "已超期3天" in html
    assert "今日到期" in html
    assert "剩余3天" in html
    for bucket in (*dash.loans.buckets, *dash.withdrawals.buckets):
        listed = client.get(bucket.url).context["cl"].result_list
        assert sorted(a.number for a in listed) == sorted(c.number for c in bucket.cases)
    # And the one-row predicates give the same answer as the selectors behind the buckets
    assert {
        a.pk
        for a in LoanApplication.objects.all()
        if loan_selectors.loan_application_is_overdue(application=a, on=TODAY)
    } == set(loan_selectors.loan_applications_overdue(on=TODAY).values_list("pk", flat=True))
    assert {
        a.pk
        for a in WithdrawalApplication.objects.all()
        if wd_selectors.withdrawal_application_is_overdue(application=a, on=TODAY)
    } == {wd_late.pk}


# --- nightly batch -----------------------------------------------------------------------


def _run(day: date, status: str, *, errors: int = 0, job: str = "reprice") -> BatchRun:
    run = BatchRun.objects.create(
        job=job,
        business_date=day,
        reference_date=date(2025, 1, 1),
        status=status,
        loans_total=10,
        loans_repriced=10 - errors,
        loans_failed=errors,
        applications_requoted=3,
        chunks_total=2,
        chunks_done=2,
    )
    chunk = BatchChunk.objects.create(run=run, id_from=1, id_to=100, status=status)
    for loan_id in range(errors):
        BatchError.objects.create(run=run, chunk=chunk, loan_id=loan_id + 1, message="除零错误")
    return run


def test_the_most_recent_repricing_run_is_shown_with_its_error_count(client, freeze, staff):
    # Given two repricing runs and a later run of another job
    _run(date(2025, 6, 14), BatchStatus.DONE)
    last = _run(date(2025, 6, 15), BatchStatus.DONE_WITH_ERRORS, errors=2)
    _run(date(2025, 6, 16), BatchStatus.DONE, job="other")

    # When a reviewer opens the start page
    html, dash = page(client, staff.reviewer)

    # Then last night's repricing run is shown with its counts and its two errors
    b = dash.batch
    assert (b.business_date, b.status, b.status_label) == (
        date(2025, 6, 15),
        "done_errors",
        "已完成（有失败）",
    )
    assert (b.loans_total, b.loans_repriced, b.loans_failed, b.errors) == (10, 8, 2, 2)
    assert (b.applications_requoted, b.chunks_done, b.chunks_total) == (3, 2, 2)
    assert b.url == f"/admin/loans/batchrun/{last.pk}/change/"
    assert '<td class="num warn" data-field="errors">2</td>' in html
    assert f'href="{b.url}"' in html


def test_without_any_run_the_batch_block_says_so(client, freeze, staff):
    # Given no batch run yet; when a clerk opens the start page
    html, dash = page(client, staff.clerk)
    # Then the block is there and says there is none
    assert dash.batch_visible
    assert dash.batch is None
    assert "尚无批处理运行记录" in html


# --- policy in force ---------------------------------------------------------------------


def test_days_to_expiry_come_from_the_measure_row(client, freeze, staff):
    # Given 2025-06-16 and the 52号 row in force to 2027-10-16
    html, dash = page(client, staff.clerk)

    # Then the measure, its window and 852 days left are shown
    p = dash.policy
    assert (p.measure, p.effective_from, p.effective_to) == (
        "阳政办发〔2024〕52号",
        date(2024, 10, 17),
        date(2027, 10, 16),
    )
    assert (p.days_left, p.warn) == ((date(2027, 10, 16) - TODAY).days, False)
    assert p.days_left == 852
    assert p.version == "2025-05-08"
    assert '<td class="num" data-field="days_left">852天</td>' in html

    # When the row's end date is different, the days follow the row, not a constant
    PolicyParameter.objects.filter(key=Key.MEASURE).update(effective_to=date(2027, 12, 31))
    policy_cache_clear()
    html, dash = page(client, staff.clerk)
    assert dash.policy.days_left == 928
    assert "928天" in html


@pytest.mark.parametrize(
    ("today", "days_left", "warned"),
    [(date(2027, 8, 16), 61, False), (date(2027, 8, 17), 60, True), (date(2027, 10, 16), 0, True)],
)
def test_the_expiry_warning_starts_at_the_warning_days_row(
    client, freeze, staff, today, days_left, warned
):
    # Given a day near the end of the measure
    freeze(today)

    # When the start page is opened
    html, dash = page(client, staff.clerk)

    # Then the days left and the warning follow the rows (60 days)
    assert (dash.policy.days_left, dash.policy.warning_days, dash.policy.warn) == (
        days_left,
        60,
        warned,
    )
    assert (f"措施将于{days_left}天后到期" in html) is warned


def test_after_expiry_no_measure_is_in_force(client, freeze, staff):
    # Given the day after the 52号 row ends; when the start page is opened
    freeze(date(2027, 10, 17))
    html, dash = page(client, staff.clerk)
    # Then no measure and no countdown are shown
    assert (dash.policy.measure, dash.policy.days_left) == (None, None)
    assert "无（阳政办发〔2024〕52号不在有效期内）" in html


# --- the month's chart -------------------------------------------------------------------


def test_the_month_chart_counts_approvals_by_tier_and_special_group(client, freeze, staff, build):
    # Given three loans approved in June 2025: a first home, a second home, a 青年人 (disbursed)
    loan_in(staff, "approve", name="首套人")
    second = applicant(staff.clerk, name="二套人")
    home(second, staff.clerk)
    advance(draft(second), staff, to="approve")
    young = applicant(staff.clerk, name="青年", birth=date(1995, 1, 1))
    advance(draft(young), staff, to="disburse")
    # and one approved in May and one refused in June, which do not count
    loan_in(
        staff,
        "approve",
        name="五月",
        submit=date(2025, 5, 5),
        accept=date(2025, 5, 6),
        review=date(2025, 5, 7),
        approve=date(2025, 5, 8),
    )
    refused = loan_in(staff, "review", name="不予")
    loan_services.application_reject(
        application=refused, actor=staff.approver, reason="资料不实", on=date(2025, 6, 9)
    )
    # And withdrawals approved in June: two rentals (one 引进人才) and a purchase by a home owner
    on = date(2025, 6, 10)
    rental_in(build, staff, "approved", name="租客", on=on, amount="1000.00")
    talent = applicant(staff.clerk, name="人才租客")
    build.group(talent, "talent")
    app = build.rental(talent, "1500.00", on=on)
    app = wd_services.withdrawal_submit(application=app, actor=staff.clerk, on=on)
    app = wd_services.withdrawal_accept(application=app, actor=staff.clerk, on=on)
    wd_services.withdrawal_approve(application=app, actor=staff.approver, on=on)
    buyer = applicant(staff.clerk, name="购房人")
    home(buyer, staff.clerk, registered_on=date(2025, 6, 1))
    app = build.purchase(buyer, [("self", None, "20000.00")], on=on, contract_date=date(2025, 6, 1))
    app = wd_services.withdrawal_submit(application=app, actor=staff.clerk, on=on)
    app = wd_services.withdrawal_accept(application=app, actor=staff.clerk, on=on)
    wd_services.withdrawal_approve(application=app, actor=staff.approver, on=on)
    # and one rental approved in May
    rental_in(build, staff, "approved", name="五月租客", on=date(2025, 5, 20))

    # When an approver opens the start page on 2025-06-16
    html, dash = page(client, staff.approver)

    # Then the chart covers June and counts each approval once per bar series
    chart = dash.chart
    assert (chart.month_start, chart.month_end) == (date(2025, 6, 1), date(2025, 6, 30))

    def bars(series):
        return {b.label: (b.count, b.amount) for b in series.bars if b.count}

    assert bars(chart.loans_by_tier) == {
        "首套": (2, D("1000000.00")),
        "第二套": (1, D("500000.00")),
    }
    assert [b.percent for b in chart.loans_by_tier.bars] == [100, 50]
    assert bars(chart.loans_by_group) == {
        "青年人": (1, D("500000.00")),
        "无（正常缴存职工）": (2, D("1000000.00")),
    }
    assert (chart.loans_by_tier.total_count, chart.loans_by_tier.total_amount) == (
        3,
        D("1500000.00"),
    )
    assert bars(chart.withdrawals_by_tier) == {
        "无房": (2, D("2500.00")),
        "1套": (1, D("20000.00")),
    }
    assert bars(chart.withdrawals_by_group) == {
        "引进人才": (1, D("1500.00")),
        "无（正常缴存职工）": (2, D("21000.00")),
    }

    # And the page draws the bars with the numbers as text
    assert "本月审批情况（2025年6月1日至6月30日）" in html
    assert '<div class="gjj-bar-row" data-label="首套" data-count="2">' in html
    assert "2件 · 1,000,000.00元" in html
    assert "贷款：按认定住房套数（3件，1,500,000.00元）" in html
    assert "提取：按特定群体（3件，22,500.00元）" in html
    assert '<div class="gjj-bar-row" data-label="引进人才" data-count="1">' in html
    assert "width:100%" in html
    assert "width:50%" in html


def test_withdrawal_bars_read_the_household_frozen_at_approval(freeze, staff, build):
    # Given a 引进人才 renter approved on 2025-06-10
    on = date(2025, 6, 10)
    talent = applicant(staff.clerk, name="人才租客")
    membership = build.group(talent, "talent")
    app = build.rental(talent, "1500.00", on=on)
    app = wd_services.withdrawal_submit(application=app, actor=staff.clerk, on=on)
    app = wd_services.withdrawal_accept(application=app, actor=staff.clerk, on=on)
    app = wd_services.withdrawal_approve(application=app, actor=staff.approver, on=on)
    # Then the approval froze the household as on the application date
    app.refresh_from_db()
    assert (app.approved_homes, app.approved_groups) == (0, ["talent"])

    # When the membership is later revoked
    type(membership).objects.filter(pk=membership.pk).update(revoked_at=timezone.now())
    chart = month_chart(on=date(2025, 6, 16), loans=False, withdrawals=True)
    # Then the bar still counts the group the approval was made under
    assert {b.label: b.count for b in chart.withdrawals_by_group.bars if b.count} == {"引进人才": 1}


def test_the_withdrawal_chart_costs_the_same_queries_however_many_approvals(freeze, staff, build):
    # Given one rental approved in June
    on = date(2025, 6, 10)
    rental_in(build, staff, "approved", name="租客一", on=on)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            month_chart(on=date(2025, 6, 16), loans=False, withdrawals=True)
        return len(ctx.captured_queries)

    one = queries()
    # When four more are approved
    for n in range(4):
        rental_in(build, staff, "approved", name=f"租客{n + 2}", on=on)
    # Then drawing the chart takes no more queries than before
    assert queries() == one == 1


# --- who sees what -----------------------------------------------------------------------


def test_a_policy_administrator_sees_only_the_policy_block(client, freeze, make_staff):
    # Given a 政策管理 user, who has no view permission on loans, withdrawals or batch runs
    policy_admin = make_staff("policy1", Role.POLICY_ADMIN)

    # When they open the start page
    html, dash = page(client, policy_admin)

    # Then only the policy block is read and shown, and the app list is still there
    assert dash.loans is dash.withdrawals is dash.batch is dash.chart is None
    assert not dash.batch_visible
    assert dash.policy is not None
    for block in ("gjj-loan-status", "gjj-withdrawal-status", "gjj-deadlines", "gjj-batch"):
        assert f'id="{block}"' not in html
    assert 'id="gjj-month-chart"' not in html
    assert 'id="gjj-policy"' in html
    assert html.index('id="gjj-dashboard"') < html.index('id="content-main"')
    assert "/admin/gjj/policyparameter/" in html


def test_a_user_who_may_view_only_withdrawals_sees_only_withdrawal_blocks(client, freeze):
    # Given a staff user with nothing but the withdrawal view permission
    viewer = make_staff("wdviewer")
    viewer.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="withdrawals", codename="view_withdrawalapplication"
        )
    )

    # When they open the start page
    html, dash = page(client, viewer)

    # Then withdrawals (queue, deadlines, chart) are shown and nothing about loans
    assert dash.loans is None
    assert dash.withdrawals is not None
    assert dash.chart.loans_by_tier is None
    assert dash.chart.loans_by_group is None
    assert dash.chart.withdrawals_by_tier is not None
    assert dash.policy is None
    assert not dash.batch_visible
    assert 'id="gjj-withdrawal-status"' in html
    assert 'id="gjj-loan-status"' not in html
    assert 'id="gjj-loans-by-tier"' not in html
    assert 'id="gjj-withdrawals-by-tier"' in html
    assert "/admin/loans/" not in html


def test_every_role_group_sees_the_blocks_of_its_permissions(freeze, staff):
    # Given the 经办, 复核 and 审批 groups, which all view loans, withdrawals, runs and policy
    for who in (staff.clerk, staff.reviewer, staff.approver):
        # When the start page is read for each, then every block is there
        dash = dashboard_for(user=who)
        assert dash.loans
        assert dash.withdrawals
        assert dash.batch_visible
        assert dash.policy
        assert dash.chart.loans_by_tier
        assert dash.chart.withdrawals_by_group


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    # Given nobody logged in, when the start page is asked for, then the log-in page answers
    resp = client.get("/admin/")
    assert resp.status_code == 302
    assert resp["Location"] == "/admin/login/?next=/admin/"
