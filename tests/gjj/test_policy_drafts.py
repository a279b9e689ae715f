"""Policy drafts: rows checked as real ones, the impact preview, four-eyes confirmation.

The preview's figures are checked against the schedules loan by loan: each loan's
current schedule (``loans.schedules.build_schedule`` from its contract), the first
installment due on or after the repricing date (1 January after the change, the
national rule in force), and a fresh schedule from there at the drafted rate.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from gjj import drafts
from gjj.domain import AuditAction, RepaymentMethod, Role
from gjj.draft_models import PolicyDraftStatus
from gjj.errors import ActorNotAllowed, BusinessError
from gjj.models import AuditLog, LoanRate, PolicyParameter
from gjj.policy import Key
from gjj.selectors import today_local
from loans.schedules import build_schedule
from tests import factories as support

pytestmark = pytest.mark.django_db
D = Decimal
CITE = {"document": "银发〔2027〕1号", "article": "第一条"}


@pytest.fixture
def policy_team():
    return (
        support.make_staff("drafter", Role.POLICY_ADMIN),
        support.make_staff("checker", Role.POLICY_ADMIN),
    )


def _store(draft, actor, on_commit):
    """The preview as the admin's button runs it, with the task run here and now."""
    asked = []
    with on_commit(execute=True):
        drafts.policy_draft_preview_request(
            draft=draft, actor=actor, dispatch=lambda pk, rev: asked.append((pk, rev))
        )
    [(pk, revision)] = asked
    return drafts.policy_draft_preview_store(draft_id=pk, revision=revision, on=today_local())


def _expected(loan, rate, effective_on):
    """(before, after, 12 months' interest before, after) of one loan, from its schedule."""
    method = RepaymentMethod(loan.repayment_method)
    rows = build_schedule(
        principal=loan.principal,
        annual_rate_percent=loan.annual_rate_percent,
        months=loan.contract_term_months,
        method=method,
        first_due_date=loan.first_due_date,
        first_period_from=loan.disbursed_on,
    )
    start = next(i for i, r in enumerate(rows) if r.due_date >= effective_on)
    fresh = build_schedule(
        principal=rows[start - 1].outstanding,
        annual_rate_percent=rate,
        months=len(rows) - start,
        method=method,
        first_due_date=rows[start].due_date,
    )
    return (
        rows[start].payment,
        fresh[0].payment,
        sum(r.interest for r in rows[start : start + 12]),
        sum(r.interest for r in fresh[:12]),
    )


def test_rate_preview_matches_the_schedules_loan_by_loan_and_confirmation_adds_the_rows(
    policy_team, django_capture_on_commit_callbacks
):
    # given: three loans that would reprice (two >5y, one ≤5y) and one of 12 months
    drafter, checker = policy_team
    staff = support.make_team("pv")
    long_a = support.disbursed_loan(staff, name="甲", term=240)
    long_b = support.disbursed_loan(staff, name="乙", term=240, method="equal_principal")
    short = support.disbursed_loan(staff, name="丙", term=36, amount="100000.00")
    support.disbursed_loan(staff, name="丁", term=12, amount="50000.00")  # keeps its rate
    changed_on = today_local() + timedelta(days=30)
    draft = drafts.policy_draft_create(title="下调首套利率", actor=drafter)
    for band, rate in (("gt5", "2.350"), ("le5", "1.850")):
        drafts.policy_draft_rate_add(
            draft=draft,
            effective_from=changed_on,
            home_tier=1,
            term_band=band,
            annual_rate_percent=D(rate),
            actor=drafter,
            **CITE,
        )

    # when
    draft = _store(draft, drafter, django_capture_on_commit_callbacks)

    # then: repriced on 1 January after the change; the figures are the schedules'
    effective_on = date(changed_on.year + 1, 1, 1)
    rates = draft.preview["rates"]
    assert draft.status == PolicyDraftStatus.PREVIEWED
    assert rates["effective_on"] == effective_on.isoformat()
    gt5 = [_expected(x, D("2.350"), effective_on) for x in (long_a, long_b)]
    le5 = [_expected(short, D("1.850"), effective_on)]
    cells = {(c["home_tier"], c["term_band"]): c for c in rates["cells"]}
    assert set(cells) == {(1, "gt5"), (1, "le5")}
    for key, figures in (((1, "gt5"), gt5), ((1, "le5"), le5)):
        assert cells[key]["loans"] == len(figures)
        for i, name in enumerate(
            ("payment_before", "payment_after", "interest_before", "interest_after")
        ):
            assert D(cells[key][name]) == sum(f[i] for f in figures), (key, name)
    changes = sorted(f[1] - f[0] for f in gt5 + le5)
    assert rates["total"]["loans"] == 3
    assert D(rates["total"]["change_min"]) == changes[0]
    assert D(rates["total"]["change_median"]) == changes[1]
    assert D(rates["total"]["change_max"]) == changes[2]
    assert draft.preview_rows["rates"][0]["annual_rate_percent"] == "2.350"

    # when: the drafter tries to confirm, then a second policy admin does
    with pytest.raises(ActorNotAllowed) as refused:
        drafts.policy_draft_confirm(draft=draft, actor=drafter)
    assert refused.value.code == "four_eyes"
    assert not LoanRate.objects.filter(effective_from=changed_on).exists()
    drafts.policy_draft_confirm(draft=draft, actor=checker)

    # then: the rows exist with the draft's citation, and the audit trail says who
    added = LoanRate.objects.filter(effective_from=changed_on).order_by("term_band")
    assert [(r.term_band, r.annual_rate_percent, r.document, r.article) for r in added] == [
        ("gt5", D("2.350"), CITE["document"], CITE["article"]),
        ("le5", D("1.850"), CITE["document"], CITE["article"]),
    ]
    draft.refresh_from_db()
    assert (draft.status, draft.confirmed_by) == (PolicyDraftStatus.CONFIRMED, checker)
    trail = AuditLog.objects.filter(object_type="gjj.policydraft", object_id=str(draft.pk))
    assert list(trail.order_by("pk").values_list("action", "actor_label")) == [
        (AuditAction.POLICY_DRAFT_CREATED, drafter.username),
        (AuditAction.POLICY_DRAFT_ROW_ADDED, drafter.username),
        (AuditAction.POLICY_DRAFT_ROW_ADDED, drafter.username),
        (AuditAction.POLICY_DRAFT_PREVIEWED, drafter.username),
        (AuditAction.POLICY_DRAFT_CONFIRMED, checker.username),
    ]


def test_a_draft_changed_after_its_preview_or_never_previewed_is_not_confirmed(
    policy_team, django_capture_on_commit_callbacks
):
    # given: a cap draft, previewed, then given one more row
    drafter, checker = policy_team
    changed_on = today_local() + timedelta(days=40)
    draft = drafts.policy_draft_create(title="调整额度", actor=drafter)
    with pytest.raises(BusinessError) as never:
        drafts.policy_draft_confirm(draft=draft, actor=checker)
    drafts.policy_draft_parameter_add(
        draft=draft,
        key=Key.LOAN_CAP_STANDARD,
        kind="decimal",
        value="950000.00",
        effective_from=changed_on,
        source="decision",
        actor=drafter,
        **CITE,
    )
    draft = _store(draft, drafter, django_capture_on_commit_callbacks)
    drafts.policy_draft_parameter_add(
        draft=draft,
        key=Key.LOAN_CAP_SPECIAL,
        kind="decimal",
        value="1050000.00",
        effective_from=changed_on,
        source="decision",
        actor=drafter,
        **CITE,
    )

    # when
    with pytest.raises(BusinessError) as stale:
        drafts.policy_draft_confirm(draft=draft, actor=checker)

    # then
    assert never.value.code == "preview_required"
    assert stale.value.code == "preview_stale"
    assert not PolicyParameter.objects.filter(effective_from=changed_on).exists()


def test_a_draft_row_in_the_past_or_invalid_is_refused_as_a_real_row_is(policy_team):
    # given
    drafter, _ = policy_team
    draft = drafts.policy_draft_create(title="回溯", actor=drafter)
    before = AuditLog.objects.count()

    # when
    with pytest.raises(BusinessError) as past:
        drafts.policy_draft_rate_add(
            draft=draft,
            effective_from=today_local(),
            home_tier=1,
            term_band="gt5",
            annual_rate_percent=D("2.000"),
            actor=drafter,
            **CITE,
        )
    with pytest.raises(BusinessError) as unknown:
        drafts.policy_draft_parameter_add(
            draft=draft,
            key="loan.cap.unknown",
            kind="decimal",
            value="1",
            effective_from=today_local() + timedelta(days=5),
            source="decision",
            actor=drafter,
            **CITE,
        )

    # then: the real services' refusals; nothing added, no audit row
    assert past.value.code == "policy_in_force_immutable"
    assert unknown.value.code == "unknown_policy_key"
    assert not draft.rates.exists()
    assert not draft.parameters.exists()
    assert AuditLog.objects.count() == before


def test_only_policy_admins_draft_and_a_withdrawn_draft_is_closed(policy_team):
    # given
    drafter, checker = policy_team
    clerk = support.make_staff("clerkx", Role.CLERK)
    draft = drafts.policy_draft_create(title="撤销测试", actor=drafter)

    # when
    with pytest.raises(ActorNotAllowed) as clerk_refused:
        drafts.policy_draft_create(title="x", actor=clerk)
    drafts.policy_draft_withdraw(draft=draft, actor=checker, reason="中心未采纳")

    # then
    assert clerk_refused.value.code == "role_required"
    draft.refresh_from_db()
    assert draft.status == PolicyDraftStatus.WITHDRAWN
    assert not drafts.policy_draft_may_edit(draft=draft, actor=drafter)
