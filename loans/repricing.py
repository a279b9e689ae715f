"""Nightly repricing of existing loans (domain.md §2, §6), set-based per chunk.

The candidate rule has one home, ``loans_due_for_repricing``; both the SQL path
(PostgreSQL) and the ORM path (SQLite) take their loans from it. Installments
due before the repricing date keep the old rate: docs/money.md, "Repricing".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, localcontext
from functools import lru_cache
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from gjj.domain import AuditAction, RepaymentMethod
from gjj.errors import BusinessError
from gjj.policy import Key, PolicySnapshot, PolicyValue, RateValue
from gjj.selectors import policy_in_force
from gjj.services import audit_record
from loans import selectors, services
from loans.models import (
    BatchChunk,
    BatchError,
    BatchRun,
    BatchStatus,
    Loan,
    LoanStatus,
    RateChange,
    RepricingFactor,
    ScheduleReason,
    ScheduleVersion,
)
from loans.schedules import add_months, annuity_factor, build_schedule, first_payment

JOB = "reprice"
CHUNK_SIZE = 20_000
FACTOR_PLACES = Decimal(10) ** -30
# What one loan's data can raise. A time limit or a lost connection is no loan's
# fault: it propagates, the chunk rolls back and its message is delivered again.
LOAN_FAULTS = (DatabaseError, ArithmeticError, ValueError, TypeError, LookupError)
# Unsaved rows, as ``policy_in_force(drafted=)`` takes them.
Drafted = tuple[Sequence[PolicyValue], Sequence[RateValue]]
ZERO = Decimal("0.00")
Range = tuple[int, int]


def reference_date(*, rule: str, business_date: date) -> date:
    """The day whose rates existing loans carry on ``business_date``."""
    if rule == "next_january_1":
        return date(business_date.year - 1, 12, 31)
    if rule == "next_quarter_start":
        quarter_start = date(business_date.year, 3 * ((business_date.month - 1) // 3) + 1, 1)
        return quarter_start - timedelta(days=1)
    if rule == "immediate":
        return business_date
    raise BusinessError("unknown_repricing_rule", f"未知的存量贷款重定价规则：{rule}")


def repricing_date(*, rule: str, business_date: date) -> date:
    """The day the new rate starts to apply: 1 January (or the quarter's first day).

    A run caught up late still reprices from that day, not from the day it ran.
    """
    if rule == "immediate":
        return business_date
    return reference_date(rule=rule, business_date=business_date) + timedelta(days=1)


def first_repricing_date(*, rule: str, changed_on: date) -> date:
    """The first day existing loans carry a rate that takes effect on ``changed_on``.

    The first business date whose reference date is on or after the change:
    2025-05-08 under ``next_january_1`` gives 2026-01-01.
    """
    on = changed_on
    while reference_date(rule=rule, business_date=on) < changed_on:
        if rule == "next_january_1":
            on = date(on.year + 1, 1, 1)
        else:  # next_quarter_start: the next quarter's first day
            month = 3 * ((on.month - 1) // 3) + 4
            on = date(on.year + (month > 12), (month - 1) % 12 + 1, 1)
    return repricing_date(rule=rule, business_date=on)


@dataclass(frozen=True, slots=True)
class Target:
    home_tier: int
    term_band: str
    rate: Decimal
    rate_row: str


@dataclass(frozen=True, slots=True)
class Plan:
    business_date: date
    reference: date
    effective_on: date
    keep_max_term: int
    targets: tuple[Target, ...]


@dataclass(frozen=True, slots=True)
class RepricingPreview:
    """What a run on ``business_date`` would do, without writing anything."""

    business_date: date
    reference: date
    effective_on: date
    candidates: int


@dataclass(slots=True)
class CellTotals:
    """One home tier × term band of what a run would write (sums to the fen).

    ``installment_before`` is the current schedule's installment at the new
    version's start, ``installment_after`` the new version's first; the interest
    sums cover the first ``window_months`` installments from there (0 when unused).
    """

    loans: int = 0
    installment_before: Decimal = ZERO
    installment_after: Decimal = ZERO
    principal: Decimal = ZERO
    interest_before: Decimal = ZERO
    interest_after: Decimal = ZERO

    def add(self, other: CellTotals) -> None:
        self.loans += other.loans
        self.installment_before += other.installment_before
        self.installment_after += other.installment_after
        self.principal += other.principal
        self.interest_before += other.interest_before
        self.interest_after += other.interest_after


_CELL_FIELDS = (
    "installment_before",
    "installment_after",
    "principal",
    "interest_before",
    "interest_after",
)


@dataclass(slots=True)
class RepricingTotals:
    """What a run (or part of one) would do, summed chunk by chunk; nothing written.

    ``changes`` counts the loans by change of installment (after − before), so
    the median of a whole book is exact however it was chunked.
    """

    cells: dict[tuple[int, str], CellTotals] = field(default_factory=dict)
    changes: Counter[Decimal] = field(default_factory=Counter)

    def add(self, other: RepricingTotals) -> None:
        for key, cell in other.cells.items():
            self.cells.setdefault(key, CellTotals()).add(cell)
        self.changes.update(other.changes)

    @property
    def total(self) -> CellTotals:
        whole = CellTotals()
        for cell in self.cells.values():
            whole.add(cell)
        return whole

    @property
    def loans(self) -> int:
        return sum(c.loans for c in self.cells.values())

    def change_min(self) -> Decimal | None:
        return min(self.changes) if self.changes else None

    def change_max(self) -> Decimal | None:
        return max(self.changes) if self.changes else None

    def change_median(self) -> Decimal | None:
        """The lower median (``statistics.median_low``; SQL's ``PERCENTILE_DISC(0.5)``)."""
        rank = (sum(self.changes.values()) + 1) // 2
        seen = 0
        for value in sorted(self.changes):
            seen += self.changes[value]
            if seen >= rank:
                return value
        return None

    def as_json(self) -> dict[str, Any]:
        """Plain values (a Celery result)."""
        return {
            "cells": [
                [tier, band, c.loans, *(str(getattr(c, f)) for f in _CELL_FIELDS)]
                for (tier, band), c in sorted(self.cells.items())
            ],
            "changes": [[str(v), n] for v, n in sorted(self.changes.items())],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RepricingTotals:
        totals = cls()
        for tier, band, loans, *sums in data["cells"]:
            totals.cells[(tier, band)] = CellTotals(loans, *(Decimal(v) for v in sums))
        totals.changes.update({Decimal(v): n for v, n in data["changes"]})
        return totals


@dataclass(frozen=True, slots=True)
class RepricingDryRun:
    """A run on ``business_date`` computed over the book as the job would, written nowhere."""

    business_date: date
    reference: date
    effective_on: date
    chunks: int
    totals: RepricingTotals


def repricing_plan(*, business_date: date, drafted: Drafted | None = None) -> Plan:
    """What existing loans must carry on ``business_date``, from the policy rows.

    ``drafted`` adds unsaved rows (a policy draft under preview), as
    ``policy_in_force`` does.
    """
    today = policy_in_force(on=business_date, drafted=drafted)
    rule = today.value(Key.REPRICING_RULE)
    keep = today.value(Key.REPRICING_KEEP_MAX_TERM_MONTHS)
    if rule is None or keep is None:
        raise BusinessError("policy_not_in_force", "重定价规则或不分段期限未设置")
    ref = reference_date(rule=rule, business_date=business_date)
    snap = policy_in_force(on=ref, drafted=drafted)
    return Plan(
        business_date=business_date,
        reference=ref,
        effective_on=repricing_date(rule=rule, business_date=business_date),
        keep_max_term=int(keep),
        targets=tuple(_targets(snap)),
    )


def _targets(snap: PolicySnapshot) -> list[Target]:
    if snap.value(Key.RATE_TERM_BAND_MONTHS) is None:
        return []
    return [
        Target(r.home_tier, r.term_band.value, r.annual_rate_percent, r.citation.row)
        for r in snap.rates
    ]


def loans_due_for_repricing(*, plan: Plan) -> QuerySet[Loan]:
    """The loans a run under ``plan`` moves: the candidate rule, written once.

    Active, contract term above the keep-rate limit, disbursed on or before the
    reference date, not yet priced on the business date, something left to
    repay, and the rate of its cell (home tier × term band) on the reference
    date differs from the rate it carries.
    """
    by_cell = Q(pk__in=[])
    for t in plan.targets:
        by_cell |= Q(home_tier=t.home_tier, term_band=t.term_band) & ~Q(annual_rate_percent=t.rate)
    return Loan.objects.filter(
        by_cell,
        status=LoanStatus.ACTIVE,
        contract_term_months__gt=plan.keep_max_term,
        disbursed_on__lte=plan.reference,
        priced_on__lt=plan.business_date,
        outstanding_principal__gt=0,
        next_due_date__isnull=False,
    )


def first_installment_due_on_or_after(*, first_due_date: date, on: date) -> int:
    """Number of the first installment due on or after ``on`` (due dates run monthly).

    The repayment day is at most 28, so a due date is never clamped to a month's
    end. The SQL path computes the same number in ``_reprice_range_sql``.
    """
    months = (on.year - first_due_date.year) * 12 + on.month - first_due_date.month
    number = months + 1 + (1 if on.day > first_due_date.day else 0)
    return max(number, 1)


# --- the run -----------------------------------------------------------------------


def reprice_preview(*, business_date: date) -> RepricingPreview:
    """How many loans a run on ``business_date`` would reprice; writes nothing."""
    plan = repricing_plan(business_date=business_date)
    return RepricingPreview(
        business_date=business_date,
        reference=plan.reference,
        effective_on=plan.effective_on,
        candidates=loans_due_for_repricing(plan=plan).count(),
    )


def reprice_kickoff(
    *, business_date: date, dispatch: Callable[[int], None] | None = None
) -> BatchRun:
    """Open (or reopen) the run for ``business_date`` and queue its chunks.

    Idempotent: the run is unique per job and date; chunks already done stay
    done. ``dispatch(chunk_id)`` is called after commit for each pending chunk.
    """
    plan = repricing_plan(business_date=business_date)
    candidates = loans_due_for_repricing(plan=plan)
    with transaction.atomic():
        run, created = BatchRun.objects.select_for_update().get_or_create(
            job=JOB,
            business_date=business_date,
            defaults={
                "reference_date": plan.reference,
                "status": BatchStatus.RUNNING,
                "started_at": timezone.now(),
            },
        )
        if run.status == BatchStatus.DONE:
            return run
        if created:
            run.loans_total = candidates.count()
            ranges = chunk_ranges(candidates)
            if ranges:
                BatchChunk.objects.bulk_create(
                    BatchChunk(run=run, id_from=lo, id_to=hi) for lo, hi in ranges
                )
                if connection.vendor == "postgresql":
                    _store_factors(run, plan)
            run.chunks_total = run.chunks.count()
            run.save(update_fields=["loans_total", "chunks_total"])
            _requote_applications(run=run, plan=plan)
            audit_record(
                actor=None,
                actor_label="batch:reprice",
                action=AuditAction.BATCH_RUN_STARTED,
                obj=run,
                new={
                    "business_date": business_date,
                    "reference_date": plan.reference,
                    "effective_on": plan.effective_on,
                    "loans_total": run.loans_total,
                },
            )
        pending = list(
            run.chunks.exclude(status=BatchStatus.DONE).order_by("id").values_list("id", flat=True)
        )
        if not pending:
            _close(run)
        elif dispatch is not None:
            transaction.on_commit(lambda: [dispatch(cid) for cid in pending])
    return run


def chunk_ranges(candidates: QuerySet[Loan]) -> list[Range]:
    """The run's id ranges of ``CHUNK_SIZE`` ids, from the first candidate to the last."""
    bounds = candidates.aggregate(lo=Min("id"), hi=Max("id"))
    lo, hi = bounds["lo"], bounds["hi"]
    if lo is None:
        return []
    return [(start, min(start + CHUNK_SIZE - 1, hi)) for start in range(lo, hi + 1, CHUNK_SIZE)]


def factor_rows(plan: Plan) -> tuple[tuple[Decimal, int, Decimal], ...]:
    """(rate, months, factor): the schedules' own annuity factors, to 30 places.

    The run stores them (``RepricingFactor``); a dry run passes them inline.
    """
    return _factor_rows(tuple(sorted({t.rate for t in plan.targets})))


@lru_cache(maxsize=16)
def _factor_rows(rates: tuple[Decimal, ...]) -> tuple[tuple[Decimal, int, Decimal], ...]:
    with localcontext() as ctx:
        ctx.prec = 60  # 30 places of a factor up to 2 need more than the default 28 digits
        return tuple(
            (rate, n, annuity_factor(rate, n).quantize(FACTOR_PLACES))
            for rate in rates
            for n in range(1, 601)
        )


def _store_factors(run: BatchRun, plan: Plan) -> None:
    RepricingFactor.objects.bulk_create(
        RepricingFactor(run=run, annual_rate_percent=rate, months=n, factor=factor)
        for rate, n, factor in factor_rows(plan)
    )


def reprice_chunk(*, chunk_id: int) -> BatchChunk:
    """Reprice one chunk; safe to run again (redelivery, retry, duplicate)."""
    with transaction.atomic():
        chunk = (
            BatchChunk.objects.select_for_update(of=("self",), no_key=True)
            .select_related("run")
            .get(pk=chunk_id)
        )
        if chunk.status == BatchStatus.DONE:
            return chunk
        run = chunk.run
        plan = repricing_plan(business_date=run.business_date)
        chunk.attempts += 1
        chunk.started_at = timezone.now()
        try:
            with transaction.atomic():
                repriced = _reprice_range(run, plan, chunk.id_from, chunk.id_to)
            failed = 0
        except LOAN_FAULTS:
            repriced, failed = _reprice_one_by_one(run, chunk, plan)
        chunk.repriced = repriced
        chunk.failed = failed
        chunk.status = BatchStatus.DONE
        chunk.finished_at = timezone.now()
        chunk.save()
    _close_if_complete(run_id=run.pk)
    return chunk


def _reprice_one_by_one(run: BatchRun, chunk: BatchChunk, plan: Plan) -> tuple[int, int]:
    repriced = failed = 0
    ids = loans_due_for_repricing(plan=plan).filter(id__gte=chunk.id_from, id__lte=chunk.id_to)
    for loan_id in ids.order_by("id").values_list("id", flat=True):
        try:
            with transaction.atomic():
                repriced += _reprice_range(run, plan, loan_id, loan_id)
        except LOAN_FAULTS as exc:
            failed += 1
            BatchError.objects.create(
                run=run, chunk=chunk, loan_id=loan_id, message=f"{type(exc).__name__}: {exc}"[:1000]
            )
    return repriced, failed


def _reprice_range(run: BatchRun, plan: Plan, id_from: int, id_to: int) -> int:
    if not plan.targets:
        return 0
    # Locked before anything is computed from them, in id order.
    loans = (
        loans_due_for_repricing(plan=plan)
        .filter(id__gte=id_from, id__lte=id_to)
        .select_for_update(of=("self",), no_key=True)
        .order_by("id")
    )
    if connection.vendor == "postgresql":
        return _reprice_range_sql(run, plan, list(loans.values_list("id", flat=True)))
    return _reprice_range_python(run, plan, list(loans))


def _targets_sql(plan: Plan) -> tuple[str, list[Any]]:
    rows = ", ".join(["(%s, %s, CAST(%s AS NUMERIC), %s)"] * len(plan.targets))
    params: list[Any] = []
    for t in plan.targets:
        params += [t.home_tier, t.term_band, str(t.rate), t.rate_row]
    return f"t(home_tier, term_band, rate, rate_row) AS (VALUES {rows})", params


def fresh_cte(plan: Plan, ids: list[int], *, run_id: int | None) -> tuple[str, list[Any]]:
    """``WITH RECURSIVE … fresh AS (…)``: each loan of ``ids`` rolled to its new version.

    The one text of the repricing computation: the job's UPDATE, its dry run and
    a policy draft's rate preview each add their own tail. ``due.start_no`` is
    ``first_installment_due_on_or_after`` (raised to the next unpaid installment).
    ``roll`` walks the current version's schedule from the outstanding principal,
    before the next unpaid installment, to the start of the new version: the
    scheduled outstanding, whether or not those installments were paid. Interest
    is ``ROUND(outstanding × rate / 1200, 2)`` as in ``loans.schedules``;
    ``numeric`` keeps it exact. The annuity factors are the run's stored rows
    (``run_id``) or, for a dry run, the same ``factor_rows`` inline.

    ``fresh`` has, per loan: the new version (``version``, ``start_no``,
    ``principal``, ``months``, ``first_due``, ``payment``, ``rate``, ``rate_row``),
    ``payment_before`` (the current schedule's installment at ``start_no``) and
    what a walk on under both schedules needs (``level``, ``old_rate``,
    ``old_step``, ``new_step``: the level payment or the principal part).
    """
    loan_t = Loan._meta.db_table
    version_t = ScheduleVersion._meta.db_table
    targets, params = _targets_sql(plan)
    if run_id is not None:
        factor_t = RepricingFactor._meta.db_table
        factors = f"""f(rate, months, factor) AS (
            SELECT annual_rate_percent, months, factor FROM {factor_t} WHERE run_id = %s
        )"""  # noqa: S608 -- a name from Meta; the run is a parameter
        params.append(run_id)
    else:
        factors = (
            "f(rate, months, factor) AS "
            "(SELECT * FROM unnest(%s::numeric[], %s::int[], %s::numeric[]))"
        )
        rows = factor_rows(plan)
        params += [[str(r[0]) for r in rows], [r[1] for r in rows], [str(r[2]) for r in rows]]
    on = plan.effective_on
    params += [on.year * 12 + on.month, on.day, ids]
    sql = f"""
        WITH RECURSIVE {targets}, {factors},
        due AS (
            SELECT l.id AS loan_id, l.home_tier, l.term_band,
                   l.annual_rate_percent AS from_rate, t.rate, t.rate_row,
                   l.repayment_method AS method,
                   l.repayment_method = 'equal_installment' AS level,
                   l.final_installment_number AS final_no,
                   l.first_due_date, l.current_schedule_version + 1 AS version,
                   l.next_installment_number AS next_no,
                   l.outstanding_principal::numeric AS outstanding,
                   v.annual_rate_percent AS old_rate, v.installment_amount AS old_payment,
                   ROUND(v.principal / v.months, 2) AS old_part,
                   GREATEST(
                       l.next_installment_number,
                       (%s - (EXTRACT(YEAR FROM l.first_due_date) * 12
                              + EXTRACT(MONTH FROM l.first_due_date)))::int + 1
                       + CASE WHEN %s > EXTRACT(DAY FROM l.first_due_date) THEN 1 ELSE 0 END
                   ) AS start_no
            FROM {loan_t} l
            JOIN t ON t.home_tier = l.home_tier AND t.term_band = l.term_band
            JOIN {version_t} v ON v.loan_id = l.id AND v.version = l.current_schedule_version
            WHERE l.id = ANY(%s)
        ),
        roll(loan_id, n, start_no, level, old_rate, old_payment, old_part, outstanding) AS (
            SELECT loan_id, next_no, start_no, level, old_rate, old_payment, old_part, outstanding
            FROM due WHERE start_no <= final_no
            UNION ALL
            SELECT loan_id, n + 1, start_no, level, old_rate, old_payment, old_part,
                   outstanding - LEAST(GREATEST(
                       CASE WHEN level THEN old_payment - ROUND(outstanding * old_rate / 1200, 2)
                            ELSE old_part END, 0), outstanding)
            FROM roll WHERE n < start_no
        ),
        fresh AS (
            SELECT d.loan_id, d.home_tier, d.term_band, d.from_rate, d.rate, d.rate_row,
                   d.method, d.level, d.version, d.start_no, d.old_rate,
                   r.outstanding AS principal, d.final_no - d.start_no + 1 AS months,
                   (d.first_due_date + make_interval(months => d.start_no - 1))::date AS first_due,
                   CASE WHEN d.level
                        THEN ROUND(r.outstanding * f.factor, 2)
                        ELSE LEAST(ROUND(r.outstanding / (d.final_no - d.start_no + 1), 2),
                                   r.outstanding)
                             + ROUND(r.outstanding * d.rate / 1200, 2)
                   END AS payment,
                   CASE WHEN d.start_no = d.final_no THEN r.outstanding
                        WHEN d.level THEN LEAST(GREATEST(
                            d.old_payment - ROUND(r.outstanding * d.old_rate / 1200, 2), 0),
                            r.outstanding)
                        ELSE LEAST(d.old_part, r.outstanding)
                   END + ROUND(r.outstanding * d.old_rate / 1200, 2) AS payment_before,
                   CASE WHEN d.level THEN d.old_payment ELSE d.old_part END AS old_step,
                   CASE WHEN d.level THEN ROUND(r.outstanding * f.factor, 2)
                        ELSE ROUND(r.outstanding / (d.final_no - d.start_no + 1), 2)
                   END AS new_step
            FROM roll r
            JOIN due d ON d.loan_id = r.loan_id
            LEFT JOIN f ON f.rate = d.rate AND f.months = d.final_no - d.start_no + 1
            WHERE r.n = r.start_no
        )"""  # noqa: S608 -- names come from the models' Meta; every value is a parameter
    return sql, params


def _reprice_range_sql(run: BatchRun, plan: Plan, ids: list[int]) -> int:
    """One statement: ``fresh_cte``, then UPDATE … RETURNING feeds the rest."""
    if not ids:
        return 0
    loan_t = Loan._meta.db_table
    change_t = RateChange._meta.db_table
    version_t = ScheduleVersion._meta.db_table
    fresh, params = fresh_cte(plan, ids, run_id=run.pk)
    now = timezone.now()
    sql = f"""{fresh},
        moved AS (
            UPDATE {loan_t} AS l SET
                annual_rate_percent = n.rate,
                installment_amount = n.payment,
                current_schedule_version = n.version,
                priced_rate_row = n.rate_row,
                priced_on = %s,
                updated_at = %s
            FROM fresh n
            WHERE l.id = n.loan_id
            RETURNING l.id
        ),
        history AS (
            INSERT INTO {change_t}
                (loan_id, from_rate, to_rate, effective_on, rate_row, schedule_version,
                 batch_run_id, created_at)
            SELECT n.loan_id, n.from_rate, n.rate, %s, n.rate_row, n.version, %s, %s
            FROM fresh n JOIN moved m ON m.id = n.loan_id
        )
        INSERT INTO {version_t}
            (loan_id, version, starts_at_installment, principal, annual_rate_percent,
             months, method, first_due_date, installment_amount, reason, rate_row,
             batch_run_id, created_at)
        SELECT n.loan_id, n.version, n.start_no, n.principal, n.rate, n.months, n.method,
               n.first_due, n.payment, %s, n.rate_row, %s, %s
        FROM fresh n JOIN moved m ON m.id = n.loan_id
    """  # noqa: S608 -- names come from the models' Meta; every value is a parameter
    params += [
        plan.business_date,
        now,
        plan.effective_on,
        run.pk,
        now,
        ScheduleReason.REPRICING.value,
        run.pk,
        now,
    ]
    with connection.cursor() as cur:
        _without_jit(cur)
        cur.execute(sql, params)
        return cur.rowcount


def _without_jit(cur: Any) -> None:
    """For the rest of the transaction: no JIT compilation, and the recursion kept in memory.

    The planner guesses the recursion's rows far too high, and compiling the plan
    would then take seconds per chunk, longer than running it; a chunk's walk is
    some tens of megabytes, spilled to disk under the default ``work_mem``.
    """
    cur.execute("SET LOCAL jit = off")
    cur.execute("SET LOCAL work_mem = '128MB'")


def _reprice_range_python(run: BatchRun, plan: Plan, loans: list[Loan]) -> int:
    by_cell = {(t.home_tier, t.term_band): t for t in plan.targets}
    now = timezone.now()
    changes: list[RateChange] = []
    versions: list[ScheduleVersion] = []
    moved: list[Loan] = []
    for loan in loans:
        t = by_cell[(loan.home_tier, loan.term_band)]
        fresh = loan_repriced(loan=loan, plan=plan, rate=t.rate)
        if fresh is None:
            continue  # every installment left fell due before the repricing date
        start, principal, months, installment = (
            fresh.start,
            fresh.principal,
            fresh.months,
            fresh.installment,
        )
        version = loan.current_schedule_version + 1
        changes.append(
            RateChange(
                loan=loan,
                from_rate=loan.annual_rate_percent,
                to_rate=t.rate,
                effective_on=plan.effective_on,
                rate_row=t.rate_row,
                schedule_version=version,
                batch_run_id=run.pk,
            )
        )
        versions.append(
            ScheduleVersion(
                loan=loan,
                version=version,
                starts_at_installment=start,
                principal=principal,
                annual_rate_percent=t.rate,
                months=months,
                method=loan.repayment_method,
                first_due_date=add_months(loan.first_due_date, start - 1),
                installment_amount=installment,
                reason=ScheduleReason.REPRICING,
                rate_row=t.rate_row,
                batch_run_id=run.pk,
            )
        )
        loan.annual_rate_percent = t.rate
        loan.installment_amount = installment
        loan.current_schedule_version = version
        loan.priced_rate_row = t.rate_row
        loan.priced_on = plan.business_date
        loan.updated_at = now
        moved.append(loan)
    RateChange.objects.bulk_create(changes)
    Loan.objects.bulk_update(
        moved,
        [
            "annual_rate_percent",
            "installment_amount",
            "current_schedule_version",
            "priced_rate_row",
            "priced_on",
            "updated_at",
        ],
    )
    ScheduleVersion.objects.bulk_create(versions)
    return len(moved)


@dataclass(frozen=True, slots=True)
class Repriced:
    """One loan's new schedule version from the repricing date (what the job writes)."""

    start: int
    principal: Decimal
    months: int
    installment: Decimal


def loan_repriced(*, loan: Loan, plan: Plan, rate: Decimal) -> Repriced | None:
    """The loan's new version at ``rate``; None when every installment left fell due before."""
    start = max(
        first_installment_due_on_or_after(first_due_date=loan.first_due_date, on=plan.effective_on),
        loan.next_installment_number,
    )
    if start > loan.final_installment_number:
        return None
    principal = scheduled_outstanding_before(loan, number=start)
    months = loan.final_installment_number - start + 1
    installment = first_payment(
        principal=principal,
        annual_rate_percent=rate,
        months=months,
        method=RepaymentMethod(loan.repayment_method),
    )
    return Repriced(start, principal, months, installment)


def scheduled_outstanding_before(loan: Loan, *, number: int) -> Decimal:
    """Principal the schedule leaves before installment ``number``, paid or not."""
    if number == loan.next_installment_number:
        return loan.outstanding_principal
    row = selectors.loan_installment(loan=loan, number=number - 1)
    if row is None:
        raise ValueError(f"贷款{loan.contract_number}没有第{number - 1}期")
    return row.outstanding


# --- the dry run: what the job would do, chunk by chunk, written nowhere --------------------

# Runs the chunks of a dry run and yields their totals: (plan, id ranges, window months).
ChunkMap = Callable[[Plan, list[Range], int], Iterable[RepricingTotals]]
# Told after each chunk: (number of chunks, that chunk's totals).
ChunkDone = Callable[[int, RepricingTotals], None]


def range_totals(
    *, plan: Plan, id_from: int, id_to: int, window_months: int = 0
) -> RepricingTotals:
    """One id range of a run under ``plan``, computed as the job computes it; writes nothing.

    With ``window_months`` it also sums the interest of that many installments from
    the new version's start, under the current schedule and under the new one.
    """
    if not plan.targets:
        return RepricingTotals()
    due = loans_due_for_repricing(plan=plan).filter(id__gte=id_from, id__lte=id_to).order_by("id")
    if connection.vendor == "postgresql":
        return _range_totals_sql(plan, list(due.values_list("id", flat=True)), window_months)
    return _range_totals_python(plan, list(due), window_months)


def chunks_in_process(
    plan: Plan, ranges: list[Range], window_months: int
) -> Iterator[RepricingTotals]:
    """The chunks one after another in this process (the command, a desk, a preview task)."""
    for lo, hi in ranges:
        yield range_totals(plan=plan, id_from=lo, id_to=hi, window_months=window_months)


def repricing_totals(
    *,
    plan: Plan,
    window_months: int = 0,
    chunk_map: ChunkMap = chunks_in_process,
    on_chunk: ChunkDone | None = None,
) -> tuple[int, RepricingTotals]:
    """(chunks, totals) of a run under ``plan`` over the job's own id ranges."""
    ranges = chunk_ranges(loans_due_for_repricing(plan=plan)) if plan.targets else []
    totals = RepricingTotals()
    for part in chunk_map(plan, ranges, window_months):
        totals.add(part)
        if on_chunk is not None:
            on_chunk(len(ranges), part)
    return len(ranges), totals


def reprice_dry_run(
    *,
    business_date: date,
    chunk_map: ChunkMap = chunks_in_process,
    on_chunk: ChunkDone | None = None,
) -> RepricingDryRun:
    """What a run on ``business_date`` would write, computed over the book; writes nothing."""
    plan = repricing_plan(business_date=business_date)
    chunks, totals = repricing_totals(plan=plan, chunk_map=chunk_map, on_chunk=on_chunk)
    return RepricingDryRun(
        business_date=business_date,
        reference=plan.reference,
        effective_on=plan.effective_on,
        chunks=chunks,
        totals=totals,
    )


def reprice_dry_run_chunk(*, business_date: date, id_from: int, id_to: int) -> RepricingTotals:
    """One chunk of ``reprice_dry_run`` (a worker's share)."""
    plan = repricing_plan(business_date=business_date)
    return range_totals(plan=plan, id_from=id_from, id_to=id_to)


def _range_totals_sql(plan: Plan, ids: list[int], window_months: int) -> RepricingTotals:
    """``fresh_cte`` summed by cell and by change; ``_window_sql`` walks both schedules on."""
    totals = RepricingTotals()
    if not ids:
        return totals
    fresh, params = fresh_cte(plan, ids, run_id=None)
    if window_months:
        last = f"w{window_months}"
        rows = f"""
            SELECT fr.home_tier, fr.term_band, fr.payment_before AS before, fr.payment AS after,
                   fr.principal, {last}.ib * 0.01 AS int_b, {last}.ia * 0.01 AS int_a
            FROM fresh fr {_window_sql(window_months)}"""  # noqa: S608 -- no value in the text
    else:
        rows = (
            "SELECT home_tier, term_band, payment_before AS before, payment AS after, "
            "principal, 0::numeric AS int_b, 0::numeric AS int_a FROM fresh"
        )
    sql = f"""{fresh}
        SELECT GROUPING(x.home_tier), x.home_tier, x.term_band, x.after - x.before, COUNT(*),
               SUM(x.before), SUM(x.after), SUM(x.principal), SUM(x.int_b), SUM(x.int_a)
        FROM ({rows}) x
        GROUP BY GROUPING SETS ((x.home_tier, x.term_band), (x.after - x.before))
    """  # noqa: S608 -- the text is fresh_cte's and this one's; every value is a parameter
    with transaction.atomic(), connection.cursor() as cur:
        _without_jit(cur)
        cur.execute(sql, params)
        for by_change, tier, band, change, count, *sums in cur.fetchall():
            if by_change:
                totals.changes[change] += count
            else:
                totals.cells[(tier, band)] = CellTotals(count, *sums)
    return totals


def _window_sql(months: int) -> str:
    """``fresh fr`` walked ``months`` installments on under both schedules, one join a month.

    ``w<i>`` has the outstanding after installment i under the current schedule
    (``ob``) and the new one (``oa``), and the interest of installments 1..i
    (``ib``, ``ia``; none past the loan's last), all in whole fen: as in
    ``loans.schedules`` the interest is the outstanding × rate / 1200 rounded
    half-up to the fen, here ``(fen × rate‰ + 600000) / 1200000`` in integers
    (rates have three decimals), several times cheaper than ``numeric``. A fixed
    number of lateral steps costs far less than a recursion; ``OFFSET 0`` keeps
    each step a step (pulled up, the expressions would nest into one another).
    """
    steps = [
        """CROSS JOIN LATERAL (
            SELECT (fr.principal * 100)::bigint AS ob, (fr.principal * 100)::bigint AS oa,
                   0::bigint AS ib, 0::bigint AS ia,
                   (fr.old_rate * 1000)::bigint AS rb, (fr.rate * 1000)::bigint AS ra,
                   (fr.old_step * 100)::bigint AS sb, (fr.new_step * 100)::bigint AS sa
            OFFSET 0) w0"""
    ]
    for i in range(1, months + 1):
        w = f"w{i - 1}"
        ib = f"({w}.ob * {w}.rb + 600000) / 1200000"
        ia = f"({w}.oa * {w}.ra + 600000) / 1200000"
        steps.append(
            f"""CROSS JOIN LATERAL (
            SELECT {w}.ob - LEAST(GREATEST(
                       CASE WHEN fr.level THEN {w}.sb - {ib} ELSE {w}.sb END, 0), {w}.ob) AS ob,
                   {w}.oa - LEAST(GREATEST(
                       CASE WHEN fr.level THEN {w}.sa - {ia} ELSE {w}.sa END, 0), {w}.oa) AS oa,
                   {w}.ib + CASE WHEN fr.months >= {i} THEN {ib} ELSE 0 END AS ib,
                   {w}.ia + CASE WHEN fr.months >= {i} THEN {ia} ELSE 0 END AS ia,
                   {w}.rb, {w}.ra, {w}.sb, {w}.sa
            OFFSET 0) w{i}"""
        )
    return "\n".join(steps)


def _range_totals_python(plan: Plan, loans: list[Loan], window_months: int) -> RepricingTotals:
    """The same figures loan by loan through the schedules (SQLite, small books)."""
    by_cell = {(t.home_tier, t.term_band): t.rate for t in plan.targets}
    totals = RepricingTotals()
    for loan in loans:
        rate = by_cell[(loan.home_tier, loan.term_band)]
        fresh = loan_repriced(loan=loan, plan=plan, rate=rate)
        if fresh is None:
            continue
        span = max(window_months, 1)
        current = [
            r
            for r in selectors.loan_schedule(loan=loan)
            if fresh.start <= r.number < fresh.start + span
        ]
        before = current[0].payment
        cell = CellTotals(1, before, fresh.installment, fresh.principal)
        if window_months:
            new = build_schedule(
                principal=fresh.principal,
                annual_rate_percent=rate,
                months=fresh.months,
                method=RepaymentMethod(loan.repayment_method),
                first_due_date=add_months(loan.first_due_date, fresh.start - 1),
            )[:window_months]
            cell.interest_before = sum((r.interest for r in current), ZERO)
            cell.interest_after = sum((r.interest for r in new), ZERO)
        totals.cells.setdefault((loan.home_tier, loan.term_band), CellTotals()).add(cell)
        totals.changes[fresh.installment - before] += 1
    return totals


def _requote_applications(*, run: BatchRun, plan: Plan) -> None:
    """Approved or signed but undisbursed applications take the rate in force now."""
    run.applications_requoted = services.application_requote(
        on=plan.business_date, batch_run_id=run.pk
    )
    run.save(update_fields=["applications_requoted"])


def _close_if_complete(*, run_id: int) -> None:
    with transaction.atomic():
        run = BatchRun.objects.select_for_update().get(pk=run_id)
        if run.status == BatchStatus.DONE:
            return
        if run.chunks.exclude(status=BatchStatus.DONE).exists():
            return
        _close(run)


def _close(run: BatchRun) -> None:
    totals = run.chunks.aggregate(repriced=Sum("repriced"), failed=Sum("failed"))
    run.loans_repriced = totals["repriced"] or 0
    run.loans_failed = totals["failed"] or 0
    run.chunks_done = run.chunks.filter(status=BatchStatus.DONE).count()
    run.status = BatchStatus.DONE if not run.loans_failed else BatchStatus.DONE_WITH_ERRORS
    run.finished_at = timezone.now()
    run.save()
    audit_record(
        actor=None,
        actor_label="batch:reprice",
        action=AuditAction.BATCH_RUN_CLOSED,
        obj=run,
        new={"repriced": run.loans_repriced, "failed": run.loans_failed},
    )


def reprice_retry(*, run: BatchRun, actor, dispatch: Callable[[int], None] | None = None) -> int:
    """Reopen a run's failed loans: their chunks run again (the watermark skips the rest)."""
    with transaction.atomic():
        locked = BatchRun.objects.select_for_update().get(pk=run.pk)
        chunk_ids = list(
            locked.chunks.filter(Q(failed__gt=0) | ~Q(status=BatchStatus.DONE)).values_list(
                "id", flat=True
            )
        )
        if not chunk_ids:
            return 0
        BatchChunk.objects.filter(id__in=chunk_ids).update(status=BatchStatus.PENDING)
        old = locked.status
        locked.status = BatchStatus.RUNNING
        locked.finished_at = None
        locked.save(update_fields=["status", "finished_at"])
        audit_record(
            actor=actor,
            action=AuditAction.BATCH_RUN_RETRIED,
            obj=locked,
            old={"status": old},
            new={"status": locked.status, "chunks": len(chunk_ids)},
        )
        if dispatch is not None:
            transaction.on_commit(lambda: [dispatch(cid) for cid in chunk_ids])
    return len(chunk_ids)
