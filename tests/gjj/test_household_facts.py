"""Homes and provident loans of every household member: the count, its evidence, 待核实.

Golden figures from the rule (domain.md §3): tier = 1 + max(homes held in the city,
provident loans issued after 2014-12-31), counting the spouse whether she deposits or not.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from gjj import services as gjj_services
from gjj.errors import ActorNotAllowed, BusinessError
from gjj.models import FamilyMember, Home
from gjj.selectors import household_homes, household_housing, policy_in_force
from loans import selectors, services
from loans.engine import decide
from loans.models import ApplicationStatus
from tests import factories
from tests.factories import Builder, advance, applicant, draft, make_team

pytestmark = pytest.mark.django_db
D = Decimal
ON = date(2025, 6, 2)


@pytest.fixture
def staff():
    return make_team()


@pytest.fixture
def dep(staff):
    return applicant(staff.clerk)


def wife_not_depositing(dep, clerk) -> FamilyMember:
    """A spouse with no account here, recorded and verified on the applicant's family."""
    member = gjj_services.family_member_add(
        depositor=dep,
        relation="spouse",
        name="刘娜",
        id_number=factories.id_number(date(1987, 6, 1), male=False),
        actor=clerk,
        evidence="结婚证",
    )
    return gjj_services.family_member_verify(member=member, evidence="结婚证", actor=clerk)


def her_home(member, clerk, **kw) -> Home:
    return gjj_services.home_register(
        member=member,
        address="阳泉市城区南大街12号3单元501",
        registered_on=date(2016, 5, 20),
        certificate_number="晋(2016)阳泉市不动产权第0001234号",
        actor=clerk,
        **kw,
    )


def her_loan(member, clerk, issued_on: date) -> None:
    gjj_services.pf_loan_record_add(
        member=member,
        source="elsewhere",
        lender="太原市住房公积金管理中心",
        amount=D("200000"),
        issued_on=issued_on,
        settled_on=date(2020, 1, 1),
        contract_number=f"TY{issued_on.year}001",
        actor=clerk,
    )


def decision_for(dep, app):
    facts = selectors.household_loan_facts(depositor=dep, application=app, on=ON)
    return decide(facts, policy_in_force(on=ON))


def evidence(decision, rule: str) -> list[str]:
    return [r.value for r in decision.reasons if r.rule == rule]


def test_a_non_depositor_spouses_home_moves_the_tier_from_1_to_2(staff, dep):
    # given: a spouse with no account here, and the household's application
    wife = wife_not_depositing(dep, staff.clerk)
    app = draft(dep)
    assert decision_for(dep, app).home_tier == 1
    # when: her home in the city is recorded
    her_home(wife, staff.clerk)
    # then: the household holds one home, so the purchase is a second home
    decision = decision_for(dep, app)
    assert (decision.home_tier, decision.counted_homes) == (2, 1)
    [line] = [r.message for r in decision.reasons if r.rule == "home_count.home"]
    assert line == (
        "配偶刘娜：阳泉市城区南大街12号3单元501，"
        "不动产权证号晋(2016)阳泉市不动产权第0001234号：计入"
    )


def test_a_home_disposed_of_before_the_application_date_does_not_count(staff, dep):
    # given: her home, sold before the date
    wife = wife_not_depositing(dep, staff.clerk)
    home = her_home(wife, staff.clerk)
    gjj_services.home_dispose(
        home=home, disposed_on=date(2025, 1, 10), actor=staff.clerk, reason="出售"
    )
    # when
    decision = decision_for(dep, draft(dep))
    # then: first home, and the decision names the sold home as left out
    assert (decision.home_tier, decision.counted_homes) == (1, 0)
    assert evidence(decision, "home_count.home") == ["disposed"]


def test_a_spouses_2013_loan_elsewhere_is_not_counted_and_her_2016_one_is(staff, dep):
    # given: her 2013 provident loan elsewhere (before the 2014-12-31 cut-off)
    wife = wife_not_depositing(dep, staff.clerk)
    her_loan(wife, staff.clerk, date(2013, 4, 1))
    app = draft(dep)
    first = decision_for(dep, app)
    assert (first.home_tier, first.counted_pf_loans) == (1, 0)
    assert evidence(first, "home_count.pf_loan") == ["before_cutoff"]
    # when: her 2016 loan is recorded too
    her_loan(wife, staff.clerk, date(2016, 3, 1))
    # then: that one counts, and the purchase is a second home
    second = decision_for(dep, app)
    assert (second.home_tier, second.counted_pf_loans) == (2, 1)
    assert evidence(second, "home_count.pf_loan") == ["before_cutoff", "counted"]


def test_a_family_whose_only_home_is_the_spouses_gets_no_rental_withdrawal(clerk):
    # given: a tenant whose spouse, no depositor here, holds a home in the city
    build = Builder(clerk=clerk)
    tenant = build.person("周九")
    wife = wife_not_depositing(tenant, clerk)
    her_home(wife, clerk)
    # when / then: the household owns a home, so there is no rental withdrawal
    with pytest.raises(BusinessError) as refused:
        build.rental(tenant, "1000.00", on=date(2025, 3, 1))
    assert refused.value.code == "owns_home"
    assert [h.holder for h in household_housing(depositor=tenant, on=ON).held_homes] == ["配偶刘娜"]


def test_an_adult_childs_home_is_not_the_households(staff, dep):
    # given: a son of 20 who holds a home
    son = gjj_services.family_member_add(
        depositor=dep,
        relation="child",
        name="张大",
        id_number=factories.id_number(date(2005, 1, 1)),
        actor=staff.clerk,
    )
    her_home(son, staff.clerk)
    # then: the household of 套数认定 is the couple and their minor children
    assert household_homes(depositor=dep, on=ON) == []


def test_a_declared_home_is_pending_and_blocks_approval_until_verified(staff, dep):
    # given: an application under review, and a home the applicant declares afterwards
    app = draft(dep)
    advance(app, staff, to="review")
    declared = gjj_services.home_register(
        owner=dep,
        address="阳泉市矿区北大街8号",
        registered_on=date(2024, 1, 1),
        contract_number="YQ-2023-0815",
        actor=dep.user,
        declared=True,
    )
    assert declared.verification_label == "待核实"
    # when: the approver approves
    with pytest.raises(BusinessError) as refused:
        services.application_approve(application=app, actor=staff.approver, on=date(2025, 6, 9))
    # then: refused, and the application is as it was
    assert refused.value.code == "household_facts_unverified"
    app.refresh_from_db()
    assert (app.status, app.approved_amount) == (ApplicationStatus.REVIEWED, None)
    # and a clerk verifies it, with the audit row of who and when
    verified = gjj_services.home_verify(home=declared, actor=staff.clerk)
    assert (verified.verification_label, verified.verified_by) == ("已核实", staff.clerk)


def test_a_clerk_does_not_verify_a_home_of_his_own_household(staff, dep):
    # given: the clerk is the applicant's spouse, and the applicant declared a home
    clerk_self = applicant(staff.clerk, name="王经办", male=False)
    clerk_self.user = staff.clerk
    clerk_self.save(update_fields=["user"])
    factories.relate(dep, clerk_self, "spouse", actor=staff.reviewer, verify=False)
    declared = gjj_services.home_register(
        owner=dep,
        address="阳泉市矿区北大街8号",
        registered_on=date(2024, 1, 1),
        contract_number="YQ-2023-0815",
        actor=dep.user,
        declared=True,
    )
    # when / then: 回避
    with pytest.raises(ActorNotAllowed) as refused:
        gjj_services.home_verify(home=declared, actor=staff.clerk)
    assert refused.value.code == "own_application"
    declared.refresh_from_db()
    assert declared.verified_at is None


def test_a_home_needs_its_evidence_and_one_holder(staff, dep):
    with pytest.raises(BusinessError) as no_evidence:
        gjj_services.home_register(
            owner=dep, address="阳泉市某处", registered_on=date(2020, 1, 1), actor=staff.clerk
        )
    assert no_evidence.value.code == "evidence_required"
    with pytest.raises(BusinessError) as no_holder:
        gjj_services.home_register(
            address="阳泉市某处",
            registered_on=date(2020, 1, 1),
            certificate_number="晋(2020)1号",
            actor=staff.clerk,
        )
    assert no_holder.value.code == "holder_required"
    assert not Home.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_keeps_every_record_and_marks_the_clerks_as_verified():
    # given: the schema before household facts, with a home and a loan a clerk recorded
    executor = MigrationExecutor(connection)
    before = [("gjj", "0010_policy_fidelity")]
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    user = old.get_model("auth", "User").objects.create(username="old_clerk")
    depositor = old.get_model("gjj", "Depositor").objects.create(
        name="张伟", id_number="140302199003150011", birth_date=date(1990, 3, 15), sex="M"
    )
    home = old.get_model("gjj", "Home").objects.create(
        owner=depositor,
        address="阳泉市城区南大街12号",
        city="阳泉",
        registered_on=date(2016, 5, 20),
    )
    loan = old.get_model("gjj", "PfLoanRecord").objects.create(
        borrower=depositor,
        source="own",
        lender="阳泉市住房公积金管理中心",
        amount=D("300000.00"),
        issued_on=date(2014, 6, 10),
    )
    audit = old.get_model("gjj", "AuditLog")
    for action, label, pk in (
        ("home.registered", "gjj.home", home.pk),
        ("pf_loan_record.added", "gjj.pfloanrecord", loan.pk),
    ):
        audit.objects.create(
            actor=user,
            actor_label="old_clerk",
            action=action,
            object_type=label,
            object_id=str(pk),
            object_repr="-",
            at=timezone.now(),
        )
    # when
    executor = MigrationExecutor(connection)
    executor.migrate([("gjj", "0011_household_facts")])
    new = executor.loader.project_state([("gjj", "0011_household_facts")]).apps
    # then: the same rows, same holder, verified by the clerk who recorded them
    moved_home = new.get_model("gjj", "Home").objects.get(pk=home.pk)
    moved_loan = new.get_model("gjj", "PfLoanRecord").objects.get(pk=loan.pk)
    assert (moved_home.owner_id, moved_home.member_id, moved_home.address) == (
        depositor.pk,
        None,
        "阳泉市城区南大街12号",
    )
    assert (moved_home.verified_by_id, moved_loan.verified_by_id) == (user.pk, user.pk)
    assert moved_loan.verified_at == moved_loan.created_at
    # and back again, nothing lost
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    back = executor.loader.project_state(before).apps
    assert back.get_model("gjj", "Home").objects.get(pk=home.pk).owner_id == depositor.pk
    executor = MigrationExecutor(connection)
    executor.migrate(leaves)
