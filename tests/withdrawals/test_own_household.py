"""Staff stand aside (回避) from withdrawals of their own household, as they do from loans."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gjj import services as gjj_services
from gjj.errors import ActorNotAllowed
from gjj.models import AccountEntry, AuditLog, Depositor
from gjj.selectors import user_in_household
from tests.contract.world import db_state
from withdrawals import services
from withdrawals.models import WithdrawalApplication, WithdrawalPayment, WithdrawalStatus

pytestmark = pytest.mark.django_db

ON = date(2025, 3, 3)
OWN = "不能办理本人或本家庭成员的提取申请"
URL = "/admin/withdrawals/withdrawalapplication/"
MEMBER_URL = "/admin/withdrawals/withdrawalmember/"


def on_staff(dep: Depositor, user) -> Depositor:
    """The depositor's log-in is a staff account (a center employee who also deposits)."""
    Depositor.objects.filter(pk=dep.pk).update(user=user)
    dep.refresh_from_db()
    return dep


@pytest.fixture
def family(build):
    """A buyer, his verified spouse and his verified father, all depositing 50,000."""
    buyer = build.person("买房人", login=True)
    spouse = build.person("配偶", male=False)
    father = build.person("父亲", birth=date(1955, 1, 1))
    return {
        "buyer": buyer,
        "spouse": spouse,
        "father": father,
        "spouse_fm": build.relate(buyer, spouse, "spouse"),
        "father_fm": build.relate(buyer, father, "parent"),
    }


def submitted_purchase(build, family) -> WithdrawalApplication:
    """The buyer's purchase drawing on his own account and his father's, submitted."""
    app = build.purchase(
        family["buyer"],
        [("self", None, "20000.00"), ("parent", family["father_fm"], "10000.00")],
        on=ON,
        actor=family["buyer"].user,
    )
    return services.withdrawal_submit(application=app, actor=family["buyer"].user, on=ON)


def consented(app: WithdrawalApplication, clerk) -> None:
    father = app.members.get(relation="parent")
    services.member_consent_record(member=father, accepted=True, actor=clerk, evidence="授权书")


def refused_and_nothing_changed(call, app: WithdrawalApplication, status: str) -> None:
    before = db_state()
    audits, entries = AuditLog.objects.count(), AccountEntry.objects.count()
    with pytest.raises(ActorNotAllowed) as err:
        call()
    assert (err.value.code, err.value.message, err.value.status) == ("own_application", OWN, 403)
    app.refresh_from_db()
    assert app.status == status
    assert (AuditLog.objects.count(), AccountEntry.objects.count()) == (audits, entries)
    assert not WithdrawalPayment.objects.filter(application=app).exists()
    assert db_state() == before


# --- the services -------------------------------------------------------------------------


def test_a_clerk_may_not_accept_or_refuse_their_own_application(build, family, make_staff):
    # Given the buyer works at the center as a clerk, and his application is submitted
    clerk_self = make_staff("buyer_clerk", "经办")
    on_staff(family["buyer"], clerk_self)
    app = submitted_purchase(build, family)
    # When he accepts it, or refuses it (不予受理), he is refused and nothing changes
    refused_and_nothing_changed(
        lambda: services.withdrawal_accept(application=app, actor=clerk_self, on=ON),
        app,
        WithdrawalStatus.SUBMITTED,
    )
    refused_and_nothing_changed(
        lambda: services.withdrawal_reject(application=app, actor=clerk_self, reason="不符"),
        app,
        WithdrawalStatus.SUBMITTED,
    )
    # And he may not record his father's consent at the counter either
    father = app.members.get(relation="parent")
    refused_and_nothing_changed(
        lambda: services.member_consent_record(
            member=father, accepted=True, actor=clerk_self, evidence="授权书"
        ),
        app,
        WithdrawalStatus.SUBMITTED,
    )


@pytest.mark.parametrize("recorded_by", ["buyer", "spouse"])
def test_the_spouse_clerk_may_not_accept_nor_act_for_the_applicant(
    build, family, make_staff, recorded_by: str
):
    # Given the buyer's wife is a clerk; the marriage is recorded by the buyer
    # (the fixture) or only on her side
    spouse_clerk = make_staff("spouse_clerk", "经办")
    on_staff(family["spouse"], spouse_clerk)
    if recorded_by == "spouse":
        gjj_services.family_member_end(
            member=family["spouse_fm"], ended_on=ON, actor=build.clerk, reason="更正登记"
        )
        build.relate(family["spouse"], family["buyer"], "spouse")
    draft = build.rental(family["buyer"], "1000.00", on=ON, actor=family["buyer"].user)
    # When she submits it for him, she is refused
    refused_and_nothing_changed(
        lambda: services.withdrawal_submit(application=draft, actor=spouse_clerk, on=ON),
        draft,
        WithdrawalStatus.DRAFT,
    )
    app = services.withdrawal_submit(application=draft, actor=family["buyer"].user, on=ON)
    # When she accepts it, or cancels it on his behalf, she is refused and nothing changes
    refused_and_nothing_changed(
        lambda: services.withdrawal_accept(application=app, actor=spouse_clerk, on=ON),
        app,
        WithdrawalStatus.SUBMITTED,
    )
    refused_and_nothing_changed(
        lambda: services.withdrawal_cancel(application=app, actor=spouse_clerk, reason="书面申请"),
        app,
        WithdrawalStatus.SUBMITTED,
    )


def test_a_father_who_draws_may_not_approve_or_reject_as_approver(build, family, clerk, make_staff):
    # Given the buyer's father, who draws in the purchase, is an approver, and the
    # case is accepted by an unrelated clerk with every consent in
    father_approver = make_staff("father_approver", "审批")
    on_staff(family["father"], father_approver)
    app = submitted_purchase(build, family)
    consented(app, clerk)
    app = services.withdrawal_accept(application=app, actor=clerk, on=ON)
    # When he approves or rejects it, he is refused: no status move, audit row or ledger entry
    refused_and_nothing_changed(
        lambda: services.withdrawal_approve(application=app, actor=father_approver, on=ON),
        app,
        WithdrawalStatus.ACCEPTED,
    )
    refused_and_nothing_changed(
        lambda: services.withdrawal_reject(application=app, actor=father_approver, reason="不符"),
        app,
        WithdrawalStatus.ACCEPTED,
    )


def test_a_clerk_may_not_enter_a_purchase_drawing_on_their_own_account(build, family, make_staff):
    # Given the father is a clerk
    father_clerk = make_staff("father_clerk", "经办")
    on_staff(family["father"], father_clerk)
    before = db_state()
    # When he enters his son's purchase that draws on his own account, he is refused
    with pytest.raises(ActorNotAllowed) as err:
        build.purchase(
            family["buyer"],
            [("self", None, "20000.00"), ("parent", family["father_fm"], "10000.00")],
            on=ON,
            actor=father_clerk,
        )
    assert (err.value.code, err.value.message) == ("own_application", OWN)
    assert db_state() == before


def test_unrelated_staff_take_the_same_case_through(build, family, clerk, approver, make_staff):
    # Given the father is an approver, and neither the clerk nor this approver is family
    on_staff(family["father"], make_staff("father_approver", "审批"))
    app = submitted_purchase(build, family)
    # When an unrelated clerk records the consent and accepts, and an unrelated approver approves
    consented(app, clerk)
    app = services.withdrawal_accept(application=app, actor=clerk, on=ON)
    app = services.withdrawal_approve(application=app, actor=approver, on=ON)
    # Then the case is paid from both accounts
    assert app.status == WithdrawalStatus.APPROVED
    amounts = sorted(e.amount for e in AccountEntry.objects.filter(reference=app.number))
    assert amounts == [Decimal("-20000.00"), Decimal("-10000.00")]
    assert app.payment.amount == Decimal("30000.00")


def test_a_member_who_is_a_clerk_still_confirms_their_own_consent(build, family, make_staff):
    # Given the father is a clerk: his own consent is his, not a staff action
    father_clerk = make_staff("father_clerk", "经办")
    on_staff(family["father"], father_clerk)
    app = submitted_purchase(build, family)
    father = app.members.get(relation="parent")
    # When he confirms it himself, then it is recorded as his own online consent
    member = services.member_consent_record(member=father, accepted=True, actor=father_clerk)
    assert (member.consent_status, member.consent_channel) == ("accepted", "online")


# --- the admin ----------------------------------------------------------------------------


def test_the_admin_action_shows_the_refusal_in_chinese(client, build, family, clerk, make_staff):
    # Given the buyer's wife is a clerk, and an unrelated case is submitted too
    spouse_clerk = make_staff("spouse_clerk", "经办")
    on_staff(family["spouse"], spouse_clerk)
    own = services.withdrawal_submit(
        application=build.rental(family["buyer"], "1000.00", on=ON, actor=family["buyer"].user),
        actor=family["buyer"].user,
        on=ON,
    )
    stranger = build.person("无关申请人")
    other = services.withdrawal_submit(
        application=build.rental(stranger, "1000.00", on=ON), actor=clerk, on=ON
    )
    client.force_login(spouse_clerk)
    # When she accepts both from the queue
    resp = client.post(
        URL, {"action": "accept", "_selected_action": [own.pk, other.pk]}, follow=True
    )
    # Then her household's case is refused in Chinese and stays submitted; the other is accepted
    html = resp.content.decode()
    assert f"{own}：{OWN}" in html
    assert "已受理 1 笔" in html
    own.refresh_from_db()
    other.refresh_from_db()
    assert (own.status, other.status) == (WithdrawalStatus.SUBMITTED, WithdrawalStatus.ACCEPTED)


def test_the_admin_approve_action_refuses_the_drawing_father(
    client, build, family, clerk, make_staff
):
    # Given the father, who draws in the purchase, approves at the center
    father_approver = make_staff("father_approver", "审批")
    on_staff(family["father"], father_approver)
    app = submitted_purchase(build, family)
    consented(app, clerk)
    app = services.withdrawal_accept(application=app, actor=clerk, on=ON)
    client.force_login(father_approver)
    # When he approves it from the queue
    html = client.post(
        URL, {"action": "approve", "_selected_action": [app.pk]}, follow=True
    ).content.decode()
    # Then he is refused in Chinese and nothing is paid
    assert f"{app}：{OWN}" in html
    app.refresh_from_db()
    assert app.status == WithdrawalStatus.ACCEPTED
    assert not AccountEntry.objects.filter(reference=app.number).exists()


def test_the_admin_consent_action_refuses_the_applicant_clerk(client, build, family, make_staff):
    # Given the buyer is a clerk, and his father's consent is pending
    clerk_self = make_staff("buyer_clerk", "经办")
    on_staff(family["buyer"], clerk_self)
    app = submitted_purchase(build, family)
    father = app.members.get(relation="parent")
    client.force_login(clerk_self)
    # When he records it at the counter from the admin
    html = client.post(
        MEMBER_URL,
        {"action": "record_accept", "_selected_action": [father.pk], "reason": "授权书"},
        follow=True,
    ).content.decode()
    # Then he is refused in Chinese and the consent stays pending
    assert f"{father}：{OWN}" in html
    father.refresh_from_db()
    assert father.consent_status == "pending"


# --- the shared check ---------------------------------------------------------------------


def test_user_in_household_is_the_recusal_circle_self_spouse_and_parents(
    build, family, clerk, make_staff
):
    users = {}
    for key in ("buyer", "spouse", "father"):
        users[key] = family[key].user or on_staff(family[key], make_staff(f"u_{key}")).user
    buyer = family["buyer"]
    assert user_in_household(user=users["buyer"], depositor=buyer)
    assert user_in_household(user=users["spouse"], depositor=buyer)
    # the default circle (GJJ_RECUSAL_CIRCLE) takes in the parents too
    assert user_in_household(user=users["father"], depositor=buyer)
    assert not user_in_household(user=clerk, depositor=buyer)  # staff with no depositor record
    assert not user_in_household(user=None, depositor=buyer)
    # A marriage that ended leaves the household
    gjj_services.family_member_end(
        member=family["spouse_fm"], ended_on=ON, actor=clerk, reason="离婚"
    )
    assert not user_in_household(user=users["spouse"], depositor=buyer)
