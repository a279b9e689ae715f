"""The clerks' admin for core data: Chinese, searchable, masked, and only through services."""

from __future__ import annotations

from datetime import date

import pytest

from gjj.models import AuditLog, Depositor
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_clerk(client, clerk):
    client.force_login(clerk)
    return client


def test_depositor_list_is_chinese_and_masks_id_numbers(logged_clerk, clerk):
    dep = factories.depositor(actor=clerk, name="张伟", balance=0)
    resp = logged_clerk.get("/admin/gjj/depositor/")
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "缴存职工" in html
    assert "身份证号码" in html
    assert dep.masked_id_number in html
    assert dep.id_number not in html


@pytest.mark.parametrize("field", ["name", "id_number", "account_number"])
def test_depositor_search_by_name_id_and_account(logged_clerk, clerk, field):
    dep = factories.depositor(actor=clerk, name="李四", balance=0, account_number="1403999001")
    other = factories.depositor(actor=clerk, name="王五", balance=0, account_number="1403999002")
    term = {"name": "李四", "id_number": dep.id_number, "account_number": "1403999001"}[field]
    html = logged_clerk.get("/admin/gjj/depositor/", {"q": term}).content.decode()
    assert dep.masked_id_number in html
    assert other.masked_id_number not in html


def test_clerk_opening_the_record_sees_the_full_id(logged_clerk, clerk):
    dep = factories.depositor(actor=clerk, balance=0)
    html = logged_clerk.get(f"/admin/gjj/depositor/{dep.pk}/change/").content.decode()
    assert dep.id_number in html


def test_adding_a_depositor_in_the_admin_goes_through_the_service(logged_clerk):
    number = factories.id_number(date(1995, 6, 1), male=False)
    resp = logged_clerk.post(
        "/admin/gjj/depositor/add/",
        {
            "name": "赵六",
            "id_number": number,
            "phone": "",
            "hukou_city": "阳泉",
            "hukou_since": "",
            "employer": "",
        },
    )
    assert resp.status_code == 302
    dep = Depositor.objects.get(id_number=number)
    assert (dep.birth_date, dep.sex) == (date(1995, 6, 1), "F")  # derived by the service
    assert AuditLog.objects.filter(action="depositor.created", object_id=str(dep.pk)).exists()


def test_an_invalid_id_number_in_the_admin_is_shown_not_saved(logged_clerk):
    resp = logged_clerk.post(
        "/admin/gjj/depositor/add/",
        {
            "name": "赵六",
            "id_number": "140302199506010000",
            "hukou_city": "阳泉",
        },
        follow=True,
    )
    assert "居民身份证号码无效" in resp.content.decode()
    assert not Depositor.objects.filter(name="赵六").exists()


def test_nothing_can_be_deleted(logged_clerk, clerk):
    dep = factories.depositor(actor=clerk, balance=0)
    assert logged_clerk.get(f"/admin/gjj/depositor/{dep.pk}/delete/").status_code == 403


def test_policy_rows_are_not_editable_by_a_clerk(logged_clerk):
    resp = logged_clerk.get("/admin/gjj/policyparameter/add/")
    assert resp.status_code == 403
    assert logged_clerk.get("/admin/gjj/policyparameter/").status_code == 200


def test_policy_admin_warns_sixty_days_before_expiry(client, make_staff, monkeypatch):
    user = make_staff("policy1", "政策管理")
    client.force_login(user)
    monkeypatch.setattr("gjj.policy_admin.today_local", lambda: date(2027, 8, 17))
    html = client.get("/admin/gjj/policyparameter/").content.decode()
    assert "将于60天后到期" in html
    monkeypatch.setattr("gjj.policy_admin.today_local", lambda: date(2027, 8, 16))
    html = client.get("/admin/gjj/policyparameter/").content.decode()
    assert "后到期" not in html
