"""The clerks' desk on a city-scale book: every admin list, search, object page, the start
page and the API lists, timed on the demo data and again on the grown book in one run.

    .venv/bin/python bench/desk.py [--scale 1.0] [--runs 5]

Default database ``postgres://postgres@127.0.0.1:5432/gjj_desk_bench`` (its name must end
in ``_bench``: the bench drops and recreates it), broker ``redis://127.0.0.1:6379/10``.

1. Migrates, loads ``seed_demo`` and walks a few real cases through the services (a
   disbursed loan, an accepted application, a withdrawal): the demo-sized desk.
2. Times every page in-process (Django test client, logged in as a staff user holding the
   four business roles; one warm-up, then the median of ``--runs``).
3. Grows the same database set-based from those real rows (``bench.reprice.copy_rows``):
   at ``--scale 1`` 2,000,000 depositors and accounts, 1,000,000 loans with distinct
   borrowers, 300,000 pending loan and 300,000 withdrawal applications, 20,000,000
   ledger entries and 5,000,000 audit rows; secondary indexes are dropped around the bulk
   load and rebuilt, then ``VACUUM ANALYZE``.
4. Times the same pages again and prints the markdown table for docs/benchmarks.md.
   Target: each city-scale page ≤ 2× its demo time and < 300 ms.
"""

from __future__ import annotations

import argparse
import contextvars
import io
import json
import logging
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gjj_desk_bench")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/10")
os.environ.setdefault("CACHE_URL", "locmem://")

from bench.reprice import copy_rows, fresh_database  # noqa: E402

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
    "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史"
    "顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "文",
    "华",
    "红",
    "建国",
    "志强",
    "玉兰",
    "海燕",
    "晓东",
    "国庆",
    "淑珍",
    "春梅",
    "建军",
    "丽娟",
    "志明",
    "海涛",
    "俊杰",
    "鹏",
    "飞",
    "宇",
    "浩",
    "欣怡",
    "子涵",
    "梓轩",
    "一诺",
    "雨泽",
    "思远",
    "嘉怡",
    "晨曦",
    "若曦",
    "宏伟",
    "立新",
    "振华",
    "凤英",
    "玉梅",
    "秀云",
    "桂兰",
    "文博",
    "佳琪",
    "天佑",
    "雅婷",
    "诗涵",
    "国华",
    "永强",
    "建平",
    "晓燕",
    "丽华",
    "金凤",
    "红梅",
    "卫东",
    "德明",
    "志刚",
    "春生",
    "秋菊",
    "冬梅",
    "保国",
    "爱华",
]


def sql_array(items: list[str]) -> str:
    return "ARRAY[" + ",".join(f"'{s}'" for s in items) + "]"


def name_expr(g: str) -> str:
    """Surname × given name from small arrays: realistic, repeated names for trigram search."""
    sur, giv = sql_array(list(SURNAMES)), sql_array(GIVEN)
    n_sur, n_giv = len(SURNAMES), len(GIVEN)
    return f"({sur})[1 + {g} %% {n_sur}] || ({giv})[1 + ({g} / {n_sur}) %% {n_giv}]"


# --- the demo-sized desk ----------------------------------------------------------------


def seed() -> None:
    """seed_demo plus a few cases walked through the services."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    from gjj.domain import Role
    from loans.models import Loan
    from tests import factories
    from tests.factories.withdrawals import Builder

    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    staff = factories.make_team("desk")
    dep = factories.applicant(staff.clerk, name="王建国")
    loan = factories.advance(factories.draft(dep, term_months=240), staff, to="disburse")
    if not isinstance(loan, Loan):
        raise SystemExit("the template application did not reach disbursement")
    waiting = factories.applicant(staff.clerk, name="李秀英")
    factories.advance(factories.draft(waiting, term_months=240), staff, to="accept")
    builder = Builder(clerk=staff.clerk)
    renter = factories.applicant(staff.clerk, name="赵志强")
    builder.rental(renter, "6000.00", on=date(2025, 6, 3))

    User = get_user_model()
    desk = User.objects.create_user("deskbench", "", "x", first_name="基准经办", is_staff=True)
    desk.groups.set(Group.objects.filter(name__in=[r.group_name for r in Role]))


def templates() -> dict[str, Any]:
    """The cases ``seed`` walked (the lowest ids by those names: grown rows come after)."""
    from django.contrib.auth import get_user_model

    from gjj.models import AuditLog, Depositor
    from loans.models import Loan, LoanApplication
    from withdrawals.models import WithdrawalApplication

    def first(name: str) -> Depositor:
        return Depositor.objects.filter(name=name).order_by("id").select_related("account")[0]

    dep, waiting, renter = first("王建国"), first("李秀英"), first("赵志强")
    loan = Loan.objects.get(borrower=dep)
    return {
        "desk": get_user_model().objects.get(username="deskbench"),
        "loan": loan,
        "loan_app": LoanApplication.objects.get(pk=loan.application_id),
        "pending": LoanApplication.objects.get(applicant=waiting),
        "withdrawal": WithdrawalApplication.objects.get(applicant=renter),
        "depositor": dep,
        "audit": AuditLog.objects.order_by("-id").first(),
    }


# --- growing the book -------------------------------------------------------------------

BULK_TABLES = (
    "gjj_depositor",
    "gjj_providentaccount",
    "gjj_pfloanrecord",
    "loans_loanapplication",
    "loans_loan",
    "withdrawals_withdrawalapplication",
    "gjj_accountentry",
    "gjj_auditlog",
)


def drop_secondary_indexes(cur: Any) -> list[str]:
    """Drop the indexes no constraint needs; returns their definitions to rebuild."""
    cur.execute(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        "WHERE i.tablename = ANY(%s) AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
        [list(BULK_TABLES)],
    )
    rows = cur.fetchall()
    for name, _ in rows:
        cur.execute(f'DROP INDEX "{name}"')
    return [d for _, d in rows]


def grow(objs: dict[str, Any], scale: float) -> None:
    from django.db import connection, transaction

    from gjj.models import AccountEntry

    n_dep = int(2_000_000 * scale)
    n_loan = int(1_000_000 * scale)
    n_apps = int(300_000 * scale)
    n_entries = int(20_000_000 * scale)
    n_audit = int(5_000_000 * scale)
    loan, app, pending, wd = objs["loan"], objs["loan_app"], objs["pending"], objs["withdrawal"]
    dep = objs["depositor"]
    entry = AccountEntry.objects.filter(amount__gt=0).order_by("id")[0]
    steps: list[tuple[str, Callable[[Any], Any]]] = []
    ids: dict[str, int] = {}

    def step(label: str) -> Callable[[Callable[[Any], Any]], None]:
        def add(fn: Callable[[Any], Any]) -> None:
            steps.append((label, fn))

        return add

    @step(f"{n_dep:,} depositors")
    def _(cur: Any) -> None:
        ids["dep"] = copy_rows(
            cur,
            "gjj_depositor",
            dep.pk,
            n_dep,
            {
                "id_number": "'140' || lpad(g::text, 14, '0') || (g %% 10)::text",
                "name": name_expr("g"),
                "user_id": "NULL",
                "birth_date": "date '1960-01-01' + (g %% 14000)",
                "created_at": "tpl.created_at - (g || ' seconds')::interval",
            },
        )

    @step(f"{n_dep:,} accounts")
    def _(cur: Any) -> None:
        ids["acc"] = copy_rows(
            cur,
            "gjj_providentaccount",
            dep.account.pk,
            n_dep,
            {
                "depositor_id": f"{ids['dep']} + g - 1",
                "account_number": "'3' || lpad(g::text, 11, '0')",
            },
        )

    @step(f"{n_loan:,} loans (records, applications, loans)")
    def _(cur: Any) -> None:
        rec = copy_rows(
            cur,
            "gjj_pfloanrecord",
            loan.pf_loan_record_id,
            n_loan,
            {"borrower_id": f"{ids['dep']} + g - 1", "contract_number": "'GJ' || g"},
        )
        first = copy_rows(
            cur,
            "loans_loanapplication",
            app.pk,
            n_loan,
            {
                "applicant_id": f"{ids['dep']} + g - 1",
                "number": "'DK' || lpad(g::text, 10, '0')",
                "contract_number": "'HT' || lpad(g::text, 10, '0')",
            },
        )
        copy_rows(
            cur,
            "loans_loan",
            loan.pk,
            n_loan,
            {
                "borrower_id": f"{ids['dep']} + g - 1",
                "contract_number": "'JK' || lpad(g::text, 10, '0')",
                "application_id": f"{first} + g - 1",
                "pf_loan_record_id": f"{rec} + g - 1",
                "disbursed_on": "date '2016-01-01' + (g %% 3400)",
            },
        )

    @step(f"{n_apps:,} pending loan applications")
    def _(cur: Any) -> None:
        copy_rows(
            cur,
            "loans_loanapplication",
            pending.pk,
            n_apps,
            {
                "applicant_id": f"{ids['dep']} + {n_loan} + g - 1",
                "number": "'SQ' || lpad(g::text, 10, '0')",
                "status": "(ARRAY['submitted','accepted','reviewed','rejected','withdrawn'])"
                "[1 + g %% 5]",
                "submitted_on": "current_date - (g %% 700)",
                "deadline_on": "current_date - 40 + (g %% 700) / 10",
            },
        )

    @step(f"{n_apps:,} withdrawal applications")
    def _(cur: Any) -> None:
        copy_rows(
            cur,
            "withdrawals_withdrawalapplication",
            wd.pk,
            n_apps,
            {
                "applicant_id": f"{ids['dep']} + g - 1",
                "number": "'TQ' || lpad(g::text, 10, '0')",
                "status": "(ARRAY['submitted','accepted','rejected','cancelled'])[1 + g %% 4]",
                "applied_on": "current_date - (g %% 700)",
                "decision_due_on": "current_date - 40 + (g %% 700) / 10",
            },
        )

    @step(f"{n_entries:,} ledger entries")
    def _(cur: Any) -> None:
        chunk = 2_000_000
        per_day = max(1, n_entries // 3400)
        done = 0
        while done < n_entries:
            k = min(chunk, n_entries - done)
            copy_rows(
                cur,
                "gjj_accountentry",
                entry.pk,
                k,
                {
                    "account_id": f"{ids['acc']} + ({done} + g) %% {n_dep}",
                    "value_date": f"date '2016-01-01' + (({done} + g) / {per_day})",
                    "reference": f"'LS' || ({done} + g)",
                },
            )
            done += k

    @step(f"{n_audit:,} audit rows")
    def _(cur: Any) -> None:
        cur.execute("SELECT DISTINCT action, object_type FROM gjj_auditlog ORDER BY 1, 2")
        kinds = cur.fetchall()
        tpl = objs["audit"].pk
        actions = sql_array([a for a, _ in kinds])
        types = sql_array([t for _, t in kinds])
        k = len(kinds)
        copy_rows(
            cur,
            "gjj_auditlog",
            tpl,
            n_audit,
            {
                "action": f"({actions})[1 + g %% {k}]",
                "object_type": f"({types})[1 + g %% {k}]",
                "object_id": "(1 + g %% 1000000)::text",
                "at": f"now() - (({n_audit} - g) * interval '3 seconds')",
            },
        )

    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        indexes = drop_secondary_indexes(cur)
    for label, fn in steps:
        t = time.perf_counter()
        # Copies of consistent rows: no per-row foreign-key triggers during the bulk load.
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL session_replication_role = replica")
            fn(cur)
        print(f"  {label}: {time.perf_counter() - t:.0f}s", file=sys.stderr, flush=True)
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        for ddl in indexes:
            cur.execute(ddl)
        print(
            f"  {len(indexes)} indexes rebuilt: {time.perf_counter() - t:.0f}s",
            file=sys.stderr,
            flush=True,
        )
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(f"  VACUUM ANALYZE: {time.perf_counter() - t:.0f}s", file=sys.stderr, flush=True)


# --- timing -----------------------------------------------------------------------------


def pages(objs: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, kind, url); kind 'admin' or 'api'."""
    from django.contrib import admin
    from django.urls import reverse

    def change(obj: Any) -> str:
        m = obj._meta
        return reverse(f"admin:{m.app_label}_{m.model_name}_change", args=[obj.pk])

    def changelist(model: Any, q: str = "") -> str:
        m = model._meta
        url = reverse(f"admin:{m.app_label}_{m.model_name}_changelist")
        return f"{url}?q={q}" if q else url

    from gjj.models import Depositor, ProvidentAccount
    from loans.models import Loan, LoanApplication
    from withdrawals.models import WithdrawalApplication

    dep = objs["depositor"]
    app, pending, loan, wd = objs["loan_app"], objs["pending"], objs["loan"], objs["withdrawal"]
    out = [("start page", "admin", reverse("admin:index"))]
    registry = sorted(admin.site._registry, key=lambda m: (m._meta.app_label, m._meta.model_name))
    for model in registry:
        out.append((f"list: {model._meta.verbose_name}", "admin", changelist(model)))
    out += [
        (
            "search loan applications: ID number",
            "admin",
            changelist(LoanApplication, dep.id_number),
        ),
        (
            "search loan applications: account number",
            "admin",
            changelist(LoanApplication, dep.account.account_number),
        ),
        (
            "search loan applications: application number",
            "admin",
            changelist(LoanApplication, pending.number),
        ),
        ("search loan applications: name", "admin", changelist(LoanApplication, "李秀英")),
        ("search loans: contract number", "admin", changelist(Loan, loan.contract_number)),
        ("search loans: ID number", "admin", changelist(Loan, dep.id_number)),
        ("search loans: name", "admin", changelist(Loan, dep.name)),
        ("search depositors: ID number", "admin", changelist(Depositor, dep.id_number)),
        ("search depositors: name", "admin", changelist(Depositor, "王建国")),
        (
            "search accounts: account number",
            "admin",
            changelist(ProvidentAccount, dep.account.account_number),
        ),
        (
            "search withdrawals: application number",
            "admin",
            changelist(WithdrawalApplication, wd.number),
        ),
        ("search withdrawals: name", "admin", changelist(WithdrawalApplication, "赵志强")),
        ("object: loan application", "admin", change(app)),
        ("object: pending loan application", "admin", change(pending)),
        ("object: loan", "admin", change(loan)),
        ("object: depositor", "admin", change(dep)),
        ("object: account", "admin", change(dep.account)),
        ("object: withdrawal application", "admin", change(wd)),
        ("object: audit row", "admin", change(objs["audit"])),
        ("api: loan applications", "api", "/api/v1/loans/applications/"),
        ("api: loans", "api", "/api/v1/loans/"),
        ("api: withdrawal applications", "api", "/api/v1/withdrawals/applications/"),
        ("api: withdrawal consents", "api", "/api/v1/withdrawals/consents/"),
    ]
    return out


# Both books are timed in one process, page by page and run by run in turn, so that
# whatever else the machine is doing weighs on both alike. A router sends every query
# to the book being timed.
ACTIVE: contextvars.ContextVar[str] = contextvars.ContextVar("desk_book", default="default")


class BookRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str:
        return ACTIVE.get()

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return ACTIVE.get()

    def allow_relation(self, a: Any, b: Any, **hints: Any) -> bool:
        return True


def on_book(alias: str, fn: Callable[[], Any]) -> Any:
    token = ACTIVE.set(alias)
    try:
        return fn()
    finally:
        ACTIVE.reset(token)


def measure(runs: int) -> tuple[dict[str, tuple[float, int]], dict[str, tuple[float, int]]]:
    from django.test import Client
    from django.test.utils import override_settings
    from rest_framework.test import APIClient

    books = ("demo", "default")
    clients: dict[str, tuple[Any, Any]] = {}
    urls: dict[str, list[tuple[str, str, str]]] = {}

    def login(alias: str) -> None:
        objs = templates()
        desk = Client()
        desk.force_login(objs["desk"])
        applicant = APIClient()
        applicant.force_authenticate(objs["depositor"].user)
        clients[alias] = (desk, applicant)
        urls[alias] = pages(objs)

    for alias in books:
        on_book(alias, partial(login, alias))
    results: dict[str, dict[str, tuple[float, int]]] = {alias: {} for alias in books}
    with override_settings(ALLOWED_HOSTS=["*"]):
        for n, (label, kind, _) in enumerate(urls["demo"]):
            times: dict[str, list[float]] = {alias: [] for alias in books}
            status: dict[str, int] = {}
            for r in range(runs + 1):
                order = books if (n + r) % 2 == 0 else books[::-1]
                for alias in order:
                    client = clients[alias][0 if kind == "admin" else 1]
                    url = urls[alias][n][2]
                    t = time.perf_counter()
                    code = on_book(alias, partial(client.get, url)).status_code
                    if r == 0:  # warm-up
                        status[alias] = code
                    else:
                        times[alias].append((time.perf_counter() - t) * 1000)
            for alias in books:
                results[alias][label] = (statistics.median(times[alias]), status[alias])
    return results["demo"], results["default"]


def table(demo: dict[str, tuple[float, int]], city: dict[str, tuple[float, int]]) -> str:
    lines = ["| page | demo ms | city-scale ms | ratio |", "|---|---:|---:|---:|"]
    for label, (d, status) in demo.items():
        c, cstatus = city.get(label, (float("nan"), 0))
        note = "" if status == cstatus == 200 else f" (HTTP {status}/{cstatus})"
        lines.append(f"| {label}{note} | {d:.0f} | {c:.0f} | {c / d:.1f}× |")
    return "\n".join(lines)


DEMO_DB = "gjj_desk_demo_bench"


def database_url(name: str) -> str:
    return os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + name


def phase(name: str, db: str, *extra: str) -> str:
    """Run one phase in its own process (Django binds one database per process)."""
    env = {**os.environ, "DATABASE_URL": database_url(db)}
    done = subprocess.run(
        [sys.executable, __file__, "--phase", name, *extra],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return done.stdout


def run_phase(args: argparse.Namespace) -> None:
    import django

    if args.phase in ("demo", "city"):
        fresh_database()
    if args.phase == "measure":
        from django.conf import settings

        settings.DATABASES["demo"] = {**settings.DATABASES["default"], "NAME": DEMO_DB}
        settings.DATABASE_ROUTERS = ["__main__.BookRouter"]
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    logging.disable(logging.WARNING)  # the request log would print every timed 4xx
    if args.phase in ("demo", "city"):
        seed()
    if args.phase == "city":
        t = time.perf_counter()
        grow(templates(), args.scale)
        print(f"book grown in {time.perf_counter() - t:.0f}s", file=sys.stderr, flush=True)
    if args.phase == "measure":
        call_command("migrate", database="demo", verbosity=0)
        print(json.dumps(measure(args.runs)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0, help="1.0 = the city-scale-plus book")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument(
        "--reuse", action="store_true", help="keep both databases (migrated) and only time them"
    )
    ap.add_argument("--phase", choices=("demo", "city", "measure"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase:
        run_phase(args)
        return
    city_db = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    if not args.reuse:
        print("demo database …", file=sys.stderr, flush=True)
        phase("demo", DEMO_DB)
        print(f"city-scale book ×{args.scale} …", file=sys.stderr, flush=True)
        phase("city", city_db, "--scale", str(args.scale))
    out = phase("measure", city_db, "--runs", str(args.runs))
    demo, city = json.loads(out.strip().splitlines()[-1])
    print(table(demo, city))
    bad = [k for k, (c, _) in city.items() if c >= 300 or c > 2 * max(demo[k][0], 1)]
    print(f"\n{len(city) - len(bad)}/{len(city)} pages within 2× demo and < 300 ms")
    for k in bad:
        print(f"  over: {k}")


if __name__ == "__main__":
    main()
