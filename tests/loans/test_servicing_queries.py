"""The collection works per chunk: as many queries for 3N loans as for N.

The ledger (``gjj.services.account_entries_post``) and the audit helper are called
once per chunk and once per repayment; what they write row by row inside is theirs,
so their own statements are counted apart, and the ledger is checked to be one call.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from gjj import services as gjj_services
from gjj.models import EntryType
from loans import services, servicing
from loans.models import BankDeductionLine, Loan, Repayment, ScheduleVersion
from loans.selectors import loan_installment
from tests import factories as support

D = Decimal
DUE = date(2026, 5, 12)
pytestmark = pytest.mark.django_db


def _loan(staff: Any, n: int, *, covered: bool) -> Loan:
    """Installment 1 due on DUE; 冲还贷 from an account that covers it or holds 100.00 of it."""
    loan = support.disbursed_loan(staff, name=f"王{n}", term=240, amount="300000.00")
    Loan.objects.filter(pk=loan.pk).update(
        disbursed_on=date(2026, 4, 12), first_due_date=DUE, next_due_date=DUE, repayment_day=12
    )
    ScheduleVersion.objects.filter(loan=loan).update(first_due_date=DUE)
    loan.refresh_from_db()
    account = loan.borrower.account
    delta = D("9000.00" if covered else "100.00") - account.balance
    if delta:
        gjj_services.account_entry_post(
            account=account,
            entry_type=EntryType.ADJUSTMENT,
            amount=delta,
            value_date=date(2026, 1, 1),
            actor=staff.clerk,
        )
    servicing.repayment_authorization_grant(
        loan=loan, account=account, actor=account.depositor.user, on=date(2026, 4, 20)
    )
    servicing.bank_debit_account_register(
        loan=loan,
        bank_name="中国建设银行阳泉分行",
        account_number="6217000012345678",
        account_name=loan.borrower.name,
        actor=staff.clerk,
        on=date(2026, 4, 20),
    )
    return loan


class _Apart:
    """Counts the statements a wrapped function issues, and its calls."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn, self.calls, self.queries = fn, 0, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        before = len(connection.queries)
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.queries += len(connection.queries) - before


def _collect(run: Any, loans: list[Loan], monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """Collect one id range; its own statements and the ledger calls."""
    ledger = _Apart(gjj_services.account_entries_post)
    audit = _Apart(services.audit_record)
    monkeypatch.setattr(servicing, "account_entries_post", ledger)
    monkeypatch.setattr(services, "audit_record", audit)
    with CaptureQueriesContext(connection) as ctx, transaction.atomic():
        done = servicing._collect_range(run, loans[0].pk, loans[-1].pk)
    assert done == len(loans)
    return len(ctx.captured_queries) - ledger.queries - audit.queries, ledger.calls


def test_collection_of_3n_loans_takes_the_queries_of_n(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given 2 + 6 loans due on DUE, alternately covered by their account or not
    staff = support.make_team("q1")
    loans = [_loan(staff, n, covered=n % 2 == 0) for n in range(8)]
    run = servicing.collection_kickoff(business_date=DUE)
    # When N = 2 loans are collected as one chunk, then 3N = 6
    own_n, ledger_n = _collect(run, loans[:2], monkeypatch)
    own_3n, ledger_3n = _collect(run, loans[2:], monkeypatch)
    # Then both chunks issue the same statements and post the ledger once
    assert own_3n == own_n
    assert (ledger_n, ledger_3n) == (1, 1)
    # And the covered loans repaid installment 1, the others went to the bank for the rest
    first = loan_installment(loan=loans[1], number=1)
    assert first is not None
    rest = first.payment - D("100.00")
    repaid = set(Repayment.objects.values_list("loan_id", flat=True))
    assert repaid == {loan.pk for loan in loans[::2]}
    lines = dict(BankDeductionLine.objects.values_list("loan_id", "amount"))
    assert lines == {loan.pk: rest for loan in loans[1::2]}
