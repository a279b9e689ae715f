"""Nightly repricing of existing loans (domain.md §2, §6), set-based per chunk.

The candidate rule has one home, ``loans_due_for_repricing``; both the SQL path
(PostgreSQL) and the ORM path (SQLite) take their loans from it. Installments
due before the repricing date keep the old rate: docs/money.md, "Repricing".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, localcontext

from django.db import DatabaseError, connection, transaction
from django.db.models import Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from gjj.domain import AuditAction, RepaymentMethod
from gjj.errors import BusinessError
from gjj.policy import Key, PolicySnapshot
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
from loans.schedules import add_months, annuity_factor, first_payment

JOB = "reprice"
CHUNK_SIZE = 20_000
FACTOR_PLACES = Decimal(10) ** -30
# What one loan's data can raise. A time limit or a lost connection is no loan's
# fault: it propagates, the chunk rolls back and its message is delivered again.
LOAN_FAULTS = (DatabaseError, ArithmeticError, ValueError, TypeError, LookupError)


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


def repricing_plan(*, business_date: date) -> Plan:
    """What existing loans must carry on ``business_date``, from the policy rows."""
    today = policy_in_force(on=business_date)
    rule = today.value(Key.REPRICING_RULE)
    keep = today.value(Key.REPRICING_KEEP_MAX_TERM_MONTHS)
    if rule is None or keep is None:
        raise BusinessError("policy_not_in_force", "重定价规则或不分段期限未设置")
    ref = reference_date(rule=rule, business_date=business_date)
    snap = policy_in_force(on=ref)
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
            bounds = candidates.aggregate(lo=Min("id"), hi=Max("id"))
            run.loans_total = candidates.count()
            if bounds["lo"] is not None:
                lo, hi = bounds["lo"], bounds["hi"]
                BatchChunk.objects.bulk_create(
                    BatchChunk(run=run, id_from=start, id_to=min(start + CHUNK_SIZE - 1, hi))
                    for start in range(lo, hi + 1, CHUNK_SIZE)
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


def _store_factors(run: BatchRun, plan: Plan) -> None:
    """The schedules' own annuity factors, to 30 places, for the run's SQL."""
    rates = {t.rate for t in plan.targets}
    with localcontext() as ctx:
        ctx.prec = 60  # 30 places of a factor up to 2 need more than the default 28 digits
        rows = [
            RepricingFactor(
                run=run,
                annual_rate_percent=rate,
                months=n,
                factor=annuity_factor(rate, n).quantize(FACTOR_PLACES),
            )
            for rate in sorted(rates)
            for n in range(1, 601)
        ]
    RepricingFactor.objects.bulk_create(rows)


def reprice_chunk(*, chunk_id: int) -> BatchChunk:
    """Reprice one chunk; safe to run again (redelivery, retry, duplicate)."""
    with transaction.atomic():
        chunk = BatchChunk.objects.select_for_update().select_related("run").get(pk=chunk_id)
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


def _targets_sql(plan: Plan) -> tuple[str, list[int | str]]:
    rows = ", ".join(["(%s, %s, CAST(%s AS NUMERIC), %s)"] * len(plan.targets))
    params: list[int | str] = []
    for t in plan.targets:
        params += [t.home_tier, t.term_band, str(t.rate), t.rate_row]
    return f"t(home_tier, term_band, rate, rate_row) AS (VALUES {rows})", params


def _reprice_range_sql(run: BatchRun, plan: Plan, ids: list[int]) -> int:
    """One statement: roll each loan to its new start, then UPDATE … RETURNING feeds the rest.

    ``due.start_no`` is ``first_installment_due_on_or_after`` (raised to the next
    unpaid installment). ``roll`` walks the current version's schedule from the
    outstanding principal, before the next unpaid installment, to the start of
    the new version: the scheduled outstanding, whether or not those installments
    were paid. Interest is ``ROUND(outstanding × rate / 1200, 2)`` as in
    ``loans.schedules``; ``numeric`` keeps it exact.
    """
    loan_t = Loan._meta.db_table
    change_t = RateChange._meta.db_table
    version_t = ScheduleVersion._meta.db_table
    factor_t = RepricingFactor._meta.db_table
    targets, tparams = _targets_sql(plan)
    on = plan.effective_on
    now = timezone.now()
    sql = f"""
        WITH RECURSIVE {targets},
        due AS (
            SELECT l.id AS loan_id, l.annual_rate_percent AS from_rate, t.rate, t.rate_row,
                   l.repayment_method AS method, l.final_installment_number AS final_no,
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
        roll(loan_id, n, outstanding) AS (
            SELECT loan_id, next_no, outstanding FROM due
            UNION ALL
            SELECT r.loan_id, r.n + 1, r.outstanding - LEAST(GREATEST(
                CASE WHEN d.method = 'equal_installment'
                     THEN d.old_payment - ROUND(r.outstanding * d.old_rate / 1200, 2)
                     ELSE d.old_part END, 0), r.outstanding)
            FROM roll r JOIN due d ON d.loan_id = r.loan_id
            WHERE r.n < d.start_no
        ),
        fresh AS (
            SELECT d.loan_id, d.from_rate, d.rate, d.rate_row, d.method, d.version, d.start_no,
                   r.outstanding AS principal, d.final_no - d.start_no + 1 AS months,
                   (d.first_due_date + make_interval(months => d.start_no - 1))::date AS first_due,
                   CASE WHEN d.method = 'equal_installment'
                        THEN ROUND(r.outstanding * f.factor, 2)
                        ELSE LEAST(ROUND(r.outstanding / (d.final_no - d.start_no + 1), 2),
                                   r.outstanding)
                             + ROUND(r.outstanding * d.rate / 1200, 2)
                   END AS payment
            FROM due d
            JOIN roll r ON r.loan_id = d.loan_id AND r.n = d.start_no
            LEFT JOIN {factor_t} f ON f.run_id = %s AND f.annual_rate_percent = d.rate
                 AND f.months = d.final_no - d.start_no + 1
            WHERE d.start_no <= d.final_no
        ),
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
    params: list[int | str | date | datetime | list[int]] = [
        *tparams,
        on.year * 12 + on.month,
        on.day,
        ids,
        run.pk,
        plan.business_date,
        now,
        plan.effective_on,
        run.pk,
        now,
        ScheduleReason.REPRICING.value,
        run.pk,
        now,
    ]
    if not ids:
        return 0
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def _reprice_range_python(run: BatchRun, plan: Plan, loans: list[Loan]) -> int:
    by_cell = {(t.home_tier, t.term_band): t for t in plan.targets}
    now = timezone.now()
    changes: list[RateChange] = []
    versions: list[ScheduleVersion] = []
    moved: list[Loan] = []
    for loan in loans:
        t = by_cell[(loan.home_tier, loan.term_band)]
        start = max(
            first_installment_due_on_or_after(
                first_due_date=loan.first_due_date, on=plan.effective_on
            ),
            loan.next_installment_number,
        )
        if start > loan.final_installment_number:
            continue  # every installment left fell due before the repricing date
        principal = _scheduled_outstanding_before(loan, number=start)
        months = loan.final_installment_number - start + 1
        installment = first_payment(
            principal=principal,
            annual_rate_percent=t.rate,
            months=months,
            method=RepaymentMethod(loan.repayment_method),
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


def _scheduled_outstanding_before(loan: Loan, *, number: int) -> Decimal:
    """Principal the schedule leaves before installment ``number``, paid or not."""
    if number == loan.next_installment_number:
        return loan.outstanding_principal
    row = selectors.loan_installment(loan=loan, number=number - 1)
    if row is None:
        raise ValueError(f"贷款{loan.contract_number}没有第{number - 1}期")
    return row.outstanding


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
