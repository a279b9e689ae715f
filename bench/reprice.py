"""Repricing a book of loans: the full job against a plain UPDATE of the same table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gjj_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/reprice.py [--loans 1000000] [--workers 2]

1. Migrates the (PostgreSQL) database and makes one real loan through the
   application walk (the test builders), disbursed 2025-06-12.
2. Copies it set-based into a book of N loans (applications, loan-history
   records, loans and their schedule versions), all moved back to 2023 at
   3.10% so that each is due for repricing on 2025-01-01.
3. Times (a) one plain ``UPDATE`` of the rate column over the whole table,
   inside a transaction that is rolled back — the floor — and (b) the full job:
   kickoff, then the chunks through the broker to N Celery worker processes
   (each ``--concurrency 1``), until the run is closed.
4. Prints the figures for docs/benchmarks.md. Target: (b) within 3× of (a).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gjj_bench")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")


def fresh_database() -> None:
    """The bench owns its database: dropped and made anew on every run."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    if not name.endswith("_bench"):
        raise SystemExit(f"refusing to drop {name!r}: the bench database name must end in _bench")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def copy_rows(cur, table: str, template_id: int, n: int, overrides: dict[str, str]) -> int:
    """INSERT n copies of one row, with SQL expressions (over g = 1..n) for some columns."""
    cur.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
        "ORDER BY ordinal_position",
        [table],
    )
    cols = [c for (c,) in cur.fetchall() if c != "id"]
    exprs = [overrides.get(c, f"tpl.{c}") for c in cols]
    cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
    first = cur.fetchone()[0] + 1
    cur.execute(
        f"INSERT INTO {table} ({', '.join(cols)}) "
        f"SELECT {', '.join(exprs)} FROM {table} tpl, generate_series(1, %s) g "
        f"WHERE tpl.id = %s ORDER BY g",
        [n, template_id],
    )
    return first


def copy_versions(cur) -> int:
    """Give every loan without one the template's schedule version (the book's copies)."""
    cur.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'loans_scheduleversion' AND column_name NOT IN ('id', 'loan_id') "
        "ORDER BY ordinal_position"
    )
    cols = [c for (c,) in cur.fetchall()]
    cur.execute("SELECT MIN(id) FROM loans_scheduleversion")
    (template,) = cur.fetchone()
    cur.execute(
        f"INSERT INTO loans_scheduleversion (loan_id, {', '.join(cols)}) "
        f"SELECT l.id, {', '.join('tpl.' + c for c in cols)} "
        "FROM loans_loan l, loans_scheduleversion tpl WHERE tpl.id = %s "
        "AND NOT EXISTS (SELECT 1 FROM loans_scheduleversion v WHERE v.loan_id = l.id) "
        "ORDER BY l.id",
        [template],
    )
    return cur.rowcount


def build_book(*, loans: int) -> int:
    """A book of ``loans`` loans, each due for repricing on 2025-01-01; returns the count.

    One real loan through the application walk, copied set-based (applications,
    loan-history records, loans, schedule versions), moved back to 2023 at 3.10 %.
    """
    from django.db import connection, transaction

    from loans.models import Loan, LoanApplication
    from tests import factories

    print(f"building a book of {loans:,} loans …", flush=True)
    staff = factories.make_team(f"bench{int(time.time())}")
    dep = factories.applicant(staff.clerk, name="基准")
    loan = factories.advance(factories.draft(dep, term_months=240), staff, to="disburse")
    if not isinstance(loan, Loan):
        raise SystemExit("the demo application did not reach disbursement")
    app = LoanApplication.objects.get(pk=loan.application_id)
    n = loans - 1
    with transaction.atomic(), connection.cursor() as cur:
        app_first = copy_rows(
            cur,
            "loans_loanapplication",
            app.pk,
            n,
            {
                "number": "'B' || g",
                "contract_number": "'BC' || g",
            },
        )
        rec_first = copy_rows(cur, "gjj_pfloanrecord", loan.pf_loan_record_id, n, {})
        copy_rows(
            cur,
            "loans_loan",
            loan.pk,
            n,
            {
                "contract_number": "'BL' || g",
                "application_id": f"{app_first} + g - 1",
                "pf_loan_record_id": f"{rec_first} + g - 1",
            },
        )
        copy_versions(cur)
        cur.execute(
            "UPDATE loans_loan SET disbursed_on = '2023-03-01', priced_on = '2023-03-01', "
            "annual_rate_percent = 3.100, priced_rate_row = 'rate:old'"
        )
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE loans_loan")
        cur.execute("VACUUM ANALYZE loans_scheduleversion")
    return Loan.objects.count()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loans", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()

    fresh_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    call_command("migrate", verbosity=0)
    from loans import repricing
    from loans.models import BatchStatus

    t0 = time.perf_counter()
    total = build_book(loans=args.loans)
    print(f"book ready: {total:,} loans in {time.perf_counter() - t0:.0f}s", flush=True)

    # (a) The floor: one plain set-based UPDATE of the rate column, rolled back.
    with transaction.atomic():
        t = time.perf_counter()
        with connection.cursor() as cur:
            cur.execute("UPDATE loans_loan SET annual_rate_percent = 2.850")
        floor = time.perf_counter() - t
        transaction.set_rollback(True)
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE loans_loan")
    print(f"plain UPDATE: {floor:.1f}s", flush=True)

    # (b) The full job through the broker with N worker processes.
    env = dict(os.environ)
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
                f"bench{i}@%h",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=env,
        )
        for i in range(args.workers)
    ]
    from loans.tasks import chunk_dispatch

    time.sleep(6)  # workers connected
    try:
        t = time.perf_counter()
        run = repricing.reprice_kickoff(business_date=date(2025, 1, 1), dispatch=chunk_dispatch)
        while True:
            run.refresh_from_db()
            if run.status in (BatchStatus.DONE, BatchStatus.DONE_WITH_ERRORS):
                break
            time.sleep(0.2)
        job = time.perf_counter() - t
    finally:
        for w in workers:
            w.terminate()
        for w in workers:
            w.wait(timeout=60)
    print(
        f"full job: {job:.1f}s — {run.loans_repriced:,} repriced, {run.loans_failed} failed, "
        f"{run.chunks_total} chunks, {args.workers} workers"
    )
    print(f"ratio job / plain UPDATE: {job / floor:.2f}× (target ≤ 3×)")


if __name__ == "__main__":
    main()
