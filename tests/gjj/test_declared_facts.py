"""Applicants declare homes and provident loans of their household over the API (issue 19).

A declared fact is 待核实 until a clerk verifies it, and a loan is not approved
while one is pending. Only the applicant himself or a family member on his own
record may be named; any refusal leaves no record and no audit row behind.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from gjj import services as gjj_services
from gjj.errors import BusinessError
from gjj.models import AuditLog, FamilyMember, Home, PfLoanRecord
from loans import services as loan_services
from loans.models import ApplicationStatus
from tests import factories
from tests.factories import advance, applicant, draft, make_team

pytestmark = pytest.mark.django_db

HOMES = "/api/v1/me/homes/"
PF_LOANS = "/api/v1/me/pf-loans/"
APPROVE_ON = date(2025, 6, 9)
HER_HOME = {
    "address": "阳泉市城区南大街12号3单元501",
    "registered_on": "2016-05-20",
    "certificate_number": "晋(2016)阳泉市不动产权第0001234号",
}
HER_LOAN = {
    "source": "elsewhere",
    "lender": "太原市住房公积金管理中心",
    "contract_number": "TY2016030101",
    "amount": "250000.00",
    "issued_on": "2016-03-01",
}


@pytest.fixture
def staff():
    return make_team()


@pytest.fixture
def dep(staff):
    return applicant(staff.clerk)


@pytest.fixture
def api(dep) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=dep.user)
    return client


def family_member(dep, clerk, relation: str, name: str, born: date) -> FamilyMember:
    member = gjj_services.family_member_add(
        depositor=dep,
        relation=relation,
        name=name,
        id_number=factories.id_number(born, male=False),
        actor=clerk,
        evidence="户口簿",
    )
    return gjj_services.family_member_verify(member=member, evidence="户口簿", actor=clerk)


@pytest.fixture
def wife(dep, staff) -> FamilyMember:
    """A spouse who is no depositor here."""
    return family_member(dep, staff.clerk, "spouse", "刘娜", date(1987, 6, 1))


def facts_state() -> tuple[list[Any], list[Any], int]:
    return (
        list(Home.objects.order_by("pk").values()),
        list(PfLoanRecord.objects.order_by("pk").values()),
        AuditLog.objects.count(),
    )


def test_a_declared_spouses_home_is_pending_and_blocks_approval_until_a_clerk_verifies_it(
    staff, dep, wife, api
):
    # given: the household's application under review
    app = draft(dep)
    advance(app, staff, to="review")
    # when: the applicant declares his wife's home
    resp = api.post(HOMES, {**HER_HOME, "member": wife.pk}, format="json")
    # then: 201, the home is hers and 待核实, declared by him
    assert resp.status_code == 201
    home = Home.objects.get()
    assert resp.json() == {
        "id": home.pk,
        "address": "阳泉市城区南大街12号3单元501",
        "city": "阳泉",
        "property_type": "commercial",
        "certificate_number": "晋(2016)阳泉市不动产权第0001234号",
        "contract_number": "",
        "registered_on": "2016-05-20",
        "disposed_on": None,
        "member": wife.pk,
        "verified": False,
        "verification_display": "待核实",
    }
    assert (home.owner, home.member, home.declared_by, home.verified_by) == (
        None,
        wife,
        dep.user,
        None,
    )
    assert AuditLog.objects.filter(action="home.declared").count() == 1
    # when: the approver approves
    with pytest.raises(BusinessError) as refused:
        loan_services.application_approve(application=app, actor=staff.approver, on=APPROVE_ON)
    # then: refused, and the application is as it was
    assert refused.value.code == "household_facts_unverified"
    assert refused.value.message == "家庭住房或公积金贷款信息有1项待核实，核实后方可审批"
    app.refresh_from_db()
    assert (app.status, app.decided_on, app.approved_amount) == (
        ApplicationStatus.REVIEWED,
        None,
        None,
    )
    # when: a clerk verifies the home, and the approver approves again
    gjj_services.home_verify(home=home, actor=staff.clerk)
    approved = loan_services.application_approve(
        application=app, actor=staff.approver, on=APPROVE_ON
    )
    # then: approved, on a household that now holds her home (a second home)
    assert (approved.status, approved.approved_home_tier) == (ApplicationStatus.APPROVED, 2)


def test_the_applicant_declares_his_own_provident_loan_and_reads_it_back_pending(dep, api):
    # when: no member is named, the loan is his own
    resp = api.post(PF_LOANS, HER_LOAN, format="json")
    # then
    assert resp.status_code == 201
    record = PfLoanRecord.objects.get()
    assert (record.borrower, record.member, record.amount, record.verified_at) == (
        dep,
        None,
        Decimal("250000.00"),
        None,
    )
    # and his own record lists it, 待核实
    me = api.get("/api/v1/me/").json()
    assert me["pf_loans"] == [
        {
            "id": record.pk,
            "source": "elsewhere",
            "lender": "太原市住房公积金管理中心",
            "contract_number": "TY2016030101",
            "amount": "250000.00",
            "issued_on": "2016-03-01",
            "settled_on": None,
            "member": None,
            "verified": False,
            "verification_display": "待核实",
        }
    ]


def test_me_lists_the_homes_of_his_family_members_with_their_verification(staff, dep, wife, api):
    # given: his own home recorded by a clerk, and his wife's he declared
    own = gjj_services.home_register(
        owner=dep,
        address="阳泉市矿区北大街8号",
        registered_on=date(2012, 1, 1),
        certificate_number="晋(2012)阳泉市不动产权第0000001号",
        actor=staff.clerk,
    )
    declared = api.post(HOMES, {**HER_HOME, "member": wife.pk}, format="json").json()
    # when
    homes = api.get("/api/v1/me/").json()["homes"]
    # then
    assert [(h["id"], h["member"], h["verification_display"]) for h in homes] == [
        (own.pk, None, "已核实"),
        (declared["id"], wife.pk, "待核实"),
    ]


def test_another_households_member_is_refused_and_nothing_is_created(staff, dep, api):
    # given: another applicant's wife
    neighbour = applicant(staff.clerk, name="李四", birth=date(1983, 8, 8))
    his_wife = family_member(neighbour, staff.clerk, "spouse", "王丽", date(1984, 2, 2))
    before = facts_state()
    # when: our applicant names her, for a home and for a loan
    home = api.post(HOMES, {**HER_HOME, "member": his_wife.pk}, format="json")
    loan = api.post(PF_LOANS, {**HER_LOAN, "member": his_wife.pk}, format="json")
    # then: 400, as for an id that does not exist, and nothing changed
    message = "未找到本人登记的该家庭成员"
    expected = {
        "code": "family_member_not_found",
        "message": message,
        "fields": {"member": [{"code": "family_member_not_found", "message": message}]},
    }
    assert (home.status_code, home.json()) == (400, expected)
    assert (loan.status_code, loan.json()) == (400, expected)
    assert facts_state() == before


def test_a_parent_is_no_household_member_and_nothing_is_created(staff, dep, api):
    # given: his mother on his record
    mother = family_member(dep, staff.clerk, "parent", "陈秀英", date(1960, 3, 3))
    before = facts_state()
    # when
    resp = api.post(PF_LOANS, {**HER_LOAN, "member": mother.pk}, format="json")
    # then
    assert (resp.status_code, resp.json()) == (
        400,
        {
            "code": "not_household_member",
            "message": "父母不属于认定住房套数的家庭成员",
            "fields": {},
        },
    )
    assert facts_state() == before


def test_bad_input_is_refused_in_the_error_format_and_nothing_is_created(dep, wife, api):
    before = facts_state()
    # when: a malformed member id, amount and source
    loan = api.post(
        PF_LOANS,
        {**HER_LOAN, "member": str(wife.pk), "amount": "250000.001", "source": "bank"},
        format="json",
    )
    # and: a home without its 不动产权证 or contract number
    home = api.post(HOMES, {**HER_HOME, "certificate_number": ""}, format="json")
    # then
    assert loan.status_code == 400
    assert loan.json()["code"] == "invalid"
    assert sorted(loan.json()["fields"]) == ["amount", "member", "source"]
    assert (home.status_code, home.json()) == (
        400,
        {
            "code": "evidence_required",
            "message": "住房须登记不动产权证号或购房合同编号",
            "fields": {},
        },
    )
    assert facts_state() == before


def test_staff_and_anonymous_callers_cannot_declare(staff, wife):
    before = facts_state()
    anonymous = APIClient().post(HOMES, HER_HOME, format="json")
    clerk = APIClient()
    clerk.force_authenticate(user=staff.clerk)
    refused = clerk.post(HOMES, HER_HOME, format="json")
    assert (anonymous.status_code, refused.status_code) == (401, 403)
    assert refused.json()["message"] == "仅限已绑定缴存职工身份的用户使用"
    assert facts_state() == before
