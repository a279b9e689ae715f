"""The clerks' servicing pages: the overdue list (催收), a loan's servicing page, bank files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gjj.domain import Role
from loans import servicing
from loans.models import BankResultImport, Loan
from tests.contract.world import db_state
from tests.export_support import csv_rows, export
from tests.factories import advance, applicant, draft, make_staff, make_team

pytestmark = pytest.mark.django_db
D = Decimal
OVERDUE = "/admin/loans/loanservicing/"
RESULTS = "/admin/loans/bankresultimport/"
# Stage dates three months before the factories' own: a loan first due 2025-04-20.
EARLY = {
    "submit": date(2025, 3, 3),
    "accept": date(2025, 3, 4),
    "review": date(2025, 3, 5),
    "approve": date(2025, 3, 6),
    "sign": date(2025, 3, 7),
    "disburse": date(2025, 3, 12),
}
NIGHTS = (date(2025, 4, 20), date(2025, 5, 20), date(2025, 6, 20), date(2025, 7, 20))
LAST_NIGHT = date(2025, 8, 1)


def loan_of(staff, *, name: str, phone: str, dates: dict[str, date] | None = None) -> Loan:
    dep = applicant(staff.clerk, name=name, phone=phone)
    loan = advance(draft(dep, requested_amount=D("300000.00")), staff, to="disburse", dates=dates)
    assert isinstance(loan, Loan)
    return loan


@pytest.fixture
def book():
    """赵六's loan is 103 days overdue on 2025-08-01 (class 03), 钱七's 12 days (class 02)."""
    staff = make_team()
    early = loan_of(staff, name="赵六", phone="13812345678", dates=EARLY)
    late = loan_of(staff, name="钱七", phone="13987654321")
    for night in (*NIGHTS, LAST_NIGHT):
        servicing.servicing_run_inline(business_date=night)
    return staff, early, late


def client_of(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_overdue_list_shows_the_overdue_loans_with_contacts_masked(book):
    staff, early, late = book
    # When the clerk opens the 催收 list
    resp = client_of(staff.clerk).get(OVERDUE)
    # Then both loans are listed, the longest overdue first, phones and IDs masked
    assert resp.status_code == 200
    page = resp.content.decode()
    assert "催收清单" in page
    assert page.index(early.contract_number) < page.index(late.contract_number)
    assert "138****5678" in page
    assert "139****4321" in page
    assert "13812345678" not in page
    assert early.borrower.id_number not in page
    rows = list(resp.context["cl"].result_list)
    assert [(r.loan_id, r.days_overdue, r.risk_class) for r in rows] == [
        (early.pk, 103, "03"),
        (late.pk, 12, "02"),
    ]


def test_overdue_list_filters_by_risk_class_and_days_under_chinese_labels(book):
    staff, early, late = book
    clerk = client_of(staff.clerk)
    page = clerk.get(OVERDUE).content.decode()
    for label in ("风险分类", "03 次级", "05 损失", "逾期天数", "1–30天", "360天以上"):
        assert label in page
    cases = [
        ({"risk_class": "03"}, [early.pk]),
        ({"risk_class": "02"}, [late.pk]),
        ({"risk_class": "05"}, []),
        ({"days": "1-30"}, [late.pk]),
        ({"days": "91-180"}, [early.pk]),
        ({"days": "361-"}, []),
        ({"risk_class": "02", "days": "91-180"}, []),
    ]
    for query, expected in cases:
        resp = clerk.get(OVERDUE, query)
        assert resp.status_code == 200
        assert [r.loan_id for r in resp.context["cl"].result_list] == expected, query


def test_overdue_export_has_chinese_headers_and_masked_contacts(book):
    staff, early, _ = book
    rows = csv_rows(export(client_of(staff.clerk), OVERDUE, "csv", risk_class="03"))
    assert rows[0] == [
        "借款合同编号",
        "借款人",
        "身份证号码",
        "手机号码",
        "逾期期数",
        "逾期本金",
        "逾期利息",
        "未还罚息",
        "逾期天数",
        "风险分类",
        "剩余本金",
    ]
    assert len(rows) == 2
    row = rows[1]
    assert row[:4] == [
        early.contract_number,
        "赵六",
        early.borrower.id_number[:6] + "********" + early.borrower.id_number[-4:],
        "138****5678",
    ]
    assert (row[4], row[8], row[9]) == ("4", "103", "次级")


def test_a_loans_servicing_page_shows_its_installments_and_state(book):
    staff, early, _ = book
    resp = client_of(staff.reviewer).get(f"{OVERDUE}loan/{early.pk}/")
    assert resp.status_code == 200
    page = resp.content.decode()
    assert f"贷后管理：{early.contract_number}" in page
    assert [i.installment_number for i in resp.context["installments"]] == [1, 2, 3, 4]
    assert ("风险分类", "03 次级") in resp.context["facts"]
    assert ("逾期期数", "4") in resp.context["facts"]
    assert "未办理冲还贷授权" in page
    # And the list's row opens the same page
    assert client_of(staff.reviewer).get(f"{OVERDUE}{early.pk}/change/").url == (
        f"{OVERDUE}loan/{early.pk}/"
    )


def test_staff_without_a_role_see_no_servicing_page(book):
    _, early, _ = book
    nobody = make_staff("no-role", None, is_staff=True)
    c = client_of(nobody)
    assert c.get(OVERDUE).status_code == 403
    assert c.get(f"{OVERDUE}loan/{early.pk}/").status_code == 403
    assert c.get(RESULTS).status_code == 403


def test_result_import_is_the_clerks_and_refuses_lines_in_chinese():
    staff = make_team()
    upload = SimpleUploadedFile(
        "result.csv", "扣款流水号,扣款结果,金额,扣款日期\nNOPE-1,成功,100.00,2025-07-21\n".encode()
    )
    reviewer, clerk = client_of(staff.reviewer), client_of(staff.clerk)
    # A reviewer may not import
    assert reviewer.get(f"{RESULTS}import/").status_code == 403
    before = db_state()
    assert reviewer.post(f"{RESULTS}import/", {"file": upload}).status_code == 403
    assert db_state() == before
    # When the clerk imports a result for a debit never sent
    upload.seek(0)
    resp = clerk.post(f"{RESULTS}import/", {"file": upload}, follow=True)
    # Then the line is refused with its reason, in Chinese, and nothing is posted
    imported = BankResultImport.objects.get()
    assert (imported.rows, imported.posted, imported.refused) == (1, 0, 1)
    [line] = imported.lines.all()
    assert (line.status, line.code) == ("refused", "unknown_reference")
    page = resp.content.decode()
    assert line.message in page
    assert "拒绝1笔" in page


def test_clerk_sees_the_import_link_and_reviewer_does_not():
    staff = make_team()
    assert "导入回盘文件" in client_of(staff.clerk).get(RESULTS).content.decode()
    assert "导入回盘文件" not in client_of(staff.reviewer).get(RESULTS).content.decode()


def test_authorizations_list_is_read_only():
    c = client_of(make_staff("auth-clerk", Role.CLERK))
    assert c.get("/admin/loans/repaymentauthorization/").status_code == 200
    assert c.get("/admin/loans/repaymentauthorization/add/").status_code == 403
