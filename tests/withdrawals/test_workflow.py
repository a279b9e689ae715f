"""The application's life: consents, acceptance, four-eyes, one posting for every member."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from gjj import services as gjj_services
from gjj.errors import ActorNotAllowed, BusinessError, TransitionError
from gjj.models import AccountEntry, AuditLog, EntryType, ProvidentAccount, WithdrawalReason
from tests.ledger_support import account_ledger_sum
from withdrawals import selectors, services
from withdrawals.models import (
    ConsentChannel,
    ConsentStatus,
    StatusChange,
    WithdrawalApplication,
    WithdrawalPayment,
    WithdrawalStatus,
)

pytestmark = pytest.mark.django_db

D = Decimal
ON = date(2025, 3, 3)  # a Monday


@pytest.fixture
def family(build):
    """Buyer 60,000, spouse 40,000 and parent 30,000; spouse and parent can log in."""
    buyer = build.person("买房人", balance="60000.00", login=True)
    spouse = build.person("配偶", balance="40000.00", male=False, login=True)
    parent = build.person("父亲", balance="30000.00", birth=date(1955, 1, 1), login=True)
    return {
        "buyer": buyer,
        "spouse": spouse,
        "parent": parent,
        "spouse_fm": build.relate(buyer, spouse, "spouse"),
        "parent_fm": build.relate(buyer, parent, "parent"),
    }


def three_member_purchase(build, family, *, parent_amount: str = "25000.00"):
    return build.purchase(
        family["buyer"],
        [
            ("self", None, "50000.00"),
            ("spouse", family["spouse_fm"], "20000.00"),
            ("parent", family["parent_fm"], parent_amount),
        ],
        on=ON,
        price="800000.00",
        loans="640000.00",
        contract_date=date(2025, 2, 10),
        actor=family["buyer"].user,
    )


def consent_all(app, family, clerk):
    members = {m.relation: m for m in app.members.all()}
    services.member_consent_record(
        member=members["spouse"], accepted=True, actor=family["spouse"].user
    )
    services.member_consent_record(
        member=members["parent"], accepted=True, actor=clerk, evidence="授权书 No.2025-031"
    )


def submit_and_accept(app, family, clerk):
    app = services.withdrawal_submit(application=app, actor=family["buyer"].user, on=ON)
    return services.withdrawal_accept(application=app, actor=clerk, on=ON)


def balances(*deps) -> list[Decimal]:
    return [ProvidentAccount.objects.get(depositor=d).balance for d in deps]


def test_a_family_purchase_draws_three_accounts_in_one_transaction(build, clerk, approver, family):
    # Given a purchase drawing 50,000 (buyer), 20,000 (spouse) and 25,000 (parent)
    app = three_member_purchase(build, family)
    consent_all(app, family, clerk)
    app = submit_and_accept(app, family, clerk)
    # When an approver approves it
    app = services.withdrawal_approve(
        application=app, actor=approver, reason="材料齐全", on=date(2025, 3, 4)
    )
    # Then the three debits, coded 01 购买住房, and one payment of the total are written
    assert app.status == WithdrawalStatus.APPROVED
    entries = AccountEntry.objects.filter(reference=app.number).order_by("pk")
    assert [
        (e.account.depositor.name, e.amount, e.entry_type, e.withdrawal_reason) for e in entries
    ] == [
        ("买房人", D("-50000.00"), EntryType.PARTIAL_WITHDRAWAL, WithdrawalReason.PURCHASE),
        ("配偶", D("-20000.00"), EntryType.PARTIAL_WITHDRAWAL, WithdrawalReason.PURCHASE),
        ("父亲", D("-25000.00"), EntryType.PARTIAL_WITHDRAWAL, WithdrawalReason.PURCHASE),
    ]
    assert all(e.value_date == date(2025, 3, 4) for e in entries)
    assert balances(family["buyer"], family["spouse"], family["parent"]) == [
        D("10000.00"),
        D("20000.00"),
        D("5000.00"),
    ]
    for dep in (family["buyer"], family["spouse"], family["parent"]):
        acc = ProvidentAccount.objects.get(depositor=dep)
        assert account_ledger_sum(account=acc) == acc.balance
    payment = WithdrawalPayment.objects.get(application=app)
    assert (payment.payee, payment.amount, payment.status, payment.paid_on) == (
        family["buyer"],
        D("95000.00"),
        "paid",
        date(2025, 3, 4),
    )
    assert [m.entry_id for m in app.members.order_by("pk")] == [e.pk for e in entries]
    # And the history reads draft → submitted → accepted → approved, each with its actor
    assert list(app.history.values_list("from_status", "to_status", "actor_label")) == [
        ("", "draft", f"u{family['buyer'].pk}"),
        ("draft", "submitted", f"u{family['buyer'].pk}"),
        ("submitted", "accepted", "clerk1"),
        ("accepted", "approved", "approver1"),
    ]
    actions = list(selectors.audit_trail(app).values_list("action", flat=True))
    assert actions == [
        "withdrawal.created",
        "withdrawal_member.consent_recorded",
        "withdrawal_member.consent_recorded",
        "withdrawal.submitted",
        "withdrawal.accepted",
        "withdrawal_payment.created",
        "withdrawal.approved",
    ]


def test_a_member_drained_before_approval_stops_everything(build, clerk, approver, family):
    # Given an accepted purchase, and the parent's account drained to 24,999.99 meanwhile
    app = three_member_purchase(build, family)
    consent_all(app, family, clerk)
    app = submit_and_accept(app, family, clerk)
    parent_account = ProvidentAccount.objects.get(depositor=family["parent"])
    gjj_services.account_entry_post(
        account=parent_account,
        entry_type=EntryType.PARTIAL_WITHDRAWAL,
        amount=D("-5000.01"),
        value_date=ON,
        actor=clerk,
        withdrawal_reason=WithdrawalReason.MEDICAL,
    )
    entries, audits = AccountEntry.objects.count(), AuditLog.objects.count()
    # When the approver approves
    with pytest.raises(BusinessError) as err:
        services.withdrawal_approve(application=app, actor=approver, on=ON)
    # Then nothing is posted, the application stays accepted, and the error names the account
    assert err.value.code == "insufficient_balance"
    assert err.value.message == (
        f"核准未完成，未记任何账：账户{parent_account.account_number}余额不足：可用24999.99元"
    )
    assert (AccountEntry.objects.count(), AuditLog.objects.count()) == (entries, audits)
    assert balances(family["buyer"], family["spouse"], family["parent"]) == [
        D("60000.00"),
        D("40000.00"),
        D("24999.99"),
    ]
    app.refresh_from_db()
    assert app.status == WithdrawalStatus.ACCEPTED
    assert not WithdrawalPayment.objects.filter(application=app).exists()
    assert app.members.filter(entry__isnull=False).count() == 0


def test_approval_waits_for_every_consent(build, clerk, approver, family):
    app = three_member_purchase(build, family)
    app = submit_and_accept(app, family, clerk)
    with pytest.raises(BusinessError) as err:
        services.withdrawal_approve(application=app, actor=approver, on=ON)
    assert (err.value.code, err.value.message) == (
        "consent_pending",
        "以下提取人尚未确认授权：配偶、父亲",
    )
    consent_all(app, family, clerk)
    app = services.withdrawal_approve(application=app, actor=approver, on=ON)
    assert app.status == WithdrawalStatus.APPROVED


def test_a_member_who_declines_drops_out(build, clerk, approver, family):
    # Given the parent declines over REST with their own log-in
    app = three_member_purchase(build, family)
    members = {m.relation: m for m in app.members.all()}
    services.member_consent_record(
        member=members["spouse"], accepted=True, actor=family["spouse"].user
    )
    declined = services.member_consent_record(
        member=members["parent"], accepted=False, actor=family["parent"].user
    )
    assert (declined.consent_status, declined.consent_channel) == (
        ConsentStatus.DECLINED,
        ConsentChannel.ONLINE,
    )
    app.refresh_from_db()
    assert app.amount == D("70000.00")
    # When the application is approved
    app = submit_and_accept(app, family, clerk)
    app = services.withdrawal_approve(application=app, actor=approver, on=ON)
    # Then only the buyer and the spouse are debited
    assert balances(family["buyer"], family["spouse"], family["parent"]) == [
        D("10000.00"),
        D("20000.00"),
        D("30000.00"),
    ]
    assert app.payment.amount == D("70000.00")


def test_when_everyone_declines_there_is_nothing_to_approve(build, clerk, approver, family):
    app = build.purchase(family["buyer"], [("parent", family["parent_fm"], "1000.00")], on=ON)
    member = app.members.get()
    services.member_consent_record(member=member, accepted=False, actor=family["parent"].user)
    with pytest.raises(BusinessError) as err:
        services.withdrawal_submit(application=app, actor=clerk, on=ON)
    assert err.value.code == "no_members"


def test_a_consent_is_given_once_and_only_by_the_member_or_a_clerk(build, clerk, family):
    app = three_member_purchase(build, family)
    parent = app.members.get(relation="parent")
    with pytest.raises(ActorNotAllowed):  # the buyer cannot consent for the parent
        services.member_consent_record(member=parent, accepted=True, actor=family["buyer"].user)
    with pytest.raises(BusinessError) as err:  # a clerk needs the evidence
        services.member_consent_record(member=parent, accepted=True, actor=clerk)
    assert err.value.code == "evidence_required"
    services.member_consent_record(member=parent, accepted=True, actor=family["parent"].user)
    with pytest.raises(TransitionError) as err:
        services.member_consent_record(member=parent, accepted=False, actor=family["parent"].user)
    assert err.value.code == "consent_already_recorded"


def test_no_consent_after_the_application_is_closed(build, family):
    app = three_member_purchase(build, family)
    services.withdrawal_cancel(application=app, actor=family["buyer"].user)
    with pytest.raises(TransitionError) as err:
        services.member_consent_record(
            member=app.members.get(relation="parent"), accepted=True, actor=family["parent"].user
        )
    assert err.value.code == "application_closed"


@pytest.mark.parametrize(
    ("amount", "same_person_may_approve"),
    [("100000.00", True), ("100000.01", False)],
)
def test_four_eyes_above_the_policy_threshold(
    build, make_staff, approver, amount, same_person_may_approve
):
    # Given a clerk who is also an approver accepts a purchase of the amount
    both = make_staff("both", "经办")
    both.groups.add(approver.groups.get())
    buyer = build.person("大户", balance="200000.00")
    app = build.purchase(buyer, [("self", None, amount)], on=ON, price="1000000.00", loans="0.00")
    app = services.withdrawal_submit(application=app, actor=both, on=ON)
    app = services.withdrawal_accept(application=app, actor=both, on=ON)
    # When the same person approves
    if same_person_may_approve:
        assert services.withdrawal_approve(application=app, actor=both, on=ON).status == "approved"
        return
    with pytest.raises(ActorNotAllowed) as err:
        services.withdrawal_approve(application=app, actor=both, on=ON)
    # Then above 100,000.00 only another approver may
    assert (err.value.code, err.value.status) == ("four_eyes_required", 403)
    assert err.value.message == "提取金额100000.01元超过100000.00元，须由受理人以外的审批人核准"
    app = services.withdrawal_approve(application=app, actor=approver, on=ON)
    assert app.decided_by == approver


def test_the_threshold_is_a_policy_row_with_its_citation():
    from gjj.policy import Key
    from gjj.selectors import policy_in_force

    pv = policy_in_force(on=ON).param(Key.WITHDRAWAL_FOUR_EYES_THRESHOLD)
    assert (pv.value, pv.citation.source, pv.citation.document) == (
        D("100000.00"),
        "decision",
        "阳泉市住房公积金管理中心业务决定",
    )


def test_roles_clerks_accept_and_approvers_decide(build, clerk, approver, make_staff):
    reviewer = make_staff("reviewer1", "复核")
    person = build.person("租客")
    app = build.rental(person, "1000.00", on=ON)
    app = services.withdrawal_submit(application=app, actor=clerk, on=ON)
    for actor in (approver, reviewer):
        with pytest.raises(ActorNotAllowed) as err:
            services.withdrawal_accept(application=app, actor=actor, on=ON)
        assert err.value.code == "role_required"
    app = services.withdrawal_accept(application=app, actor=clerk, on=ON)
    for actor in (clerk, reviewer):
        with pytest.raises(ActorNotAllowed):
            services.withdrawal_approve(application=app, actor=actor, on=ON)
        with pytest.raises(ActorNotAllowed):
            services.withdrawal_reject(application=app, actor=actor, reason="不符")
    app = services.withdrawal_approve(application=app, actor=approver, on=ON)
    entry = app.members.get().entry
    assert (entry.amount, entry.withdrawal_reason) == (D("-1000.00"), WithdrawalReason.RENT)


def test_a_superuser_without_groups_may_neither_accept_nor_approve(build, clerk, django_user_model):
    # given: a submitted case and an IT superuser who holds no business role
    root = django_user_model.objects.create_superuser("root", password="Root-pass-2024!")
    person = build.person("租客")
    app = build.rental(person, "1000.00", on=ON)
    app = services.withdrawal_submit(application=app, actor=clerk, on=ON)
    before = (app.status, StatusChange.objects.count(), AuditLog.objects.count())
    # when he accepts, then he is refused and nothing changes
    with pytest.raises(ActorNotAllowed) as refused:
        services.withdrawal_accept(application=app, actor=root, on=ON)
    assert refused.value.code == "role_required"
    app.refresh_from_db()
    assert (app.status, StatusChange.objects.count(), AuditLog.objects.count()) == before
    # when he approves a case a clerk accepted, then he is refused too
    app = services.withdrawal_accept(application=app, actor=clerk, on=ON)
    entries = AccountEntry.objects.count()
    with pytest.raises(ActorNotAllowed) as refused:
        services.withdrawal_approve(application=app, actor=root, on=ON)
    assert refused.value.code == "role_required"
    app.refresh_from_db()
    assert (app.status, AccountEntry.objects.count()) == ("accepted", entries)


def test_a_staff_member_cannot_decide_their_own_application(build, approver):
    from gjj.models import Depositor

    person = build.person("职工本人")
    Depositor.objects.filter(pk=person.pk).update(user=approver)
    person.refresh_from_db()
    app = build.rental(person, "1000.00", on=ON)
    app = services.withdrawal_submit(application=app, actor=approver, on=ON)
    app = services.withdrawal_accept(application=app, actor=build.clerk, on=ON)
    with pytest.raises(ActorNotAllowed) as err:
        services.withdrawal_approve(application=app, actor=approver, on=ON)
    assert err.value.code == "own_application"


@pytest.mark.parametrize(
    ("steps", "action"),
    [
        ([], "approve"),
        (["submit"], "approve"),
        (["submit", "accept", "approve"], "cancel"),
        (["submit", "accept", "approve"], "reject"),
        (["submit", "accept", "reject"], "approve"),
        (["cancel"], "submit"),
        (["submit"], "submit"),
    ],
)
def test_the_state_machine_refuses_other_moves(build, clerk, approver, steps, action):
    person = build.person("租客", login=True)
    app = build.rental(person, "1000.00", on=ON)
    calls = {
        "submit": lambda a: services.withdrawal_submit(application=a, actor=clerk, on=ON),
        "accept": lambda a: services.withdrawal_accept(application=a, actor=clerk, on=ON),
        "approve": lambda a: services.withdrawal_approve(application=a, actor=approver, on=ON),
        "reject": lambda a: services.withdrawal_reject(
            application=a, actor=approver, reason="不符"
        ),
        "cancel": lambda a: services.withdrawal_cancel(application=a, actor=person.user),
    }
    for step in steps:
        app = calls[step](app)
    before = app.status
    with pytest.raises(TransitionError) as err:
        calls[action](app)
    assert (err.value.code, err.value.status) == ("invalid_transition", 409)
    app.refresh_from_db()
    assert app.status == before


def test_rejection_needs_a_reason_the_applicant_can_read(build, clerk, approver):
    person = build.person("租客")
    app = build.rental(person, "1000.00", on=ON)
    app = services.withdrawal_submit(application=app, actor=clerk, on=ON)
    with pytest.raises(BusinessError) as err:
        services.withdrawal_reject(application=app, actor=clerk, reason="  ")
    assert err.value.code == "reason_required"
    # A submitted case may be refused by the clerk (不予受理)
    app = services.withdrawal_reject(application=app, actor=clerk, reason="租赁合同未备案")
    assert (app.status, app.decision_reason) == (WithdrawalStatus.REJECTED, "租赁合同未备案")
    assert app.history.last().reason == "租赁合同未备案"


def test_one_open_application_of_a_kind_per_person(build, clerk, family):
    person = family["buyer"]
    first = build.rental(person, "1000.00", on=ON, period_type="monthly", period_index=3)
    with pytest.raises(BusinessError) as err:
        build.rental(person, "1000.00", on=ON, period_type="monthly", period_index=4)
    assert (err.value.code, err.value.status) == ("withdrawal_in_flight", 409)
    # A purchase is another kind
    assert build.purchase(person, [("self", None, "1000.00")], on=ON).pk
    # After the first is withdrawn, a new rental claim is possible
    services.withdrawal_cancel(application=first, actor=person.user, reason="填错月份")
    assert build.rental(person, "1000.00", on=ON, period_type="monthly", period_index=4).pk


def test_the_database_itself_refuses_a_second_open_application(build):
    person = build.person("租客")
    app = build.rental(person, "1000.00", on=ON)
    with pytest.raises(IntegrityError), transaction.atomic():
        WithdrawalApplication.objects.create(
            applicant=person,
            kind=app.kind,
            applied_on=ON,
            amount=D("1.00"),
            rent_year=2025,
            period_type="monthly",
            period_index=5,
            bank_name="x",
            bank_account="12345678",
        )


def test_the_decision_is_due_three_working_days_after_acceptance(build, clerk):
    # given a rental case accepted on Friday 2025-03-07 (no holiday that week)
    person = build.person("租客")
    app = build.rental(person, "1000.00", on=ON)
    app = services.withdrawal_submit(application=app, actor=clerk, on=ON)
    # when
    app = services.withdrawal_accept(application=app, actor=clerk, on=date(2025, 3, 7))
    # then: Mon 10, Tue 11, Wed 12 are the three working days (行政许可法 art. 82)
    assert app.decision_due_on == date(2025, 3, 12)
    overdue = selectors.withdrawal_application_is_overdue
    assert overdue(application=app, on=date(2025, 3, 12)) is False
    assert overdue(application=app, on=date(2025, 3, 13)) is True


def test_a_clerk_cancelling_for_the_applicant_must_say_why(build, clerk):
    person = build.person("租客")
    app = build.rental(person, "1000.00", on=ON)
    with pytest.raises(BusinessError) as err:
        services.withdrawal_cancel(application=app, actor=clerk)
    assert err.value.code == "reason_required"
    app = services.withdrawal_cancel(application=app, actor=clerk, reason="申请人书面撤回")
    assert app.status == WithdrawalStatus.CANCELLED
    assert StatusChange.objects.filter(application=app, to_status="cancelled").count() == 1


def test_the_rules_are_read_again_on_the_submission_date(build, clerk, family):
    # A draft made inside the window but submitted after it is refused at submission
    app = build.purchase(
        family["buyer"],
        [("self", None, "1000.00")],
        on=date(2025, 2, 28),
        contract_date=date(2024, 2, 29),
    )
    with pytest.raises(BusinessError) as err:
        services.withdrawal_submit(application=app, actor=clerk, on=date(2025, 3, 1))
    assert err.value.code == "outside_purchase_window"
    app.refresh_from_db()
    assert (app.status, app.applied_on) == (WithdrawalStatus.DRAFT, date(2025, 2, 28))
