"""The rate preview of a policy draft against the repricing job's dry run, on one book.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gjj_policy_bench \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/policy_preview.py [--loans 1000000] [--reuse]

1. Builds the book of ``bench/reprice.py`` (``build_book``: a fresh ``*_bench``
   database, one real loan copied set-based into N, all at 3.10 % from 2023).
   ``--reuse`` keeps a book of N loans already there (its schedule versions
   completed if missing) instead of building one.
2. Drafts a first-home rate table from tomorrow (2.35 % over five years, 1.85 %
   up to five), which under the national rule reprices on the next 1 January.
3. Times, over the job's own chunks in this process, (a) the repricing job's dry
   run for that day (``reprice_dry_run``: the job's statement per chunk without
   its writes, summed by tier and term band, installments before and after, the
   change per loan) and (b) the draft's rate preview over the same book
   (``loans.policy_preview.rate_impact``: the same, walked 12 months on for the
   interest both ways). The candidates' COUNT (``reprice_preview``) is shown for
   reference.
4. Prints the figures for docs/benchmarks.md. Target: (b) within 2× of (a).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gjj_policy_bench")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/12")

from bench import reprice  # noqa: E402


def best_of(rounds: int, run: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(rounds):
        t = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - t)
    return best, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loans", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--reuse", action="store_true", help="keep the book already built")
    args = ap.parse_args()

    if not args.reuse:
        reprice.fresh_database()
    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from gjj import drafts
    from gjj.domain import Role
    from gjj.selectors import today_local
    from loans import policy_preview, repricing
    from loans.models import Loan
    from tests import factories

    t0 = time.perf_counter()
    total = Loan.objects.count() if args.reuse else 0
    if total == args.loans:
        with connection.cursor() as cur:
            if reprice.copy_versions(cur):
                cur.execute("VACUUM ANALYZE loans_scheduleversion")
        print(f"book reused: {total:,} loans", flush=True)
    else:
        if args.reuse:
            raise SystemExit(f"the book has {total:,} loans, not {args.loans:,}: build it anew")
        total = reprice.build_book(loans=args.loans)
        print(f"book ready: {total:,} loans in {time.perf_counter() - t0:.0f}s", flush=True)

    drafter = factories.make_staff(f"pbench{int(time.time())}", Role.POLICY_ADMIN)
    draft = drafts.policy_draft_create(title="基准：首套利率下调", actor=drafter)
    changed_on = today_local() + timedelta(days=1)
    for band, rate in (("gt5", "2.350"), ("le5", "1.850")):
        drafts.policy_draft_rate_add(
            draft=draft,
            effective_from=changed_on,
            home_tier=1,
            term_band=band,
            annual_rate_percent=Decimal(rate),
            document="基准",
            article="第一条",
            actor=drafter,
        )
    drafted = drafts.policy_draft_values(draft=draft)
    plan = policy_preview.rate_plan(drafted=drafted)
    day = plan.business_date
    print(f"repricing date under the rule in force: {day}", flush=True)

    count, counted = best_of(args.rounds, lambda: repricing.reprice_preview(business_date=day))
    print(f"candidates' COUNT: {count:.2f}s — {counted.candidates:,} loans", flush=True)
    dry, ran = best_of(args.rounds, lambda: repricing.reprice_dry_run(business_date=day))
    whole = ran.totals.total
    print(
        f"(a) reprice dry run: {dry:.2f}s — {whole.loans:,} loans in {ran.chunks} chunks, "
        f"installments {whole.installment_before} → {whole.installment_after}, change per "
        f"loan {ran.totals.change_min()} / {ran.totals.change_median()} / "
        f"{ran.totals.change_max()}",
        flush=True,
    )
    preview, result = best_of(
        args.rounds, lambda: policy_preview.rate_impact(on=today_local(), drafted=drafted)
    )
    totals = result["total"]
    print(
        f"(b) rate preview: {preview:.2f}s — {totals['loans']:,} loans, installments "
        f"{totals['payment_before']} → {totals['payment_after']}, 12 months' interest "
        f"{totals['interest_before']} → {totals['interest_after']}, change per loan "
        f"{totals['change_min']} / {totals['change_median']} / {totals['change_max']}"
    )
    print(f"ratio preview / dry run: {preview / dry:.2f}× (target ≤ 2×), best of {args.rounds}")


if __name__ == "__main__":
    main()
