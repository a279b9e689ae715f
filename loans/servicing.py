"""Loan servicing (GB/T 51267 回收 and 贷后管理; domain.md §9): the night, its files, its reads.

The night of business date D runs, per loan id chunk, in order:

1. **Repricing** (``loans.repricing``), as before.
2. **Collection** (job ``collect``): every installment due on or before D is opened
   (``services.installment_open``); the open ones, oldest first, are drawn from the
   loan's authorised provident accounts — the borrower's first, then the co-borrowing
   spouse's — up to their balances, posted as 部分提取 entries with withdrawal reason
   06 through ``gjj.services.account_entries_post`` (the withdrawals' own posting and
   locking), in the chunk's transaction with the allocations and ``Repayment`` rows.
   What is left goes on D's bank deduction file when the loan has a 委托扣款 account.
   An installment with a debit still awaiting the bank's answer is neither drawn nor
   sent again, nor is any later one (installments are paid oldest first).
3. **Overdue** (job ``overdue``): an open installment past its due date plus the grace
   days (the row in force on the due date) accrues, on the run for business date D,
   the penalty of every day up to D not yet accrued, on the principal still overdue
   after D's collection: ``Σ principal × penalty rate × days`` is kept exact and
   ``/ 36000`` is rounded once, half-up. A payment posted before the run for D (at the
   counter, or from the bank's result file) pays no penalty for D. Each loan's overdue
   amounts and risk class are then recomputed from its open installments, so the class
   falls back as arrears clear.

Money goes to penalty, then interest, then principal: ``services.allocate``, in the
order of the ``Key.REPAYMENT_ALLOCATION_ORDER`` row, for every channel.

Reruns, duplicate messages and killed workers change nothing twice: each chunk runs in
one transaction under row locks (loans by id, then accounts by id); a loan's collection
watermark (``LoanServicing.collected_through``) and each installment's penalty
watermark (``penalty_through``) are moved in that same transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from gjj.domain import AuditAction, Role
from gjj.errors import ActorNotAllowed, BusinessError, ConflictError, TransitionError
from gjj.masking import mask_bank_account
from gjj.models import AccountStatus, EntryType, ProvidentAccount, WithdrawalReason
from gjj.money import round_fen_exact
from gjj.policy import Key, PolicySnapshot
from gjj.selectors import policy_in_force, today_local
from gjj.services import Actor, Posting, account_entries_post, audit_record, lock_in_pk_order
from gjj.workflow import actor_is_user_of, actor_roles, require_not_involved, require_role
from loans import repricing, selectors, services
from loans.models import (
    AuthorizationHolder,
    BankDebitAccount,
    BankDeductionFile,
    BankDeductionLine,
    BankResultImport,
    BankResultLine,
    BatchChunk,
    BatchError,
    BatchRun,
    BatchStatus,
    CollectionAllocation,
    CollectionChannel,
    DeductionLineStatus,
    InstallmentCollection,
    InstallmentStatus,
    Loan,
    LoanServicing,
    LoanStatus,
    RepaymentAuthorization,
    ResultLineStatus,
    ResultOutcome,
    RiskClass,
    RiskClassBook,
    ScheduleVersion,
)
from loans.schedules import Installment
from loans.selectors import ScheduleRow

JOB_COLLECT: Final = "collect"
JOB_OVERDUE: Final = "overdue"
CHUNK_SIZE = 5_000
# What one loan's data can raise; a lost connection or a time limit propagates instead.
LOAN_FAULTS = (*repricing.LOAN_FAULTS, BusinessError)
_DRAWABLE: Final = (AccountStatus.NORMAL, AccountStatus.SEALED)
_ZERO = Decimal("0.00")


def _user(actor: Actor) -> Any:
    return actor if actor is not None and actor.pk else None


def _fmt(amount: Decimal) -> str:
    return f"{amount:,.2f}元"


# --- repayment sources -------------------------------------------------------------


def _holder_of(loan: Loan, account: ProvidentAccount) -> tuple[str, int]:
    if account.depositor_id == loan.borrower_id:
        return AuthorizationHolder.BORROWER, 1
    spouse = loan.co_borrower
    if spouse is not None and spouse.relative_depositor_id == account.depositor_id:
        return AuthorizationHolder.SPOUSE, 2
    raise BusinessError("account_not_party", "冲还贷只能使用借款人或共同借款配偶本人的公积金账户")


def _acting_channel(actor: Actor, account: ProvidentAccount, *, doing: str) -> str:
    """The holder acts for their own account ("api"); otherwise a 经办, not of the family."""
    depositor = account.depositor
    if actor_is_user_of(actor, depositor):
        return "api"
    if not actor_roles(actor):
        raise ActorNotAllowed("not_own_account", "冲还贷须由账户本人授权或终止")
    require_role(actor, Role.CLERK, doing=doing)
    require_not_involved(actor, depositor, noun="冲还贷授权")
    return "counter"


def repayment_authorization_grant(
    *,
    loan: Loan,
    account: ProvidentAccount,
    actor: Actor,
    on: date | None = None,
    signed_reference: str = "",
) -> RepaymentAuthorization:
    """The holder authorises 冲还贷 from their own account (or a 经办 records the signed form)."""
    on = on or today_local()
    channel = _acting_channel(actor, account, doing="办理冲还贷授权")
    reference = signed_reference.strip()
    if channel == "counter" and not reference:
        raise BusinessError("signed_reference_required", "柜面办理须填写签字授权书编号")
    with transaction.atomic():
        [locked] = lock_in_pk_order(Loan, [loan.pk]).values()
        if locked.status != LoanStatus.ACTIVE:
            raise TransitionError("loan_not_active", f"贷款{locked.contract_number}已结清")
        holder, priority = _holder_of(locked, account)
        [acc] = lock_in_pk_order(ProvidentAccount, [account.pk]).values()
        if acc.status not in _DRAWABLE:
            raise BusinessError(
                "account_not_active",
                f"账户{acc.account_number}状态为“{acc.get_status_display()}”，不能冲还贷",
            )
        if RepaymentAuthorization.objects.filter(
            loan=locked, account=acc, stopped_at__isnull=True
        ).exists():
            raise ConflictError("already_authorized", "该账户已授权本笔贷款冲还贷")
        row = RepaymentAuthorization.objects.create(
            loan=locked,
            account=acc,
            depositor_id=acc.depositor_id,
            holder=holder,
            priority=priority,
            granted_on=on,
            granted_by=_user(actor),
            signed_reference=reference[:64],
            channel=channel,
        )
        audit_record(
            actor=actor,
            action=AuditAction.REPAYMENT_AUTHORIZATION_GRANTED,
            obj=row,
            new={"loan": locked.pk, "account": acc.pk, "holder": holder, "channel": channel},
            reason=reference,
        )
    return row


def repayment_authorization_stop(
    *,
    authorization: RepaymentAuthorization,
    actor: Actor,
    reason: str = "",
    on: date | None = None,
) -> RepaymentAuthorization:
    """The holder (or a 经办, with a reason) stops a 冲还贷 authorisation; the row stays."""
    on = on or today_local()
    channel = _acting_channel(actor, authorization.account, doing="终止冲还贷授权")
    if channel == "counter" and not reason.strip():
        raise BusinessError("reason_required", "柜面终止冲还贷授权须填写原因")
    with transaction.atomic():
        lock_in_pk_order(Loan, [authorization.loan_id])
        [row] = lock_in_pk_order(RepaymentAuthorization, [authorization.pk]).values()
        if row.stopped_at is not None:
            raise TransitionError("already_stopped", "该冲还贷授权已终止")
        row.stopped_on = on
        row.stopped_at = timezone.now()
        row.stopped_by = _user(actor)
        row.stop_reason = reason.strip()[:300]
        row.save(update_fields=["stopped_on", "stopped_at", "stopped_by", "stop_reason"])
        audit_record(
            actor=actor,
            action=AuditAction.REPAYMENT_AUTHORIZATION_STOPPED,
            obj=row,
            old={"active": True},
            new={"active": False, "stopped_on": on, "channel": channel},
            reason=row.stop_reason,
        )
    return row


_BANK_ACCOUNT = re.compile(r"[0-9]{8,32}", re.ASCII)


def bank_debit_account_register(
    *,
    loan: Loan,
    bank_name: str,
    account_number: str,
    account_name: str,
    actor: Actor,
    bank_code: str = "",
    on: date | None = None,
) -> BankDebitAccount:
    """A 经办 records the loan's 委托扣款 account; the current one, if any, ends."""
    on = on or today_local()
    require_role(actor, Role.CLERK, doing="登记委托扣款账户")
    number = account_number.strip()
    if not _BANK_ACCOUNT.fullmatch(number):
        raise BusinessError("invalid_bank_account", "银行账号须为8至32位半角数字")
    if not bank_name.strip() or not account_name.strip():
        raise BusinessError("bank_name_required", "须填写开户银行和户名")
    with transaction.atomic():
        [locked] = lock_in_pk_order(Loan, [loan.pk]).values()
        require_not_involved(actor, locked.borrower, noun="贷款")
        if locked.status != LoanStatus.ACTIVE:
            raise TransitionError("loan_not_active", f"贷款{locked.contract_number}已结清")
        current = BankDebitAccount.objects.filter(loan=locked, ended_on__isnull=True).first()
        if current is not None:
            current.ended_on = on
            current.ended_by = _user(actor)
            current.save(update_fields=["ended_on", "ended_by"])
        row = BankDebitAccount.objects.create(
            loan=locked,
            bank_name=bank_name.strip()[:100],
            bank_code=bank_code.strip()[:20],
            account_number=number,
            account_name=account_name.strip()[:50],
            registered_on=on,
            registered_by=_user(actor),
        )
        audit_record(
            actor=actor,
            action=AuditAction.BANK_DEBIT_ACCOUNT_REGISTERED,
            obj=row,
            old={"account": current.pk} if current is not None else None,
            new={"loan": locked.pk, "bank_name": row.bank_name, "tail": number[-4:]},
            object_repr=f"{row.bank_name} {mask_bank_account(number)}",
        )
    return row


# --- batch runs: shared by collection and overdue -------------------------------------


def _kickoff(
    *,
    job: str,
    business_date: date,
    candidates: QuerySet[Any],
    id_field: str,
    dispatch: Callable[[int], None] | None,
) -> BatchRun:
    with transaction.atomic():
        run, created = BatchRun.objects.select_for_update().get_or_create(
            job=job,
            business_date=business_date,
            defaults={
                "reference_date": business_date,
                "status": BatchStatus.RUNNING,
                "started_at": timezone.now(),
            },
        )
        if run.status in (BatchStatus.DONE, BatchStatus.DONE_WITH_ERRORS) and not created:
            return run
        if created:
            bounds = candidates.aggregate(lo=Min(id_field), hi=Max(id_field))
            run.loans_total = candidates.count()
            if bounds["lo"] is not None:
                lo, hi = bounds["lo"], bounds["hi"]
                BatchChunk.objects.bulk_create(
                    BatchChunk(run=run, id_from=start, id_to=min(start + CHUNK_SIZE - 1, hi))
                    for start in range(lo, hi + 1, CHUNK_SIZE)
                )
            run.chunks_total = run.chunks.count()
            run.save(update_fields=["loans_total", "chunks_total"])
            audit_record(
                actor=None,
                actor_label=f"batch:{job}",
                action=AuditAction.BATCH_RUN_STARTED,
                obj=run,
                new={"business_date": business_date, "loans_total": run.loans_total},
            )
        pending = list(
            run.chunks.exclude(status=BatchStatus.DONE).order_by("id").values_list("id", flat=True)
        )
        if not pending:
            _close(run)
        elif dispatch is not None:
            transaction.on_commit(lambda: [dispatch(cid) for cid in pending])
    return run


def _run_chunk(chunk_id: int, work: Callable[[BatchRun, int, int], int]) -> BatchChunk:
    """One chunk in one transaction; a failing loan is retried alone and logged."""
    with transaction.atomic():
        chunk = (
            BatchChunk.objects.select_for_update(of=("self",), no_key=True)
            .select_related("run")
            .get(pk=chunk_id)
        )
        if chunk.status == BatchStatus.DONE:
            return chunk
        run = chunk.run
        chunk.attempts += 1
        chunk.started_at = timezone.now()
        try:
            with transaction.atomic():
                done, failed = work(run, chunk.id_from, chunk.id_to), 0
        except LOAN_FAULTS:
            done = failed = 0
            for loan_id in range(chunk.id_from, chunk.id_to + 1):
                try:
                    with transaction.atomic():
                        done += work(run, loan_id, loan_id)
                except LOAN_FAULTS as exc:
                    failed += 1
                    BatchError.objects.create(
                        run=run,
                        chunk=chunk,
                        loan_id=loan_id,
                        message=f"{type(exc).__name__}: {exc}"[:1000],
                    )
        chunk.repriced = done
        chunk.failed = failed
        chunk.status = BatchStatus.DONE
        chunk.finished_at = timezone.now()
        chunk.save()
    _close_if_complete(run_id=run.pk)
    return chunk


def _close_if_complete(*, run_id: int) -> None:
    with transaction.atomic():
        run = BatchRun.objects.select_for_update().get(pk=run_id)
        if run.status in (BatchStatus.DONE, BatchStatus.DONE_WITH_ERRORS):
            if not run.chunks.exclude(status=BatchStatus.DONE).exists():
                _close(run)  # a retried chunk: totals again
            return
        if run.chunks.exclude(status=BatchStatus.DONE).exists():
            return
        _close(run)


def _close(run: BatchRun) -> None:
    totals = run.chunks.aggregate(done=Sum("repriced"), failed=Sum("failed"))
    run.loans_repriced = totals["done"] or 0
    run.loans_failed = totals["failed"] or 0
    run.chunks_done = run.chunks.filter(status=BatchStatus.DONE).count()
    run.status = BatchStatus.DONE if not run.loans_failed else BatchStatus.DONE_WITH_ERRORS
    run.finished_at = timezone.now()
    run.save()
    if run.job == JOB_OVERDUE:
        _risk_class_book_store(run)
    audit_record(
        actor=None,
        actor_label=f"batch:{run.job}",
        action=AuditAction.BATCH_RUN_CLOSED,
        obj=run,
        new={"done": run.loans_repriced, "failed": run.loans_failed},
    )


def run_is_closed(*, job: str, business_date: date) -> bool:
    return BatchRun.objects.filter(
        job=job,
        business_date=business_date,
        status__in=[BatchStatus.DONE, BatchStatus.DONE_WITH_ERRORS],
    ).exists()


# --- collection ---------------------------------------------------------------------


def loans_due_for_collection(*, on: date) -> QuerySet[Loan]:
    """Active loans with an installment due on or before ``on`` not yet collected for ``on``."""
    return Loan.objects.filter(status=LoanStatus.ACTIVE, next_due_date__lte=on).exclude(
        servicing__collected_through__gte=on
    )


def collection_kickoff(
    *, business_date: date, dispatch: Callable[[int], None] | None = None
) -> BatchRun:
    """Open (or reopen) the collection run of ``business_date`` and its deduction file."""
    services.allocation_order(on=business_date)  # refuse a night without the rule
    run = _kickoff(
        job=JOB_COLLECT,
        business_date=business_date,
        candidates=loans_due_for_collection(on=business_date),
        id_field="id",
        dispatch=dispatch,
    )
    BankDeductionFile.objects.get_or_create(
        business_date=business_date, defaults={"batch_run_id": run.pk}
    )
    return run


def collection_chunk(*, chunk_id: int) -> BatchChunk:
    """Collect one id range; safe to run again (redelivery, retry, duplicate)."""
    return _run_chunk(chunk_id, _collect_range)


@dataclass
class _Draw:
    loan: Loan
    installment: InstallmentCollection
    account_id: int
    amount: Decimal
    reference: str


class _Schedules:
    """The chunk's schedule versions, fetched in one query: installments without a query each.

    The version in force for installment ``n`` is the last one starting at or before
    it, as ``selectors.loan_installment`` reads it; each version's schedule is built
    once per chunk.
    """

    def __init__(self, loans: list[Loan]) -> None:
        by_id = {loan.pk: loan for loan in loans}
        self.versions: dict[int, list[ScheduleVersion]] = defaultdict(list)
        for v in ScheduleVersion.objects.filter(loan_id__in=list(by_id)).order_by(
            "loan_id", "version"
        ):
            v.loan = by_id[v.loan_id]  # the first period runs from the loan's disbursement
            self.versions[v.loan_id].append(v)
        self._built: dict[int, list[Installment]] = {}

    def row(self, loan: Loan, number: int) -> ScheduleRow | None:
        return selectors.installment_of(
            versions=self.versions[loan.pk], number=number, built=self._built
        )

    def rate(self, loan: Loan, version: int) -> Decimal:
        [v] = [v for v in self.versions[loan.pk] if v.version == version]
        return v.annual_rate_percent

    def due_date(self, loan: Loan, number: int) -> date | None:
        row = self.row(loan, number)
        return row.due_date if row is not None else None


def _open_due_installments(
    loans: list[Loan], schedules: _Schedules, *, on: date
) -> dict[int, list[InstallmentCollection]]:
    """Each loan's open installments due on or before ``on``, oldest first; the missing opened.

    An installment from the loan's next one on is open (paying one moves the loan
    past it), so the open rows already there are the ones not to create again.
    """
    open_by_loan: dict[int, list[InstallmentCollection]] = defaultdict(list)
    for inst in InstallmentCollection.objects.filter(
        loan_id__in=[loan.pk for loan in loans], status=InstallmentStatus.OPEN, due_date__lte=on
    ).order_by("loan_id", "installment_number"):
        open_by_loan[inst.loan_id].append(inst)
    new: list[InstallmentCollection] = []
    policies: dict[date, PolicySnapshot] = {}
    for loan in loans:
        have = {i.installment_number for i in open_by_loan[loan.pk]}
        number = loan.next_installment_number
        while True:
            row = schedules.row(loan, number)
            if row is None or row.due_date > on:
                break
            if number not in have:
                if row.due_date not in policies:
                    policies[row.due_date] = policy_in_force(on=row.due_date)
                new.append(
                    services.installment_new(
                        loan=loan,
                        row=row,
                        annual_rate_percent=schedules.rate(loan, row.version),
                        policy=policies[row.due_date],
                    )
                )
            number += 1
    for inst in InstallmentCollection.objects.bulk_create(new):
        open_by_loan[inst.loan_id].append(inst)
    for rows in open_by_loan.values():
        rows.sort(key=lambda i: i.installment_number)
    return open_by_loan


def _collect_range(run: BatchRun, id_from: int, id_to: int) -> int:
    """One chunk, set-based: a fixed number of queries whatever the number of loans."""
    on = run.business_date
    loans = list(
        loans_due_for_collection(on=on)
        .filter(id__gte=id_from, id__lte=id_to)
        .select_for_update(of=("self",))
        .order_by("id")
    )
    if not loans:
        return 0
    ids = [loan.pk for loan in loans]
    LoanServicing.objects.bulk_create(
        [LoanServicing(loan_id=i) for i in ids], ignore_conflicts=True
    )
    order = services.allocation_order(on=on)
    schedules = _Schedules(loans)
    open_by_loan = _open_due_installments(loans, schedules, on=on)
    awaiting_bank = set(
        BankDeductionLine.objects.filter(
            loan_id__in=ids, status=DeductionLineStatus.SENT
        ).values_list("installment_id", flat=True)
    )
    auths: dict[int, list[RepaymentAuthorization]] = defaultdict(list)
    for auth in RepaymentAuthorization.objects.filter(
        loan_id__in=ids, stopped_at__isnull=True
    ).order_by("loan_id", "priority", "id"):
        auths[auth.loan_id].append(auth)
    # Loans first (above), then the accounts, each in id order: as the withdrawals lock.
    accounts = lock_in_pk_order(
        ProvidentAccount, [a.account_id for rows in auths.values() for a in rows]
    )
    balance = {pk: acc.balance for pk, acc in accounts.items()}
    banks = {
        b.loan_id: b
        for b in BankDebitAccount.objects.filter(loan_id__in=ids, ended_on__isnull=True)
    }
    draws: list[_Draw] = []
    shortfalls: list[tuple[Loan, InstallmentCollection, Decimal]] = []
    for loan in loans:
        # Oldest first, stopping at a debit the bank has not answered yet.
        payable: list[InstallmentCollection] = []
        for inst in open_by_loan[loan.pk]:
            if inst.pk in awaiting_bank:
                break
            payable.append(inst)
        owed = {inst.pk: services.installment_owed(inst).total for inst in payable}
        for auth in auths[loan.pk]:
            if accounts[auth.account_id].status not in _DRAWABLE:
                continue
            for inst in payable:
                take = min(balance[auth.account_id], owed[inst.pk])
                if take <= 0:
                    continue
                balance[auth.account_id] -= take
                owed[inst.pk] -= take
                ref = f"CHD{on:%Y%m%d}-{loan.pk}-{inst.installment_number}-{auth.account_id}"
                draws.append(_Draw(loan, inst, auth.account_id, take, ref))
        for inst in payable:
            if owed[inst.pk] > 0:
                shortfalls.append((loan, inst, owed[inst.pk]))
    if draws:
        entries = account_entries_post(
            postings=[
                Posting(
                    account_id=d.account_id,
                    entry_type=EntryType.PARTIAL_WITHDRAWAL,
                    amount=-d.amount,
                    withdrawal_reason=WithdrawalReason.LOAN_REPAYMENT,
                    memo=f"冲还贷 {d.loan.contract_number} 第{d.installment.installment_number}期",
                    reference=d.reference,
                )
                for d in draws
            ],
            value_date=on,
            actor=None,
            reason=f"冲还贷 {on.isoformat()}",
        )
        services.installments_pay(
            payments=[
                services.InstallmentPayment(
                    loan=d.loan,
                    installment=d.installment,
                    amount=d.amount,
                    channel=CollectionChannel.PROVIDENT,
                    reference=d.reference,
                    account_entry_id=entry.pk,
                )
                for d, entry in zip(draws, entries, strict=True)
            ],
            paid_on=on,
            actor=None,
            order=order,
            batch_run_id=run.pk,
            due_date_of=schedules.due_date,
        )
    lines = []
    file = BankDeductionFile.objects.get(business_date=on)
    for loan, inst, amount in shortfalls:
        bank = banks.get(loan.pk)
        if bank is None:
            continue
        lines.append(
            BankDeductionLine(
                file=file,
                loan=loan,
                installment=inst,
                installment_number=inst.installment_number,
                amount=amount,
                reference=f"WT{on:%Y%m%d}{loan.pk:010d}{inst.installment_number:03d}",
                bank_name=bank.bank_name,
                bank_account=bank.account_number,
                account_name=bank.account_name,
            )
        )
    BankDeductionLine.objects.bulk_create(lines)
    LoanServicing.objects.filter(loan_id__in=ids).update(
        collected_through=on, updated_at=timezone.now()
    )
    return len(loans)


# --- overdue ------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    risk_class: str
    min_days: int
    max_days: int | None


def risk_bands(*, on: date) -> tuple[Band, ...]:
    """The classes by days overdue, from ``Key.RISK_CLASS_BANDS``."""
    raw = policy_in_force(on=on).value(Key.RISK_CLASS_BANDS)
    if raw is None:
        raise BusinessError("policy_not_in_force", "贷款风险分类标准未设置")
    bands = tuple(
        Band(
            str(b["class"]),
            int(b["min_days"]),
            None if b["max_days"] is None else int(b["max_days"]),
        )
        for b in raw
    )
    if {b.risk_class for b in bands} - set(RiskClass.values):
        raise BusinessError("invalid_policy", "贷款风险分类标准含未知分类代码")
    return bands


def risk_class_for(*, days: int, bands: Iterable[Band]) -> str:
    for b in bands:
        if days >= b.min_days and (b.max_days is None or days <= b.max_days):
            return b.risk_class
    raise ValueError(f"逾期{days}天不在任何风险分类区间内")


def loans_due_for_overdue(*, on: date) -> QuerySet[LoanServicing]:
    return LoanServicing.objects.filter(Q(overdue_through__isnull=True) | Q(overdue_through__lt=on))


def overdue_kickoff(
    *, business_date: date, dispatch: Callable[[int], None] | None = None
) -> BatchRun:
    """Open (or reopen) the overdue run of ``business_date``."""
    risk_bands(on=business_date)  # refuse a night without the bands
    return _kickoff(
        job=JOB_OVERDUE,
        business_date=business_date,
        candidates=loans_due_for_overdue(on=business_date),
        id_field="loan_id",
        dispatch=dispatch,
    )


def overdue_chunk(*, chunk_id: int) -> BatchChunk:
    """Accrue penalty and classify one id range; safe to run again."""
    return _run_chunk(chunk_id, _overdue_range)


def _overdue_range(run: BatchRun, id_from: int, id_to: int) -> int:
    on = run.business_date
    bands = risk_bands(on=on)
    ids = list(
        Loan.objects.filter(id__gte=id_from, id__lte=id_to, servicing__isnull=False)
        .select_for_update(of=("self",), no_key=True)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if not ids:
        return 0
    if connection.vendor == "postgresql":
        _overdue_sql(on=on, id_from=id_from, id_to=id_to, bands=bands)
    else:
        _overdue_python(on=on, ids=ids, bands=bands)
    return len(ids)


def _overdue_sql(*, on: date, id_from: int, id_to: int, bands: tuple[Band, ...]) -> None:
    """Two statements per chunk: accrue the installments, then recompute the loans."""
    inst_t = InstallmentCollection._meta.db_table
    serv_t = LoanServicing._meta.db_table
    cases = " ".join(
        "WHEN COALESCE(a.days, 0) >= %s"
        + ("" if b.max_days is None else " AND COALESCE(a.days, 0) <= %s")
        + " THEN %s"
        for b in bands
    )
    case_params: list[Any] = []
    for b in bands:
        case_params += [b.min_days, *([] if b.max_days is None else [b.max_days]), b.risk_class]
    now = timezone.now()
    with connection.cursor() as cur:
        # numeric throughout: the basis is exact and ROUND(… / 36000, 2) rounds half away
        # from zero, which for these non-negative amounts is half-up.
        cur.execute(
            f"""
            UPDATE {inst_t} SET
                penalty_basis = penalty_basis + (principal_due - principal_paid)
                    * penalty_rate_percent * (%s::date - penalty_through),
                penalty_accrued = ROUND((penalty_basis + (principal_due - principal_paid)
                    * penalty_rate_percent * (%s::date - penalty_through)) / 36000, 2),
                overdue_days = overdue_days + (%s::date - penalty_through),
                penalty_through = %s,
                updated_at = %s
            WHERE loan_id BETWEEN %s AND %s AND status = %s AND penalty_through < %s
            """,  # noqa: S608 -- table names from the models' Meta; values are parameters
            [on, on, on, on, now, id_from, id_to, InstallmentStatus.OPEN, on],
        )
        cur.execute(
            f"""
            UPDATE {serv_t} s SET
                overdue_installments = COALESCE(a.n, 0),
                overdue_principal = COALESCE(a.principal, 0),
                overdue_interest = COALESCE(a.interest, 0),
                penalty_outstanding = COALESCE(a.penalty, 0),
                days_overdue = COALESCE(a.days, 0),
                risk_class = CASE {cases} END,
                overdue_through = %s,
                updated_at = %s
            FROM {serv_t} s2
            LEFT JOIN (
                SELECT loan_id,
                       COUNT(*) FILTER (WHERE overdue_days > 0) AS n,
                       SUM(principal_due - principal_paid) FILTER (WHERE overdue_days > 0)
                           AS principal,
                       SUM(interest_due - interest_paid) FILTER (WHERE overdue_days > 0)
                           AS interest,
                       SUM(penalty_accrued - penalty_paid) AS penalty,
                       MAX(overdue_days) AS days
                FROM {inst_t}
                WHERE loan_id BETWEEN %s AND %s AND status = %s
                GROUP BY loan_id
            ) a ON a.loan_id = s2.loan_id
            WHERE s.loan_id = s2.loan_id AND s2.loan_id BETWEEN %s AND %s
            """,  # noqa: S608
            [*case_params, on, now, id_from, id_to, InstallmentStatus.OPEN, id_from, id_to],
        )


def _overdue_python(*, on: date, ids: list[int], bands: tuple[Band, ...]) -> None:
    """The same on SQLite, whose decimals are floats in SQL: exact in Python, bulk-written."""
    now = timezone.now()
    moved = []
    for inst in InstallmentCollection.objects.filter(
        loan_id__in=ids, status=InstallmentStatus.OPEN, penalty_through__lt=on
    ):
        days = (on - inst.penalty_through).days
        inst.penalty_basis += (
            (inst.principal_due - inst.principal_paid) * inst.penalty_rate_percent * days
        )
        inst.penalty_accrued = round_fen_exact(Fraction(inst.penalty_basis) / 36000)
        inst.overdue_days += days
        inst.penalty_through = on
        inst.updated_at = now
        moved.append(inst)
    InstallmentCollection.objects.bulk_update(
        moved,
        ["penalty_basis", "penalty_accrued", "overdue_days", "penalty_through", "updated_at"],
    )
    state: dict[int, dict[str, Any]] = {
        i: {"n": 0, "principal": _ZERO, "interest": _ZERO, "penalty": _ZERO, "days": 0} for i in ids
    }
    for inst in InstallmentCollection.objects.filter(
        loan_id__in=ids, status=InstallmentStatus.OPEN
    ):
        s = state[inst.loan_id]
        s["penalty"] += inst.penalty_accrued - inst.penalty_paid
        if inst.overdue_days > 0:
            s["n"] += 1
            s["principal"] += inst.principal_due - inst.principal_paid
            s["interest"] += inst.interest_due - inst.interest_paid
            s["days"] = max(s["days"], inst.overdue_days)
    rows = list(LoanServicing.objects.filter(loan_id__in=ids))
    for row in rows:
        s = state[row.loan_id]
        row.overdue_installments = s["n"]
        row.overdue_principal = s["principal"]
        row.overdue_interest = s["interest"]
        row.penalty_outstanding = s["penalty"]
        row.days_overdue = s["days"]
        row.risk_class = risk_class_for(days=s["days"], bands=bands)
        row.overdue_through = on
        row.updated_at = now
    LoanServicing.objects.bulk_update(
        rows,
        [
            "overdue_installments",
            "overdue_principal",
            "overdue_interest",
            "penalty_outstanding",
            "days_overdue",
            "risk_class",
            "overdue_through",
            "updated_at",
        ],
    )


# --- the bank's result file -----------------------------------------------------------

_RESULT_COLUMNS: dict[str, tuple[str, ...]] = {
    "reference": ("reference", "扣款流水号"),
    "result": ("result", "扣款结果"),
    "amount": ("amount", "金额"),
    "paid_on": ("paid_on", "扣款日期"),
}
_OUTCOMES: Final = {
    "success": ResultOutcome.SUCCESS,
    "成功": ResultOutcome.SUCCESS,
    "failure": ResultOutcome.FAILURE,
    "失败": ResultOutcome.FAILURE,
}
_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?", re.ASCII)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def bank_result_import(
    *, text: str, actor: Actor, file_name: str = "result.csv"
) -> BankResultImport:
    """Post the bank's answer to the deduction files, line by line, each line once.

    A line is checked against what was sent (reference, amount, date on or after the
    file's); a success is put on the loan's open installments, oldest first, up to the
    one it was sent for. A refused line says why and changes nothing else.
    """
    require_role(actor, Role.CLERK, doing="导入委托扣款回盘文件")
    digest = hashlib.sha256(text.encode()).hexdigest()
    earlier = BankResultImport.objects.filter(sha256=digest).first()
    if earlier is not None:
        return earlier
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise BusinessError("empty_import", "回盘文件为空") from None
    index: dict[str, int] = {}
    for name, aliases in _RESULT_COLUMNS.items():
        found = [i for i, h in enumerate(header) if h in aliases]
        if not found:
            raise BusinessError("invalid_header", f"回盘文件缺少列：{aliases[0]}（{aliases[1]}）")
        index[name] = found[0]
    raw_rows = [
        (line, raw) for line, raw in enumerate(reader, start=2) if any(c.strip() for c in raw)
    ]
    if not raw_rows:
        raise BusinessError("empty_import", "回盘文件没有数据行")
    with transaction.atomic():
        batch = BankResultImport.objects.create(
            file_name=file_name[:200], sha256=digest, rows=len(raw_rows), created_by=_user(actor)
        )
        refs = [raw[index["reference"]].strip() for _, raw in raw_rows if len(raw) >= len(header)]
        sent = {
            d.reference: d
            for d in BankDeductionLine.objects.filter(reference__in=refs).select_related("file")
        }
        lock_in_pk_order(Loan, {d.loan_id for d in sent.values()})
        seen: set[str] = set()
        for line, raw in raw_rows:
            result = BankResultLine(result_import=batch, line=line, reference="")
            try:
                with transaction.atomic():
                    _result_line(result, raw, index, header, sent, seen, actor)
            except _Refused as exc:
                result.status = ResultLineStatus.REFUSED
                result.code, result.message = exc.code, exc.message[:300]
                result.pk = None
                result.save()
            except BusinessError as exc:
                result.status = ResultLineStatus.REFUSED
                result.code, result.message = exc.code, exc.message[:300]
                result.pk = None
                result.save()
        counts = dict(
            batch.lines.values("status").annotate(n=Count("id")).values_list("status", "n")
        )
        batch.posted = counts.get(ResultLineStatus.POSTED, 0)
        batch.failed = counts.get(ResultLineStatus.FAILED, 0)
        batch.refused = counts.get(ResultLineStatus.REFUSED, 0)
        batch.save(update_fields=["posted", "failed", "refused"])
        audit_record(
            actor=actor,
            action=AuditAction.BANK_RESULT_IMPORTED,
            obj=batch,
            new={
                "rows": batch.rows,
                "posted": batch.posted,
                "failed": batch.failed,
                "refused": batch.refused,
            },
            reason=file_name,
        )
    return batch


def _result_line(
    result: BankResultLine,
    raw: list[str],
    index: dict[str, int],
    header: list[str],
    sent: dict[str, BankDeductionLine],
    seen: set[str],
    actor: Actor,
) -> None:
    if len(raw) < len(header):
        raise _Refused("invalid_row", "列数不足")
    cell = {k: raw[i].strip() for k, i in index.items()}
    result.reference = cell["reference"][:64]
    if cell["reference"] in seen:
        raise _Refused("duplicate_line", f"扣款流水号{cell['reference']}在本文件中重复")
    seen.add(cell["reference"])
    outcome = _OUTCOMES.get(cell["result"])
    if outcome is None:
        raise _Refused("invalid_result", "扣款结果须为 success/failure（成功/失败）")
    result.outcome = outcome
    if not _AMOUNT.fullmatch(cell["amount"]):
        raise _Refused("invalid_amount", "金额须为半角数字，最多两位小数")
    result.amount = Decimal(cell["amount"])
    try:
        if not _ISO_DATE.fullmatch(cell["paid_on"]):
            raise ValueError(cell["paid_on"])
        result.paid_on = date.fromisoformat(cell["paid_on"])
    except ValueError:
        raise _Refused("invalid_date", "扣款日期须为YYYY-MM-DD") from None
    line = sent.get(cell["reference"])
    if line is None:
        raise _Refused("unknown_reference", f"扣款流水号{cell['reference']}不在已发送的扣款文件中")
    line.refresh_from_db()
    if line.status != DeductionLineStatus.SENT:
        raise _Refused("already_posted", f"扣款流水号{line.reference}的回盘已处理")
    if result.amount != line.amount:
        raise _Refused(
            "amount_mismatch", f"回盘金额{_fmt(result.amount)}与发送金额{_fmt(line.amount)}不符"
        )
    if result.paid_on < line.file.business_date or result.paid_on > today_local():
        raise _Refused("invalid_date", "扣款日期须不早于扣款文件日期且不晚于今天")
    if outcome == ResultOutcome.FAILURE:
        result.status = ResultLineStatus.FAILED
        result.save()
        line.status = DeductionLineStatus.FAILED
        line.result_line = result
        line.save(update_fields=["status", "result_line"])
        return
    loan = Loan.objects.get(pk=line.loan_id)
    target = InstallmentCollection.objects.get(pk=line.installment_id)
    if target.status != InstallmentStatus.OPEN or loan.status != LoanStatus.ACTIVE:
        raise _Refused(
            "already_settled", f"贷款{loan.contract_number}第{line.installment_number}期已结清"
        )
    installments = list(
        InstallmentCollection.objects.filter(
            loan=loan,
            status=InstallmentStatus.OPEN,
            installment_number__lte=line.installment_number,
        ).order_by("installment_number")
    )
    owed = sum((services.installment_owed(i).total for i in installments), _ZERO)
    if result.amount > owed:
        raise _Refused("amount_exceeds_due", f"扣款{_fmt(result.amount)}超过应还{_fmt(owed)}")
    result.status = ResultLineStatus.POSTED
    result.save()
    order = services.allocation_order(on=result.paid_on)
    left = result.amount
    payments = []
    for inst in installments:
        take = min(left, services.installment_owed(inst).total)
        if take <= 0:
            break
        ref = (
            line.reference
            if inst.pk == line.installment_id
            else (f"{line.reference}:{inst.installment_number}")
        )
        payments.append(
            services.InstallmentPayment(
                loan=loan,
                installment=inst,
                amount=take,
                channel=CollectionChannel.BANK_DEBIT,
                reference=ref,
                deduction_line_id=line.pk,
            )
        )
        left -= take
    services.installments_pay(payments=payments, paid_on=result.paid_on, actor=actor, order=order)
    line.status = DeductionLineStatus.SUCCEEDED
    line.result_line = result
    line.save(update_fields=["status", "result_line"])


# --- the whole night, in this process -----------------------------------------------------


@dataclass(frozen=True)
class ServicingPreview:
    business_date: date
    loans_due: int
    installments_due: int


def servicing_preview(*, business_date: date) -> ServicingPreview:
    """How many loans the collection of ``business_date`` would take up; writes nothing."""
    loans = loans_due_for_collection(on=business_date)
    open_count = InstallmentCollection.objects.filter(
        loan__in=loans, status=InstallmentStatus.OPEN
    ).count()
    return ServicingPreview(
        business_date=business_date, loans_due=loans.count(), installments_due=open_count
    )


def servicing_dates_due(*, until: date) -> list[date]:
    """Business dates not yet serviced, oldest first: the last closed night + 1 … ``until``."""
    last = (
        BatchRun.objects.filter(
            job=JOB_OVERDUE, status__in=[BatchStatus.DONE, BatchStatus.DONE_WITH_ERRORS]
        )
        .aggregate(last=Max("business_date"))
        .get("last")
    )
    if last is None:
        return [until]
    return [last + timedelta(days=n) for n in range(1, (until - last).days + 1)]


def servicing_run_inline(
    *,
    business_date: date,
    progress: Callable[[int], None] | None = None,
    with_repricing: bool = True,
) -> None:
    """Repricing, collection and overdue for one date, chunk by chunk, in this process."""
    steps: list[tuple[Callable[..., BatchRun], Callable[..., BatchChunk]]] = []
    if with_repricing:
        steps.append((repricing.reprice_kickoff, repricing.reprice_chunk))
    steps += [(collection_kickoff, collection_chunk), (overdue_kickoff, overdue_chunk)]
    for kickoff, work in steps:
        run = kickoff(business_date=business_date)
        pending = run.chunks.exclude(status=BatchStatus.DONE).order_by("id")
        for chunk_id in list(pending.values_list("id", flat=True)):
            chunk = work(chunk_id=chunk_id)
            if progress is not None:
                progress(chunk.repriced + chunk.failed)


# --- reads for the surfaces --------------------------------------------------------------


def _masked(number: str) -> str:
    return mask_bank_account(number)


def loan_servicing_summary(*, loan: Loan) -> dict[str, Any]:
    """What the borrower and the clerk see of a loan's servicing."""
    nxt = selectors.loan_next_installment(loan=loan)
    state = LoanServicing.objects.filter(loan=loan).first()
    auths = list(repayment_authorizations_of(loan=loan).select_related("depositor", "account"))
    bank = BankDebitAccount.objects.filter(loan=loan, ended_on__isnull=True).first()
    risk = RiskClass(state.risk_class if state is not None else RiskClass.NORMAL)
    paid = CollectionAllocation.objects.filter(loan=loan).aggregate(p=Sum("penalty"))["p"]
    return {
        "next_installment": None
        if nxt is None
        else {
            "number": nxt.number,
            "due_date": nxt.due_date,
            "payment": nxt.payment,
            "principal": nxt.principal,
            "interest": nxt.interest,
        },
        "overdue": {
            "installments": state.overdue_installments if state else 0,
            "principal": state.overdue_principal if state else _ZERO,
            "interest": state.overdue_interest if state else _ZERO,
            "penalty": state.penalty_outstanding if state else _ZERO,
            "days": state.days_overdue if state else 0,
            "risk_class": risk.value,
            "risk_class_label": risk.label,
        },
        "penalty_paid": Decimal(paid or 0).quantize(Decimal("0.01")),
        "serviced_through": state.overdue_through if state else None,
        "provident_repayment": {
            "active": any(a.is_active for a in auths),
            "authorizations": [
                {
                    "id": a.pk,
                    "holder": a.holder,
                    "holder_label": a.get_holder_display(),
                    "depositor_name": a.depositor.name,
                    "account_number_masked": _masked(a.account.account_number),
                    "granted_on": a.granted_on,
                    "channel": a.channel,
                    "stopped_on": a.stopped_on,
                    "active": a.is_active,
                }
                for a in auths
            ],
        },
        "bank_debit": None
        if bank is None
        else {
            "bank_name": bank.bank_name,
            "account_number_masked": _masked(bank.account_number),
            "account_name": bank.account_name,
        },
    }


def loans_overdue(
    *,
    risk_class: str | None = None,
    min_days: int | None = None,
    max_days: int | None = None,
) -> QuerySet[LoanServicing]:
    """The 催收 list: loans with an overdue installment, longest overdue first."""
    rows = LoanServicing.objects.filter(overdue_installments__gt=0)
    if risk_class:
        rows = rows.filter(risk_class=risk_class)
    if min_days is not None:
        rows = rows.filter(days_overdue__gte=min_days)
    if max_days is not None:
        rows = rows.filter(days_overdue__lte=max_days)
    return rows.select_related("loan", "loan__borrower").order_by("-days_overdue", "loan_id")


def _risk_class_book_store(run: BatchRun) -> None:
    """The night's book by class, kept for the day (a run closed again after a retry: updated)."""
    for row in loan_book_by_risk_class():
        RiskClassBook.objects.update_or_create(
            business_date=run.business_date,
            risk_class=row["risk_class"],
            defaults={
                "loans": row["loans"],
                "outstanding_principal": row["outstanding_principal"],
                "batch_run_id": run.pk,
            },
        )


def loan_book_by_risk_class_last_night() -> tuple[date | None, list[dict[str, Any]]]:
    """The book by class as the last overdue run left it, and that run's business date.

    Before any run has closed: the live figures (and no date).
    """
    latest = RiskClassBook.objects.order_by("-business_date").values_list(
        "business_date", flat=True
    )[:1]
    if not latest:
        return None, loan_book_by_risk_class()
    on = latest[0]
    rows = {r.risk_class: r for r in RiskClassBook.objects.filter(business_date=on)}
    return on, [
        {
            "risk_class": c.value,
            "label": c.label,
            "loans": rows[c.value].loans if c.value in rows else 0,
            "outstanding_principal": rows[c.value].outstanding_principal
            if c.value in rows
            else Decimal("0.00"),
        }
        for c in RiskClass
    ]


def loan_book_by_risk_class() -> list[dict[str, Any]]:
    """Active loans by risk class (no servicing row yet: 01), counts and outstanding principal."""
    grouped = (
        Loan.objects.filter(status=LoanStatus.ACTIVE)
        .annotate(cls=Coalesce("servicing__risk_class", Value(RiskClass.NORMAL.value)))
        .values("cls")
        .annotate(n=Count("id"), outstanding=Sum("outstanding_principal"))
    )
    found = {g["cls"]: g for g in grouped}
    return [
        {
            "risk_class": c.value,
            "label": c.label,
            "loans": found[c.value]["n"] if c.value in found else 0,
            "outstanding_principal": Decimal(
                found[c.value]["outstanding"] if c.value in found else 0
            ).quantize(Decimal("0.01")),
        }
        for c in RiskClass
    ]


def repayment_authorizations_of(*, loan: Loan) -> QuerySet[RepaymentAuthorization]:
    return RepaymentAuthorization.objects.filter(loan=loan).order_by("-granted_at", "-id")


def installments_of(*, loan: Loan) -> QuerySet[InstallmentCollection]:
    return InstallmentCollection.objects.filter(loan=loan).order_by("installment_number")


def allocations_of(*, loan: Loan) -> QuerySet[CollectionAllocation]:
    return CollectionAllocation.objects.filter(loan=loan).order_by("id")


def bank_deduction_file_csv(*, file: BankDeductionFile) -> str:
    """The file as sent to the bank: one line per debit asked."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "reference",
            "contract_number",
            "installment_number",
            "bank_account",
            "account_name",
            "amount",
        ]
    )
    for line in file.lines.select_related("loan").order_by("id"):
        writer.writerow(
            [
                line.reference,
                line.loan.contract_number,
                line.installment_number,
                line.bank_account,
                line.account_name,
                f"{line.amount:.2f}",
            ]
        )
    return out.getvalue()
