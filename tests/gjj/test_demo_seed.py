"""The demo shows a day's work: every state, deadlines due and past, a repricing to do,
a loan book paid up to last night save one loan overdue."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from gjj import openapi_examples, services
from gjj.calendar import deadline_after
from gjj.management.commands.seed_demo import DEMO_PASSWORD
from gjj.models import AuditLog, Depositor
from gjj.selectors import today_local
from loans import repricing, servicing
from loans.models import (
    ApplicationStatus,
    BatchRun,
    BatchStatus,
    CollectionAllocation,
    InstallmentCollection,
    Loan,
    LoanApplication,
    LoanStatus,
    RepaymentAuthorization,
)
from loans.selectors import (
    loan_applications_near_deadline,
    loan_applications_overdue,
    loan_installment,
)
from withdrawals.models import WithdrawalApplication, WithdrawalStatus
from withdrawals.selectors import (
    withdrawal_applications_near_deadline,
    withdrawal_applications_overdue,
)

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "users": get_user_model().objects.count(),
        "depositors": Depositor.objects.count(),
        "loan_applications": LoanApplication.objects.count(),
        "loans": Loan.objects.count(),
        "withdrawals": WithdrawalApplication.objects.count(),
        "batch_runs": BatchRun.objects.count(),
        "allocations": CollectionAllocation.objects.count(),
        "authorizations": RepaymentAuthorization.objects.count(),
        "audit": AuditLog.objects.count(),
    }


def test_seed_demo_loads_a_day_of_work_once(capsys, monkeypatch):
    # Given a fresh database and the server's port in the environment
    monkeypatch.setenv("PORT", "8765")
    today = today_local()

    # When the demo is loaded
    call_command("seed_demo")
    out = capsys.readouterr().out

    # Then loan and withdrawal applications stand in every state
    loan_states = set(LoanApplication.objects.values_list("status", flat=True))
    assert loan_states == set(ApplicationStatus.values)
    withdrawal_states = set(WithdrawalApplication.objects.values_list("status", flat=True))
    assert withdrawal_states == set(WithdrawalStatus.values)
    # one submitted application is marked ineligible (it asks more than the cap)
    assert LoanApplication.objects.filter(status="submitted", eligible=False).count() == 1

    # and one loan and one withdrawal are past their statutory deadline
    assert loan_applications_overdue(on=today).count() == 1
    assert withdrawal_applications_overdue(on=today).count() == 1
    # one loan falls due within three days, and one withdrawal today, when such a
    # working day exists (none does within a long holiday)
    first_working_day = deadline_after(start=today - timedelta(days=1), working_days=1).due_on
    near = 1 if first_working_day <= today + timedelta(days=3) else 0
    assert loan_applications_near_deadline(on=today).count() == near
    due_today = 1 if first_working_day == today else 0
    assert withdrawal_applications_near_deadline(on=today).count() == due_today

    # and last night's repricing run moved the two loans disbursed in 2024 from the
    # 2024-05-18 rates (2.85 first home, 3.325 second) to those of 2025-05-08
    yesterday = today - timedelta(days=1)
    run = BatchRun.objects.get(job=repricing.JOB)
    assert run.business_date == yesterday
    assert run.status == BatchStatus.DONE
    assert (run.loans_total, run.loans_repriced, run.loans_failed) == (2, 2, 0)
    repriced = Loan.objects.filter(disbursed_on__year=2024).order_by("home_tier")
    assert [loan.annual_rate_percent for loan in repriced] == [Decimal("2.600"), Decimal("3.075")]

    # and the two loans of early 2025 at 2.85 still await tonight's run (2.6 on 2025-12-31)
    preview = repricing.reprice_preview(business_date=today)
    assert preview.candidates == 2
    pending = Loan.objects.filter(disbursed_on__year=2025)
    assert {loan.annual_rate_percent for loan in pending} == {Decimal("2.850")}

    # and last night went on with collection and overdue, after the repricing
    nights = BatchRun.objects.values_list("job", "business_date", "status")
    assert set(nights) == {
        (job, yesterday, BatchStatus.DONE)
        for job in (repricing.JOB, servicing.JOB_COLLECT, servicing.JOB_OVERDUE)
    }

    # and 朱琳 authorised 冲还贷 from her own account through the API, and last night
    # drew her latest installment due from it, in full
    zhu = Loan.objects.get(borrower__name="朱琳")
    [auth] = RepaymentAuthorization.objects.filter(loan=zhu)
    assert (auth.holder, auth.channel, auth.is_active) == ("borrower", "api", True)
    assert auth.account == zhu.borrower.account
    assert servicing.loan_servicing_summary(loan=zhu)["provident_repayment"]["active"] is True
    [drawn] = CollectionAllocation.objects.filter(loan=zhu, channel="provident")
    row = loan_installment(loan=zhu, number=drawn.installment.installment_number)
    assert row is not None
    assert row.due_date <= yesterday
    assert (drawn.paid_on, drawn.amount, drawn.penalty) == (yesterday, row.payment, Decimal("0"))
    assert drawn.account_entry is not None
    assert drawn.account_entry.amount == -row.payment

    # and every other loan has paid each installment due, except 秦勇's, the only one
    # on the 催收 list: unpaid since the installment due 30 to 60 days ago
    qin = Loan.objects.get(borrower__name="秦勇")
    active = Loan.objects.filter(status=LoanStatus.ACTIVE)
    assert not active.exclude(pk=qin.pk).filter(next_due_date__lte=yesterday).exists()
    [arrears] = servicing.loans_overdue()
    assert arrears.loan_id == qin.pk
    overdue = list(
        InstallmentCollection.objects.filter(
            loan=qin, status="open", due_date__lt=yesterday
        ).order_by("installment_number")
    )
    days = (yesterday - overdue[0].due_date).days
    assert 29 <= days <= 59
    # class 02 关注 (1–90 days); penalty: principal overdue × 3.075 % × 1.5 per day at
    # annual/360 (no grace days), each installment's rounded once half-up
    penalty = sum(
        (
            (i.principal_due * Decimal("4.6125") * (yesterday - i.due_date).days / 36000).quantize(
                Decimal("0.01"), ROUND_HALF_UP
            )
            for i in overdue
        ),
        Decimal("0"),
    )
    assert penalty > 0
    assert (arrears.days_overdue, arrears.risk_class, arrears.overdue_installments) == (
        days,
        "02",
        len(overdue),
    )
    assert arrears.penalty_outstanding == penalty
    book = {row["risk_class"]: row["loans"] for row in servicing.loan_book_by_risk_class()}
    assert book == {"01": active.count() - 1, "02": 1, "03": 0, "04": 0, "05": 0}

    # and the unregistered depositor can sign up with the API's own example
    dep = Depositor.objects.get(id_number=openapi_examples.SIGNUP_REQUEST["id_number"])
    assert dep.user_id is None
    assert dep.name == openapi_examples.SIGNUP_REQUEST["name"]
    assert dep.account.account_number == openapi_examples.SIGNUP_REQUEST["account_number"]

    # and the banner names the real port, the demo password and how to sign up
    assert "<PORT>" not in out
    assert "http://127.0.0.1:8765/admin/" in out
    assert f"密码均为 {DEMO_PASSWORD}" in out
    assert "赵磊，身份证号 140302199406180074，个人账号 1403000005" in out

    # When it is loaded again
    before = _counts()
    call_command("seed_demo")

    # Then nothing changes
    assert _counts() == before
    assert "演示业务已存在，未重复载入。" in capsys.readouterr().out

    # And the schema's sign-up and log-in examples use the demo password and work
    assert openapi_examples.SIGNUP_REQUEST["password"] == DEMO_PASSWORD
    assert openapi_examples.LOGIN_REQUEST["password"] == DEMO_PASSWORD
    signed = services.applicant_signup(**openapi_examples.SIGNUP_REQUEST)
    assert signed.user is not None
    assert signed.user.check_password(openapi_examples.LOGIN_REQUEST["password"])

    # And the operator's dry run counts the same two loans with a bar, writing nothing
    call_command("reprice", "--dry-run")
    captured = capsys.readouterr()
    assert "需调整 2 笔贷款（未写入）" in captured.out
    assert "1/1" in captured.err
    assert BatchRun.objects.count() == 3

    # And the servicing dry run has tonight alone to do, writing nothing
    call_command("servicing", "--dry-run")
    out = capsys.readouterr().out
    assert out.startswith(f"{today}：待扣款贷款")
    assert str(yesterday) not in out
    assert BatchRun.objects.count() == 3
