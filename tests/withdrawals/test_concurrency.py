"""On PostgreSQL: fifty approvals drawing one parent's account never overdraw it."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from gjj.errors import BusinessError
from gjj.models import ProvidentAccount
from tests.ledger_support import account_ledger_sum
from withdrawals import services
from withdrawals.models import WithdrawalApplication, WithdrawalPayment, WithdrawalStatus

ON = date(2025, 3, 3)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fifty_concurrent_family_approvals_never_overdraw_the_shared_account(
    build, clerk, approver
):
    # Given a parent holding 1,000.00 and fifty children, each buying with 100.00 of their
    # own and 30.00 of the parent's, every application consented and accepted
    parent = build.person("父亲", balance="1000.00", birth=date(1950, 1, 1))
    apps = []
    for i in range(50):
        child = build.person(f"子女{i:02d}", balance="100.00", birth=date(1980, 1, 1))
        fm = build.relate(child, parent, "parent")
        app = build.purchase(
            child,
            [("self", None, "100.00"), ("parent", fm, "30.00")],
            on=ON,
            contract_date=date(2025, 1, 1),
        )
        services.member_consent_record(
            member=app.members.get(relation="parent"),
            accepted=True,
            actor=clerk,
            evidence=f"授权书{i:02d}",
        )
        services.withdrawal_submit(application=app, actor=clerk, on=ON)
        apps.append(services.withdrawal_accept(application=app, actor=clerk, on=ON))
    barrier = threading.Barrier(len(apps))
    outcomes: list[str] = []
    lock = threading.Lock()

    def approve(app: WithdrawalApplication) -> None:
        try:
            barrier.wait()
            services.withdrawal_approve(application=app, actor=approver, on=ON)
            result = "ok"
        except BusinessError as exc:
            result = exc.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    # When all fifty are approved at the same moment
    threads = [threading.Thread(target=approve, args=(a,)) for a in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then 33 are paid, 17 are refused whole, and no account is negative or off its ledger
    assert outcomes.count("ok") == 33
    assert outcomes.count("insufficient_balance") == 17
    parent_account = ProvidentAccount.objects.get(depositor=parent)
    assert parent_account.balance == Decimal("10.00")
    assert WithdrawalPayment.objects.count() == 33
    statuses = WithdrawalApplication.objects.values_list("status", flat=True)
    assert sorted(set(statuses)) == [WithdrawalStatus.ACCEPTED, WithdrawalStatus.APPROVED]
    for app in WithdrawalApplication.objects.filter(status=WithdrawalStatus.ACCEPTED):
        # A refused application moved nothing, not even the child's own 100.00
        assert ProvidentAccount.objects.get(depositor=app.applicant).balance == Decimal("100.00")
        assert app.members.filter(entry__isnull=False).count() == 0
    for account in ProvidentAccount.objects.all():
        assert account_ledger_sum(account=account) == account.balance
        assert account.balance >= 0
        assert account.entries.filter(balance_after__lt=0).count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_claims_of_one_person_leave_one_open_application(build, clerk):
    # Given one tenant, and ten rental claims for different months sent at once
    tenant = build.person("租客", balance="50000.00")
    n = 10
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def claim(month: int) -> None:
        try:
            barrier.wait()
            build.rental(tenant, "500.00", on=ON, period_type="monthly", period_index=month)
            result = "ok"
        except BusinessError as exc:
            result = exc.code
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=claim, args=(m,)) for m in range(1, n + 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then exactly one is open and the rest are told one is already in progress
    assert outcomes.count("ok") == 1
    assert outcomes.count("withdrawal_in_flight") == n - 1
    assert WithdrawalApplication.objects.filter(applicant=tenant).count() == 1
