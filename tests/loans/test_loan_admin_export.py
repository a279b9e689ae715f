"""Exporting the loan lists: exactly the filtered rows, Chinese headers, masked numbers."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest

from tests.export_support import csv_rows, export, export_url, xlsx_rows
from tests.factories import advance, applicant, draft, make_staff, make_team

pytestmark = pytest.mark.django_db

QUEUE = "/admin/loans/loanapplication/"
LOANS = "/admin/loans/loan/"

APPLICATION_HEADERS = [
    "申请编号",
    "贷款类型",
    "状态",
    "申请人",
    "身份证号码",
    "共同借款人（配偶）",
    "房屋坐落",
    "房屋总价",
    "售房人/开发企业",
    "售房款收款账号",
    "商业贷款银行名称",
    "商业贷款账号",
    "申请金额",
    "申请期限（月）",
    "还款方式",
    "提交日期",
    "提交时是否符合条件",
    "认定住房套数",
    "测算贷款金额",
    "测算年利率（%）",
    "受理日期",
    "受理人",
    "法定办结期限",
    "审核日期",
    "审核人",
    "审核意见",
    "审批日期",
    "审批人",
    "审批意见/不予贷款理由",
    "批准金额",
    "借款合同编号",
    "签约日期",
    "合同金额",
    "合同期限（月）",
    "签约时年利率（%）",
    "放款日期",
]
LOAN_HEADERS = (
    "借款合同编号",
    "申请编号",
    "借款人",
    "身份证号码",
    "共同借款人（配偶）",
    "贷款类型",
    "贷款本金",
    "合同期限（月）",
    "认定住房套数",
    "利率期限档次",
    "还款方式",
    "执行年利率（%）",
    "当前月还款额",
    "剩余本金",
    "下一期期次",
    "下一期还款日",
    "状态",
    "放款日期",
    "收款方",
    "收款账号",
    "结清日期",
)


@pytest.fixture
def staff():
    return make_team()


def test_the_queue_exports_exactly_the_overdue_cases(client, staff):
    # Given a disbursed application, one accepted on 2025-06-03 (now overdue) and a draft
    advance(draft(applicant(staff.clerk, name="张伟")), staff, to="disburse")
    late_applicant = applicant(staff.clerk, name="王强")
    late = advance(draft(late_applicant), staff, to="accept")
    draft(applicant(staff.clerk, name="李娜", male=False))

    # When a clerk exports the queue filtered to overdue cases as CSV
    client.force_login(staff.clerk)
    rows = csv_rows(export(client, QUEUE, "csv", deadline="overdue"))

    # Then the file is the headers and exactly the overdue case, its numbers masked
    assert rows == [
        APPLICATION_HEADERS,
        [
            late.number,
            "购房贷款",
            "已受理",
            "王强",
            late_applicant.masked_id_number,
            "",
            "阳泉市城区桃北西街1号3单元502室",
            "1000000.00",
            "阳泉市某房地产开发有限公司",
            "6222****2222",
            "",
            "",
            "500000.00",
            "240",
            "等额本息",
            "2025-06-02",
            "是",
            "1",
            "500000.00",
            "2.600",
            "2025-06-03",
            "s-clerk",
            # Accepted Tue 2025-06-03; 15 working days (端午 May 31-Jun 2 already past):
            # Jun 4-6 (3), 9-13 (8), 16-20 (13), 23-24 (15) -> 2025-06-24
            "2025-06-24",
            *[""] * 13,
        ],
    ]


def test_a_full_id_number_finds_the_application_and_its_export(client, staff):
    # Given two applicants' drafts
    dep = applicant(staff.clerk, name="张伟")
    app = draft(dep)
    draft(applicant(staff.clerk, name="王强"))
    client.force_login(staff.reviewer)

    # When a reviewer searches the queue by 张伟's full ID number
    html = client.get(QUEUE, {"q": dep.id_number}).content.decode()

    # Then only his application is listed, its ID column masked
    assert re.findall(r'<span class="gjj-id"[^>]*>([^<]*)</span>', html) == [dep.masked_id_number]
    # And the export of that search (as Excel) is that one row
    rows = xlsx_rows(export(client, QUEUE, "xlsx", q=dep.id_number))
    assert [r[:5] for r in rows] == [
        tuple(APPLICATION_HEADERS[:5]),
        (app.number, "购房贷款", "草稿", "张伟", dep.masked_id_number),
    ]
    assert dep.id_number.encode() not in export(client, QUEUE, "csv", q=dep.id_number).content


def test_the_loan_list_exports_the_months_disbursements_as_excel(client, staff):
    # Given a loan disbursed on 2025-06-12 and another on 2025-07-15
    zhang = applicant(staff.clerk, name="张伟")
    june = advance(draft(zhang), staff, to="disburse")
    july_dates = {
        "submit": date(2025, 7, 1),
        "accept": date(2025, 7, 2),
        "review": date(2025, 7, 3),
        "approve": date(2025, 7, 4),
        "sign": date(2025, 7, 7),
        "disburse": date(2025, 7, 15),
    }
    advance(draft(applicant(staff.clerk, name="王强")), staff, to="disburse", dates=july_dates)

    # When an approver drills the loan list down to June 2025 and exports it as Excel
    client.force_login(staff.approver)
    rows = xlsx_rows(export(client, LOANS, "xlsx", disbursed_on__year=2025, disbursed_on__month=6))

    # Then the workbook holds exactly the June loan, money as numbers, account masked
    assert rows == [
        LOAN_HEADERS,
        (
            june.contract_number,
            june.application.number,
            "张伟",
            zhang.masked_id_number,
            "",
            "购房贷款",
            500000,
            240,
            1,
            "五年以上",
            "等额本息",
            2.6,
            2673.94,
            500000,
            1,
            datetime(2025, 7, 20),
            "还款中",
            datetime(2025, 6, 12),
            "阳泉市某房地产开发有限公司",
            "6222****2222",
            "",
        ),
    ]


def test_the_loan_list_shows_masked_ids_and_finds_a_loan_by_application_number(client, staff):
    # Given a disbursed loan
    dep = applicant(staff.clerk, name="张伟")
    loan = advance(draft(dep), staff, to="disburse")
    client.force_login(staff.clerk)

    # When a clerk searches the loan list by the application number
    html = client.get(LOANS, {"q": loan.application.number}).content.decode()

    # Then the loan is listed with the borrower's ID masked
    assert re.findall(r'<span class="gjj-id"[^>]*>([^<]*)</span>', html) == [dep.masked_id_number]
    assert loan.contract_number in html


def test_a_policy_user_may_not_export_loans(client, staff):
    # Given a 政策管理 user, who has no part in loans
    client.force_login(make_staff("policy", "政策管理"))

    # When they ask for either export
    # Then both are refused
    for url in (QUEUE, LOANS):
        assert client.get(export_url(url)).status_code == 403
        assert export(client, url, "xlsx").status_code == 403


def test_the_loan_list_keeps_its_bank_file_link_beside_the_export(client, staff):
    # When a clerk opens the loan list
    client.force_login(staff.clerk)
    html = client.get(LOANS, {"status__exact": "active"}).content.decode()

    # Then it offers both the bank-file import (a service) and the export of the filtered list
    assert 'href="/admin/loans/loan/import/">导入银行还款文件</a>' in html
    assert 'href="/admin/loans/loan/export/?status__exact=active">导出</a>' in html
