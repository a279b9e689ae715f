"""The ledger: balances follow entries, never go negative, corrections are reversals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gjj import services
from gjj.errors import BusinessError, TransitionError
from gjj.models import AccountEntry, AuditLog, EntryType, WithdrawalReason
from tests import factories
from tests.ledger_support import account_ledger_sum

pytestmark = pytest.mark.django_db

DAY = date(2025, 3, 1)


def test_balance_is_the_sum_of_its_entries(clerk):
    # Given an account opened with 10,000.00
    acc = factories.depositor(actor=clerk, balance=Decimal("10000.00")).account
    # When a remittance and a partial withdrawal are posted
    services.account_entry_post(
        account=acc,
        entry_type=EntryType.REMITTANCE,
        amount=Decimal("1440.00"),
        value_date=DAY,
        actor=clerk,
    )
    services.account_entry_post(
        account=acc,
        entry_type=EntryType.PARTIAL_WITHDRAWAL,
        amount=Decimal("-2500.55"),
        value_date=DAY,
        actor=clerk,
        withdrawal_reason=WithdrawalReason.RENT,
    )
    acc.refresh_from_db()
    # Then the balance is exactly the ledger's sum and each entry records its running balance
    assert acc.balance == Decimal("8939.45")
    assert account_ledger_sum(account=acc) == Decimal("8939.45")
    assert list(acc.entries.values_list("balance_after", flat=True)) == [
        Decimal("10000.00"),
        Decimal("11440.00"),
        Decimal("8939.45"),
    ]


def test_overdraw_is_refused_and_writes_nothing(clerk):
    acc = factories.depositor(actor=clerk, balance=Decimal("100.00")).account
    entries, audits = AccountEntry.objects.count(), AuditLog.objects.count()
    with pytest.raises(BusinessError) as err:
        services.account_entry_post(
            account=acc,
            entry_type=EntryType.PARTIAL_WITHDRAWAL,
            amount=Decimal("-100.01"),
            value_date=DAY,
            actor=clerk,
        )
    assert err.value.code == "insufficient_balance"
    acc.refresh_from_db()
    assert acc.balance == Decimal("100.00")
    assert (AccountEntry.objects.count(), AuditLog.objects.count()) == (entries, audits)


def test_multi_account_posting_is_all_or_nothing(clerk):
    # Given two accounts, the second too poor for its share
    a = factories.depositor(actor=clerk, name="甲", balance=Decimal("5000.00")).account
    b = factories.depositor(actor=clerk, name="乙", balance=Decimal("300.00")).account
    postings = [
        services.Posting(
            account_id=a.pk, entry_type=EntryType.PARTIAL_WITHDRAWAL, amount=Decimal("-4000.00")
        ),
        services.Posting(
            account_id=b.pk, entry_type=EntryType.PARTIAL_WITHDRAWAL, amount=Decimal("-300.01")
        ),
    ]
    # When both are posted together, then nothing is posted and the error names the account
    with pytest.raises(BusinessError, match=b.account_number):
        services.account_entries_post(postings=postings, value_date=DAY, actor=clerk)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.balance, b.balance) == (Decimal("5000.00"), Decimal("300.00"))
    assert a.entries.count() == 1
    assert b.entries.count() == 1


@pytest.mark.parametrize(
    ("entry_type", "amount", "code"),
    [
        (EntryType.PARTIAL_WITHDRAWAL, Decimal("10.00"), "invalid_amount"),
        (EntryType.REMITTANCE, Decimal("-10.00"), "invalid_amount"),
        (EntryType.REMITTANCE, Decimal("0.00"), "invalid_amount"),
        (EntryType.REMITTANCE, Decimal("10.001"), "invalid_amount"),
        (EntryType.REVERSAL, Decimal("-10.00"), "use_reversal_service"),
    ],
)
def test_malformed_postings_are_refused(clerk, entry_type, amount, code):
    acc = factories.depositor(actor=clerk, balance=Decimal("100.00")).account
    with pytest.raises(BusinessError) as err:
        services.account_entry_post(
            account=acc, entry_type=entry_type, amount=amount, value_date=DAY, actor=clerk
        )
    assert err.value.code == code


def test_float_amounts_never_reach_the_ledger(clerk):
    acc = factories.depositor(actor=clerk, balance=Decimal("100.00")).account
    with pytest.raises(TypeError):
        services.account_entry_post(
            account=acc, entry_type=EntryType.REMITTANCE, amount=1.1, value_date=DAY, actor=clerk
        )


def test_reversal_restores_the_balance_once(clerk):
    acc = factories.depositor(actor=clerk, balance=Decimal("1000.00")).account
    entry = services.account_entry_post(
        account=acc,
        entry_type=EntryType.PARTIAL_WITHDRAWAL,
        amount=Decimal("-400.00"),
        value_date=DAY,
        actor=clerk,
    )
    reversal = services.account_entry_reverse(
        entry=entry, value_date=DAY, actor=clerk, reason="重复提取"
    )
    acc.refresh_from_db()
    assert reversal.amount == Decimal("400.00")
    assert reversal.reverses_id == entry.pk
    assert acc.balance == Decimal("1000.00") == account_ledger_sum(account=acc)
    assert AccountEntry.objects.filter(pk=entry.pk).exists()  # the original stays
    with pytest.raises(TransitionError) as err:
        services.account_entry_reverse(entry=entry, value_date=DAY, actor=clerk, reason="再次")
    assert err.value.code == "already_reversed"
    with pytest.raises(TransitionError):
        services.account_entry_reverse(entry=reversal, value_date=DAY, actor=clerk, reason="x")


def test_reversal_that_would_overdraw_is_refused(clerk):
    acc = factories.depositor(actor=clerk, balance=Decimal("1000.00")).account
    credit = acc.entries.get()
    services.account_entry_post(
        account=acc,
        entry_type=EntryType.PARTIAL_WITHDRAWAL,
        amount=Decimal("-600.00"),
        value_date=DAY,
        actor=clerk,
    )
    with pytest.raises(BusinessError) as err:
        services.account_entry_reverse(entry=credit, value_date=DAY, actor=clerk, reason="误转入")
    assert err.value.code == "insufficient_balance"


def test_every_posting_leaves_audit_rows(clerk):
    acc = factories.depositor(actor=clerk, balance=Decimal("1000.00")).account
    before = AuditLog.objects.count()
    services.account_entry_post(
        account=acc,
        entry_type=EntryType.REMITTANCE,
        amount=Decimal("50.00"),
        value_date=DAY,
        actor=clerk,
        memo="汇缴",
    )
    rows = list(AuditLog.objects.order_by("id")[before:])
    assert [r.action for r in rows] == ["account_entry.posted", "account.balance_changed"]
    assert rows[1].old == {"balance": "1000.00"}
    assert rows[1].new == {"balance": "1050.00"}
    assert all(r.actor_label == "clerk1" for r in rows)
