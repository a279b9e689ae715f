"""Depositors, families, homes, loan history and special groups: checks and audit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gjj import services
from gjj.errors import BusinessError, TransitionError
from gjj.masking import mask_id_number
from gjj.models import AccountStatus, AuditLog, Relation
from tests import factories

pytestmark = pytest.mark.django_db


def test_depositor_birth_date_and_sex_come_from_the_id_number(clerk):
    number = factories.id_number(date(1988, 11, 2), male=False)
    dep = services.depositor_create(name="王芳", id_number=number, actor=clerk)
    assert (dep.birth_date, dep.sex) == (date(1988, 11, 2), "F")
    assert dep.masked_id_number == number[:6] + "********" + number[-4:]


@pytest.mark.parametrize("bad", ["140302199003150010", "1403021990031500", "14030219901315001X"])
def test_invalid_id_numbers_are_refused(clerk, bad):
    with pytest.raises(BusinessError) as err:
        services.depositor_create(name="甲", id_number=bad, actor=clerk)
    assert err.value.code == "invalid_id_number"
    assert err.value.fields["id_number"][0]["message"] == "居民身份证号码无效"


def test_duplicate_depositor_is_refused(clerk):
    number = factories.id_number(date(1990, 1, 1))
    services.depositor_create(name="甲", id_number=number, actor=clerk)
    with pytest.raises(BusinessError) as err:
        services.depositor_create(name="甲", id_number=number, actor=clerk)
    assert err.value.code == "duplicate_depositor"


def test_employer_credit_code_is_checked(clerk):
    with pytest.raises(BusinessError) as err:
        services.employer_create(name="某公司", credit_code="91140300MA0K123450", actor=clerk)
    assert err.value.code == "invalid_credit_code"


def test_account_status_transitions_are_checked_and_audited(clerk):
    acc = factories.depositor(actor=clerk, balance=Decimal("0")).account
    services.account_status_change(
        account=acc, status=AccountStatus.SEALED, actor=clerk, reason="单位停缴"
    )
    with pytest.raises(TransitionError):
        services.account_status_change(
            account=acc, status=AccountStatus.SEALED, actor=clerk, reason="重复"
        )
    log = AuditLog.objects.filter(action="account.status_changed").get()
    assert (log.old, log.new, log.reason) == ({"status": "01"}, {"status": "02"}, "单位停缴")


def test_family_links_a_relative_who_deposits_and_verifies_once(clerk):
    parent = factories.depositor(actor=clerk, name="父", birth=date(1962, 5, 1))
    child = factories.depositor(actor=clerk, name="子", birth=date(1990, 5, 1))
    member = services.family_member_add(
        depositor=child,
        relation=Relation.PARENT,
        name="父",
        id_number=parent.id_number,
        actor=clerk,
    )
    assert member.relative_depositor == parent
    assert not member.is_verified
    services.family_member_verify(member=member, evidence="户口簿", actor=clerk)
    member.refresh_from_db()
    assert member.is_verified
    assert member.verified_by == clerk
    with pytest.raises(TransitionError):
        services.family_member_verify(member=member, evidence="户口簿", actor=clerk)


def test_one_current_spouse(clerk):
    dep = factories.depositor(actor=clerk)
    services.family_member_add(
        depositor=dep,
        relation=Relation.SPOUSE,
        name="甲",
        id_number=factories.id_number(date(1991, 1, 1), male=False),
        actor=clerk,
    )
    with pytest.raises(BusinessError) as err:
        services.family_member_add(
            depositor=dep,
            relation=Relation.SPOUSE,
            name="乙",
            id_number=factories.id_number(date(1992, 1, 1), male=False),
            actor=clerk,
        )
    assert err.value.code == "spouse_exists"


def test_homes_and_loan_history_are_recorded_and_closed_once(clerk):
    dep = factories.depositor(actor=clerk)
    home = services.home_register(
        owner=dep,
        address="阳泉市城区1号",
        registered_on=date(2020, 1, 1),
        actor=clerk,
        certificate_number="晋(2020)阳泉市不动产权第0000001号",
    )
    services.home_dispose(home=home, disposed_on=date(2023, 1, 1), actor=clerk, reason="出售")
    with pytest.raises(TransitionError):
        services.home_dispose(home=home, disposed_on=date(2023, 2, 1), actor=clerk, reason="x")
    record = services.pf_loan_record_add(
        borrower=dep,
        source="own",
        lender="本中心",
        amount=Decimal("300000"),
        issued_on=date(2016, 1, 1),
        actor=clerk,
    )
    services.pf_loan_record_settle(record=record, settled_on=date(2024, 1, 1), actor=clerk)
    with pytest.raises(BusinessError):
        services.pf_loan_record_add(
            borrower=dep,
            source="own",
            lender="本中心",
            amount=Decimal("1"),
            issued_on=date(2016, 1, 1),
            settled_on=date(2015, 1, 1),
            actor=clerk,
        )


def test_special_group_needs_evidence_and_verifier(clerk):
    dep = factories.depositor(actor=clerk)
    with pytest.raises(BusinessError) as err:
        services.special_group_grant(
            depositor=dep, group="talent", evidence=" ", valid_from=date(2024, 10, 17), actor=clerk
        )
    assert err.value.code == "evidence_required"
    m = services.special_group_grant(
        depositor=dep,
        group="talent",
        evidence="人才引进协议",
        valid_from=date(2024, 10, 17),
        actor=clerk,
    )
    services.special_group_revoke(membership=m, actor=clerk, reason="协议解除")
    m.refresh_from_db()
    assert m.revoked_at is not None
    assert m.verified_by == clerk


def test_masking_keeps_only_both_ends():
    assert mask_id_number("140302199003150011") == "140302********0011"
