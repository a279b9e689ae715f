"""On PostgreSQL: concurrent debits against one account never overdraw it."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from gjj import services
from gjj.errors import BusinessError
from gjj.models import EntryType, ProvidentAccount
from tests import factories
from tests.ledger_support import account_ledger_sum


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_concurrent_debits_never_overdraw(clerk):
    # Given an account holding 1,000.00
    acc = factories.depositor(actor=clerk, balance=Decimal("1000.00")).account
    n = 50
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def debit() -> None:
        try:
            barrier.wait()
            services.account_entry_post(
                account=acc,
                entry_type=EntryType.PARTIAL_WITHDRAWAL,
                amount=Decimal("-30.00"),
                value_date=date(2025, 3, 1),
                actor=clerk,
            )
            result = "ok"
        except BusinessError as exc:
            result = exc.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    # When 50 threads each withdraw 30.00 at the same moment
    threads = [threading.Thread(target=debit) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then exactly 33 succeed, the rest are refused, and the ledger sums to the balance
    assert outcomes.count("ok") == 33
    assert outcomes.count("insufficient_balance") == 17
    acc = ProvidentAccount.objects.get(pk=acc.pk)
    assert acc.balance == Decimal("10.00")
    assert account_ledger_sum(account=acc) == acc.balance
    assert acc.entries.filter(balance_after__lt=0).count() == 0
