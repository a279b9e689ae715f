"""What a clerk reads: one money and rate format, local times, Chinese labels, no raw data."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from gjj import admin_display as show
from gjj.domain import AuditAction, ManualPostingKind, Role
from gjj.errors import ActorNotAllowed
from gjj.ledger import manual_posting_request
from gjj.models import AccountStatus, AuditLog, LoanRate, PolicyParameter
from tests import factories

pytestmark = pytest.mark.django_db

# 2026-12-02 01:30:05 UTC is 09:30:05 in Asia/Shanghai (UTC+8, no daylight saving).
UTC_INSTANT = datetime(2026, 12, 2, 1, 30, 5, tzinfo=UTC)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# --- formats ------------------------------------------------------------------------------


def test_money_has_thousands_separators_two_places_and_rounds_half_up():
    assert show.money(Decimal("900000")) == "900,000.00"
    assert show.money("1234567.5") == "1,234,567.50"
    # half-up: 0.005 goes up (half-even would keep 1,234,567.00)
    assert show.money(Decimal("1234567.005")) == "1,234,567.01"
    assert show.money(0) == "0.00"
    assert show.money(None) == "—"


def test_rate_keeps_two_places_and_every_stored_digit_beyond():
    assert show.rate(Decimal("2.600")) == "2.60%"
    assert show.rate("2.6") == "2.60%"
    assert show.rate(Decimal("2.775")) == "2.775%"
    assert show.rate(3) == "3.00%"
    assert show.rate(None) == "—"


def test_codes_read_in_chinese():
    assert show.action_label("loan_application.accepted") == "受理贷款申请"
    assert show.object_type_label("loans.loanapplication") == "贷款申请"
    assert show.object_type_label("gjj.providentaccount") == "个人公积金账户"
    assert show.batch_job_label("reprice") == "利率调整"
    assert show.special_groups_text(["new_citizen", "youth"]) == "新市民、青年人"
    assert show.rule_label("home_count.homes") == "家庭住房套数"
    assert show.rule_label("amount.cap") == "贷款额度上限"
    assert show.reason_value("not_applied") == "不适用"
    # a rate row reads as its cell and rate; a row no longer found by its kind and number
    row = LoanRate.objects.get(effective_from=date(2025, 5, 8), home_tier=1, term_band="gt5")
    assert show.citation_row_label(f"rate:{row.pk}") == "2025-05-08 首套 五年以上 2.60%"
    assert show.citation_row_label("rate:999999") == "贷款利率第999999号记录"
    assert show.role_label("reviewer") == "复核"
    assert show.policy_key_label("loan.cap.special") != "loan.cap.special"


def test_a_refusal_reads_without_its_code():
    refusal = ActorNotAllowed("role_required", "只有“经办”岗位人员可以办理“受理”")
    assert show.refusal_text(refusal) == "只有“经办”岗位人员可以办理“受理”"


def test_json_values_become_tables_with_chinese_keys():
    # Given a decision fragment as the engine freezes it
    decision = {
        "eligible": False,
        "loan_amount": "500000.00",
        "reasons": [
            {
                "rule": "home_count.homes",
                "value": "not_applied",
                "message": "家庭名下住房0套",
                "citation": {
                    "document": "阳政办发〔2024〕52号",
                    "article": "第三条",
                    "row": "param:3",
                },
            }
        ],
    }
    # When it is rendered
    html = str(show.value_table(decision))
    text = _text(html)
    # Then every key and code reads in Chinese, money formatted, never a repr
    assert "是否符合贷款条件 否" in text
    assert "测算贷款金额（元） 500,000.00" in text
    assert "家庭住房套数" in text
    assert "不适用" in text
    assert "政策参数第3号记录" in text
    assert "{" not in html
    assert "'" not in text


# --- audit rows -------------------------------------------------------------------------------


def test_an_audit_row_is_a_short_before_after_table_in_local_time(clerk):
    # Given a clerk named 王经办 who sealed an account at 01:30:05 UTC
    clerk.first_name = "王经办"
    clerk.save(update_fields=["first_name"])
    dep = factories.depositor(actor=clerk, name="张伟", balance=Decimal("900000.00"))
    row = AuditLog.objects.create(
        actor=clerk,
        actor_label=clerk.username,
        action=AuditAction.ACCOUNT_STATUS_CHANGED,
        object_type="gjj.providentaccount",
        object_id=str(dep.account.pk),
        object_repr="x",
        old={"status": AccountStatus.NORMAL, "balance": "900000.00"},
        new={"status": AccountStatus.SEALED, "balance": "900000.00"},
        reason="单位申请封存",
    )
    AuditLog.objects.filter(pk=row.pk).update(at=UTC_INSTANT)
    row.refresh_from_db()
    # When it is rendered
    html = str(show.audit_table([row]))
    text = _text(html)
    # Then: local time, the person's name, the Chinese action, the reason, and only the
    # changed field with its Chinese label and its choice labels
    assert text == (
        "时间 操作人 操作 原因 变更内容 "
        "2026-12-02 09:30:05 王经办 变更账户状态 account.status_changed 单位申请封存 "
        "项目 变更前 变更后 账户状态 正常 → 封存"
    )


def test_an_audit_value_that_is_a_long_text_is_cut():
    row = AuditLog(
        at=UTC_INSTANT,
        actor_label="system",
        action=AuditAction.POLICY_CHECKED,
        object_type="gjj.policyparameter",
        object_id="1",
        old=None,
        new={"note": "长" * 200, "groups": ["new_citizen"]},
    )
    text = _text(str(show.audit_changes_table(row)))
    assert "长" * 79 + "…" in text
    assert "长" * 80 not in text
    assert "新市民" in text


# --- object pages -----------------------------------------------------------------------------


def test_the_account_page_shows_money_formatted_and_its_audit_without_raw_data(client, clerk):
    # Given an account with 900,000.00 whose status a clerk changed
    dep = factories.depositor(actor=clerk, name="张伟", balance=Decimal("900000.00"))
    client.force_login(clerk)
    client.post(
        f"/admin/gjj/providentaccount/{dep.account.pk}/status/",
        {"status-status": AccountStatus.SEALED, "status-reason": "单位申请封存"},
    )
    # When the clerk opens the account
    page = client.get(f"/admin/gjj/providentaccount/{dep.account.pk}/change/").content.decode()
    # Then the balance and the audit rows read as a clerk reads them
    assert "900,000.00" in page
    audit = page[page.index('id="gjj-audit"') :]
    assert "变更账户状态" in audit
    assert "正常" in audit
    assert "封存" in audit
    assert "{" not in _text(audit)
    assert "Decimal(" not in page
    assert "'status'" not in page


def test_the_policy_row_page_has_no_raw_json(client):
    # Given a JSON policy row (the special groups) and someone of 政策管理
    policy = factories.make_staff("policy1", Role.POLICY_ADMIN)
    row = PolicyParameter.objects.filter(kind="json").order_by("pk").first()
    assert row is not None
    client.force_login(policy)
    # When the row's page is opened
    page = client.get(f"/admin/gjj/policyparameter/{row.pk}/change/").content.decode()
    content = page[page.index('id="content-main"') :]
    # Then no JSON brackets or Python reprs reach the clerk
    assert "[&quot;" not in content
    assert "{&quot;" not in content
    assert "Decimal(" not in content


def test_the_audit_list_reads_in_chinese_and_local_time(client, clerk):
    dep = factories.depositor(actor=clerk, name="张伟", balance=Decimal("0.00"))
    AuditLog.objects.filter(object_id=str(dep.account.pk)).update(at=UTC_INSTANT)
    admin_user = factories.make_staff("admin", is_superuser=True)
    client.force_login(admin_user)
    page = client.get("/admin/gjj/auditlog/?object_type=gjj.providentaccount").content.decode()
    text = _text(page)
    assert "开立个人账户" in text
    assert "个人公积金账户" in text
    assert "2026-12-02 09:30:05" in text
    # and the filters offer Chinese choices
    assert ">开立个人账户</a>" in page
    # and a row's own page shows its changes as a table, not JSON
    row = AuditLog.objects.get(action=AuditAction.ACCOUNT_OPENED, object_id=str(dep.account.pk))
    detail = client.get(f"/admin/gjj/auditlog/{row.pk}/change/").content.decode()
    assert "个人账号" in detail
    assert "{&quot;" not in detail


# --- manual postings' buttons -------------------------------------------------------------


@pytest.fixture
def posting(clerk):
    dep = factories.depositor(actor=clerk, name="张伟", balance=Decimal("1000.00"))
    return manual_posting_request(
        account=dep.account,
        kind=ManualPostingKind.SUPPLEMENT,
        amount=Decimal("720.00"),
        value_date=date(2025, 3, 3),
        reason="单位漏缴2025年1月",
        reference="BJ-2025-001",
        actor=clerk,
    )


def _buttons(client, user, posting) -> list[str]:
    client.force_login(user)
    page = client.get(f"/admin/gjj/manualposting/{posting.pk}/change/").content.decode()
    return re.findall(r'<input type="submit" value="([^"]+)">', page)


def test_manual_posting_buttons_show_only_to_whom_may_decide_now(client, clerk, posting):
    reviewer = factories.make_staff("reviewer1", Role.REVIEWER)
    # the requester, even holding 复核 too, may not decide her own request (four-eyes)
    clerk.groups.add(*factories.make_staff("r2", Role.REVIEWER).groups.all())
    superuser = factories.make_staff("admin", is_superuser=True)
    assert _buttons(client, reviewer, posting) == ["复核同意并记账", "退回"]
    assert _buttons(client, clerk, posting) == []
    assert _buttons(client, superuser, posting) == []


def test_a_refused_add_form_shows_the_message_without_its_code(client, clerk):
    # Given a clerk asking to post by hand to her own account (回避)
    dep = factories.depositor(actor=clerk, name="张伟", balance=Decimal("1000.00"))
    dep.user = clerk
    dep.save(update_fields=["user"])
    client.force_login(clerk)
    # When she submits the add form
    page = client.post(
        "/admin/gjj/manualposting/add/",
        {
            "account": dep.account.pk,
            "kind": ManualPostingKind.SUPPLEMENT,
            "amount": "720.00",
            "value_date": "2025-03-03",
            "reference": "BJ-1",
            "reason": "补缴",
        },
    )
    # Then the form shows the Chinese refusal alone, without its machine code
    body = page.content.decode()
    assert page.status_code == 200
    assert "不能办理本人或本家庭成员的账务" in body
    assert "own_application" not in body
