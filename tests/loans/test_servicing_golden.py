"""The nightly servicing by hand-computed figures (domain.md §9), on SQLite and PostgreSQL.

Every loan here is 400,000.00 at 3.100% (penalty rate 3.100 × 1.5 = 4.650%), its first
installment due on a chosen day. Installment amounts are the schedule's (tested in
test_schedules); what is checked is what the night does with them.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from gjj import services as gjj_services
from gjj.errors import ActorNotAllowed, ConflictError
from gjj.models import AccountEntry, EntryType, FamilyMember, ProvidentAccount
from loans import servicing
from loans.models import (
    BankDeductionLine,
    CollectionAllocation,
    DeductionLineStatus,
    InstallmentCollection,
    Loan,
    LoanServicing,
    Repayment,
    ResultLineStatus,
    ScheduleVersion,
)
from loans.selectors import loan_installment
from tests import factories as support

D = Decimal
pytestmark = pytest.mark.django_db


def _loan(staff, *, first_due: date, name: str = "张伟", spouse: bool = False) -> Loan:
    """A loan whose installment 1 falls on ``first_due``, disbursed a month before, at 3.100%."""
    loan = support.disbursed_loan(staff, name=name, term=240, amount="400000.00")
    disbursed = date(first_due.year - (first_due.month == 1), (first_due.month - 2) % 12 + 1, 1)
    disbursed = disbursed.replace(day=first_due.day)
    Loan.objects.filter(pk=loan.pk).update(
        disbursed_on=disbursed,
        first_due_date=first_due,
        next_due_date=first_due,
        repayment_day=first_due.day,
        annual_rate_percent=D("3.100"),
    )
    ScheduleVersion.objects.filter(loan=loan).update(
        first_due_date=first_due, annual_rate_percent=D("3.100")
    )
    if spouse:
        wife = support.spouse_of(loan.borrower, staff.clerk, name=f"{name}之妻")
        member = FamilyMember.objects.get(depositor=loan.borrower, relation="spouse")
        Loan.objects.filter(pk=loan.pk).update(co_borrower=member)
        assert member.relative_depositor_id == wife.pk
    loan.refresh_from_db()
    return loan


def _balance(account: ProvidentAccount, target: str, clerk) -> None:
    account.refresh_from_db()
    delta = D(target) - account.balance
    if delta:
        gjj_services.account_entry_post(
            account=account,
            entry_type=EntryType.ADJUSTMENT,
            amount=delta,
            value_date=date(2024, 1, 1),
            actor=clerk,
        )


def _authorise(loan: Loan, account: ProvidentAccount):
    depositor = account.depositor
    return servicing.repayment_authorization_grant(
        loan=loan, account=account, actor=depositor.user, on=date(2024, 12, 1)
    )


def _night(on: date) -> None:
    servicing.servicing_run_inline(business_date=on, with_repricing=False)


def _nights(first: date, last: date) -> None:
    day = first
    while day <= last:
        _night(day)
        day += timedelta(days=1)


def _bank(loan: Loan, clerk) -> None:
    servicing.bank_debit_account_register(
        loan=loan,
        bank_name="中国建设银行阳泉分行",
        account_number="6217000012345678",
        account_name=loan.borrower.name,
        actor=clerk,
        on=date(2024, 12, 1),
    )


def test_installment_paid_in_full_from_two_provident_accounts():
    # Given a loan with 冲还贷 authorised by the borrower (500.00) and the spouse (5,000.00)
    staff = support.make_team("g1")
    loan = _loan(staff, first_due=date(2026, 3, 12), spouse=True)
    mine = loan.borrower.account
    wife = loan.co_borrower.relative_depositor.account
    _balance(mine, "500.00", staff.clerk)
    _balance(wife, "5000.00", staff.clerk)
    _authorise(loan, wife)
    _authorise(loan, mine)
    row = loan_installment(loan=loan, number=1)
    # When the night of the due date runs
    _night(date(2026, 3, 12))
    # Then the borrower's account is drawn first, wholly, and the spouse's for the rest
    rest = row.payment - D("500.00")
    entries = AccountEntry.objects.filter(entry_type=EntryType.PARTIAL_WITHDRAWAL).order_by("id")
    assert [(e.account_id, e.amount, e.withdrawal_reason) for e in entries] == [
        (mine.pk, D("-500.00"), "06"),
        (wife.pk, -rest, "06"),
    ]
    mine.refresh_from_db()
    wife.refresh_from_db()
    assert (mine.balance, wife.balance) == (D("0.00"), D("5000.00") - rest)
    # And the money went to interest first, then principal
    split = list(CollectionAllocation.objects.order_by("id").values_list("interest", "principal"))
    assert row.interest > D("500.00")
    assert split == [(D("500.00"), D("0.00")), (row.interest - D("500.00"), row.principal)]
    repayment = Repayment.objects.get(loan=loan)
    assert (repayment.installment_number, repayment.amount, repayment.source) == (
        1,
        row.payment,
        "provident",
    )
    loan.refresh_from_db()
    assert (loan.next_installment_number, loan.outstanding_principal) == (
        2,
        D("400000.00") - row.principal,
    )
    # And running the night again changes nothing
    _night(date(2026, 3, 12))
    assert AccountEntry.objects.filter(entry_type=EntryType.PARTIAL_WITHDRAWAL).count() == 2


def test_partly_provident_partly_bank_file_then_reimport_changes_nothing():
    # Given the borrower's account holds 500.00 and the loan has a 委托扣款 account
    staff = support.make_team("g2")
    loan = _loan(staff, first_due=date(2026, 4, 12))
    _balance(loan.borrower.account, "500.00", staff.clerk)
    _authorise(loan, loan.borrower.account)
    _bank(loan, staff.clerk)
    row = loan_installment(loan=loan, number=1)
    # When the night of the due date runs
    _night(date(2026, 4, 12))
    # Then 500.00 is drawn and the rest is on the bank file
    [line] = BankDeductionLine.objects.all()
    assert line.amount == row.payment - D("500.00")
    assert f"{line.amount:.2f}" in servicing.bank_deduction_file_csv(file=line.file)
    # When the bank's result says it was debited, and an unknown line is there too
    text = (
        "reference,result,amount,paid_on\n"
        f"{line.reference},success,{line.amount},2026-04-13\n"
        "WT-NOT-SENT,success,10.00,2026-04-13\n"
    )
    result = servicing.bank_result_import(text=text, actor=staff.clerk, file_name="r1.csv")
    # Then the known line is posted, the unknown one refused with its reason
    assert (result.posted, result.refused) == (1, 1)
    refused = result.lines.get(status=ResultLineStatus.REFUSED)
    assert refused.code == "unknown_reference"
    repayment = Repayment.objects.get(loan=loan)
    assert (repayment.amount, repayment.source, repayment.paid_on) == (
        row.payment,
        "bank_debit",
        date(2026, 4, 13),
    )
    assert sum(a.amount for a in CollectionAllocation.objects.all()) == row.payment
    # And the same file again changes nothing; the line in another file is refused
    again = servicing.bank_result_import(text=text, actor=staff.clerk, file_name="r1.csv")
    assert again.pk == result.pk
    other = servicing.bank_result_import(
        text=f"扣款流水号,扣款结果,金额,扣款日期\n{line.reference},成功,{line.amount},2026-04-13\n",
        actor=staff.clerk,
        file_name="r2.csv",
    )
    assert [(x.status, x.code) for x in other.lines.all()] == [("refused", "already_posted")]
    assert Repayment.objects.count() == 1
    assert CollectionAllocation.objects.count() == 2


def test_bank_failure_becomes_overdue_with_one_day_of_penalty():
    # Given a bank-only loan whose installment 1 falls due on 2026-05-12
    staff = support.make_team("g3")
    loan = _loan(staff, first_due=date(2026, 5, 12))
    _bank(loan, staff.clerk)
    row = loan_installment(loan=loan, number=1)
    _night(date(2026, 5, 12))
    [line] = BankDeductionLine.objects.all()
    assert line.amount == row.payment
    # When the bank answers that the debit failed, and the next night runs
    result = servicing.bank_result_import(
        text=f"reference,result,amount,paid_on\n{line.reference},failure,{line.amount},2026-05-12\n",
        actor=staff.clerk,
    )
    assert result.failed == 1
    _night(date(2026, 5, 13))
    # Then installment 1 is one day overdue: penalty = principal × 4.650 × 1 / 36000
    inst = InstallmentCollection.objects.get(loan=loan)
    expected = (row.principal * D("4.650") / 36000).quantize(D("0.01"), rounding="ROUND_HALF_UP")
    assert (inst.overdue_days, inst.penalty_accrued) == (1, expected)
    state = LoanServicing.objects.get(loan=loan)
    assert (state.overdue_installments, state.overdue_principal, state.overdue_interest) == (
        1,
        row.principal,
        row.interest,
    )
    assert (state.days_overdue, state.risk_class, state.penalty_outstanding) == (1, "02", expected)
    # And it is sent to the bank again for what is now owed
    line2 = BankDeductionLine.objects.get(status=DeductionLineStatus.SENT)
    assert line2.amount == row.payment
    assert line.reference != line2.reference


def test_penalty_across_a_month_end_and_a_leap_day_is_rounded_once():
    # Given installment 1 of 2028-02-28 unpaid (no source at all)
    staff = support.make_team("g4")
    loan = _loan(staff, first_due=date(2028, 2, 28))
    row = loan_installment(loan=loan, number=1)
    # When the nights of 2028-02-28 … 2028-03-02 run
    _nights(date(2028, 2, 28), date(2028, 3, 2))
    # Then 29 Feb, 1 Mar and 2 Mar are overdue: 3 days, rounded once on the exact sum
    inst = InstallmentCollection.objects.get(loan=loan)
    exact = row.principal * D("4.650") * 3 / 36000
    assert inst.overdue_days == 3
    assert inst.penalty_basis == row.principal * D("4.650") * 3
    assert inst.penalty_accrued == exact.quantize(D("0.01"), rounding="ROUND_HALF_UP")
    # And a rerun of a night adds nothing
    _night(date(2028, 3, 2))
    inst.refresh_from_db()
    assert inst.overdue_days == 3


def test_late_draw_clears_penalty_then_interest_then_principal_and_class_falls_back():
    # Given installment 1 of 2026-06-12 unpaid for 91 days (2, 3 and 4 fell due since): 03 次级
    staff = support.make_team("g5")
    loan = _loan(staff, first_due=date(2026, 6, 12))
    account = loan.borrower.account
    _balance(account, "0.00", staff.clerk)
    _authorise(loan, account)
    row = loan_installment(loan=loan, number=1)
    due = date(2026, 6, 12)
    _nights(due, due + timedelta(days=1))
    assert LoanServicing.objects.get(loan=loan).risk_class == "02"
    _nights(due + timedelta(days=90), due + timedelta(days=91))
    state = LoanServicing.objects.get(loan=loan)
    inst = InstallmentCollection.objects.get(loan=loan, installment_number=1)
    # 91 days overdue in all: 13 Jun … 11 Sep, the catch-up night counting the days between
    penalty = (row.principal * D("4.650") * 91 / 36000).quantize(D("0.01"), "ROUND_HALF_UP")
    assert (inst.overdue_days, inst.penalty_accrued) == (91, penalty)
    assert (state.days_overdue, state.risk_class) == (91, "03")
    # When 200.00 more than penalty and interest arrives on the account and the next night runs
    paid = penalty + row.interest + D("200.00")
    _balance(account, f"{paid}", staff.clerk)
    night = due + timedelta(days=92)
    _night(night)
    # Then it goes to installment 1's penalty, then its interest, then 200.00 of principal
    alloc = CollectionAllocation.objects.get(loan=loan)
    assert alloc.installment_id == inst.pk
    assert (alloc.amount, alloc.penalty, alloc.interest, alloc.principal) == (
        paid,
        penalty,
        row.interest,
        D("200.00"),
    )
    # And that night's penalty accrues on the principal still overdue
    inst.refresh_from_db()
    left = row.principal - D("200.00")
    basis = row.principal * D("4.650") * 91 + left * D("4.650")
    assert inst.penalty_basis == basis
    assert inst.penalty_accrued == (basis / 36000).quantize(D("0.01"), "ROUND_HALF_UP")
    state.refresh_from_db()
    assert (state.risk_class, state.days_overdue) == ("03", 92)
    # When all that is owed is on the account the following night, the class falls back to 01
    owed = sum(
        i.outstanding for i in InstallmentCollection.objects.filter(loan=loan, status="open")
    )
    _balance(account, f"{owed}", staff.clerk)
    _night(night + timedelta(days=1))
    state.refresh_from_db()
    assert InstallmentCollection.objects.filter(loan=loan, status="open").count() == 0
    assert (state.risk_class, state.overdue_installments, state.penalty_outstanding) == (
        "01",
        0,
        D("0.00"),
    )
    assert list(
        Repayment.objects.filter(loan=loan).values_list("installment_number", "source")
    ) == [
        (1, "provident"),
        (2, "provident"),
        (3, "provident"),
        (4, "provident"),
    ]


def test_authorisation_is_the_holders_own_and_is_never_edited():
    staff = support.make_team("g6")
    loan = _loan(staff, first_due=date(2026, 7, 12), spouse=True)
    wife = loan.co_borrower.relative_depositor
    # The borrower cannot authorise the spouse's account
    with pytest.raises(ActorNotAllowed) as refused:
        servicing.repayment_authorization_grant(
            loan=loan, account=wife.account, actor=loan.borrower.user
        )
    assert refused.value.code == "not_own_account"
    auth = _authorise(loan, wife.account)
    with pytest.raises(ConflictError):
        _authorise(loan, wife.account)
    stopped = servicing.repayment_authorization_stop(authorization=auth, actor=wife.user)
    again = _authorise(loan, wife.account)
    summary = servicing.loan_servicing_summary(loan=loan)
    assert summary["provident_repayment"]["active"] is True
    assert [a["id"] for a in summary["provident_repayment"]["authorizations"]] == [
        again.pk,
        stopped.pk,
    ]
    assert servicing.loan_book_by_risk_class()[0]["loans"] >= 1
