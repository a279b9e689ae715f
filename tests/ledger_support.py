"""The ledger invariant the tests check: an account's balance is the sum of its entries."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from gjj.models import AccountEntry, ProvidentAccount


def account_ledger_sum(*, account: ProvidentAccount) -> Decimal:
    total = AccountEntry.objects.filter(account=account).aggregate(s=Sum("amount"))["s"]
    return total if total is not None else Decimal("0.00")
