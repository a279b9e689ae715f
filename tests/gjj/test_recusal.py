"""回避: staff stand aside for themselves, spouse, parents, children and the recorded household.

The circle is ``settings.GJJ_RECUSAL_CIRCLE`` (domain.md §8).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from gjj import services
from gjj.domain import ManualPostingKind, Role
from gjj.errors import ActorNotAllowed
from gjj.ledger import manual_posting_request
from gjj.models import Relation
from gjj.selectors import user_in_household
from loans import services as loan_services
from tests import factories
from tests.contract.world import db_state

pytestmark = pytest.mark.django_db


def _as_staff(dep, *roles: Role):
    """The depositor's own log-in, also on the center's staff in ``roles``."""
    user = dep.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    for role in roles:
        user.groups.add(Group.objects.get(name=role.group_name))
    return user


def _father_and_son(clerk):
    son = factories.applicant(clerk, name="张伟", birth=date(1985, 3, 15))
    father = factories.applicant(clerk, name="张建国", birth=date(1958, 2, 1))
    factories.relate(son, father, Relation.PARENT, actor=clerk, evidence="户口簿")
    return father, son


def test_the_fathers_clerk_log_in_may_not_accept_his_sons_loan_application(clerk):
    # given: the son's application is submitted; his father works as 经办
    father, son = _father_and_son(clerk)
    app = factories.draft(son, **factories.PURCHASE)
    factories.advance(app, factories.make_team("t"), to="submit")
    father_user = _as_staff(father, Role.CLERK)
    before = db_state()
    # when
    with pytest.raises(ActorNotAllowed) as refused:
        loan_services.application_accept(
            application=app, actor=father_user, on=factories.DATES["accept"]
        )
    # then
    assert (refused.value.code, refused.value.message) == (
        "own_application",
        "不能办理本人或本家庭成员的贷款申请",
    )
    assert db_state() == before


def test_the_son_recorded_only_on_the_fathers_side_is_in_the_circle_too(clerk):
    # given: the father records his son as a child; the son records nobody
    son = factories.applicant(clerk, name="张伟", birth=date(1985, 3, 15))
    father = factories.applicant(clerk, name="张建国", birth=date(1958, 2, 1))
    factories.relate(father, son, Relation.CHILD, actor=clerk, verify=False)
    # then: either way round, each stands aside for the other
    assert user_in_household(user=father.user, depositor=son) is True
    assert user_in_household(user=son.user, depositor=father) is True


def test_a_relative_recorded_by_the_spouse_is_in_the_household(clerk):
    # given: the son's wife records her mother; the mother works as 经办
    son = factories.applicant(clerk, name="张伟", birth=date(1985, 3, 15))
    wife = factories.spouse_of(son, clerk)
    mother_in_law = factories.applicant(clerk, name="刘母", birth=date(1960, 1, 1), male=False)
    factories.relate(wife, mother_in_law, Relation.PARENT, actor=clerk, verify=False)
    # then
    assert user_in_household(user=mother_in_law.user, depositor=son) is True


def test_the_circle_is_a_setting(clerk, settings):
    # given: a center that narrows the circle to self and spouse
    settings.GJJ_RECUSAL_CIRCLE = ["self", "spouse"]
    father, son = _father_and_son(clerk)
    # then: the father is outside it, the son himself is not
    assert user_in_household(user=father.user, depositor=son) is False
    assert user_in_household(user=son.user, depositor=son) is True


def test_the_father_may_not_ask_for_a_manual_posting_to_his_sons_account(clerk):
    # given
    father, son = _father_and_son(clerk)
    father_user = _as_staff(father, Role.CLERK)
    before = db_state()
    # when
    with pytest.raises(ActorNotAllowed) as refused:
        manual_posting_request(
            account=son.account,
            kind=ManualPostingKind.SUPPLEMENT,
            amount=Decimal("999999.00"),
            value_date=date(2025, 3, 3),
            reason="补缴",
            reference="BJ-2025-001",
            actor=father_user,
        )
    # then
    assert (refused.value.code, refused.value.message) == (
        "own_application",
        "不能办理本人或本家庭成员的账务",
    )
    assert db_state() == before


def test_a_clerk_may_not_grant_his_own_household_a_special_group(clerk):
    # given: the son works as 经办
    father, son = _father_and_son(clerk)
    son_user = _as_staff(son, Role.CLERK)
    before = db_state()
    # when: he grants himself, then his father
    for target in (son, father):
        with pytest.raises(ActorNotAllowed) as refused:
            services.special_group_grant(
                depositor=target,
                group="talent",
                evidence="人才引进协议",
                valid_from=date(2024, 10, 17),
                actor=son_user,
            )
        # then
        assert (refused.value.code, refused.value.message) == (
            "own_application",
            "不能办理本人或本家庭成员的特定群体认定",
        )
    assert db_state() == before


def test_a_clerk_may_not_verify_his_own_households_family_records(clerk):
    # given: the son's wife recorded, not yet verified; the son works as 经办
    son = factories.applicant(clerk, name="张伟", birth=date(1985, 3, 15))
    wife = factories.applicant(clerk, name="刘娜", birth=date(1987, 6, 1), male=False)
    member = factories.relate(son, wife, Relation.SPOUSE, actor=clerk, verify=False)
    son_user = _as_staff(son, Role.CLERK)
    before = db_state()
    # when
    with pytest.raises(ActorNotAllowed) as refused:
        services.family_member_verify(member=member, evidence="结婚证", actor=son_user)
    # then
    assert (refused.value.code, refused.value.message) == (
        "own_application",
        "不能办理本人或本家庭成员的家庭关系核验",
    )
    assert db_state() == before


def test_a_superuser_without_a_role_group_may_not_grant_or_verify(clerk):
    # given: IT's superuser, in no role group
    admin = factories.make_staff("admin", is_superuser=True)
    dep = factories.depositor(actor=clerk, name="李四")
    other = factories.depositor(actor=clerk, name="王芳", male=False)
    member = services.family_member_add(
        depositor=dep,
        relation=Relation.SPOUSE,
        name=other.name,
        id_number=other.id_number,
        actor=clerk,
        evidence="结婚证",
    )
    before = db_state()
    # when / then
    with pytest.raises(ActorNotAllowed) as refused:
        services.special_group_grant(
            depositor=dep,
            group="talent",
            evidence="人才引进协议",
            valid_from=date(2024, 10, 17),
            actor=admin,
        )
    assert refused.value.code == "role_required"
    with pytest.raises(ActorNotAllowed) as refused:
        services.family_member_verify(member=member, evidence="结婚证", actor=admin)
    assert refused.value.code == "role_required"
    assert db_state() == before
