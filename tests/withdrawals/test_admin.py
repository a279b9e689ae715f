"""The clerks' queue: Chinese, searchable, deadlines flagged, changes only through actions."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from gjj import services as gjj_services
from gjj.models import EntryType, ProvidentAccount
from gjj.selectors import today_local
from withdrawals import services
from withdrawals.models import ConsentStatus, WithdrawalStatus

pytestmark = pytest.mark.django_db

URL = "/admin/withdrawals/withdrawalapplication/"
MEMBER_URL = "/admin/withdrawals/withdrawalmember/"
ON = date(2025, 3, 3)


def login(client, user):
    client.force_login(user)
    return client


def act(client, url, action, rows, reason=""):
    return client.post(
        url,
        {"action": action, "_selected_action": [r.pk for r in rows], "reason": reason},
        follow=True,
    )


def accepted_rental(build, clerk, name="租客", amount="1000.00", on=ON):
    person = build.person(name)
    app = build.rental(person, amount, on=on)
    app = services.withdrawal_submit(application=app, actor=clerk, on=on)
    return services.withdrawal_accept(application=app, actor=clerk, on=on)


def test_the_queue_is_in_chinese_with_deadlines_and_overdue_flags(client, build, clerk):
    # Given one case overdue (accepted long ago) and one accepted today
    old = accepted_rental(build, clerk, name="逾期人")
    fresh = accepted_rental(build, clerk, name="新受理", on=today_local())
    html = login(client, clerk).get(URL).content.decode()
    for text in ["提取申请", "申请编号", "提取类型", "办结期限", "逾期", "已受理", "租房提取"]:
        assert text in html
    assert old.number in html
    assert fresh.number in html
    assert "2025年3月6日" in html  # accepted Monday 2025-03-03 + 3 calendar days
    assert 'alt="True"' in html
    assert 'alt="False"' in html
    assert old.applicant.id_number not in html  # masked in the list
    overdue = client.get(URL, {"overdue": "yes"}).content.decode()
    assert old.number in overdue
    assert fresh.number not in overdue


@pytest.mark.parametrize("field", ["number", "name", "id_number", "account_number"])
def test_search_by_number_name_id_and_account(client, build, clerk, field):
    a = accepted_rental(build, clerk, name="张检索")
    b = accepted_rental(build, clerk, name="李其他")
    term = {
        "number": a.number,
        "name": "张检索",
        "id_number": a.applicant.id_number,
        "account_number": a.applicant.account.account_number,
    }[field]
    html = login(client, clerk).get(URL, {"q": term}).content.decode()
    assert a.number in html
    assert b.number not in html


def test_the_case_page_shows_members_limits_history_and_audit(client, build, clerk):
    buyer = build.person("买房人", balance="60000.00")
    parent = build.person("父亲", birth=date(1955, 1, 1), balance="30000.00")
    fm = build.relate(buyer, parent, "parent")
    app = build.purchase(
        buyer,
        [("self", None, "20000.00"), ("parent", fm, "10000.00")],
        on=ON,
        contract_date=date(2025, 2, 1),
    )
    html = login(client, clerk).get(f"{URL}{app.pk}/change/").content.decode()
    for text in [
        "提取人及授权",
        "父亲",
        "待确认",
        "当前账户余额",
        "自筹部分上限 400,000.00 元",
        "申请截止日 2026-02-01",
        "状态变更记录",
        "审计记录",
        "新建提取申请",  # the creation's audit row, by its label
    ]:
        assert text in html, text
    assert client.get(f"{URL}{app.pk}/delete/").status_code == 403
    assert client.get(f"{URL}add/").status_code == 403


def test_clerk_accepts_and_approver_approves_through_actions(client, build, clerk, approver):
    person = build.person("租客")
    app = build.rental(person, "1000.00", on=ON)
    services.withdrawal_submit(application=app, actor=clerk, on=ON)
    resp = act(login(client, clerk), URL, "accept", [app])
    assert "已受理 1 笔" in resp.content.decode()
    app.refresh_from_db()
    assert (app.status, app.accepted_by) == (WithdrawalStatus.ACCEPTED, clerk)
    # A clerk is not offered the approval action
    assert 'value="approve"' not in client.get(URL).content.decode()
    resp = act(login(client, approver), URL, "approve", [app], reason="同意")
    assert "已核准并支付 1 笔" in resp.content.decode()
    app.refresh_from_db()
    assert (app.status, app.decision_reason) == (WithdrawalStatus.APPROVED, "同意")


def test_rejection_in_the_admin_needs_a_reason(client, build, clerk, approver):
    app = accepted_rental(build, clerk)
    login(client, approver)
    resp = act(client, URL, "reject", [app])
    assert "不予提取必须填写原因" in resp.content.decode()
    app.refresh_from_db()
    assert app.status == WithdrawalStatus.ACCEPTED
    act(client, URL, "reject", [app], reason="租赁关系不实")
    app.refresh_from_db()
    assert (app.status, app.decision_reason) == (WithdrawalStatus.REJECTED, "租赁关系不实")


def test_the_clerk_sees_why_an_approval_posted_nothing(client, build, clerk, approver):
    app = accepted_rental(build, clerk, amount="1000.00")
    account = ProvidentAccount.objects.get(depositor=app.applicant)
    gjj_services.account_entry_post(
        account=account,
        entry_type=EntryType.PARTIAL_WITHDRAWAL,
        amount=Decimal("-49000.01"),
        value_date=ON,
        actor=clerk,
    )
    resp = act(login(client, approver), URL, "approve", [app])
    html = resp.content.decode()
    assert f"核准未完成，未记任何账：账户{account.account_number}余额不足：可用999.99元" in html
    assert "insufficient_balance" not in html  # the code is for machines, not the clerk
    app.refresh_from_db()
    assert app.status == WithdrawalStatus.ACCEPTED


def test_a_clerk_records_a_consent_with_its_evidence(client, build, clerk):
    buyer = build.person("买房人")
    parent = build.person("母亲", male=False, birth=date(1958, 1, 1))
    fm = build.relate(buyer, parent, "parent")
    app = build.purchase(buyer, [("parent", fm, "1000.00")], on=ON)
    member = app.members.get()
    login(client, clerk)
    html = client.get(MEMBER_URL).content.decode()
    assert "提取人及授权" in html
    assert "记录提取人同意" in html
    resp = act(client, MEMBER_URL, "record_accept", [member])
    assert "柜台记录授权必须填写依据" in resp.content.decode()
    act(client, MEMBER_URL, "record_accept", [member], reason="授权委托书 No.031")
    member.refresh_from_db()
    assert (member.consent_status, member.consent_channel, member.consent_evidence) == (
        ConsentStatus.ACCEPTED,
        "counter",
        "授权委托书 No.031",
    )


def test_reviewers_only_look(client, build, clerk, make_staff):
    reviewer = make_staff("reviewer1", "复核")
    app = accepted_rental(build, clerk)
    login(client, reviewer)
    assert client.get(URL).status_code == 200
    assert client.get(f"{URL}{app.pk}/change/").status_code == 200
    html = client.get(URL).content.decode()
    for action in ("accept", "approve", "reject"):
        assert f'value="{action}"' not in html
    assert client.get("/admin/withdrawals/withdrawalpayment/").status_code == 200


def test_paid_applications_are_listed_with_masked_accounts(client, build, clerk, approver):
    app = accepted_rental(build, clerk, on=today_local() - timedelta(days=1))
    services.withdrawal_approve(application=app, actor=approver)
    html = login(client, clerk).get("/admin/withdrawals/withdrawalpayment/").content.decode()
    assert "提取支付记录" in html
    assert "6217****4567" in html
    assert "已支付" in html
