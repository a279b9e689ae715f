"""Object-page buttons that correct the core's facts: each calls its service, for its role only."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages

from gjj import services
from gjj.domain import AuditAction, Role
from gjj.models import (
    AccountEntry,
    AccountStatus,
    AuditLog,
    Depositor,
    FamilyMember,
    Home,
    PolicyParameter,
    ProvidentAccount,
    SpecialGroupMembership,
)
from gjj.policy import Key
from gjj.selectors import today_local
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(db):
    return factories.make_staff("reviewer1", Role.REVIEWER)


@pytest.fixture
def policy_admin(db):
    return factories.make_staff("policy1", Role.POLICY_ADMIN)


@pytest.fixture
def home(clerk) -> Home:
    owner = factories.depositor(actor=clerk, name="张伟", balance=None)
    return factories.home(owner, clerk, registered_on=date(2018, 5, 1))


def page(client, user, obj, model: str) -> str:
    client.force_login(user)
    resp = client.get(f"/admin/gjj/{model}/{obj.pk}/change/")
    assert resp.status_code == 200
    return resp.content.decode()


def shown(resp) -> list[str]:
    return [str(m) for m in get_messages(resp.wsgi_request)]


def audit_rows(action: AuditAction) -> list[AuditLog]:
    return list(AuditLog.objects.filter(action=action).order_by("pk"))


# --- 处置房产 -----------------------------------------------------------------------------


def test_a_clerk_disposes_a_home_from_its_page_and_an_audit_row_is_written(client, clerk, home):
    # given: the home's page, as the clerk sees it
    html = page(client, clerk, home, "home")
    assert f'action="/admin/gjj/home/{home.pk}/dispose/"' in html
    assert 'value="处置房产"' in html

    # when: the clerk posts the button's form
    resp = client.post(
        f"/admin/gjj/home/{home.pk}/dispose/",
        {"dispose-disposed_on": "2025-03-01", "dispose-reason": "不动产登记转移至买受人"},
    )

    # then: back on the page, the home is disposed and the change is audited
    assert resp.status_code == 302
    assert resp["Location"] == f"/admin/gjj/home/{home.pk}/change/"
    assert shown(resp) == ["已登记住房转让"]
    assert Home.objects.get(pk=home.pk).disposed_on == date(2025, 3, 1)
    [row] = audit_rows(AuditAction.HOME_DISPOSED)
    assert (row.actor, row.object_id, row.reason) == (clerk, str(home.pk), "不动产登记转移至买受人")
    assert row.new == {"disposed_on": "2025-03-01"}


def test_a_disposed_home_no_longer_offers_the_button(client, clerk, home):
    # given
    services.home_dispose(home=home, disposed_on=date(2025, 3, 1), actor=clerk, reason="转让")
    # when
    html = page(client, clerk, home, "home")
    # then
    assert "/dispose/" not in html


def test_a_reviewer_neither_sees_nor_may_use_the_dispose_button(client, reviewer, home):
    # given
    html = page(client, reviewer, home, "home")
    before = AuditLog.objects.count()
    # when
    resp = client.post(
        f"/admin/gjj/home/{home.pk}/dispose/",
        {"dispose-disposed_on": "2025-03-01", "dispose-reason": "转让"},
    )
    # then
    assert "/dispose/" not in html
    assert resp.status_code == 403
    assert Home.objects.get(pk=home.pk).disposed_on is None
    assert AuditLog.objects.count() == before


def test_a_superuser_holds_no_business_role_and_gets_no_button(client, django_user_model, home):
    # given: IT access, no role group
    root = django_user_model.objects.create_superuser("root", password="Root-pass-2024!")
    # when
    html = page(client, root, home, "home")
    resp = client.post(
        f"/admin/gjj/home/{home.pk}/dispose/",
        {"dispose-disposed_on": "2025-03-01", "dispose-reason": "转让"},
    )
    # then
    assert "/dispose/" not in html
    assert resp.status_code == 403
    assert Home.objects.get(pk=home.pk).disposed_on is None


def test_a_refused_disposal_shows_the_reason_and_changes_nothing(client, clerk, home):
    # given: a date before the home was registered
    client.force_login(clerk)
    before = AuditLog.objects.count()
    # when
    resp = client.post(
        f"/admin/gjj/home/{home.pk}/dispose/",
        {"dispose-disposed_on": "2017-01-01", "dispose-reason": "转让"},
    )
    # then
    assert resp.status_code == 302
    assert shown(resp) == ["转让日期不能早于登记日期"]
    assert Home.objects.get(pk=home.pk).disposed_on is None
    assert AuditLog.objects.count() == before


def test_a_disposal_without_a_reason_is_refused_on_the_form(client, clerk, home):
    # given
    client.force_login(clerk)
    # when
    resp = client.post(
        f"/admin/gjj/home/{home.pk}/dispose/",
        {"dispose-disposed_on": "2025-03-01", "dispose-reason": ""},
    )
    # then
    assert shown(resp) == ["原因：该字段是必填项。"]
    assert Home.objects.get(pk=home.pk).disposed_on is None


def test_the_button_only_answers_a_post(client, clerk, home):
    client.force_login(clerk)
    assert client.get(f"/admin/gjj/home/{home.pk}/dispose/").status_code == 405


# --- 终止家庭关系 ---------------------------------------------------------------------------


def test_a_clerk_ends_a_family_relation_from_its_page(client, clerk, reviewer):
    # given
    dep = factories.depositor(actor=clerk, name="张伟", balance=None)
    wife = factories.depositor(actor=clerk, name="李娜", male=False, balance=None)
    member = factories.relate(dep, wife, "spouse", actor=clerk)
    assert "/end/" not in page(client, reviewer, member, "familymember")
    assert f"/admin/gjj/familymember/{member.pk}/end/" in page(
        client, clerk, member, "familymember"
    )
    # when
    resp = client.post(
        f"/admin/gjj/familymember/{member.pk}/end/",
        {"end-ended_on": "2025-02-01", "end-reason": "离婚证"},
    )
    # then
    assert shown(resp) == ["家庭关系已终止"]
    assert FamilyMember.objects.get(pk=member.pk).ended_on == date(2025, 2, 1)
    [row] = audit_rows(AuditAction.FAMILY_MEMBER_ENDED)
    assert (row.actor, row.object_id, row.reason) == (clerk, str(member.pk), "离婚证")


# --- 撤销特定群体认定 -----------------------------------------------------------------------


def test_a_clerk_revokes_a_special_group_from_its_page(client, clerk, reviewer):
    # given
    dep = factories.depositor(actor=clerk, name="张伟", balance=None)
    membership = services.special_group_grant(
        depositor=dep,
        group="talent",
        evidence="人才认定书",
        valid_from=date(2024, 1, 1),
        actor=clerk,
    )
    assert "/revoke/" not in page(client, reviewer, membership, "specialgroupmembership")
    # when
    page(client, clerk, membership, "specialgroupmembership")
    resp = client.post(
        f"/admin/gjj/specialgroupmembership/{membership.pk}/revoke/",
        {"revoke-reason": "认定书已被撤销"},
    )
    # then
    assert shown(resp) == ["特定群体认定已撤销"]
    row = SpecialGroupMembership.objects.get(pk=membership.pk)
    assert row.revoked_at is not None
    assert row.revoke_reason == "认定书已被撤销"
    [audit] = audit_rows(AuditAction.SPECIAL_GROUP_REVOKED)
    assert (audit.actor, audit.object_id) == (clerk, str(membership.pk))


# --- 冲账 --------------------------------------------------------------------------------


def entry_of(clerk, *, name: str = "张伟") -> AccountEntry:
    dep = factories.depositor(actor=clerk, name=name, balance=Decimal("1000.00"))
    return AccountEntry.objects.get(account__depositor=dep)


def test_a_clerk_asks_for_a_reversal_from_the_entrys_page(client, clerk, reviewer):
    # given: an opening transfer of 1,000.00
    entry = entry_of(clerk)
    assert "/reverse/" not in page(client, reviewer, entry, "accountentry")
    # when
    page(client, clerk, entry, "accountentry")
    resp = client.post(
        f"/admin/gjj/accountentry/{entry.pk}/reverse/",
        {
            "reverse-value_date": "2025-03-03",
            "reverse-reference": "CZ-2025-001",
            "reverse-reason": "重复入账",
        },
    )
    # then: a request for a second person, nothing posted yet (domain.md §8)
    assert shown(resp) == ["已提交冲账申请，待复核人员复核后记账"]
    assert not AccountEntry.objects.filter(reverses=entry).exists()
    assert ProvidentAccount.objects.get(pk=entry.account_id).balance == Decimal("1000.00")
    [row] = audit_rows(AuditAction.MANUAL_POSTING_REQUESTED)
    assert (row.actor, row.reason) == (clerk, "重复入账")


def test_a_clerk_may_not_reverse_an_entry_of_their_own_household(client, clerk):
    # given: the clerk is the account holder (回避)
    entry = entry_of(clerk)
    Depositor.objects.filter(pk=entry.account.depositor_id).update(user=clerk)
    client.force_login(clerk)
    before = AuditLog.objects.count()
    # when
    resp = client.post(
        f"/admin/gjj/accountentry/{entry.pk}/reverse/",
        {
            "reverse-value_date": "2025-03-03",
            "reverse-reference": "CZ-2025-001",
            "reverse-reason": "重复入账",
        },
    )
    # then
    assert shown(resp) == ["不能办理本人或本家庭成员的账务"]
    assert not AccountEntry.objects.filter(reverses=entry).exists()
    assert ProvidentAccount.objects.get(pk=entry.account_id).balance == Decimal("1000.00")
    assert AuditLog.objects.count() == before


def test_a_reversal_entry_offers_no_reverse_button(client, clerk):
    entry = entry_of(clerk)
    reversal = services.account_entry_reverse(
        entry=entry, value_date=date(2025, 3, 3), actor=clerk, reason="重复入账"
    )
    assert "/reverse/" not in page(client, clerk, reversal, "accountentry")


# --- 变更账户状态 ---------------------------------------------------------------------------


def test_a_clerk_seals_an_account_from_its_page(client, clerk, reviewer):
    # given
    account = entry_of(clerk).account
    assert "/status/" not in page(client, reviewer, account, "providentaccount")
    # when
    page(client, clerk, account, "providentaccount")
    resp = client.post(
        f"/admin/gjj/providentaccount/{account.pk}/status/",
        {"status-status": AccountStatus.SEALED, "status-reason": "单位办理封存"},
    )
    # then
    assert shown(resp) == ["账户状态已变更"]
    assert ProvidentAccount.objects.get(pk=account.pk).status == AccountStatus.SEALED
    [row] = audit_rows(AuditAction.ACCOUNT_STATUS_CHANGED)
    assert (row.old, row.new) == ({"status": "01"}, {"status": "02"})


# --- 更正未生效的政策参数 --------------------------------------------------------------------


@pytest.fixture
def future_row(policy_admin) -> PolicyParameter:
    return services.policy_parameter_add(
        key=Key.MEASURE_EXPIRY_WARNING_DAYS,
        kind="integer",
        value="30",
        effective_from=today_local() + timedelta(days=10),
        document="阳公积金〔2025〕1号",
        article="第一条",
        source="decision",
        actor=policy_admin,
    )


def test_the_policy_role_corrects_a_row_not_yet_in_force(client, policy_admin, clerk, future_row):
    # given: the clerk sees no button; the policy user's form holds the row as it is
    assert "/correct/" not in page(client, clerk, future_row, "policyparameter")
    html = page(client, policy_admin, future_row, "policyparameter")
    assert 'name="correct-value" value="30"' in html
    # when: only the value changes
    resp = client.post(
        f"/admin/gjj/policyparameter/{future_row.pk}/correct/",
        {
            "correct-value": "45",
            "correct-effective_from": future_row.effective_from.isoformat(),
            "correct-effective_to": "",
            "correct-document": future_row.document,
            "correct-article": future_row.article,
            "correct-note": "",
            "correct-reason": "录入错误",
        },
    )
    # then
    assert shown(resp) == ["政策参数已更正"]
    assert PolicyParameter.objects.get(pk=future_row.pk).value == "45"
    [row] = audit_rows(AuditAction.POLICY_PARAMETER_UPDATED)
    assert (row.old["value"], row.new["value"], row.reason) == ("30", "45", "录入错误")


def test_a_row_in_force_offers_no_correction(client, policy_admin):
    row = PolicyParameter.objects.filter(effective_from__lte=today_local()).first()
    assert row is not None
    assert "/correct/" not in page(client, policy_admin, row, "policyparameter")
