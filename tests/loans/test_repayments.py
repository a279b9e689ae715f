"""Repayments (counter and bank file), prepayment in both modes, and settlement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gjj.domain import RepaymentMethod
from gjj.errors import ActorNotAllowed, BusinessError, TransitionError
from gjj.models import AuditLog
from gjj.money import round_fen
from loans import selectors, services
from loans.models import Prepayment, Repayment, RepaymentImport, ScheduleVersion
from loans.schedules import add_months, build_schedule, level_payment
from tests.factories import advance, applicant, draft, make_team

pytestmark = pytest.mark.django_db
D = Decimal
RATE = D("2.600")
FIRST_DUE = date(2025, 7, 20)
DISBURSED = date(2025, 6, 12)  # installment 1 runs 38 days from here (domain.md §6)


@pytest.fixture
def staff():
    return make_team()


@pytest.fixture
def loan(staff):
    """500,000 at 2.60% over 240 months, disbursed 2025-06-12, due on the 20th."""
    return advance(draft(applicant(staff.clerk)), staff, to="disburse")


def v1() -> list:
    return build_schedule(
        principal=D("500000.00"),
        annual_rate_percent=RATE,
        months=240,
        method=RepaymentMethod.EQUAL_INSTALLMENT,
        first_due_date=FIRST_DUE,
        first_period_from=DISBURSED,
    )


def pay(loan, staff, *numbers: int) -> None:
    schedule = v1()
    for n in numbers:
        services.repayment_record(
            loan=loan,
            installment_number=n,
            amount=schedule[n - 1].payment,
            paid_on=schedule[n - 1].due_date,
            actor=staff.clerk,
        )
    loan.refresh_from_db()


# --- single repayments -------------------------------------------------------------------


def test_a_counter_repayment_settles_one_installment(staff, loan):
    # Given the first installment from the schedule
    first = v1()[0]

    # When it is paid at the counter on its due date
    rep = services.repayment_record(
        loan=loan,
        installment_number=1,
        amount=first.payment,
        paid_on=FIRST_DUE,
        actor=staff.clerk,
        bank_reference="GT0001",
    )

    # Then principal and interest are split as scheduled and the loan moves on
    assert (rep.installment_number, rep.due_date, rep.amount) == (1, FIRST_DUE, first.payment)
    assert (rep.principal, rep.interest, rep.source) == (first.principal, first.interest, "counter")
    # 500,000 × 2.60 × 38 / 36000 = 1,372.222…: installment 1 is charged by days
    assert first.interest == D("1372.22")
    loan.refresh_from_db()
    assert loan.outstanding_principal == D("500000.00") - first.principal
    assert (loan.next_installment_number, loan.next_due_date) == (2, date(2025, 8, 20))
    log = AuditLog.objects.get(action="loan.repaid", object_id=str(loan.pk))
    assert log.new["installment"] == 1
    assert log.new["next_installment_number"] == 2
    assert selectors.loan_schedule(loan=loan)[0].paid_on == FIRST_DUE


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"installment_number": 2}, "installment_out_of_order"),
        ({"amount": "shift"}, "amount_mismatch"),
        ({"paid_on": date(2025, 6, 1)}, "invalid_date"),
        ({"paid_on": date(2099, 1, 1)}, "invalid_date"),
    ],
)
def test_a_repayment_out_of_order_wrong_or_misdated_is_refused(staff, loan, kwargs, code):
    first = v1()[0]
    args = {"installment_number": 1, "amount": first.payment, "paid_on": FIRST_DUE}
    args.update(kwargs)
    if args["amount"] == "shift":
        args["amount"] = first.payment + D("0.01")
    with pytest.raises(BusinessError) as err:
        services.repayment_record(loan=loan, actor=staff.clerk, **args)
    assert err.value.code == code
    assert not Repayment.objects.exists()


def test_only_a_clerk_records_repayments(staff, loan):
    with pytest.raises(ActorNotAllowed) as err:
        services.repayment_record(
            loan=loan,
            installment_number=1,
            amount=v1()[0].payment,
            paid_on=FIRST_DUE,
            actor=staff.reviewer,
        )
    assert err.value.code == "role_required"


# --- bank files ------------------------------------------------------------------------


def _csv(
    rows: list[tuple],
    header: str = "contract_number,installment_number,amount,paid_on,bank_reference",
) -> str:
    lines = [header] + [",".join(str(c) for c in row) for row in rows]
    return "\n".join(lines) + "\n"


@pytest.fixture
def two_loans(staff, loan):
    other = advance(draft(applicant(staff.clerk, name="王强")), staff, to="disburse")
    return loan, other


def test_a_bank_file_posts_every_row_and_a_repeat_posts_nothing(staff, two_loans):
    a, b = two_loans
    s = v1()
    text = _csv(
        [
            (a.contract_number, 1, s[0].payment, "2025-07-20", "B0001"),
            (a.contract_number, 2, s[1].payment, "2025-08-20", "B0002"),
            (b.contract_number, 1, s[0].payment, "2025-07-21", "B0003"),
        ]
    )

    # When imported
    result = services.repayments_import(csv_text=text, actor=staff.clerk, file_name="0820.csv")

    # Then all three are posted against their installments
    assert [(r.loan_id, r.installment_number, r.bank_reference) for r in result.posted] == [
        (a.pk, 1, "B0001"),
        (a.pk, 2, "B0002"),
        (b.pk, 1, "B0003"),
    ]
    assert {r.source for r in result.posted} == {"bank_import"}
    assert (result.batch.rows, result.batch.posted, result.batch.skipped) == (3, 3, 0)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.next_installment_number, b.next_installment_number) == (3, 2)
    assert a.outstanding_principal == D("500000.00") - s[0].principal - s[1].principal

    # And the same file again posts nothing twice
    again = services.repayments_import(csv_text=text, actor=staff.clerk, file_name="0820.csv")
    assert (again.posted, again.skipped_lines) == ([], [2, 3, 4])
    assert Repayment.objects.count() == 3
    a.refresh_from_db()
    assert a.next_installment_number == 3


def test_a_bank_file_with_one_bad_row_posts_nothing(staff, two_loans):
    a, b = two_loans
    s = v1()
    text = _csv(
        [
            (a.contract_number, 1, s[0].payment, "2025-07-20", "B0001"),
            (b.contract_number, 1, s[0].payment, "2025-07-21", "B0002"),
            (a.contract_number, 2, s[1].payment - D("1.00"), "2025-08-20", "B0003"),
        ]
    )
    with pytest.raises(services.ImportRejected) as err:
        services.repayments_import(csv_text=text, actor=staff.clerk)
    assert [(e.line, e.code) for e in err.value.errors] == [(4, "amount_mismatch")]
    assert err.value.code == "import_rejected"
    assert err.value.status == 400
    assert list(err.value.fields) == ["line 4"]
    assert not Repayment.objects.exists()
    assert not RepaymentImport.objects.exists()
    a.refresh_from_db()
    assert (a.next_installment_number, a.outstanding_principal) == (1, D("500000.00"))


def test_every_malformed_row_is_reported_with_its_line(staff, loan):
    s = v1()
    text = _csv(
        [
            (loan.contract_number, 1, s[0].payment, "2025/07/20", "B1"),
            ("GJJDK-NONE", 1, "10.00", "2025-07-20", "B2"),
            (loan.contract_number, "一", "10.00", "2025-07-20", "B3"),
            (loan.contract_number, 1, "10.001", "2025-07-20", "B4"),
            (loan.contract_number, 1, s[0].payment, "2025-07-20", "B4"),
        ]
    )
    with pytest.raises(services.ImportRejected) as err:
        services.repayments_import(csv_text=text, actor=staff.clerk)
    assert [(e.line, e.code) for e in err.value.errors] == [
        (2, "invalid_date"),
        (3, "unknown_contract"),
        (4, "invalid_installment"),
        (5, "invalid_amount"),
    ]
    assert not Repayment.objects.exists()


def test_a_bank_file_may_use_chinese_headers_and_a_bom(staff, loan):
    s = v1()
    text = "\ufeff" + _csv(
        [(loan.contract_number, 1, s[0].payment, "2025-07-20", "ZH01")],
        header="合同编号,期次,金额,还款日期,银行流水号",
    )
    result = services.repayments_import(csv_text=text, actor=staff.clerk)
    assert len(result.posted) == 1


@pytest.mark.parametrize(
    ("column", "cell", "code"),
    [
        ("installment", "0_1", "invalid_installment"),
        ("installment", "\uff11", "invalid_installment"),  # full-width 1
        ("installment", "+1", "invalid_installment"),
        ("installment", "\u0661", "invalid_installment"),  # Arabic-Indic 1
        ("amount", "1.37e3", "invalid_amount"),
        ("amount", "1E+3", "invalid_amount"),
        ("amount", "\uff11\uff10\uff10.00", "invalid_amount"),  # full-width 100.00
        ("amount", "1_000.00", "invalid_amount"),
        ("amount", "100.001", "invalid_amount"),
        ("amount", "100.", "invalid_amount"),
        ("amount", "NaN", "invalid_amount"),
        ("amount", "Infinity", "invalid_amount"),
        ("amount", "+100.00", "invalid_amount"),
        ("amount", "0.00", "invalid_amount"),
        ("paid_on", "20250720", "invalid_date"),
        ("paid_on", "2025-W29-7", "invalid_date"),
        ("paid_on", "\uff12\uff10\uff12\uff15-07-20", "invalid_date"),
        ("paid_on", "2025-07-20T00:00", "invalid_date"),
        ("paid_on", "2025-02-30", "invalid_date"),
    ],
)
def test_a_bank_file_parses_strictly_line_by_line(staff, loan, column, cell, code):
    # given one good line and one line with a cell the strict format refuses
    first = v1()[0]
    good = [loan.contract_number, 1, first.payment, "2025-07-20", "OK01"]
    bad = [loan.contract_number, 2, v1()[1].payment, "2025-08-20", "BAD1"]
    bad[{"installment": 1, "amount": 2, "paid_on": 3}[column]] = cell
    # when it is imported
    with pytest.raises(services.ImportRejected) as err:
        services.repayments_import(csv_text=_csv([tuple(good), tuple(bad)]), actor=staff.clerk)
    # then the bad line alone is reported, and nothing is posted
    assert [(e.line, e.code) for e in err.value.errors] == [(3, code)]
    assert not Repayment.objects.exists()
    assert not RepaymentImport.objects.exists()


def test_a_bank_line_paying_an_installment_again_is_refused_as_already_paid(staff, loan):
    # given installment 1 paid at the counter
    pay(loan, staff, 1)
    first = v1()[0]
    text = _csv([(loan.contract_number, 1, first.payment, "2025-07-21", "AGAIN1")])
    # when the bank file carries it again under another reference
    with pytest.raises(services.ImportRejected) as err:
        services.repayments_import(csv_text=text, actor=staff.clerk)
    # then the line is refused as already paid
    assert [(e.line, e.code) for e in err.value.errors] == [(2, "already_paid")]
    assert Repayment.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "code"),
    [("", "empty_import"), ("合同编号,期次\n", "invalid_header"), (_csv([]), "empty_import")],
)
def test_an_empty_or_headless_file_is_refused(staff, text, code):
    with pytest.raises(BusinessError) as err:
        services.repayments_import(csv_text=text, actor=staff.clerk)
    assert err.value.code == code


def test_paying_every_installment_settles_the_loan(staff):
    # Given a 12-month loan of 100,000 (≤5y band: 2.10%)
    loan = advance(
        draft(applicant(staff.clerk), requested_amount=D("100000.00"), term_months=12),
        staff,
        to="disburse",
    )
    assert loan.annual_rate_percent == D("2.100")
    schedule = build_schedule(
        principal=D("100000.00"),
        annual_rate_percent=D("2.100"),
        months=12,
        method=RepaymentMethod.EQUAL_INSTALLMENT,
        first_due_date=FIRST_DUE,
        first_period_from=DISBURSED,
    )

    # When the bank file carries all twelve installments
    rows = [
        (loan.contract_number, i.number, i.payment, i.due_date.isoformat(), f"S{i.number:02d}")
        for i in schedule
    ]
    services.repayments_import(csv_text=_csv(rows), actor=staff.clerk)

    # Then the loan is settled on the last payment, and so is its history record
    loan.refresh_from_db()
    assert (loan.status, loan.outstanding_principal, loan.settled_on) == (
        "settled",
        D("0.00"),
        date(2026, 6, 20),
    )
    assert loan.next_due_date is None
    loan.pf_loan_record.refresh_from_db()
    assert loan.pf_loan_record.settled_on == date(2026, 6, 20)
    assert sum(r.principal for r in Repayment.objects.filter(loan=loan)) == D("100000.00")


# --- prepayment ---------------------------------------------------------------------------


def _prepaid(loan, staff, mode: str) -> Prepayment:
    pay(loan, staff, 1, 2)
    return services.loan_prepay(
        loan=loan, amount=D("100000.00"), mode=mode, paid_on=date(2025, 8, 25), actor=staff.clerk
    )


def _rows(loan) -> list[tuple]:
    return [
        (r.number, r.due_date, r.payment, r.principal, r.interest, r.outstanding)
        for r in selectors.loan_schedule(loan=loan)
    ]


def test_prepayment_lowering_the_installment_keeps_the_term(staff, loan):
    before = _rows(loan)[:2]

    # When 100,000 is prepaid on 2025-08-25 after two installments
    pre = _prepaid(loan, staff, "lower_installment")

    # Then interest on the prepaid part runs from the last due date (5 days at 2.60%/360)
    assert (pre.principal, pre.interest, pre.mode) == (
        D("100000.00"),
        D("36.11"),
        "lower_installment",
    )
    assert (pre.before_installment, pre.schedule_version) == (3, 2)
    # … a new version starts at installment 3 with the same remaining months
    loan.refresh_from_db()
    remaining = v1()[1].outstanding - D("100000.00")
    v2 = ScheduleVersion.objects.get(loan=loan, version=2)
    new_payment = level_payment(principal=remaining, annual_rate_percent=RATE, months=238)
    assert (v2.starts_at_installment, v2.principal, v2.months) == (3, remaining, 238)
    assert (v2.first_due_date, v2.installment_amount, v2.reason) == (
        date(2025, 9, 20),
        new_payment,
        "prepayment",
    )
    assert v2.rate_row == loan.priced_rate_row
    assert (loan.outstanding_principal, loan.installment_amount) == (remaining, new_payment)
    assert new_payment < v1()[0].payment
    assert (loan.final_installment_number, loan.current_schedule_version) == (240, 2)
    # … the paid installments are unchanged and the principal adds up exactly
    rows = _rows(loan)
    assert rows[:2] == before
    assert len(rows) == 240
    assert rows[-1][0] == 240
    assert rows[-1][5] == D("0.00")
    assert sum(r[3] for r in rows) + D("100000.00") == D("500000.00")
    assert [r.version for r in selectors.loan_schedule(loan=loan)][:3] == [1, 1, 2]


def test_prepayment_shortening_the_term_keeps_the_installment(staff, loan):
    old_payment = v1()[1].payment  # the regular one: installment 1 is charged by days

    # When 100,000 is prepaid with the term shortened
    pre = _prepaid(loan, staff, "shorten_term")

    # Then the fewest months whose payment is not above the old one
    loan.refresh_from_db()
    remaining = loan.outstanding_principal
    v2 = ScheduleVersion.objects.get(loan=loan, version=2)
    months = v2.months
    assert (
        level_payment(principal=remaining, annual_rate_percent=RATE, months=months) <= old_payment
    )
    assert (
        level_payment(principal=remaining, annual_rate_percent=RATE, months=months - 1)
        > old_payment
    )
    assert months < 238
    assert pre.mode == "shorten_term"
    assert loan.final_installment_number == 2 + months
    rows = _rows(loan)
    assert len(rows) == 2 + months
    assert rows[-1][1] == add_months(date(2025, 9, 20), months - 1)
    assert sum(r[3] for r in rows) + D("100000.00") == D("500000.00")
    assert rows[:2] == [
        (i.number, i.due_date, i.payment, i.principal, i.interest, i.outstanding) for i in v1()[:2]
    ]


def test_equal_principal_shortening_keeps_the_monthly_principal(staff):
    app = draft(applicant(staff.clerk), repayment_method="equal_principal")
    loan = advance(app, staff, to="disburse", sign_terms={"repayment_method": "equal_principal"})
    services.loan_prepay(
        loan=loan,
        amount=D("100000.00"),
        mode="shorten_term",
        paid_on=date(2025, 7, 1),
        actor=staff.clerk,
    )
    loan.refresh_from_db()
    v2 = ScheduleVersion.objects.get(loan=loan, version=2)
    even = round_fen(D("500000.00") / 240)  # 2,083.33 a month before the prepayment
    # The fewest months whose rounded monthly principal part is not above the old one
    assert (v2.months, v2.starts_at_installment) == (192, 1)
    assert round_fen(D("400000.00") / 192) == even < round_fen(D("400000.00") / 191)
    rows = selectors.loan_schedule(loan=loan)
    assert rows[0].principal == even
    assert sum(r.principal for r in rows) == D("400000.00")


def test_prepaying_everything_settles_the_loan(staff, loan):
    pay(loan, staff, 1)
    pre = services.loan_prepay(
        loan=loan,
        amount=loan.outstanding_principal,
        mode="shorten_term",
        paid_on=date(2025, 8, 1),
        actor=staff.clerk,
    )
    loan.refresh_from_db()
    assert (pre.mode, pre.schedule_version) == ("full", None)
    assert (loan.status, loan.settled_on, loan.outstanding_principal) == (
        "settled",
        date(2025, 8, 1),
        D("0.00"),
    )
    assert loan.pf_loan_record.settled_on == date(2025, 8, 1)
    assert ScheduleVersion.objects.filter(loan=loan).count() == 1
    with pytest.raises(TransitionError):
        services.repayment_record(
            loan=loan,
            installment_number=2,
            amount=v1()[1].payment,
            paid_on=date(2025, 8, 20),
            actor=staff.clerk,
        )
    assert AuditLog.objects.filter(action="loan.settled", object_id=str(loan.pk)).count() == 1


@pytest.mark.parametrize(
    ("amount", "mode", "paid_on", "code"),
    [
        (D("500000.01"), "shorten_term", date(2025, 7, 1), "amount_exceeds_outstanding"),
        (D("1000.00"), "shorten_term", date(2025, 7, 21), "installment_overdue"),
        (D("1000.00"), "shorten_term", date(2025, 6, 11), "invalid_date"),
        (D("1000.00"), "balloon", date(2025, 7, 1), "invalid"),
        (D("0.001"), "shorten_term", date(2025, 7, 1), "invalid"),
    ],
)
def test_prepayment_refusals(staff, loan, amount, mode, paid_on, code):
    with pytest.raises(BusinessError) as err:
        services.loan_prepay(
            loan=loan, amount=amount, mode=mode, paid_on=paid_on, actor=staff.clerk
        )
    assert err.value.code == code
    assert not Prepayment.objects.exists()


def test_the_import_task_reports_posted_and_rejected_files(staff, loan):
    from loans.tasks import repayments_import_file

    first = v1()[0]
    good = _csv([(loan.contract_number, 1, first.payment, "2025-07-20", "T1")])
    bad = _csv([(loan.contract_number, 2, "1.00", "2025-08-20", "T2")])
    posted = repayments_import_file(csv_text=good, file_name="t.csv", actor_id=staff.clerk.pk)
    rejected = repayments_import_file(csv_text=bad, file_name="t.csv", actor_id=staff.clerk.pk)
    assert (posted["status"], posted["posted"], posted["skipped_lines"]) == ("posted", 1, [])
    assert rejected == {
        "status": "rejected",
        "errors": [
            {"line": 2, "code": "amount_mismatch", "message": rejected["errors"][0]["message"]}
        ],
    }
    assert Repayment.objects.count() == 1
