"""Races on PostgreSQL: the row locks keep one open application and one transition."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from gjj.domain import RepaymentMethod
from gjj.errors import BusinessError
from loans import services
from loans.models import LoanApplication, Repayment
from loans.schedules import build_schedule
from tests.factories import advance, applicant, draft, make_team, spouse_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls at once, each on its own connection; results or the errors raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except BusinessError as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_spouses_applying_at_once_get_one_open_application():
    staff = make_team()
    husband = applicant(staff.clerk)
    wife = spouse_of(husband, staff.clerk)
    results = race(lambda: draft(husband), lambda: draft(wife))
    codes = sorted(r.code if isinstance(r, BusinessError) else "created" for r in results)
    assert codes == ["created", "open_application_exists"]
    assert LoanApplication.objects.count() == 1


def test_two_clerks_accepting_at_once_accept_once():
    staff = make_team()
    other = make_team("t")
    app = draft(applicant(staff.clerk))
    advance(app, staff, to="submit")
    results = race(
        lambda: services.application_accept(
            application=app, actor=staff.clerk, on=date(2025, 6, 3)
        ),
        lambda: services.application_accept(
            application=app, actor=other.clerk, on=date(2025, 6, 3)
        ),
    )
    codes = sorted(r.code if isinstance(r, BusinessError) else "accepted" for r in results)
    assert codes == ["accepted", "invalid_transition"]
    assert app.history.filter(to_status="accepted").count() == 1


def test_the_same_installment_paid_twice_at_once_posts_once():
    staff = make_team()
    loan = advance(draft(applicant(staff.clerk)), staff, to="disburse")
    first = build_schedule(
        principal=Decimal("500000.00"),
        annual_rate_percent=Decimal("2.600"),
        months=240,
        method=RepaymentMethod.EQUAL_INSTALLMENT,
        first_due_date=date(2025, 7, 20),
        first_period_from=loan.disbursed_on,  # installment 1 charges interest by days
    )[0]

    def pay() -> object:
        return services.repayment_record(
            loan=loan,
            installment_number=1,
            amount=first.payment,
            paid_on=first.due_date,
            actor=staff.clerk,
        )

    results = race(pay, pay)
    codes = sorted(r.code if isinstance(r, BusinessError) else "paid" for r in results)
    assert codes == ["already_paid", "paid"]
    assert Repayment.objects.count() == 1
    loan.refresh_from_db()
    assert loan.outstanding_principal == Decimal("500000.00") - first.principal
