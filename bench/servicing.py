"""The nightly servicing of a book of loans: collection and overdue against a plain UPDATE.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gjj_servicing_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/11 \\
        .venv/bin/python bench/servicing.py [--loans 1000000] [--workers 2]

1. Builds the book as bench/reprice.py does (one real loan through the application
   walk, copied set-based), and gives every copy a borrower and provident account
   of its own, a 委托扣款 bank account, and on every second loan a 冲还贷
   authorisation. Of the authorised loans, half hold enough to pay their
   installment and half a third of it, so that the drawing covers some
   installments and leaves a shortfall for the bank file on others.
2. Times (a) one plain ``UPDATE`` of the loans table, rolled back — the floor —
   and (b) the night through the real task path (``loans.tasks.servicing_nightly``:
   repricing, collection, overdue as a chain of batch runs, chunks through the
   broker to N Celery worker processes) on the first due date D, when every
   loan's first installment falls due; then (c) the night of D + 1, whose overdue
   step charges the first day's penalty on every installment the night of D left
   unpaid (the bank's result file has not come back).
3. Prints each step's time (its batch run's start to finish) for docs/benchmarks.md.
   Target: each step within 3× of (a).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gjj_servicing_bench")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/11")

from bench.reprice import copy_rows, fresh_database  # noqa: E402  (after the defaults above)

FINISHED = ("done", "done_with_errors")


def build_book(n_loans: int) -> tuple[Any, date]:
    """The book of ``n_loans`` loans; returns the template loan and its first due date."""
    from django.db import connection, transaction

    from loans.models import Loan, LoanApplication
    from tests import factories

    staff = factories.make_team(f"bench{int(time.time())}")
    dep = factories.applicant(staff.clerk, name="基准", phone="13800001111")
    loan = factories.advance(factories.draft(dep, term_months=240), staff, to="disburse")
    if not isinstance(loan, Loan):
        raise SystemExit("the demo application did not reach disbursement")
    app = LoanApplication.objects.get(pk=loan.application_id)
    account = dep.account
    installment = loan.installment_amount
    n = n_loans - 1
    with transaction.atomic(), connection.cursor() as cur:
        # One borrower and one provident account per loan (the template's are copy 0).
        dep_first = copy_rows(
            cur,
            "gjj_depositor",
            dep.pk,
            n,
            {"id_number": "'9' || lpad(g::text, 17, '0')", "user_id": "NULL"},
        )
        acc_first = copy_rows(
            cur,
            "gjj_providentaccount",
            account.pk,
            n,
            {
                "account_number": "'9' || lpad(g::text, 11, '0')",
                "depositor_id": f"{dep_first} + g - 1",
            },
        )
        app_first = copy_rows(
            cur,
            "loans_loanapplication",
            app.pk,
            n,
            {
                "number": "'B' || g",
                "contract_number": "'BC' || g",
                "applicant_id": f"{dep_first} + g - 1",
            },
        )
        rec_first = copy_rows(
            cur,
            "gjj_pfloanrecord",
            loan.pf_loan_record_id,
            n,
            {"borrower_id": f"{dep_first} + g - 1"},
        )
        loan_first = copy_rows(
            cur,
            "loans_loan",
            loan.pk,
            n,
            {
                "contract_number": "'BL' || g",
                "application_id": f"{app_first} + g - 1",
                "pf_loan_record_id": f"{rec_first} + g - 1",
                "borrower_id": f"{dep_first} + g - 1",
            },
        )
        # Each loan's schedule comes from its versions (the night reads the installments there).
        for version in loan.schedule_versions.order_by("pk"):
            copy_rows(
                cur, "loans_scheduleversion", version.pk, n, {"loan_id": f"{loan_first} + g - 1"}
            )
        # Balances: loans with id ≡ 2 (mod 4) (authorised) hold a third of an installment,
        # the others enough for it; the ledger carries one opening entry per copied account.
        third = (installment / 3).quantize(Decimal("0.01"))
        cur.execute(
            "UPDATE gjj_providentaccount a SET balance = CASE WHEN l.id %% 4 = 2 "
            "THEN %s ELSE 50000.00 END FROM loans_loan l "
            "WHERE l.borrower_id = a.depositor_id AND a.id >= %s",
            [third, acc_first],
        )
        cur.execute(
            "INSERT INTO gjj_accountentry (account_id, entry_type, amount, balance_after, "
            "value_date, withdrawal_reason, memo, reference, created_by_id, created_at) "
            "SELECT a.id, '01', a.balance, a.balance, '2025-06-01', '', '期初余额', '', NULL, "
            "now() FROM gjj_providentaccount a WHERE a.id >= %s ORDER BY a.id",
            [acc_first],
        )
        # 冲还贷 on every second loan (the borrower's own account), 委托扣款 on all.
        cur.execute(
            "INSERT INTO loans_repaymentauthorization (loan_id, account_id, depositor_id, "
            "holder, priority, granted_on, granted_at, granted_by_id, signed_reference, "
            "channel, stop_reason) "
            "SELECT l.id, a.id, l.borrower_id, 'borrower', 1, l.disbursed_on, now(), NULL, "
            "'SQ' || l.id, 'counter', '' FROM loans_loan l "
            "JOIN gjj_providentaccount a ON a.depositor_id = l.borrower_id "
            "WHERE l.id % 2 = 0 ORDER BY l.id"
        )
        cur.execute(
            "INSERT INTO loans_bankdebitaccount (loan_id, bank_name, bank_code, account_number, "
            "account_name, registered_on, registered_at, registered_by_id) "
            "SELECT l.id, '中国建设银行阳泉分行', 'CCB', '6217' || lpad(l.id::text, 12, '0'), "
            "'基准', l.disbursed_on, now(), NULL FROM loans_loan l ORDER BY l.id"
        )
    with connection.cursor() as cur:
        for table in (
            "loans_loan",
            "loans_scheduleversion",
            "gjj_providentaccount",
            "gjj_accountentry",
            "loans_repaymentauthorization",
            "loans_bankdebitaccount",
        ):
            cur.execute(f"VACUUM ANALYZE {table}")
    loan.refresh_from_db()
    return loan, loan.first_due_date


def floor_update() -> float:
    """One plain set-based UPDATE of the loans table, rolled back."""
    from django.db import connection, transaction

    with transaction.atomic():
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("UPDATE loans_loan SET next_installment_number = next_installment_number")
        floor = time.perf_counter() - t
        transaction.set_rollback(True)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE loans_loan")
    return floor


def night(on: date) -> dict[str, tuple[float, Any]]:
    """The night of ``on`` through the beat's task; each step's run time and its run."""
    from loans import servicing
    from loans.models import BatchRun
    from loans.tasks import servicing_nightly

    t = time.perf_counter()
    servicing_nightly.delay(on.isoformat())
    while True:
        runs = {r.job: r for r in BatchRun.objects.filter(business_date=on)}
        last = runs.get(servicing.JOB_OVERDUE)
        if last is not None and last.status in FINISHED:
            break
        if time.perf_counter() - t > 6 * 3600:
            raise SystemExit(f"the night of {on} did not finish: {runs}")
        time.sleep(0.5)
    wall = time.perf_counter() - t
    steps: dict[str, tuple[float, Any]] = {"night (wall)": (wall, None)}
    for job, run in sorted(runs.items(), key=lambda kv: kv[1].pk):
        seconds = (
            (run.finished_at - run.started_at).total_seconds()
            if run.started_at and run.finished_at
            else float("nan")
        )
        steps[job] = (seconds, run)
    return steps


def report(label: str, steps: dict[str, tuple[float, Any]], floor: float) -> None:
    for job, (seconds, run) in steps.items():
        counts = ""
        if run is not None:
            counts = (
                f" — {run.loans_total:,} to process, {run.loans_repriced:,} processed, "
                f"{run.loans_failed} failed, {run.chunks_total} chunks"
            )
        print(f"{label} {job}: {seconds:.1f}s ({seconds / floor:.2f}× the UPDATE){counts}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loans", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    fresh_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    print(f"building a book of {args.loans:,} loans …", flush=True)
    t0 = time.perf_counter()
    loan, due = build_book(args.loans)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*), count(*) FILTER (WHERE id % 2 = 0) FROM loans_loan")
        total, authorised = cur.fetchone()
    print(
        f"book ready: {total:,} loans ({authorised:,} with 冲还贷), installment "
        f"{loan.installment_amount} due {due}, in {time.perf_counter() - t0:.0f}s",
        flush=True,
    )

    floor = floor_update()
    print(f"plain UPDATE of loans_loan: {floor:.1f}s", flush=True)

    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--concurrency",
                "1",
                "--loglevel",
                "WARNING",
                "-n",
                f"servicing{i}@%h",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=dict(os.environ),
        )
        for i in range(args.workers)
    ]
    time.sleep(6)  # workers connected
    try:
        report(f"night of {due}", night(due), floor)
        report(f"night of {due + timedelta(days=1)}", night(due + timedelta(days=1)), floor)
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(timeout=60)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), coalesce(sum(amount), 0) FROM loans_collectionallocation "
            "WHERE channel = 'provident'"
        )
        drawn, drawn_total = cur.fetchone()
        cur.execute("SELECT count(*), coalesce(sum(amount), 0) FROM loans_bankdeductionline")
        lines, lines_total = cur.fetchone()
        cur.execute("SELECT risk_class, count(*) FROM loans_loanservicing GROUP BY 1 ORDER BY 1")
        classes = cur.fetchall()
    print(f"冲还贷 drawings: {drawn:,} ({drawn_total}); bank file lines: {lines:,} ({lines_total})")
    print(f"risk classes after D + 1: {classes}")
    print(f"{args.workers} workers; target: each step ≤ 3× the plain UPDATE")


if __name__ == "__main__":
    main()
