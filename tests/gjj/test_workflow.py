"""gjj.workflow: one row of each transition table per test, the admin's buttons, audit names."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model

from gjj.domain import AuditAction, Role
from gjj.errors import ActorNotAllowed
from gjj.models import AuditLog
from gjj.services import audit_record
from gjj.workflow import actor_roles, allowed_steps, case_check
from loans.services import LOAN_FLOW, LOAN_STEPS, LoanAction
from tests.factories import applicant, draft, make_staff, make_team
from tests.factories.loans import advance
from withdrawals.services import WITHDRAWAL_STEPS, WithdrawalAction

C, R, A = Role.CLERK, Role.REVIEWER, Role.APPROVER

# action: (from, to, roles, the applicant may, the earlier actor who may not, audit action)
LOAN_TABLE = {
    LoanAction.SUBMIT: ({"draft"}, "submitted", set(), True, None, "loan_application.submitted"),
    LoanAction.WITHDRAW: (
        {"draft", "submitted", "accepted", "reviewed"},
        "withdrawn",
        set(),
        True,
        None,
        "loan_application.withdrawn",
    ),
    LoanAction.ACCEPT: ({"submitted"}, "accepted", {C}, False, None, "loan_application.accepted"),
    LoanAction.REVIEW: ({"accepted"}, "reviewed", {R}, False, None, "loan_application.reviewed"),
    LoanAction.APPROVE: (
        {"reviewed"},
        "approved",
        {A},
        False,
        "reviewed_by",
        "loan_application.approved",
    ),
    LoanAction.REJECT: (
        {"reviewed"},
        "rejected",
        {A},
        False,
        "reviewed_by",
        "loan_application.rejected",
    ),
    LoanAction.SIGN: ({"approved"}, "signed", {C}, False, None, "loan_application.signed"),
    LoanAction.DISBURSE: ({"signed"}, "disbursed", {C}, False, None, "loan_application.disbursed"),
}
WITHDRAWAL_TABLE = {
    WithdrawalAction.SUBMIT: ({"draft"}, "submitted", {C}, True, None, "withdrawal.submitted"),
    WithdrawalAction.ACCEPT: ({"submitted"}, "accepted", {C}, False, None, "withdrawal.accepted"),
    WithdrawalAction.APPROVE: (
        {"accepted"},
        "approved",
        {A},
        False,
        "accepted_by",
        "withdrawal.approved",
    ),
    WithdrawalAction.REFUSE: (
        {"submitted"},
        "rejected",
        {C, A},
        False,
        None,
        "withdrawal.rejected",
    ),
    WithdrawalAction.REJECT: ({"accepted"}, "rejected", {A}, False, None, "withdrawal.rejected"),
    WithdrawalAction.CANCEL: (
        {"draft", "submitted", "accepted"},
        "cancelled",
        {C},
        True,
        None,
        "withdrawal.cancelled",
    ),
}


def _row(step) -> tuple:
    return (
        set(step.sources),
        step.target,
        set(step.roles),
        step.applicant,
        step.not_same_as,
        step.audit.value,
    )


@pytest.mark.parametrize("action", list(LoanAction))
def test_each_loan_step_is_the_documented_row(action):
    assert _row(LOAN_STEPS[action]) == LOAN_TABLE[action]


@pytest.mark.parametrize("action", list(WithdrawalAction))
def test_each_withdrawal_step_is_the_documented_row(action):
    assert _row(WITHDRAWAL_STEPS[action]) == WITHDRAWAL_TABLE[action]


def test_withdrawal_four_eyes_applies_above_the_policy_line_only():
    approve = WITHDRAWAL_STEPS[WithdrawalAction.APPROVE]
    assert (approve.four_eyes_code, approve.four_eyes_above_line) == ("four_eyes_required", True)


# --- roles: groups only ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_superuser_without_groups_holds_no_role():
    # given
    root = get_user_model().objects.create_superuser("root", password="Root-pass-2024!")
    # then
    assert actor_roles(root) == frozenset()


@pytest.mark.django_db
def test_allowed_steps_offer_each_person_only_their_own_step():
    # given: a submitted loan application
    team = make_team("wf")
    dep = applicant(team.clerk, name="张伟")
    app = draft(dep)
    advance(app, team, to="submit")
    app.refresh_from_db()
    root = get_user_model().objects.create_superuser("root", password="Root-pass-2024!")
    # when / then
    assert allowed_steps(case=app, actor=team.clerk, flow=LOAN_FLOW) == [LoanAction.ACCEPT]
    assert allowed_steps(case=app, actor=team.reviewer, flow=LOAN_FLOW) == []
    assert allowed_steps(case=app, actor=root, flow=LOAN_FLOW) == []
    assert allowed_steps(case=app, actor=dep.user, flow=LOAN_FLOW) == [LoanAction.WITHDRAW]


@pytest.mark.django_db
def test_the_reviewer_is_offered_no_approval_of_what_he_reviewed():
    # given: reviewed by a user who holds 复核 and 审批
    team = make_team("fe")
    both = make_staff("both", R, A)
    dep = applicant(team.clerk, name="张伟")
    app = draft(dep)
    advance(app, team, to="accept")
    team.reviewer = both
    advance(app, team, to="review")
    app.refresh_from_db()
    # then: no button for him, and the check refuses him with four_eyes
    assert allowed_steps(case=app, actor=both, flow=LOAN_FLOW) == []
    with pytest.raises(ActorNotAllowed) as refused:
        case_check(case=app, step=LOAN_STEPS[LoanAction.APPROVE], actor=both, flow=LOAN_FLOW)
    assert (refused.value.code, refused.value.message) == (
        "four_eyes",
        "审批人不能与审核人为同一人（双人复核）",
    )


# --- audit actions ------------------------------------------------------------------------

RENAMES = importlib.import_module("gjj.migrations.0007_audit_action_names").RENAMES


def test_every_audit_action_is_an_entity_and_a_past_participle():
    bad = [a.value for a in AuditAction if not re.fullmatch(r"[a-z_]+\.[a-z_]+", a.value)]
    assert bad == []
    assert all(a.label for a in AuditAction)


def test_the_rename_migration_names_only_audit_actions():
    # A frozen copy: actions added after it were never stored under an old name.
    assert set(RENAMES.values()) <= {a.value for a in AuditAction}
    assert not set(RENAMES) & set(RENAMES.values())  # so a second run changes nothing


@pytest.mark.django_db
def test_audit_record_refuses_a_free_string_and_writes_nothing() -> None:
    # given
    clerk = make_staff("a1", C)
    before = AuditLog.objects.count()
    # when / then
    with pytest.raises(TypeError):
        audit_record(actor=clerk, action="loan_application_accept", obj=clerk)  # type: ignore[arg-type]  # a plain str, on purpose
    assert AuditLog.objects.count() == before


@pytest.mark.django_db
def test_the_rename_migration_renames_old_rows_and_is_idempotent():
    # given: rows under an old name and under a new one
    clerk = make_staff("a2", C)
    old = audit_record(actor=clerk, action=AuditAction.LOAN_REPAID, obj=clerk)
    AuditLog.objects.filter(pk=old.pk).update(action="loan_repayment")
    new = audit_record(actor=clerk, action=AuditAction.LOAN_SETTLED, obj=clerk)
    rename = importlib.import_module("gjj.migrations.0007_audit_action_names").rename
    # when: it runs twice
    rename(django_apps, None)
    rename(django_apps, None)
    # then
    got = dict(AuditLog.objects.filter(pk__in=[old.pk, new.pk]).values_list("pk", "action"))
    assert got == {old.pk: "loan.repaid", new.pk: "loan.settled"}
