"""Exporting the core lists: exactly the filtered rows, Chinese headers, masked numbers."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from gjj import services
from gjj.exports import ExportResource, mask_snapshot
from gjj.masking import mask_phone
from gjj.models import AccountEntry, Depositor, EntryType, ProvidentAccount
from gjj.resources import DepositorResource
from tests import factories
from tests.export_support import csv_rows, export, export_url, xlsx_rows

pytestmark = pytest.mark.django_db

DEPOSITORS = "/admin/gjj/depositor/"
ACCOUNTS = "/admin/gjj/providentaccount/"
ENTRIES = "/admin/gjj/accountentry/"
AUDIT = "/admin/gjj/auditlog/"

DEPOSITOR_HEADERS = [
    "姓名",
    "身份证号码",
    "性别",
    "出生日期",
    "手机号码",
    "户籍所在城市",
    "落户日期",
    "缴存单位",
    "个人账号",
    "账户状态",
    "创建时间",
]
ENTRY_HEADERS = [
    "编号",
    "个人账号",
    "姓名",
    "身份证号码",
    "业务类型",
    "发生额",
    "发生后余额",
    "记账日期",
    "提取原因",
    "冲正的分录",
    "摘要",
    "业务流水号",
    "经办人",
    "创建时间",
]


def local(at: datetime) -> datetime:
    """How a stored time reads in the file: Asia/Shanghai, to the second."""
    return timezone.localtime(at).replace(tzinfo=None, microsecond=0)


def person(clerk, name: str, *, male: bool, phone: str, account: str | None) -> Depositor:
    balance = Decimal("1000.00") if account else None
    return factories.DepositorFactory.create(
        actor=clerk, name=name, male=male, phone=phone, balance=balance, account_number=account
    )


@pytest.fixture
def people(clerk) -> dict[str, Depositor]:
    return {
        "李四": person(clerk, "李四", male=True, phone="13812345678", account="1403999001"),
        "王五": person(clerk, "王五", male=False, phone="13987654321", account="1403999002"),
        "赵六": person(clerk, "赵六", male=True, phone="", account=None),
    }


@pytest.fixture
def logged_clerk(client, clerk):
    client.force_login(clerk)
    return client


def test_csv_export_is_the_searched_list_with_chinese_headers_and_masked_numbers(
    logged_clerk, people
):
    # Given three depositors, one of them named 李四
    li = people["李四"]

    # When a clerk exports the list searched for 李四 as CSV
    resp = export(logged_clerk, DEPOSITORS, "csv", q="李四")

    # Then the file holds exactly that row, under Chinese headers, with the numbers masked
    assert resp["Content-Disposition"].startswith('attachment; filename="depositor-')
    assert csv_rows(resp) == [
        DEPOSITOR_HEADERS,
        [
            "李四",
            li.masked_id_number,
            "男",
            "1990-03-15",
            "138****5678",
            "阳泉",
            "",
            "",
            "1403999001",
            "正常",
            str(local(li.created_at)),
        ],
    ]
    assert li.id_number.encode() not in resp.content
    assert b"13812345678" not in resp.content


def test_xlsx_export_is_the_filtered_list(logged_clerk, people):
    # Given two men and one woman, the woman with an account in normal status
    wang = people["王五"]

    # When a clerk exports the list filtered to women with a normal account as Excel
    resp = export(logged_clerk, DEPOSITORS, "xlsx", sex__exact="F", account__status__exact="01")

    # Then the workbook holds the headers and exactly her row, masked
    assert xlsx_rows(resp) == [
        tuple(DEPOSITOR_HEADERS),
        (
            "王五",
            wang.masked_id_number,
            "女",
            datetime(1990, 3, 15),
            "139****4321",
            "阳泉",
            "",
            "",
            "1403999002",
            "正常",
            local(wang.created_at),
        ),
    ]


def test_a_full_id_number_finds_the_row_though_the_list_masks_it(logged_clerk, people):
    # Given three depositors
    li = people["李四"]

    # When a clerk searches the list by 李四's full ID number
    html = logged_clerk.get(DEPOSITORS, {"q": li.id_number}).content.decode()

    # Then the list has only 李四's row, whose ID column is masked (the full number
    # stays where the clerk typed it: the search box and the links that keep the search)
    cells = re.findall(r'<td class="field-masked_id">([^<]*)</td>', html)
    assert cells == [li.masked_id_number]
    # And the export of that search is that row
    rows = csv_rows(export(logged_clerk, DEPOSITORS, "csv", q=li.id_number))
    assert [r[:2] for r in rows[1:]] == [["李四", li.masked_id_number]]


def test_the_export_link_carries_the_lists_search_and_filters(logged_clerk, people):
    # When a clerk opens the list searched and filtered
    html = logged_clerk.get(DEPOSITORS, {"q": "李四", "sex__exact": "M"}).content.decode()

    # Then its 导出 link exports that same search and filter
    href = export_url(DEPOSITORS, q="李四", sex__exact="M").replace("&", "&amp;")
    assert f'href="{href}">导出</a>' in html


def test_the_export_page_offers_csv_and_excel_only(logged_clerk):
    # When a clerk opens the 导出 page
    html = logged_clerk.get(export_url(DEPOSITORS)).content.decode()

    # Then the formats are CSV and Excel and the Chinese columns are listed
    assert re.findall(r'<option value="[^"]*"(?: selected)?>([^<]*)</option>', html) == [
        "---",
        "CSV（逗号分隔）",
        "Excel（xlsx）",
    ]
    assert "此次将导出以下字段：" in html
    assert ", ".join(DEPOSITOR_HEADERS) in html


def test_entries_export_by_date_drilldown_and_type(logged_clerk, clerk, people):
    # Given opening balances on 2024-01-01 (转入) and a remittance in 2025 for 李四
    li, wang = people["李四"], people["王五"]
    li_account = ProvidentAccount.objects.get(depositor=li)
    services.account_entry_post(
        account=li_account,
        entry_type=EntryType.REMITTANCE,
        amount=Decimal("1440.00"),
        value_date=date(2025, 2, 1),
        actor=clerk,
        memo="=1+1",
    )

    # When a clerk exports the 2024 transfers-in
    resp = export(logged_clerk, ENTRIES, "csv", value_date__year=2024, entry_type__exact="06")

    # Then the file holds exactly the two opening entries, in the list's order
    opening = AccountEntry.objects.filter(entry_type=EntryType.TRANSFER_IN).order_by("id")
    assert csv_rows(resp) == [ENTRY_HEADERS] + [
        [
            str(e.pk),
            e.account.account_number,
            dep.name,
            dep.masked_id_number,
            "转入",
            "1000.00",
            "1000.00",
            "2024-01-01",
            "",
            "",
            "期初余额",
            "",
            "clerk1",
            str(local(e.created_at)),
        ]
        for e, dep in zip(opening, [li, wang], strict=True)
    ]

    # And text typed in is not run by Excel as a formula
    rows = csv_rows(export(logged_clerk, ENTRIES, "csv", value_date__year=2025))
    assert [(r[4], r[5], r[10]) for r in rows[1:]] == [("汇缴", "1440.00", "'=1+1")]


def test_accounts_export_as_excel_keeps_numbers_and_masks_the_id(logged_clerk, people):
    # Given two depositors with accounts
    wang = people["王五"]

    # When a clerk exports the accounts searched by one account number
    rows = xlsx_rows(export(logged_clerk, ACCOUNTS, "xlsx", q="1403999002"))

    # Then that account is the only row, its money as numbers and the ID masked
    assert rows == [
        (
            "个人账号",
            "姓名",
            "身份证号码",
            "账户状态",
            "账户余额",
            "缴存基数",
            "个人月缴存额",
            "单位月缴存额",
            "开户日期",
            "连续缴存月数",
        ),
        (
            "1403999002",
            "王五",
            wang.masked_id_number,
            "正常",
            1000,
            6000,
            720,
            720,
            datetime(2015, 7, 1),
            0,
        ),
    ]


def test_the_audit_export_masks_numbers_inside_the_snapshots(client, clerk, make_staff):
    # Given a loan application whose creation was audited with the seller's bank account
    from tests.factories import applicant, draft

    app = draft(applicant(clerk))
    policy = make_staff("policy1", "政策管理")

    # When a 政策管理 user (who may read the audit log) exports the creations of applications
    client.force_login(policy)
    rows = csv_rows(export(client, AUDIT, "csv", action="loan_application.created"))

    # Then the row is there with the account masked and no full number anywhere
    assert rows[0] == [
        "编号",
        "时间",
        "操作人标识",
        "操作",
        "对象类型",
        "对象编号",
        "对象",
        "变更前",
        "变更后",
        "原因",
    ]
    assert [r[3:7] for r in rows[1:]] == [
        ["loan_application.created", "loans.loanapplication", str(app.pk), str(app)]
    ]
    after = rows[1][8]
    assert '"seller_account": "6222****2222"' in after
    assert "6222000011112222" not in after


@pytest.mark.parametrize("who", ["policy", "no_group"])
def test_users_who_may_not_see_the_list_may_not_export_it(client, make_staff, people, who):
    # Given a 政策管理 user and a staff user in no role group
    user = make_staff(who, {"policy": "政策管理", "no_group": None}[who])
    client.force_login(user)

    # When they ask for the depositors' export page or post its form
    # Then both are refused
    assert client.get(DEPOSITORS).status_code == 403
    assert client.get(export_url(DEPOSITORS)).status_code == 403
    assert export(client, DEPOSITORS, "csv").status_code == 403


def test_anonymous_export_goes_to_the_log_in(client, people):
    resp = export(client, DEPOSITORS, "csv")
    assert resp.status_code == 302
    assert resp["Location"].startswith("/admin/login/")


def test_no_list_offers_an_import():
    # Given the exporting lists
    # Then none has an import page, and their resources refuse to import
    for name in ("depositor", "providentaccount", "accountentry", "auditlog"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:gjj_{name}_import")
        assert reverse(f"admin:gjj_{name}_export") == f"/admin/gjj/{name}/export/"
    with pytest.raises(PermissionDenied):
        DepositorResource().import_data(None)


def test_a_filter_the_list_cannot_apply_is_refused_not_exported(logged_clerk, people):
    # When a clerk asks for an export with a malformed date drill-down
    resp = export(logged_clerk, DEPOSITORS, "csv", created_at__year="去年")

    # Then it is refused as a bad request rather than exporting more than asked
    assert resp.status_code == 400


def test_a_resource_exporting_a_personal_number_unmasked_is_refused():
    # Given a resource that would export the ID number as stored
    class Raw(ExportResource):
        class Meta:
            model = Depositor
            fields = ("name", "id_number")

    # When it is made
    # Then it is refused
    with pytest.raises(ImproperlyConfigured, match="id_number 必须脱敏导出"):
        Raw()


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13812345678", "138****5678"), ("03532012345", "035****2345"), ("2012345", "***2345")],
)
def test_phone_numbers_are_masked(phone, masked):
    assert mask_phone(phone) == masked


def test_audit_snapshots_mask_personal_numbers_and_keep_the_centers_numbers():
    snapshot = {
        "id_number": "140302199003150153",
        "bank_account": "6217000010001234567",
        "number": "DK20261127000001",
        "contract_number": "GJJDK202500000001",
        "note": "申请人电话13812345678，身份证140302199003150153",
        "members": [{"phone": "13987654321", "amount": "1000.00"}],
    }
    assert mask_snapshot(snapshot) == {
        "id_number": "140302********0153",
        "bank_account": "6217****4567",
        "number": "DK20261127000001",
        "contract_number": "GJJDK202500000001",
        "note": "申请人电话138****5678，身份证140302********0153",
        "members": [{"phone": "139****4321", "amount": "1000.00"}],
    }
