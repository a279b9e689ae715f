"""Loan applications through the services: facts, freezing, the state machine, roles, deadlines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from gjj import services as gjj_services
from gjj.domain import SpecialGroup
from gjj.errors import ActorNotAllowed, BusinessError, TransitionError
from gjj.models import AuditLog, LoanRate
from gjj.selectors import is_new_citizen, policy_in_force
from loans import selectors, services
from loans.engine import decide
from loans.models import ApplicationStatus, ApplicationStatusChange, LoanApplication
from loans.schedules import level_payment
from tests import factories
from tests.factories import (
    DATES,
    SZG,
    advance,
    applicant,
    draft,
    home,
    make_staff,
    make_team,
    spouse_of,
)

pytestmark = pytest.mark.django_db
D = Decimal
S = ApplicationStatus


@pytest.fixture
def staff():
    return make_team()


@pytest.fixture
def dep(staff):
    return applicant(staff.clerk)


# --- household facts -------------------------------------------------------------------


def test_facts_come_from_the_household_as_the_center_holds_them(staff, dep):
    # Given a spouse who deposits, a home of hers, an old and a recent pf loan, two children
    wife = spouse_of(dep, staff.clerk)
    home(wife, staff.clerk, registered_on=date(2019, 1, 1))
    for issued, settled in ((date(2014, 6, 1), date(2020, 1, 1)), (date(2016, 3, 1), None)):
        gjj_services.pf_loan_record_add(
            borrower=dep,
            source="elsewhere",
            lender="太原市住房公积金管理中心",
            amount=D("200000"),
            issued_on=issued,
            settled_on=settled,
            actor=staff.clerk,
        )
    for i, birth in enumerate((date(2012, 3, 1), date(2015, 8, 1))):
        gjj_services.family_member_add(
            depositor=wife,
            relation="child",
            name=f"孩子{i}",
            id_number=factories.id_number(birth),
            actor=staff.clerk,
        )
    app = draft(dep, spouse_co_borrows=True)
    on = date(2025, 6, 2)

    # When the facts are read
    facts = selectors.household_loan_facts(depositor=dep, application=app, on=on)

    # Then they are the household's, on that date
    assert facts.homes_owned == 1
    assert [(p.issued_on, p.settled) for p in facts.prior_pf_loans] == [
        (date(2014, 6, 1), True),
        (date(2016, 3, 1), False),
    ]
    assert facts.birth_date == date(1985, 3, 15)
    assert facts.sex == "M"
    assert facts.account_balance == D("50000.00")
    assert facts.house_price == D("1000000.00")
    assert facts.term_months == 240
    assert facts.loan_amount == D("500000.00")
    assert facts.children == 2
    # The co-borrowing wife (born 1987-06-01) is 37: no derived 青年人; two children.
    assert facts.special_groups == frozenset({SpecialGroup.MULTI_CHILD})


def test_youth_and_new_citizen_are_derived_from_age_and_hukou(staff):
    # Given a 35-year-old applicant with a 阳泉 hukou since 2023
    young = applicant(staff.clerk, birth=date(1990, 6, 2))
    young.hukou_since = date(2023, 1, 1)
    young.save(update_fields=["hukou_since"])
    app = draft(young)
    policy = policy_in_force(on=date(2025, 6, 2))

    # When facts are read on 2025-06-02 (35th birthday) and on 2026-06-02 (36)
    at_35 = selectors.household_loan_facts(depositor=young, application=app, on=date(2025, 6, 2))
    at_36 = selectors.household_loan_facts(depositor=young, application=app, on=date(2026, 6, 2))

    # Then 青年人 holds at 35 only; 新市民 while hukou < 3 years (until 2026-01-01)
    assert at_35.special_groups == {SpecialGroup.YOUTH, SpecialGroup.NEW_CITIZEN}
    assert at_36.special_groups == frozenset()
    assert is_new_citizen(depositor=young, on=date(2025, 12, 31), policy=policy)
    assert not is_new_citizen(depositor=young, on=date(2026, 1, 1), policy=policy)
    young.hukou_city = "太原市"
    assert is_new_citizen(depositor=young, on=date(2026, 1, 1), policy=policy)
    young.hukou_city = ""  # not recorded: nothing derived
    assert not is_new_citizen(depositor=young, on=date(2026, 1, 1), policy=policy)


def test_a_youth_gets_the_special_cap(staff):
    # Given a 30-year-old buying a 1,250,000 home, applying for the maximum
    young = applicant(staff.clerk, birth=date(1995, 1, 1))
    app = draft(young, house_price=D("1250000.00"), requested_amount=None)

    # When submitted
    advance(app, staff, to="submit")

    # Then the cap is 1,000,000 (not 900,000) and binds below 80% of the price
    assert app.max_loan_amount == D("1000000.00")
    assert app.loan_amount == D("1000000.00")
    caps = [r for r in app.decision["limits_applied"] if r["rule"] == "amount.cap"]
    assert caps[0]["value"] == "1000000.00"
    assert "青年人" in caps[0]["message"]


# --- submission freezes the engine's decision ----------------------------------------


def test_submit_freezes_the_engine_decision_on_the_households_facts(staff, dep):
    # Given a complete draft
    app = draft(dep)
    on = DATES["submit"]

    # When the applicant submits it
    services.application_submit(application=app, actor=dep.user, on=on)

    # Then the engine's decision on that day is frozen, numbers and reasons alike
    app.refresh_from_db()
    policy = policy_in_force(on=on)
    facts = selectors.household_loan_facts(depositor=dep, application=app, on=on)
    expected = decide(facts, policy)
    assert app.status == S.SUBMITTED
    assert app.submitted_on == on
    assert app.decision == expected.as_dict()
    assert (app.eligible, app.home_tier) == (True, 1)
    assert (app.max_loan_amount, app.loan_amount) == (D("800000.00"), D("500000.00"))
    assert app.annual_rate_percent == D("2.600")
    assert app.monthly_payment == level_payment(
        principal=D("500000.00"), annual_rate_percent=D("2.600"), months=240
    )
    assert app.policy_version == policy.version
    rate_reason = next(r for r in app.decision["reasons"] if r["rule"] == "rate")
    assert rate_reason["citation"]["row"].startswith("rate:")
    assert list(app.history.values_list("from_status", "to_status")) == [
        ("", S.DRAFT),
        (S.DRAFT, S.SUBMITTED),
    ]
    log = AuditLog.objects.get(action="loan_application.submitted", object_id=str(app.pk))
    assert (log.old["status"], log.new["status"], log.new["home_tier"]) == ("draft", "submitted", 1)


def test_an_incomplete_draft_is_not_submitted(dep):
    # Given a draft without the seller's details
    app = draft(dep, seller_name="", seller_account="")

    # When submitted, then 400 naming each missing field, and it stays a draft
    with pytest.raises(BusinessError) as err:
        services.application_submit(application=app, actor=dep.user, on=DATES["submit"])
    assert err.value.code == "incomplete_application"
    assert sorted(err.value.fields) == ["seller_account", "seller_name"]
    app.refresh_from_db()
    assert app.status == S.DRAFT
    assert app.decision is None


def test_a_voucher_reduces_the_loan(staff, dep):
    # Given two households buying the same 1,000,000 home for the maximum, one with a 房票
    other = applicant(staff.clerk, name="王强")
    plain = draft(other, requested_amount=None)
    with_voucher = draft(dep, requested_amount=None, voucher_amount=D("300000.00"))

    # When both are submitted
    advance(plain, staff, to="submit")
    advance(with_voucher, staff, to="submit")

    # Then the voucher's face value is own funds: at most price − voucher = 700,000
    assert plain.max_loan_amount == D("800000.00")
    assert with_voucher.max_loan_amount == D("700000.00")
    assert with_voucher.loan_amount == D("700000.00")
    limits = {r["rule"]: r["value"] for r in with_voucher.decision["limits_applied"]}
    assert limits["amount.voucher"] == "700000.00"


def test_a_voucher_above_the_price_is_a_400_and_the_draft_stays(dep):
    app = draft(dep, voucher_amount=D("1200000.00"))
    with pytest.raises(BusinessError) as err:
        services.application_submit(application=app, actor=dep.user, on=DATES["submit"])
    assert err.value.code == "invalid_application"
    assert err.value.status == 400
    assert err.value.fields["voucher_amount"][0]["code"] == "voucher_exceeds_price"
    app.refresh_from_db()
    assert app.status == S.DRAFT


# --- one open application per household -------------------------------------------------


def test_one_open_application_per_household_either_spouse(staff, dep):
    # Given a husband's open draft; his wife recorded only on his side
    wife = spouse_of(dep, staff.clerk, both_ways=False)
    first = draft(dep)

    # When he or she tries another, then 409 open_application_exists
    for who in (dep, wife):
        with pytest.raises(TransitionError) as err:
            draft(who)
        assert (err.value.code, err.value.status) == ("open_application_exists", 409)

    # And once the first is withdrawn the household may apply again
    services.application_withdraw(
        application=first, actor=dep.user, reason="换房", on=date(2025, 6, 1)
    )
    second = draft(wife)
    assert second.status == S.DRAFT
    assert LoanApplication.objects.filter(status=S.DRAFT).count() == 1


def test_a_rejected_application_frees_the_household(staff, dep):
    app = draft(dep)
    advance(app, staff, to="review")
    services.application_reject(
        application=app, actor=staff.approver, reason="收入证明不实", on=DATES["approve"]
    )
    assert draft(dep).status == S.DRAFT


# --- the state machine ---------------------------------------------------------------


def _do(action: str, app: LoanApplication, staff) -> object:
    on = date(2025, 7, 1)
    calls = {
        "submit": lambda: services.application_submit(
            application=app, actor=app.applicant.user, on=on
        ),
        "withdraw": lambda: services.application_withdraw(
            application=app, actor=app.applicant.user, on=on
        ),
        "accept": lambda: services.application_accept(application=app, actor=staff.clerk, on=on),
        "review": lambda: services.application_review(application=app, actor=staff.reviewer, on=on),
        "approve": lambda: services.application_approve(
            application=app, actor=staff.approver, on=on
        ),
        "reject": lambda: services.application_reject(
            application=app, actor=staff.approver, reason="不符合条件", on=on
        ),
        "sign": lambda: services.application_sign(
            application=app,
            actor=staff.clerk,
            amount=D("500000.00"),
            term_months=240,
            repayment_method="equal_installment",
            guarantee_type="01",
            repayment_day=20,
            on=on,
        ),
        "disburse": lambda: services.application_disburse(
            application=app, actor=staff.clerk, on=on
        ),
        "update": lambda: services.application_update(
            application=app,
            actor=app.applicant.user,
            draft=services.ApplicationDraft(seller_name="另一家公司"),
        ),
    }
    return calls[action]()


ILLEGAL = [
    ("draft", ["accept", "review", "approve", "reject", "sign", "disburse"]),
    ("submit", ["submit", "review", "approve", "reject", "sign", "disburse", "update"]),
    ("accept", ["submit", "accept", "approve", "reject", "sign", "disburse", "update"]),
    ("review", ["submit", "accept", "review", "sign", "disburse", "update"]),
    ("approve", ["withdraw", "accept", "review", "approve", "reject", "disburse", "update"]),
    ("sign", ["withdraw", "approve", "reject", "sign", "update"]),
    ("disburse", ["withdraw", "accept", "sign", "disburse", "update"]),
    ("withdrawn", ["submit", "accept", "withdraw", "update"]),
    ("rejected", ["approve", "reject", "withdraw", "sign"]),
]


@pytest.mark.parametrize(
    ("stage", "action"), [(stage, a) for stage, actions in ILLEGAL for a in actions]
)
def test_each_illegal_transition_is_a_409(staff, dep, stage, action):
    # Given an application at ``stage``
    app = draft(dep)
    if stage == "withdrawn":
        services.application_withdraw(application=app, actor=dep.user, on=date(2025, 6, 1))
    elif stage == "rejected":
        advance(app, staff, to="review")
        services.application_reject(
            application=app, actor=staff.approver, reason="不符合条件", on=DATES["approve"]
        )
    elif stage != "draft":
        advance(app, staff, to=stage)
    app.refresh_from_db()
    before = (app.status, ApplicationStatusChange.objects.count())

    # When the right role tries a step the state does not allow, then 409 and nothing changes
    with pytest.raises(TransitionError) as err:
        _do(action, app, staff)
    assert (err.value.code, err.value.status) == ("invalid_transition", 409)
    app.refresh_from_db()
    assert (app.status, ApplicationStatusChange.objects.count()) == before


def test_history_and_audit_follow_every_step(staff, dep):
    app = draft(dep)
    advance(app, staff, to="disburse")
    assert list(app.history.values_list("to_status", flat=True)) == [
        "draft",
        "submitted",
        "accepted",
        "reviewed",
        "approved",
        "signed",
        "disbursed",
    ]
    assert list(app.history.values_list("on", flat=True))[1:] == [DATES[s] for s in DATES]
    labels = list(app.history.values_list("actor_label", flat=True))
    assert labels[2:] == ["s-clerk", "s-reviewer", "s-approver", "s-clerk", "s-clerk"]
    actions = set(
        AuditLog.objects.filter(
            object_type="loans.loanapplication", object_id=str(app.pk)
        ).values_list("action", flat=True)
    )
    assert actions == {
        f"loan_application.{a}"
        for a in ("created", "submitted", "accepted", "reviewed", "approved", "signed", "disbursed")
    }


# --- roles and four eyes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "wrong"),
    [
        ("accept", "reviewer"),
        ("review", "clerk"),
        ("approve", "clerk"),
        ("sign", "approver"),
        ("disburse", "reviewer"),
    ],
)
def test_each_step_needs_its_role(staff, dep, action, wrong):
    stage_before = {
        "accept": "submit",
        "review": "accept",
        "approve": "review",
        "sign": "approve",
        "disburse": "sign",
    }[action]
    app = draft(dep)
    advance(app, staff, to=stage_before)
    impostor = make_team("x")
    setattr(
        staff,
        {
            "accept": "clerk",
            "review": "reviewer",
            "approve": "approver",
            "sign": "clerk",
            "disburse": "clerk",
        }[action],
        getattr(impostor, wrong),
    )
    with pytest.raises(ActorNotAllowed) as err:
        _do(action, app, staff)
    assert (err.value.code, err.value.status) == ("role_required", 403)


def test_only_the_applicant_acts_on_the_application(staff, dep):
    app = draft(dep)
    stranger = applicant(staff.clerk, name="李四")
    for call in (
        lambda: services.application_submit(
            application=app, actor=stranger.user, on=DATES["submit"]
        ),
        lambda: services.application_withdraw(application=app, actor=staff.clerk),
        lambda: services.application_update(
            application=app, actor=stranger.user, draft=services.ApplicationDraft(seller_name="x")
        ),
    ):
        with pytest.raises(ActorNotAllowed) as err:
            call()
        assert err.value.code == "not_applicant"


def test_the_reviewer_may_not_approve_or_reject_four_eyes(staff, dep):
    # Given a user who holds both 复核 and 审批 and reviewed the application
    both = make_staff("both", "复核", "审批")
    app = draft(dep)
    advance(app, staff, to="accept")
    services.application_review(application=app, actor=both, on=DATES["review"])

    # When that same user approves or rejects, then 403 four_eyes
    for call in (
        lambda: services.application_approve(application=app, actor=both, on=DATES["approve"]),
        lambda: services.application_reject(
            application=app, actor=both, reason="x", on=DATES["approve"]
        ),
    ):
        with pytest.raises(ActorNotAllowed) as err:
            call()
        assert (err.value.code, err.value.status) == ("four_eyes", 403)

    # And another approver may
    services.application_approve(application=app, actor=staff.approver, on=DATES["approve"])
    app.refresh_from_db()
    assert app.status == S.APPROVED
    assert app.decided_by == staff.approver


# --- approval re-runs the engine -------------------------------------------------------


def test_a_higher_tier_and_rate_do_not_block_approval(staff, dep):
    # Given a reviewed first-home application for resale housing (no 多子女 deduction)
    app = draft(dep, new_build=False)
    advance(app, staff, to="review")

    # When the household registers a home before the approval date
    home(dep, staff.clerk, registered_on=date(2025, 6, 6))
    services.application_approve(application=app, actor=staff.approver, on=DATES["approve"])

    # Then it is decided again on that day: tier 2 at 3.075 % (domain.md §8), the change told
    app.refresh_from_db()
    assert app.status == S.APPROVED
    assert (app.approved_home_tier, app.approved_rate_percent) == (2, D("3.075"))
    assert app.approved_amount == D("500000.00")
    assert "认定住房套数由第1套变为第2套" in app.decision_opinion
    assert "年利率由2.6%升为3.075%" in app.decision_opinion


def test_a_lower_maximum_is_approved_at_the_lower_amount(staff):
    # Given a 青年人 (35 on submission) asking for the maximum on a 1,250,000 home
    young = applicant(staff.clerk, birth=date(1989, 6, 1))
    app = draft(young, house_price=D("1250000.00"), requested_amount=None)
    advance(
        app,
        staff,
        to="review",
        dates={
            "submit": date(2025, 5, 30),
            "accept": date(2025, 5, 30),
            "review": date(2025, 5, 31),
        },
    )
    assert app.max_loan_amount == D("1000000.00")

    # When approval comes after the 36th birthday
    services.application_approve(application=app, actor=staff.approver, on=date(2025, 6, 2))

    # Then the standard cap of 900,000 binds and is what is approved, with the reason
    app.refresh_from_db()
    assert app.approved_amount == D("900000.00")
    assert "可贷最高额由1,000,000.00元降为900,000.00元" in app.decision_opinion
    assert "金额由1,000,000.00元调减为900,000.00元" in app.decision_opinion


def test_a_change_in_the_applicants_favour_is_approved_with_the_new_numbers(staff, dep):
    # Given an application submitted before the 2025-05-08 rate cut
    app = draft(dep)
    dates = {
        "submit": date(2025, 4, 28),
        "accept": date(2025, 4, 29),
        "review": date(2025, 5, 6),
        "approve": date(2025, 5, 9),
    }
    advance(app, staff, to="approve", dates=dates)

    # Then the frozen rate stays 2.85 and the approval records 2.60
    assert app.annual_rate_percent == D("2.850")
    assert app.approved_rate_percent == D("2.600")
    assert app.approved_amount == D("500000.00")
    assert app.approved_home_tier == 1
    assert app.approval_decision["annual_rate_percent"] == "2.60"


def test_an_ineligible_application_is_submitted_but_can_only_be_rejected(staff, dep):
    # Given a household owning two homes buying resale (a third home: refused by the engine)
    home(dep, staff.clerk)
    home(dep, staff.clerk)
    app = draft(dep, new_build=False)
    advance(app, staff, to="review")
    assert app.eligible is False
    assert app.home_tier is None
    assert [r["code"] for r in app.decision["refusals"]] == ["home_tier_exceeded"]

    # When the approver approves, then refused; a rejection needs a reason
    with pytest.raises(BusinessError) as err:
        services.application_approve(application=app, actor=staff.approver, on=DATES["approve"])
    assert err.value.code == "ineligible"
    with pytest.raises(BusinessError) as err:
        services.application_reject(application=app, actor=staff.approver, reason=" ")
    assert err.value.code == "reason_required"
    services.application_reject(
        application=app, actor=staff.approver, reason="第三套住房不予贷款", on=DATES["approve"]
    )
    app.refresh_from_db()
    assert (app.status, app.decision_opinion) == (S.REJECTED, "第三套住房不予贷款")


# --- the statutory deadline ----------------------------------------------------------------


def test_the_deadline_is_fifteen_working_days_from_acceptance(staff, dep):
    app = draft(dep)
    advance(app, staff, to="accept")
    # Accepted Tue 2025-06-03 (15 working days, policy row; 端午 May 31-Jun 2 is already past):
    # Jun 4-6 (3), 9-13 (8), 16-20 (13), 23-24 (15) -> Tue 2025-06-24
    assert app.deadline_on == date(2025, 6, 24)
    assert not selectors.loan_application_is_overdue(application=app, on=date(2025, 6, 24))
    assert selectors.loan_application_is_overdue(application=app, on=date(2025, 6, 25))

    # Decided after the deadline: no longer overdue, but flagged as decided late
    advance(app, staff, to="approve", dates={"approve": date(2025, 6, 26)})
    assert not selectors.loan_application_is_overdue(application=app, on=date(2025, 6, 27))
    assert selectors.application_decided_late(application=app)


def test_business_dates_run_forward_and_never_into_the_future(staff, dep):
    app = draft(dep)
    advance(app, staff, to="submit")
    with pytest.raises(BusinessError) as err:
        services.application_accept(application=app, actor=staff.clerk, on=date(2025, 6, 1))
    assert err.value.code == "invalid_date"
    with pytest.raises(BusinessError) as err:
        services.application_accept(application=app, actor=staff.clerk, on=date(2099, 1, 1))
    assert err.value.code == "invalid_date"


# --- rates follow the disbursement date -------------------------------------------------


@pytest.mark.parametrize(
    ("homes", "disbursed_on", "frozen", "rate"),
    [
        (0, date(2025, 5, 7), "2.850", "2.850"),
        (0, date(2025, 5, 8), "2.850", "2.600"),
        (1, date(2025, 5, 7), "3.325", "3.325"),
        (1, date(2025, 5, 8), "3.325", "3.075"),
    ],
)
def test_applied_before_a_rate_change_and_disbursed_after_takes_the_new_rate(
    staff, dep, homes, disbursed_on, frozen, rate
):
    # Given an application (first or second home) submitted and signed before 2025-05-08
    for _ in range(homes):
        home(dep, staff.clerk)
    app = draft(dep)
    dates = {
        "submit": date(2025, 4, 21),
        "accept": date(2025, 4, 22),
        "review": date(2025, 4, 23),
        "approve": date(2025, 4, 25),
        "sign": date(2025, 4, 28),
        "disburse": disbursed_on,
    }

    # When it is disbursed
    loan = advance(app, staff, to="disburse", dates=dates)

    # Then the frozen and contract rates are the old ones; the loan takes the day's rate
    assert app.annual_rate_percent == D(frozen)
    assert app.contract_rate_percent == D(frozen)
    assert loan.annual_rate_percent == D(rate)
    effective = date(2025, 5, 8) if disbursed_on >= date(2025, 5, 8) else date(2024, 5, 18)
    row = LoanRate.objects.get(effective_from=effective, home_tier=homes + 1, term_band="gt5")
    assert loan.priced_rate_row == f"rate:{row.pk}"
    assert loan.priced_on == disbursed_on
    assert loan.schedule_versions.get().rate_row == f"rate:{row.pk}"


# --- 商转公 ------------------------------------------------------------------------------


def test_szg_from_an_eligible_lender_pays_the_commercial_bank(staff, dep):
    # Given the refinanced home on record and a 阳泉 ICBC loan issued 2023-06-01
    home(dep, staff.clerk, registered_on=date(2023, 6, 1))
    app = draft(dep, kind="szg")

    # When submitted and taken to disbursement
    advance(app, staff, to="submit")
    assert app.eligible is True
    assert app.home_tier == 1  # the refinanced home is not counted
    assert app.max_loan_amount == D("400000.00")
    assert app.loan_amount == D("400000.00")
    reasons = {r["rule"]: r["message"] for r in app.decision["reasons"]}
    assert reasons["szg.lender"] == "贷款银行阳泉ICBC属于商转公认可的贷款银行"
    loan = advance(app, staff, to="disburse")

    # Then the loan pays the commercial bank's loan account
    assert (loan.kind, loan.payee_kind) == ("szg", "commercial_bank")
    assert (loan.payee_name, loan.payee_account) == (
        "中国工商银行阳泉分行",
        SZG["szg_loan_account"],
    )
    assert loan.principal == D("400000.00")
    assert loan.contract_term_months == 200


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"szg_city": "太原"}, "太原ICBC发放的商业贷款不在商转公认可的贷款银行范围内"),
        ({"szg_issued_on": date(2024, 4, 1)}, "商业贷款发放日2024-04-01晚于2024-03-31"),
    ],
)
def test_szg_from_an_ineligible_lender_or_date_is_frozen_as_refused(
    staff, dep, overrides, fragment
):
    app = draft(dep, kind="szg", **overrides)
    advance(app, staff, to="review")
    assert app.eligible is False
    refusals = app.decision["refusals"]
    assert [r["code"] for r in refusals] == ["szg_ineligible"]
    assert fragment in refusals[0]["message"]
    with pytest.raises(BusinessError) as err:
        services.application_approve(application=app, actor=staff.approver, on=DATES["approve"])
    assert err.value.code == "ineligible"


# --- drafts -----------------------------------------------------------------------------------


def test_a_draft_is_edited_by_its_applicant_and_audited(dep):
    app = draft(dep)
    services.application_update(
        application=app,
        actor=dep.user,
        draft=services.ApplicationDraft(requested_amount=D("450000.00"), term_months=300),
    )
    app.refresh_from_db()
    assert (app.requested_amount, app.term_months) == (D("450000.00"), 300)
    log = AuditLog.objects.get(action="loan_application.updated", object_id=str(app.pk))
    assert log.old == {"requested_amount": "500000.00", "term_months": 240}
    assert log.new == {"requested_amount": "450000.00", "term_months": 300}


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"szg_bank": "ICBC"}, "szg_bank", "not_applicable"),
        ({"spouse_co_borrows": True}, "spouse_co_borrows", "no_spouse"),
        ({"house_price": D("1.001")}, "house_price", "invalid"),
        ({"house_price": D("-1.00")}, "house_price", "invalid"),
        ({"term_months": 0}, "term_months", "invalid"),
        ({"term_months": 32768}, "term_months", "invalid"),  # the column's range, not policy
        ({"repayment_method": "balloon"}, "repayment_method", "invalid"),
    ],
)
def test_draft_input_is_checked_by_the_service(dep, fields, field, code):
    app = draft(dep)
    with pytest.raises(BusinessError) as err:
        services.application_update(
            application=app, actor=dep.user, draft=services.ApplicationDraft(**fields)
        )
    assert err.value.status == 400
    assert err.value.fields[field][0]["code"] == code


def test_the_longest_term_is_the_policy_row_applied_on_submission(dep):
    # given: a draft asking 601 months (a draft checks the shape only)
    app = draft(dep, term_months=601)
    # when
    with pytest.raises(BusinessError) as err:
        services.application_submit(application=app, actor=dep.user, on=DATES["submit"])
    # then: the engine refuses on the field with the policy row's 360, and the draft stays
    assert err.value.code == "invalid_application"
    assert err.value.fields == {
        "term_months": [
            {"code": "term_exceeds_limit", "message": "申请期限601个月超过贷款最长期限360个月"}
        ]
    }
    app.refresh_from_db()
    assert (app.status, app.decision) == (S.DRAFT, None)


def test_the_co_borrowing_spouse_is_recorded(staff, dep):
    wife = spouse_of(dep, staff.clerk)
    app = draft(dep, spouse_co_borrows=True)
    assert app.co_borrower.relative_depositor == wife
    loan = advance(app, staff, to="disburse")
    assert loan.co_borrower == app.co_borrower


# --- contract terms ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("terms", "code", "fragment"),
    [
        ({"amount": D("500000.01")}, "amount_exceeds_approved", "超过批准金额"),
        # The contract keeps the approved term (240 months): another is a new decision.
        ({"term_months": 334}, "contract_differs_from_approval", "须与审批结果一致"),
        ({"repayment_day": 29}, "invalid", "1至28日"),
        ({"guarantee_type": "04"}, "invalid", "抵押、质押或保证"),
    ],
)
def test_contract_terms_are_checked(staff, dep, terms, code, fragment):
    app = draft(dep)
    advance(app, staff, to="approve")
    with pytest.raises(BusinessError) as err:
        advance(app, staff, to="sign", sign_terms=terms)
    assert err.value.code == code
    assert fragment in str(err.value)
    app.refresh_from_db()
    assert app.status == S.APPROVED
    assert app.contract_number is None


def test_a_contract_term_past_the_policy_longest_is_refused_on_its_field(staff, dep):
    # given: an approved application
    app = draft(dep)
    advance(app, staff, to="approve")
    # when: the contract asks 361 months where 240 were approved
    with pytest.raises(BusinessError) as err:
        advance(app, staff, to="sign", sign_terms={"term_months": 361})
    # then
    assert err.value.code == "contract_differs_from_approval"
    assert err.value.fields == {
        "term_months": [
            {
                "code": "contract_differs_from_approval",
                "message": "合同期限须为批准的240个月，收到361个月",
            }
        ]
    }
    app.refresh_from_db()
    assert app.status == S.APPROVED
    assert app.contract_number is None


def test_signing_records_the_contract(staff, dep):
    app = draft(dep, term_months=300, repayment_method="equal_principal")
    advance(
        app,
        staff,
        to="sign",
        sign_terms={
            "amount": D("480000.00"),
            "term_months": 300,
            "repayment_day": 5,
            "repayment_method": "equal_principal",
            "guarantee_type": "03",
        },
    )
    assert app.status == S.SIGNED
    assert app.contract_number == f"GJJDK2025{app.pk:08d}"
    assert (app.contract_amount, app.contract_term_months, app.contract_method) == (
        D("480000.00"),
        300,
        "equal_principal",
    )
    assert (app.guarantee_type, app.repayment_day, app.contract_rate_percent) == (
        "03",
        5,
        D("2.600"),
    )
