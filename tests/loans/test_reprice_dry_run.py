"""The repricing dry run: what the job would write, summed over its chunks, written nowhere.

On PostgreSQL the dry run runs the job's own statement text (``fresh_cte``) without
its writes; on SQLite the same loans go through the schedules one by one.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command

from loans import repricing
from loans.models import BatchRun, Loan, RateChange, ScheduleVersion
from loans.selectors import loan_schedule
from tests import factories as support

pytestmark = pytest.mark.django_db
D = Decimal
DAY = date(2026, 1, 1)  # the 2025-05-08 rates reach the long loans disbursed before


# Disbursed on 2025-05-07 at the rates of 2024-05-18 (first due 2025-06-20)
WALK = {
    "submit": date(2025, 4, 28),
    "accept": date(2025, 4, 29),
    "review": date(2025, 4, 30),
    "approve": date(2025, 5, 6),
    "sign": date(2025, 5, 7),
    "disburse": date(2025, 5, 7),
}


def _loan(staff, *, name, term, tier=1, method="equal_installment", amount="400000.00"):
    dep = support.applicant(staff.clerk, name=name)
    if tier == 2:
        support.home(dep, staff.clerk)
    app = support.draft(dep, term_months=term, requested_amount=D(amount), repayment_method=method)
    loan = support.advance(app, staff, to="disburse", dates=WALK)
    assert isinstance(loan, Loan)
    return loan


@pytest.fixture
def book(monkeypatch):
    # Four loans the 2025-05-08 rates reach on 1 January 2026, and one of 12 months they don't
    staff = support.make_team("dr")
    loans = [
        _loan(staff, name="等额本息", term=240),
        _loan(staff, name="等额本金", term=240, method="equal_principal"),
        _loan(staff, name="二套", term=240, tier=2, amount="300000.00"),
        _loan(staff, name="五年", term=60, amount="100000.00"),
        _loan(staff, name="一年", term=12, amount="50000.00"),
    ]
    # Two loans per chunk: the totals are summed over the chunks
    monkeypatch.setattr(repricing, "CHUNK_SIZE", 2)
    return loans


def test_the_dry_run_totals_are_what_the_job_then_writes(book):
    # given: each loan's schedule as it stands
    before = {loan.pk: {r.number: r.payment for r in loan_schedule(loan=loan)} for loan in book}

    # when: the dry run, then the job for the same day
    dry = repricing.reprice_dry_run(business_date=DAY)
    assert (BatchRun.objects.count(), RateChange.objects.count()) == (0, 0)
    run = repricing.reprice_kickoff(business_date=DAY)
    for chunk in run.chunks.order_by("id"):
        repricing.reprice_chunk(chunk_id=chunk.pk)

    # then: loan by loan from what the job wrote, summed by home tier × term band
    written = ScheduleVersion.objects.filter(batch_run_id=run.pk).select_related("loan")
    cells: dict[tuple[int, str], list[Decimal | int]] = {}
    changes: Counter[Decimal] = Counter()
    for v in written:
        old = before[v.loan_id][v.starts_at_installment]
        acc = cells.setdefault((v.loan.home_tier, v.loan.term_band), [0, D(0), D(0), D(0)])
        acc[0] += 1
        acc[1] += old
        acc[2] += v.installment_amount
        acc[3] += v.principal
        changes[v.installment_amount - old] += 1
        # the first installment due on or after 1 January: 2026-01-20, the 8th
        assert (v.starts_at_installment, v.first_due_date) == (8, date(2026, 1, 20))
    assert run.chunks.count() == dry.chunks == 2
    assert set(cells) == {(1, "gt5"), (2, "gt5"), (1, "le5")}
    assert cells[(1, "gt5")][0] == 2
    assert {
        key: [c.loans, c.installment_before, c.installment_after, c.principal]
        for key, c in dry.totals.cells.items()
    } == cells
    assert dry.totals.changes == changes
    assert all(change < 0 for change in changes)  # every rate went down
    ordered = sorted(changes.elements())
    assert (dry.totals.change_min(), dry.totals.change_median(), dry.totals.change_max()) == (
        ordered[0],
        ordered[1],  # the lower of the two middle values of four
        ordered[-1],
    )
    assert dry.effective_on == DAY
    assert Loan.objects.get(pk=book[4].pk).annual_rate_percent == D("2.350")  # 12 months: kept


def test_the_command_reports_the_totals_and_writes_nothing(book, capsys):
    # when
    call_command("reprice", "--date", DAY.isoformat(), "--dry-run")

    # then
    out = capsys.readouterr().out
    dry = repricing.reprice_dry_run(business_date=DAY)
    whole = dry.totals.total
    assert "需调整 4 笔贷款（未写入）" in out
    assert f"合计月供 {whole.installment_before} → {whole.installment_after}" in out
    assert (BatchRun.objects.count(), RateChange.objects.count()) == (0, 0)
