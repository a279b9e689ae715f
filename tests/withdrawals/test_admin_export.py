"""Exporting the withdrawal queue: exactly the filtered rows, Chinese headers, masked numbers."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from django.utils import timezone

from tests.export_support import csv_rows, export, export_url, xlsx_rows
from withdrawals import services
from withdrawals.models import WithdrawalApplication

pytestmark = pytest.mark.django_db

URL = "/admin/withdrawals/withdrawalapplication/"
ON = date(2025, 3, 3)
HEADERS = [
    "申请编号",
    "提取类型",
    "申请人",
    "身份证号码",
    "申请提取总额",
    "状态",
    "申请日期",
    "房屋坐落",
    "房屋总价",
    "提取年度",
    "收款银行",
    "收款账号",
    "提交时间",
    "受理时间",
    "受理人",
    "办结期限",
    "审批时间",
    "审批人",
    "审批意见",
]


def local(at: datetime | None) -> datetime:
    assert at is not None
    return timezone.localtime(at).replace(tzinfo=None, microsecond=0)


def accepted(build, clerk, name: str, amount: str, on: date = ON) -> WithdrawalApplication:
    app = build.rental(build.person(name), amount, on=on)
    app = services.withdrawal_submit(application=app, actor=clerk, on=on)
    return services.withdrawal_accept(application=app, actor=clerk, on=on)


@pytest.fixture
def queue(build, clerk, approver) -> dict[str, WithdrawalApplication]:
    """One paid case and one accepted case on 2025-03-03, one accepted case in 2024."""
    paid = build.approved_rental(build.person("张已付"), "1000.00", on=ON, approver=approver)
    return {
        "paid": paid,
        "open": accepted(build, clerk, "李在办", "800.00"),
        "old": accepted(build, clerk, "王去年", "600.00", on=date(2024, 11, 4)),
    }


def test_csv_export_is_exactly_the_paid_cases(client, clerk, approver, queue):
    # Given a paid case among open ones
    paid = WithdrawalApplication.objects.get(pk=queue["paid"].pk)

    # When a clerk exports the queue filtered to approved cases as CSV
    client.force_login(clerk)
    rows = csv_rows(export(client, URL, "csv", status__exact="approved"))

    # Then the file holds exactly that case, its ID and bank account masked
    assert rows == [
        HEADERS,
        [
            paid.number,
            "租房提取",
            "张已付",
            paid.applicant.masked_id_number,
            "1000.00",
            "已核准（已支付）",
            "2025-03-03",
            "",
            "",
            "2025",
            "中国建设银行阳泉分行",
            "6217****4567",
            str(local(paid.submitted_at)),
            str(local(paid.accepted_at)),
            "clerk1",
            "2025-03-06",
            str(local(paid.decided_at)),
            "approver1",
            "",
        ],
    ]
    assert b"6217000010001234567" not in export(client, URL, "csv").content


def test_xlsx_export_follows_the_date_drilldown(client, clerk, queue):
    # Given cases applied for in 2024 and in 2025
    old = WithdrawalApplication.objects.get(pk=queue["old"].pk)

    # When a clerk drills down to 2024 and exports as Excel
    client.force_login(clerk)
    rows = xlsx_rows(export(client, URL, "xlsx", applied_on__year=2024))

    # Then the workbook holds exactly the 2024 case
    assert rows == [
        tuple(HEADERS),
        (
            old.number,
            "租房提取",
            "王去年",
            old.applicant.masked_id_number,
            600,
            "已受理",
            datetime(2024, 11, 4),
            "",
            "",
            2024,
            "中国建设银行阳泉分行",
            "6217****4567",
            local(old.submitted_at),
            local(old.accepted_at),
            "clerk1",
            datetime(2024, 11, 7),
            "",
            "",
            "",
        ),
    ]


def test_a_full_id_number_finds_the_case_and_its_export(client, make_staff, queue):
    # Given three cases
    case = queue["open"]
    reviewer = make_staff("reviewer1", "复核")

    # When a reviewer searches by the applicant's full ID number
    client.force_login(reviewer)
    html = client.get(URL, {"q": case.applicant.id_number}).content.decode()

    # Then only that case is listed, masked, and the export of the search is that row
    ids = re.findall(r'<span class="gjj-id"[^>]*>([^<]*)</span>', html)
    assert ids == [case.applicant.masked_id_number]
    rows = csv_rows(export(client, URL, "csv", q=case.applicant.id_number))
    assert [r[:4] for r in rows[1:]] == [
        [case.number, "租房提取", "李在办", case.applicant.masked_id_number]
    ]


def test_the_overdue_filter_is_exported_as_listed(client, clerk, queue):
    # When a clerk exports the overdue filter (both accepted cases are long past due)
    client.force_login(clerk)
    rows = csv_rows(export(client, URL, "csv", overdue="yes"))

    # Then the rows are the two accepted cases, nearest deadline first as in the list
    assert [(r[0], r[5]) for r in rows[1:]] == [
        (queue["old"].number, "已受理"),
        (queue["open"].number, "已受理"),
    ]


def test_a_policy_user_may_not_export_withdrawals(client, make_staff, queue):
    # Given a 政策管理 user, who has no part in withdrawals
    client.force_login(make_staff("policy1", "政策管理"))

    # When they ask for the export
    # Then it is refused
    assert client.get(export_url(URL)).status_code == 403
    assert export(client, URL, "csv").status_code == 403
