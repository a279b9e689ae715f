"""Nightly repricing of existing loans (domain.md §2), set-based per chunk.

For business date D the rule in force (``rate.repricing.rule``) gives a
*reference date* R: the day whose rates existing loans must carry on D. Under
``next_january_1`` (the national rule) R is 31 December of the year before D,
so a change on 2025-05-08 reaches existing loans on 2026-01-01. A loan is
repriced on D when it is active, its contract term is longer than
``rate.repricing.keep_rate_max_term_months``, it was disbursed on or before R,
it was last priced before D, and the rate of its cell (home tier × contract
term band) in force on R differs from the rate it carries. Loans disbursed after
R already carry the rate in force at their disbursement.

Work is split by loan id into chunks. Each chunk is one transaction:
on PostgreSQL one INSERT of rate-change history, one UPDATE that computes the new
rate and installment in SQL (annuity factors come from a per-run table, so the
arithmetic is exact ``numeric``) and writes the watermark, and one INSERT of the
new schedule headers. On SQLite (the embedded default) the same rows are
computed in Python with ``loans.schedules`` and written with executemany.
A chunk that fails as a whole is redone loan by loan, each in a savepoint, so
one bad loan is recorded with its error and the rest go on. The watermark
(``priced_on``) makes a rerun, a retry or a duplicate message a no-op.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext

from django.db import connection, transaction
from django.db.models import Max, Min, Q, Sum
from django.utils import timezone

from gjj.errors import BusinessError
from gjj.policy import Key, PolicySnapshot
from gjj.selectors import policy_in_force
from gjj.services import audit_record
from loans import services
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
from loans.schedules import RepaymentMethod, annuity_factor, first_payment

JOB = "reprice"
CHUNK_SIZE = 20_000
FACTOR_PLACES = Decimal(10) ** -30


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


@dataclass(frozen=True)
class Target:
    home_tier: int
    term_band: str
    rate: Decimal
    rate_row: str


@dataclass(frozen=True)
class Plan:
    business_date: date
    reference: date
    keep_max_term: int
    targets: tuple[Target, ...]


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
        keep_max_term=int(keep),
        targets=tuple(_targets(snap)),
    )


def _targets(snap: PolicySnapshot) -> list[Target]:
    band_limit = snap.value(Key.RATE_TERM_BAND_MONTHS)
    if band_limit is None:
        return []
    out = []
    for r in snap.rates:
        out.append(Target(r.home_tier, r.term_band.value, r.annual_rate_percent, r.citation.row))
    return out


def _candidates_q(plan: Plan) -> Q:
    by_cell = Q(pk__in=[])
    for t in plan.targets:
        by_cell |= Q(home_tier=t.home_tier, term_band=t.term_band) & ~Q(annual_rate_percent=t.rate)
    return (
        Q(status=LoanStatus.ACTIVE)
        & Q(contract_term_months__gt=plan.keep_max_term)
        & Q(disbursed_on__lte=plan.reference)
        & Q(priced_on__lt=plan.business_date)
        & Q(outstanding_principal__gt=0)
        & Q(next_due_date__isnull=False)
        & by_cell
    )


# --- the run -----------------------------------------------------------------------


def reprice_kickoff(
    *, business_date: date, dispatch: Callable[[int], None] | None = None, dry_run: bool = False
) -> BatchRun | dict[str, int]:
    """Open (or reopen) the run for ``business_date`` and queue its chunks.

    Idempotent: the run is unique per job and date; chunks already done stay
    done. ``dispatch(chunk_id)`` is called after commit for each pending chunk.
    """
    plan = repricing_plan(business_date=business_date)
    candidates = Loan.objects.filter(_candidates_q(plan))
    if dry_run:
        return {"candidates": candidates.count()}
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
                action="batch_run_start",
                obj=run,
                new={
                    "business_date": business_date,
                    "reference_date": plan.reference,
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
        except Exception:
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
    ids = Loan.objects.filter(_candidates_q(plan), id__gte=chunk.id_from, id__lte=chunk.id_to)
    for loan_id in ids.order_by("id").values_list("id", flat=True):
        try:
            with transaction.atomic():
                repriced += _reprice_range(run, plan, loan_id, loan_id)
        except Exception as exc:
            failed += 1
            BatchError.objects.create(
                run=run, chunk=chunk, loan_id=loan_id, message=f"{type(exc).__name__}: {exc}"[:1000]
            )
    return repriced, failed


def _reprice_range(run: BatchRun, plan: Plan, id_from: int, id_to: int) -> int:
    if not plan.targets:
        return 0
    if connection.vendor == "postgresql":
        return _reprice_range_sql(run, plan, id_from, id_to)
    return _reprice_range_python(run, plan, id_from, id_to)


def _targets_sql(plan: Plan) -> tuple[str, list[object]]:
    rows = ", ".join(["(%s, %s, CAST(%s AS NUMERIC), %s)"] * len(plan.targets))
    params: list[object] = []
    for t in plan.targets:
        params += [t.home_tier, t.term_band, str(t.rate), t.rate_row]
    return f"t(home_tier, term_band, rate, rate_row) AS (VALUES {rows})", params


def _reprice_range_sql(run: BatchRun, plan: Plan, id_from: int, id_to: int) -> int:
    loan_t = Loan._meta.db_table
    change_t = RateChange._meta.db_table
    version_t = ScheduleVersion._meta.db_table
    factor_t = RepricingFactor._meta.db_table
    targets, tparams = _targets_sql(plan)
    where = """
        l.id BETWEEN %s AND %s
        AND l.status = 'active'
        AND l.contract_term_months > %s
        AND l.disbursed_on <= %s
        AND l.priced_on < %s
        AND l.outstanding_principal > 0
        AND l.next_due_date IS NOT NULL
        AND l.home_tier = t.home_tier AND l.term_band = t.term_band
        AND l.annual_rate_percent <> t.rate
    """
    wparams = [id_from, id_to, plan.keep_max_term, plan.reference, plan.business_date]
    now = timezone.now()
    with connection.cursor() as cur:
        # 1. History, while the old rate is still on the row.
        cur.execute(
            f"""
            WITH {targets}
            INSERT INTO {change_t}
                (loan_id, from_rate, to_rate, effective_on, rate_row, schedule_version,
                 batch_run_id, created_at)
            SELECT l.id, l.annual_rate_percent, t.rate, %s, t.rate_row,
                   l.current_schedule_version + 1, %s, %s
            FROM {loan_t} l, t
            WHERE {where}
            """,
            [*tparams, plan.business_date, run.pk, now, *wparams],
        )
        # 2. New rate, installment and watermark: computed and written in one statement.
        cur.execute(
            f"""
            WITH {targets}
            UPDATE {loan_t} AS l SET
                annual_rate_percent = t.rate,
                installment_amount = CASE
                    WHEN l.repayment_method = 'equal_installment' THEN
                        ROUND(l.outstanding_principal * f.factor, 2)
                    ELSE
                        ROUND(l.outstanding_principal
                              / (l.final_installment_number - l.next_installment_number + 1), 2)
                        + ROUND(l.outstanding_principal * t.rate / 1200, 2)
                END,
                current_schedule_version = l.current_schedule_version + 1,
                priced_rate_row = t.rate_row,
                priced_on = %s,
                updated_at = %s
            FROM t, {factor_t} f
            WHERE {where}
              AND f.run_id = %s AND f.annual_rate_percent = t.rate
              AND f.months = l.final_installment_number - l.next_installment_number + 1
            """,
            [*tparams, plan.business_date, now, *wparams, run.pk],
        )
        count = cur.rowcount
        # 3. The schedule headers of the loans this run just moved.
        cur.execute(
            f"""
            INSERT INTO {version_t}
                (loan_id, version, starts_at_installment, principal, annual_rate_percent,
                 months, method, first_due_date, installment_amount, reason, rate_row,
                 batch_run_id, created_at)
            SELECT l.id, l.current_schedule_version, l.next_installment_number,
                   l.outstanding_principal, l.annual_rate_percent,
                   l.final_installment_number - l.next_installment_number + 1,
                   l.repayment_method, l.next_due_date, l.installment_amount, %s,
                   l.priced_rate_row, %s, %s
            FROM {loan_t} l
            WHERE l.id BETWEEN %s AND %s AND l.priced_on = %s AND l.updated_at = %s
            """,
            [ScheduleReason.REPRICING.value, run.pk, now, id_from, id_to, plan.business_date, now],
        )
    return count


def _reprice_range_python(run: BatchRun, plan: Plan, id_from: int, id_to: int) -> int:
    by_cell = {(t.home_tier, t.term_band): t for t in plan.targets}
    loans = list(
        Loan.objects.select_for_update()
        .filter(_candidates_q(plan), id__gte=id_from, id__lte=id_to)
        .order_by("id")
    )
    now = timezone.now()
    changes, versions = [], []
    for loan in loans:
        t = by_cell[(loan.home_tier, loan.term_band)]
        months = loan.final_installment_number - loan.next_installment_number + 1
        installment = first_payment(
            principal=loan.outstanding_principal,
            annual_rate_percent=t.rate,
            months=months,
            method=RepaymentMethod(loan.repayment_method),
        )
        changes.append(
            RateChange(
                loan=loan,
                from_rate=loan.annual_rate_percent,
                to_rate=t.rate,
                effective_on=plan.business_date,
                rate_row=t.rate_row,
                schedule_version=loan.current_schedule_version + 1,
                batch_run_id=run.pk,
            )
        )
        loan.annual_rate_percent = t.rate
        loan.installment_amount = installment
        loan.current_schedule_version += 1
        loan.priced_rate_row = t.rate_row
        loan.priced_on = plan.business_date
        loan.updated_at = now
        versions.append(
            ScheduleVersion(
                loan=loan,
                version=loan.current_schedule_version,
                starts_at_installment=loan.next_installment_number,
                principal=loan.outstanding_principal,
                annual_rate_percent=t.rate,
                months=months,
                method=loan.repayment_method,
                first_due_date=loan.next_due_date,
                installment_amount=installment,
                reason=ScheduleReason.REPRICING,
                rate_row=t.rate_row,
                batch_run_id=run.pk,
            )
        )
    RateChange.objects.bulk_create(changes)
    Loan.objects.bulk_update(
        loans,
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
    return len(loans)


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
        action="batch_run_close",
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
            action="batch_run_retry",
            obj=locked,
            old={"status": old},
            new={"status": locked.status, "chunks": len(chunk_ids)},
        )
        if dispatch is not None:
            transaction.on_commit(lambda: [dispatch(cid) for cid in chunk_ids])
    return len(chunk_ids)
