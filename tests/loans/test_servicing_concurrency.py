"""On PostgreSQL: 冲还贷 against withdrawals, and a worker killed mid-collection."""

from __future__ import annotations

import sys
import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from gjj import services as gjj_services
from gjj.errors import BusinessError
from gjj.models import AccountEntry, EntryType, ProvidentAccount
from loans import servicing
from loans.models import BatchRun, BatchStatus, CollectionAllocation, Repayment
from loans.selectors import loan_installment
from loans.tasks import collection_dispatch
from tests import factories as support
from tests.ledger_support import account_ledger_sum
from tests.loans.test_repricing_worker import _kill_group, _start_worker
from tests.loans.test_servicing_golden import _authorise, _balance, _loan

D = Decimal


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_provident_draw_and_withdrawal_race_without_overdraft():
    # Given an account holding the installment plus 100.00, authorised for 冲还贷
    staff = support.make_team("c1")
    loan = _loan(staff, first_due=date(2026, 3, 12))
    account = loan.borrower.account
    payment = loan_installment(loan=loan, number=1).payment
    _balance(account, f"{payment + D('100.00')}", staff.clerk)
    _authorise(loan, account)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def withdraw() -> None:
        try:
            barrier.wait()
            gjj_services.account_entry_post(
                account=account,
                entry_type=EntryType.PARTIAL_WITHDRAWAL,
                amount=-(payment - D("50.00")),
                value_date=date(2026, 3, 12),
                actor=staff.clerk,
                withdrawal_reason="07",
            )
            outcomes.append("withdrawn")
        except BusinessError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    def night() -> None:
        try:
            barrier.wait()
            servicing.servicing_run_inline(business_date=date(2026, 3, 12), with_repricing=False)
            outcomes.append("night")
        finally:
            connection.close()

    # When the night's drawing and a withdrawal of (installment − 50.00) start together
    threads = [threading.Thread(target=withdraw), threading.Thread(target=night)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then whichever came second found the money gone: nothing overdrew, the ledger agrees
    acc = ProvidentAccount.objects.get(pk=account.pk)
    assert acc.balance >= 0
    assert account_ledger_sum(account=acc) == acc.balance
    assert acc.entries.filter(balance_after__lt=0).count() == 0
    drawn = sum(a.amount for a in CollectionAllocation.objects.filter(loan=loan))
    withdrawn = payment - D("50.00") if "withdrawn" in outcomes else D("0.00")
    assert acc.balance == payment + D("100.00") - drawn - withdrawn
    assert drawn in (payment, D("150.00"))  # all of it, or what the withdrawal left


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_killed_mid_collection_collects_each_installment_once(monkeypatch):
    # Given six loans due on 2026-03-12, each drawn from its borrower's account, one per chunk
    staff = support.make_team("ck")
    loans = []
    for i in range(6):
        loan = _loan(staff, first_due=date(2026, 3, 12), name=f"借款人{i}")
        _authorise(loan, loan.borrower.account)
        loans.append(loan)
    monkeypatch.setattr(servicing, "CHUNK_SIZE", 1)
    first = _start_worker("first")
    second = None
    try:
        run = servicing.collection_kickoff(
            business_date=date(2026, 3, 12), dispatch=collection_dispatch
        )
        # When the worker is killed outright once it has finished some of the chunks
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if run.chunks.filter(status=BatchStatus.DONE).exists():
                break
            time.sleep(0.05)
        _kill_group(first)
        first.communicate(timeout=30)
        # And another worker takes up what was not acknowledged
        second = _start_worker("second")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            run = BatchRun.objects.get(pk=run.pk)
            if run.status == BatchStatus.DONE:
                break
            time.sleep(0.5)
    finally:
        for w in (first, second):
            if w is not None and w.poll() is None:
                w.terminate()
                out, _ = w.communicate(timeout=60)
                sys.stdout.write(out[-3000:])
            if w is not None:
                _kill_group(w)
    # Then every installment was collected exactly once
    assert (run.status, run.loans_repriced) == (BatchStatus.DONE, 6)
    for loan in loans:
        assert Repayment.objects.filter(loan=loan).count() == 1
        drawn = AccountEntry.objects.filter(
            account=loan.borrower.account, entry_type=EntryType.PARTIAL_WITHDRAWAL
        )
        assert drawn.count() == 1
        assert -drawn.get().amount == loan_installment(loan=loan, number=1).payment
