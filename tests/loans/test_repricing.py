"""Nightly repricing: the national rule on a book of loans, exactly once.

Loans are made through the real application walk (disbursed 2025-06-12 at
that day's rate) and then moved back in time where a case needs an older loan.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.management import call_command

from gjj.domain import RepaymentMethod
from loans import repricing
from loans.models import BatchRun, BatchStatus, Loan, LoanStatus, RateChange, ScheduleVersion
from loans.schedules import first_payment
from loans.selectors import loan_schedule
from loans.tasks import reprice_chunk_task
from tests import factories as support

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def book():
    staff = support.make_team("rp")
    loans = {
        "short": support.backdate_loan(
            support.disbursed_loan(staff, name="短期", term=12),
            disbursed_on=date(2023, 3, 1),
            rate="2.600",
        ),
        "first_long": support.backdate_loan(
            support.disbursed_loan(staff, name="首套长", term=240),
            disbursed_on=date(2023, 3, 1),
            rate="3.100",
        ),
        "first_5y": support.backdate_loan(
            support.disbursed_loan(staff, name="首套五年", term=60),
            disbursed_on=date(2023, 3, 1),
            rate="2.600",
        ),
        "second_long": support.backdate_loan(
            support.disbursed_loan(staff, name="二套长", term=240, tier=2, amount="300000.00"),
            disbursed_on=date(2023, 3, 1),
            rate="3.575",
        ),
        "principal": support.backdate_loan(
            support.disbursed_loan(staff, name="等额本金", term=240, method="equal_principal"),
            disbursed_on=date(2023, 3, 1),
            rate="3.100",
        ),
        "after_2024_change": support.backdate_loan(
            support.disbursed_loan(staff, name="二四年放款", term=240),
            disbursed_on=date(2024, 8, 1),
            rate="2.850",
        ),
        "after_2025_change": support.disbursed_loan(staff, name="二五年放款", term=240),
        "settled": support.backdate_loan(
            support.disbursed_loan(staff, name="已结清", term=240),
            disbursed_on=date(2023, 3, 1),
            rate="3.100",
        ),
    }
    Loan.objects.filter(pk=loans["settled"].pk).update(status=LoanStatus.SETTLED)
    return loans


def rates(book):
    return {k: Loan.objects.get(pk=v.pk).annual_rate_percent for k, v in book.items()}


def run_day(day):
    run = repricing.reprice_kickoff(business_date=day)
    for chunk in run.chunks.order_by("id"):
        repricing.reprice_chunk(chunk_id=chunk.pk)
    run.refresh_from_db()
    return run


def test_existing_loans_follow_each_change_from_the_next_first_of_january(book):
    start = rates(book)
    # Given the book, when the batch runs on the last day of 2024, nothing moves yet
    assert run_day(date(2024, 12, 31)).loans_repriced == 0
    assert rates(book) == start
    # When it runs on 2025-01-01, the 2024-05-18 change reaches the older long loans
    run = run_day(date(2025, 1, 1))
    assert (run.status, run.loans_repriced, run.loans_failed) == (BatchStatus.DONE, 4, 0)
    assert rates(book) == {
        "short": D("2.600"),
        "first_long": D("2.850"),
        "first_5y": D("2.350"),
        "second_long": D("3.325"),
        "principal": D("2.850"),
        "after_2024_change": D("2.850"),
        "after_2025_change": D("2.600"),
        "settled": D("3.100"),
    }
    # And nothing more during 2025, though the 2025-05-08 change is in force from May
    assert run_day(date(2025, 6, 1)).loans_repriced == 0
    # When it runs on 2026-01-01, the 2025-05-08 change reaches every long loan disbursed before
    run = run_day(date(2026, 1, 1))
    assert run.loans_repriced == 5
    assert rates(book) == {
        "short": D("2.600"),
        "first_long": D("2.600"),
        "first_5y": D("2.100"),
        "second_long": D("3.075"),
        "principal": D("2.600"),
        "after_2024_change": D("2.600"),
        "after_2025_change": D("2.600"),
        "settled": D("3.100"),
    }


def test_a_rerun_changes_nothing(book):
    run_day(date(2025, 1, 1))
    counts = (RateChange.objects.count(), ScheduleVersion.objects.count())
    # Same day again: the run is done and is returned as it is
    again = repricing.reprice_kickoff(business_date=date(2025, 1, 1))
    assert again.status == BatchStatus.DONE
    assert BatchRun.objects.count() == 1
    # A duplicate chunk message, even for a chunk forced back to pending
    chunk = again.chunks.first()
    chunk.status = BatchStatus.PENDING
    chunk.save()
    assert repricing.reprice_chunk(chunk_id=chunk.pk).repriced == 0
    assert (RateChange.objects.count(), ScheduleVersion.objects.count()) == counts


def test_new_installment_matches_the_schedule_for_what_is_left(book):
    run_day(date(2025, 1, 1))
    for key in ("first_long", "principal", "second_long"):
        loan = Loan.objects.get(pk=book[key].pk)
        months = loan.final_installment_number - loan.next_installment_number + 1
        expected = first_payment(
            principal=loan.outstanding_principal,
            annual_rate_percent=loan.annual_rate_percent,
            months=months,
            method=RepaymentMethod(loan.repayment_method),
        )
        assert loan.installment_amount == expected
        version = loan.schedule_versions.get(version=loan.current_schedule_version)
        assert (version.reason, version.principal, version.months, version.installment_amount) == (
            "repricing",
            loan.outstanding_principal,
            months,
            expected,
        )
        assert version.starts_at_installment == loan.next_installment_number
        change = loan.rate_changes.get()
        assert (change.effective_on, change.to_rate) == (date(2025, 1, 1), loan.annual_rate_percent)
        assert change.rate_row == loan.priced_rate_row
        assert change.rate_row.startswith("rate:")
        # The schedule the borrower sees now runs at the new rate and still sums to the loan
        rows = loan_schedule(loan=loan)
        assert sum(r.principal for r in rows) == loan.principal


def test_a_loan_that_fails_is_recorded_and_the_rest_go_on(book, monkeypatch):
    bad = book["first_long"].pk
    real = repricing._reprice_range

    def flaky(run, plan, id_from, id_to):
        if id_from <= bad <= id_to and id_from == id_to:
            raise ValueError("测试用故障")
        if id_from <= bad <= id_to and id_from != id_to:
            raise ValueError("分块失败，逐笔重试")
        return real(run, plan, id_from, id_to)

    monkeypatch.setattr(repricing, "_reprice_range", flaky)
    run = run_day(date(2025, 1, 1))
    assert (run.status, run.loans_repriced, run.loans_failed) == (
        BatchStatus.DONE_WITH_ERRORS,
        3,
        1,
    )
    error = run.errors.get()
    assert error.loan_id == bad
    assert "测试用故障" in error.message
    assert Loan.objects.get(pk=bad).annual_rate_percent == D("3.100")
    # Retry after the fault is gone: only the failed loan moves
    monkeypatch.setattr(repricing, "_reprice_range", real)
    repricing.reprice_retry(run=run, actor=None)
    for chunk in run.chunks.exclude(status=BatchStatus.DONE):
        repricing.reprice_chunk(chunk_id=chunk.pk)
    assert Loan.objects.get(pk=bad).annual_rate_percent == D("2.850")
    assert RateChange.objects.filter(loan_id=bad).count() == 1


def test_management_command_dry_run_and_run(book, capsys):
    call_command("reprice", "--date", "2025-01-01", "--dry-run")
    assert "需调整 4 笔贷款（未写入）" in capsys.readouterr().out
    assert RateChange.objects.count() == 0
    call_command("reprice", "--date", "2025-01-01")
    assert "调整 4 笔" in capsys.readouterr().out
    assert RateChange.objects.count() == 4


@pytest.mark.parametrize(
    ("rule", "day", "ref"),
    [
        ("next_january_1", date(2025, 1, 1), date(2024, 12, 31)),
        ("next_january_1", date(2025, 12, 31), date(2024, 12, 31)),
        ("next_quarter_start", date(2025, 5, 20), date(2025, 3, 31)),
        ("immediate", date(2025, 5, 20), date(2025, 5, 20)),
    ],
)
def test_reference_date_by_rule(rule, day, ref):
    assert repricing.reference_date(rule=rule, business_date=day) == ref


def test_beat_runs_the_night_at_one_in_the_morning(settings):
    # repricing is the first step of the night's chain (then collection, then overdue)
    entry = settings.CELERY_BEAT_SCHEDULE["nightly-servicing"]
    assert entry["task"] == "loans.tasks.servicing_nightly"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({1}, {0})
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


def test_admin_shows_runs_with_progress_and_errors(book, client, django_user_model):
    run_day(date(2025, 1, 1))
    admin_user = django_user_model.objects.create_superuser("root", password="x-Long-pass-1")
    client.force_login(admin_user)
    html = client.get("/admin/loans/batchrun/").content.decode()
    assert "批处理运行" in html
    assert "1/1 块" in html
    run = BatchRun.objects.get()
    assert client.get(f"/admin/loans/batchrun/{run.pk}/change/").status_code == 200


def test_approved_undisbursed_applications_are_requoted_on_the_change():
    # Given an application approved on 2025-05-06 at 2.85% (240 months, first home)
    staff = support.make_team("rq")
    dep = support.applicant(staff.clerk, name="待放款")
    app = support.draft(dep, term_months=240, purchase_contract_date=date(2025, 3, 1))
    dates = {
        "submit": date(2025, 4, 28),
        "accept": date(2025, 4, 29),
        "review": date(2025, 4, 30),
        "approve": date(2025, 5, 6),
    }
    support.advance(app, staff, to="approve", dates=dates)
    app.refresh_from_db()
    assert app.approved_rate_percent == D("2.850")
    # When the nightly job runs on 2025-05-08, the day the new rate takes effect
    run = run_day(date(2025, 5, 8))
    # Then the application shows the new rate, and nothing else moved
    app.refresh_from_db()
    assert (run.applications_requoted, app.approved_rate_percent) == (1, D("2.600"))
    assert run.loans_repriced == 0
    assert run_day(date(2025, 5, 9)).applications_requoted == 0


def test_a_time_limit_is_no_loans_fault(book, monkeypatch):
    # given: a chunk that runs into its soft time limit
    def stuck(run, plan, id_from, id_to):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(repricing, "_reprice_range", stuck)
    run = repricing.reprice_kickoff(business_date=date(2025, 1, 1))
    chunk = run.chunks.get()
    # when
    with pytest.raises(SoftTimeLimitExceeded):
        repricing.reprice_chunk(chunk_id=chunk.pk)
    # then: the chunk rolled back whole and waits for redelivery; no loan is marked failed
    chunk.refresh_from_db()
    assert (chunk.status, chunk.attempts, run.errors.count()) == (BatchStatus.PENDING, 0, 0)
    assert RateChange.objects.count() == 0


def test_chunk_tasks_are_time_limited_within_the_redelivery_timeout(settings):
    assert (reprice_chunk_task.soft_time_limit, reprice_chunk_task.time_limit) == (
        settings.REPRICE_CHUNK_SOFT_TIME_LIMIT,
        settings.REPRICE_CHUNK_TIME_LIMIT,
    )
    assert reprice_chunk_task.soft_time_limit < reprice_chunk_task.time_limit <= 10 * 60
    assert SoftTimeLimitExceeded in reprice_chunk_task.autoretry_for


def test_dry_run_preview_writes_nothing(book):
    # the five long loans disbursed before 2025-05-08 at another rate; none of them moves yet
    preview = repricing.reprice_preview(business_date=date(2026, 1, 5))
    assert preview == repricing.RepricingPreview(
        business_date=date(2026, 1, 5),
        reference=date(2025, 12, 31),
        effective_on=date(2026, 1, 1),
        candidates=5,
    )
    assert BatchRun.objects.count() == 0
