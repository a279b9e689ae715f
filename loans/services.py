"""Every write of loan applications and loans. The business rules: docs/loans.md.

Who may take which step is ``gjj.workflow``'s answer; ``LOAN_STEPS`` is the table.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from enum import Enum, StrEnum
from typing import Any, Final

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from gjj.calendar import deadline_after
from gjj.domain import LOANABLE_PROPERTY_TYPES, AuditAction, PropertyType, RepaymentMethod, Role
from gjj.errors import ActorNotAllowed, BusinessError, TransitionError
from gjj.models import Depositor
from gjj.money import interest_for_days, round_fen, to_decimal
from gjj.policy import Key, PolicySnapshot
from gjj.selectors import household_facts_unverified, policy_in_force, today_local
from gjj.services import (
    Actor,
    audit_record,
    lock_in_pk_order,
    pf_loan_record_add,
    pf_loan_record_settle,
)
from gjj.workflow import Flow, Move, Step, actor_is_user_of, case_check, case_move, require_role
from loans import selectors
from loans.engine import Decision, LoanFacts, RefusalCode, decide
from loans.models import (
    OPEN_STATUSES,
    ApplicationKind,
    ApplicationStatus,
    ApplicationStatusChange,
    CollectionAllocation,
    CollectionChannel,
    GuaranteeType,
    InstallmentCollection,
    InstallmentStatus,
    Loan,
    LoanApplication,
    LoanStatus,
    PayeeKind,
    Prepayment,
    PrepaymentMode,
    Repayment,
    RepaymentImport,
    RepaymentSource,
    ScheduleReason,
    ScheduleVersion,
    SzgMode,
)
from loans.schedules import add_months, first_payment, level_payment
from loans.selectors import ScheduleRow

CENTER_NAME = "阳泉市住房公积金管理中心"


class LoanAction(StrEnum):
    """The steps of a loan application (also the admin's and the API's path names)."""

    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    ACCEPT = "accept"
    REVIEW = "review"
    APPROVE = "approve"
    REJECT = "reject"
    SIGN = "sign"
    DISBURSE = "disburse"


_UNDECIDED = frozenset(
    {
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.REVIEWED,
    }
)
_FOUR_EYES = "审批人不能与审核人为同一人（双人复核）"
LOAN_STEPS: Final[dict[LoanAction, Step]] = {
    LoanAction.SUBMIT: Step(
        sources=frozenset({ApplicationStatus.DRAFT}),
        target=ApplicationStatus.SUBMITTED,
        label="提交",
        audit=AuditAction.LOAN_APPLICATION_SUBMITTED,
        applicant=True,
    ),
    LoanAction.WITHDRAW: Step(
        sources=_UNDECIDED,
        target=ApplicationStatus.WITHDRAWN,
        label="撤回",
        audit=AuditAction.LOAN_APPLICATION_WITHDRAWN,
        applicant=True,
    ),
    LoanAction.ACCEPT: Step(
        sources=frozenset({ApplicationStatus.SUBMITTED}),
        target=ApplicationStatus.ACCEPTED,
        label="受理",
        audit=AuditAction.LOAN_APPLICATION_ACCEPTED,
        roles=frozenset({Role.CLERK}),
    ),
    LoanAction.REVIEW: Step(
        sources=frozenset({ApplicationStatus.ACCEPTED}),
        target=ApplicationStatus.REVIEWED,
        label="审核",
        audit=AuditAction.LOAN_APPLICATION_REVIEWED,
        roles=frozenset({Role.REVIEWER}),
    ),
    LoanAction.APPROVE: Step(
        sources=frozenset({ApplicationStatus.REVIEWED}),
        target=ApplicationStatus.APPROVED,
        label="审批同意",
        audit=AuditAction.LOAN_APPLICATION_APPROVED,
        roles=frozenset({Role.APPROVER}),
        not_same_as="reviewed_by",
        four_eyes_message=_FOUR_EYES,
    ),
    LoanAction.REJECT: Step(
        sources=frozenset({ApplicationStatus.REVIEWED}),
        target=ApplicationStatus.REJECTED,
        label="不予贷款",
        audit=AuditAction.LOAN_APPLICATION_REJECTED,
        roles=frozenset({Role.APPROVER}),
        not_same_as="reviewed_by",
        four_eyes_message=_FOUR_EYES,
    ),
    LoanAction.SIGN: Step(
        sources=frozenset({ApplicationStatus.APPROVED}),
        target=ApplicationStatus.SIGNED,
        label="签约",
        audit=AuditAction.LOAN_APPLICATION_SIGNED,
        roles=frozenset({Role.CLERK}),
    ),
    LoanAction.DISBURSE: Step(
        sources=frozenset({ApplicationStatus.SIGNED}),
        target=ApplicationStatus.DISBURSED,
        label="放款",
        audit=AuditAction.LOAN_APPLICATION_DISBURSED,
        roles=frozenset({Role.CLERK}),
    ),
}


def _label(actor: Actor) -> str:
    return actor.get_username() if actor is not None else "system"


def _write_history(move: Move[LoanApplication]) -> None:
    actor = move.actor if isinstance(move.actor, User) and move.actor.pk else None
    ApplicationStatusChange.objects.create(
        application=move.case,
        from_status=move.from_status,
        to_status=move.to_status,
        on=move.on,
        actor=actor,
        actor_label=_label(actor),
        note=move.reason[:500],
    )


LOAN_FLOW: Final[Flow[LoanApplication, LoanAction]] = Flow(
    noun="贷款申请",
    steps=LOAN_STEPS,
    applicant_of=lambda app: app.applicant,
    involved=lambda app: (),
    state_text=lambda app: f"申请状态为“{app.get_status_display()}”",
    write_history=_write_history,
    touched=("updated_at",),
)


# The range of a PositiveSmallIntegerField column: a shape bound, not a policy limit
# (the longest term is the policy row MAX_TERM_MONTHS, which the engine applies).
SMALLINT_MAX: Final = 32767


class Unset(Enum):
    """A draft field the caller left out; ``None`` instead clears a nullable field."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationDraft:
    """What an applicant fills in a draft (the kind is fixed at creation).

    A field left ``UNSET`` is not touched. The service checks the values, so
    callers other than the API get the same refusals. Order: the API's fields.
    """

    property_address: str | Unset = UNSET
    property_type: PropertyType | Unset = UNSET
    new_build: bool | Unset = UNSET
    house_price: Decimal | Unset | None = UNSET
    purchase_contract_date: date | Unset | None = UNSET
    seller_name: str | Unset = UNSET
    seller_account: str | Unset = UNSET
    voucher_amount: Decimal | Unset | None = UNSET
    szg_bank: str | Unset = UNSET
    szg_bank_name: str | Unset = UNSET
    szg_city: str | Unset = UNSET
    szg_issued_on: date | Unset | None = UNSET
    szg_remaining_principal: Decimal | Unset | None = UNSET
    szg_remaining_term_months: int | Unset | None = UNSET
    szg_mode: SzgMode | str | Unset | None = UNSET  # "" or None: not chosen yet
    szg_loan_account: str | Unset = UNSET
    spouse_co_borrows: bool | Unset = UNSET
    requested_amount: Decimal | Unset | None = UNSET  # None: the most the household may borrow
    term_months: int | Unset | None = UNSET
    repayment_method: RepaymentMethod | Unset = UNSET
    monthly_income: Decimal | Unset | None = UNSET

    def given(self) -> dict[str, Any]:
        """The fields the caller set, in declaration order."""
        values = ((f.name, getattr(self, f.name)) for f in dataclasses.fields(self))
        return {name: value for name, value in values if value is not UNSET}


EDITABLE_FIELDS: Final = tuple(f.name for f in dataclasses.fields(ApplicationDraft))
# What one kind only fills in; the rest is shared (the home a 商转公 refinances has an
# address, type and price too).
# ``new_build`` is shared: for 商转公 it describes the financed home (domain.md §8).
_PURCHASE_ONLY = (
    "purchase_contract_date",
    "seller_name",
    "seller_account",
    "voucher_amount",
)
_SZG_ONLY = (
    "szg_bank",
    "szg_bank_name",
    "szg_city",
    "szg_issued_on",
    "szg_remaining_principal",
    "szg_remaining_term_months",
    "szg_mode",
    "szg_loan_account",
)
_REQUIRED: dict[str, tuple[str, ...]] = {
    ApplicationKind.PURCHASE: (
        "property_address",
        "house_price",
        "purchase_contract_date",
        "seller_name",
        "seller_account",
        "term_months",
    ),
    ApplicationKind.SZG: (
        "property_address",
        "szg_bank",
        "szg_bank_name",
        "szg_city",
        "szg_issued_on",
        "szg_remaining_principal",
        "szg_remaining_term_months",
        "szg_mode",
        "szg_loan_account",
        "term_months",
    ),
}
_MONEY_FIELDS = (
    "house_price",
    "voucher_amount",
    "szg_remaining_principal",
    "requested_amount",
    "monthly_income",
)
_TEXT_LIMITS = {
    "property_address": 300,
    "seller_name": 200,
    "seller_account": 40,
    "szg_bank": 20,
    "szg_bank_name": 100,
    "szg_city": 50,
    "szg_loan_account": 40,
}
# The engine's facts -> the application's fields, for refusals the input caused.
_FACT_FIELDS = {
    "house_price": "house_price",
    "voucher_amount": "voucher_amount",
    "loan_amount": "requested_amount",
    "term_months": "term_months",
    "monthly_income": "monthly_income",
    "commercial_loan.remaining_principal": "szg_remaining_principal",
    "commercial_loan.remaining_term_months": "szg_remaining_term_months",
}
# The engine's facts -> the contract's fields (signing).
_CONTRACT_FACT_FIELDS = {
    "loan_amount": "amount",
    "term_months": "term_months",
    "repayment_method": "repayment_method",
}
_SNAPSHOT_FIELDS = ("status", *(f for f in EDITABLE_FIELDS if f != "spouse_co_borrows"))


# --- helpers ---------------------------------------------------------------------------


def _field_error(name: str, code: str, message: str) -> BusinessError:
    return BusinessError(code, message, fields={name: [{"code": code, "message": message}]})


def _business_date(on: date | None) -> date:
    """The business date of an action: today by default; never in the future."""
    today = today_local()
    if on is None:
        return today
    if on > today:
        raise BusinessError("invalid_date", f"业务日期{on.isoformat()}不能晚于今天")
    return on


def _not_before(on: date, earlier: date | None, what: str) -> None:
    if earlier is not None and on < earlier:
        raise BusinessError("invalid_date", f"业务日期{on.isoformat()}不能早于{what}{earlier}")


def _lock(application: LoanApplication) -> LoanApplication:
    return lock_in_pk_order(LoanApplication, [application.pk])[application.pk]


def _take_step(
    app: LoanApplication,
    action: LoanAction,
    *,
    actor: Actor,
    on: date,
    changed: Iterable[str] = (),
    note: str = "",
) -> None:
    """``case_move`` with the fields this step set, saved and audited with the status."""
    fields = list(changed)
    case_move(
        case=app,
        step=LOAN_STEPS[action],
        actor=actor,
        flow=LOAN_FLOW,
        on=on,
        reason=note,
        fields=fields,
        new={f: getattr(app, f) for f in fields},
    )


def _policy(on: date) -> PolicySnapshot:
    return policy_in_force(on=on)


# --- applicant: create, update, submit, withdraw -------------------------------------


def _clean_fields(kind: str, draft: ApplicationDraft) -> dict[str, Any]:
    """Check kinds and simple ranges of applicant input; money as exact Decimal."""
    data = draft.given()
    for name in _SZG_ONLY if kind == ApplicationKind.PURCHASE else _PURCHASE_ONLY:
        value = data.get(name)
        if value not in (None, "", False):
            kind_label = ApplicationKind(kind).label
            raise _field_error(name, "not_applicable", f"{kind_label}不适用该项")
    out: dict[str, Any] = {}
    for name, value in data.items():
        if name in _MONEY_FIELDS and value is not None:
            try:
                value = to_decimal(value)
            except (TypeError, ValueError) as exc:
                raise _field_error(name, "invalid", "金额格式不正确") from exc
            # Zero is left to the engine at submission (a draft may be incomplete).
            if not value.is_finite() or value != round_fen(value) or value < 0:
                raise _field_error(name, "invalid", "金额须为非负数且精确到分")
        # Shape only: the longest term is policy, applied by the engine on submission.
        if (
            name in ("term_months", "szg_remaining_term_months")
            and value is not None
            and not _whole_months(value)
        ):
            raise _field_error(name, "invalid", f"期限须为1至{SMALLINT_MAX}之间的整数（月）")
        if name in _TEXT_LIMITS:
            value = str(value or "").strip()
            if len(value) > _TEXT_LIMITS[name]:
                raise _field_error(name, "too_long", f"不能超过{_TEXT_LIMITS[name]}个字符")
        if name == "property_type" and value not in LOANABLE_PROPERTY_TYPES:
            raise _field_error(name, "invalid", "房屋性质只能为商品住房或保障性住房")
        if name == "repayment_method" and value not in tuple(RepaymentMethod):
            raise _field_error(name, "invalid", "还款方式只能为等额本息或等额本金")
        if name == "szg_mode" and value not in ("", *SzgMode.values):
            raise _field_error(name, "invalid", "商转公方式只能为先还后贷或顺位抵押")
        if name == "szg_mode" and value is None:
            value = ""
        out[name] = value
    return out


def _whole_months(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= SMALLINT_MAX


def _apply_fields(app: LoanApplication, fields: dict[str, Any]) -> list[str]:
    changed: list[str] = []
    for name, value in fields.items():
        if name == "spouse_co_borrows":
            spouse = None
            if value:
                spouse = selectors.current_spouse(depositor=app.applicant)
                if spouse is None:
                    raise _field_error(name, "no_spouse", "未登记配偶，不能由配偶作为共同借款人")
            app.co_borrower = spouse
            changed.append("co_borrower")
        else:
            if name == "new_build":
                value = bool(value)
            setattr(app, name, value)
            changed.append(name)
    return changed


def application_create(
    *, applicant: Depositor, actor: Actor, kind: str, draft: ApplicationDraft
) -> LoanApplication:
    """A draft for the applicant's household; at most one open application per household."""
    if kind not in ApplicationKind.values:
        raise _field_error("kind", "invalid", "贷款类型只能为购房贷款或商转公贷款")
    if not actor_is_user_of(actor, applicant):
        raise ActorNotAllowed("not_applicant", "只能以本人名义申请贷款")
    data = _clean_fields(kind, draft)
    with transaction.atomic():
        ids = selectors.household_ids(depositor=applicant)
        lock_in_pk_order(Depositor, ids)  # serialises the two spouses' creations
        if LoanApplication.objects.filter(applicant_id__in=ids, status__in=OPEN_STATUSES).exists():
            raise TransitionError(
                "open_application_exists",
                "本家庭已有未办结的贷款申请，办结或撤回后方可再次申请",
            )
        app = LoanApplication(applicant=applicant, kind=kind)
        _apply_fields(app, data)
        try:
            with transaction.atomic():
                app.save()
        except IntegrityError as exc:  # the partial unique index: a concurrent twin
            raise TransitionError("open_application_exists", "本家庭已有未办结的贷款申请") from exc
        app.number = f"DK{today_local():%Y%m%d}{app.pk:06d}"
        app.save(update_fields=["number"])
        ApplicationStatusChange.objects.create(
            application=app,
            from_status="",
            to_status=ApplicationStatus.DRAFT,
            on=today_local(),
            actor=actor,
            actor_label=_label(actor),
            note="创建申请",
        )
        audit_record(
            actor=actor,
            action=AuditAction.LOAN_APPLICATION_CREATED,
            obj=app,
            new={"kind": kind, **{f: getattr(app, f) for f in _SNAPSHOT_FIELDS}},
        )
    return app


def application_update(
    *, application: LoanApplication, actor: Actor, draft: ApplicationDraft
) -> LoanApplication:
    """Edit a draft (applicant only)."""
    with transaction.atomic():
        app = _lock(application)
        if not actor_is_user_of(actor, app.applicant):
            raise ActorNotAllowed("not_applicant", "只有申请人本人可以修改")
        if app.status != ApplicationStatus.DRAFT:
            raise TransitionError(
                "invalid_transition", f"申请状态为“{app.get_status_display()}”，不能修改"
            )
        data = _clean_fields(app.kind, draft)
        old = {f: getattr(app, f) for f in _SNAPSHOT_FIELDS}
        old["co_borrower"] = app.co_borrower_id
        changed = _apply_fields(app, data)
        app.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.LOAN_APPLICATION_UPDATED,
            obj=app,
            old={k: v for k, v in old.items() if k in changed},
            new={f: getattr(app, f) for f in changed},
        )
    return app


def _missing_fields(app: LoanApplication) -> dict[str, list[dict[str, str]]]:
    missing = {}
    for name in _REQUIRED[app.kind]:
        if getattr(app, name) in (None, ""):
            missing[name] = [{"code": "required", "message": "提交前须填写该项"}]
    return missing


def _freeze(app: LoanApplication, decision: Decision) -> list[str]:
    app.decision = decision.as_dict()
    app.eligible = decision.eligible
    app.home_tier = decision.home_tier
    app.max_loan_amount = decision.max_loan_amount
    app.loan_amount = round_fen(decision.loan_amount) if decision.loan_amount is not None else None
    app.annual_rate_percent = decision.annual_rate_percent
    app.monthly_payment = decision.monthly_payment
    app.policy_version = decision.policy_version
    return [
        "decision",
        "eligible",
        "home_tier",
        "max_loan_amount",
        "loan_amount",
        "annual_rate_percent",
        "monthly_payment",
        "policy_version",
    ]


def application_submit(
    *, application: LoanApplication, actor: Actor, on: date | None = None
) -> LoanApplication:
    """Run the engine on the household's facts as held today and freeze the result."""
    on = _business_date(on)
    with transaction.atomic():
        app = _lock(application)
        case_check(case=app, step=LOAN_STEPS[LoanAction.SUBMIT], actor=actor, flow=LOAN_FLOW)
        missing = _missing_fields(app)
        if missing:
            raise BusinessError("incomplete_application", "申请信息不完整", fields=missing)
        policy = _policy(on)
        if app.monthly_income is None and policy.value(Key.REPAYMENT_CAPACITY_SHARE) is not None:
            # The quote may go without; an application is held to the capacity limit.
            raise BusinessError(
                "incomplete_application",
                "申请信息不完整",
                fields={
                    "monthly_income": [
                        {"code": "required", "message": "须填写借款人及共同借款配偶月收入合计"}
                    ]
                },
            )
        facts = selectors.household_loan_facts(
            depositor=app.applicant, application=app, on=on, policy=policy
        )
        decision = decide(facts, policy)
        fields = decision.input_errors(_FACT_FIELDS)
        if fields:
            raise BusinessError.for_fields("invalid_application", fields)
        app.submitted_at = timezone.now()
        app.submitted_on = on
        changed = ["submitted_at", "submitted_on", *_freeze(app, decision)]
        note = "测算结果：符合贷款条件" if decision.eligible else "测算结果：不符合贷款条件"
        _take_step(app, LoanAction.SUBMIT, actor=actor, on=on, changed=changed, note=note)
    return app


def application_withdraw(
    *, application: LoanApplication, actor: Actor, reason: str = "", on: date | None = None
) -> LoanApplication:
    """The applicant withdraws before a decision."""
    on = _business_date(on)
    with transaction.atomic():
        app = _lock(application)
        case_check(case=app, step=LOAN_STEPS[LoanAction.WITHDRAW], actor=actor, flow=LOAN_FLOW)
        app.withdrawn_on = on
        app.withdraw_reason = reason.strip()[:300]
        _take_step(
            app,
            LoanAction.WITHDRAW,
            actor=actor,
            on=on,
            changed=["withdrawn_on", "withdraw_reason"],
            note=reason or "申请人撤回",
        )
    return app


# --- center: accept, review, approve, reject ------------------------------------------


def application_accept(
    *, application: LoanApplication, actor: Actor, on: date | None = None, note: str = ""
) -> LoanApplication:
    """受理: starts the statutory decision deadline (条例 art. 26)."""
    on = _business_date(on)
    with transaction.atomic():
        app = _lock(application)
        case_check(case=app, step=LOAN_STEPS[LoanAction.ACCEPT], actor=actor, flow=LOAN_FLOW)
        _not_before(on, app.submitted_on, "提交日期")
        days = _policy(on).value(Key.LOAN_DECISION_DAYS)
        if days is None:
            raise BusinessError(
                "policy_not_in_force", f"{on.isoformat()}无施行中的贷款审批时限规定"
            )
        app.accepted_on = on
        app.accepted_by = actor
        # 行政许可法 art. 82: working days; a year without a schedule is flagged in the note.
        deadline = deadline_after(start=on, working_days=int(days))
        app.deadline_on = deadline.due_on
        _take_step(
            app,
            LoanAction.ACCEPT,
            actor=actor,
            on=on,
            changed=["accepted_on", "accepted_by", "deadline_on"],
            note=note or f"受理，法定办结期限{app.deadline_on.isoformat()}（{deadline.note}）",
        )
    return app


def application_review(
    *, application: LoanApplication, actor: Actor, opinion: str = "", on: date | None = None
) -> LoanApplication:
    """审核 by a reviewer."""
    on = _business_date(on)
    with transaction.atomic():
        app = _lock(application)
        case_check(case=app, step=LOAN_STEPS[LoanAction.REVIEW], actor=actor, flow=LOAN_FLOW)
        _not_before(on, app.accepted_on, "受理日期")
        app.reviewed_on = on
        app.reviewed_by = actor
        app.review_opinion = (opinion.strip() or "审核通过")[:500]
        _take_step(
            app,
            LoanAction.REVIEW,
            actor=actor,
            on=on,
            changed=["reviewed_on", "reviewed_by", "review_opinion"],
            note=app.review_opinion,
        )
    return app


def _fmt(d: Decimal | None) -> str:
    return "无" if d is None else f"{d:,.2f}元"


def _rate(d: Decimal | None) -> str:
    return "无" if d is None else f"{d.normalize():f}%"


def worse_for_applicant(
    *,
    home_tier: int | None,
    max_loan_amount: Decimal | None,
    annual_rate_percent: Decimal | None,
    new: Decision,
) -> list[str]:
    """What got worse between the frozen numbers and ``new`` (empty: nothing)."""
    changes: list[str] = []
    if not new.eligible:
        changes.append("不再符合贷款条件：" + "；".join(r.message for r in new.refusals))
    if home_tier is not None and (new.home_tier is None or new.home_tier > home_tier):
        now = f"第{new.home_tier}套" if new.home_tier else "超过可贷套数"
        changes.append(f"认定住房套数由第{home_tier}套变为{now}")
    if max_loan_amount is not None and (
        new.max_loan_amount is None or new.max_loan_amount < max_loan_amount
    ):
        changes.append(f"可贷最高额由{_fmt(max_loan_amount)}降为{_fmt(new.max_loan_amount)}")
    if annual_rate_percent is not None and (
        new.annual_rate_percent is not None and new.annual_rate_percent > annual_rate_percent
    ):
        changes.append(f"年利率由{_rate(annual_rate_percent)}升为{_rate(new.annual_rate_percent)}")
    return changes


def redecide(*, facts: LoanFacts, policy: PolicySnapshot) -> tuple[Decision, Decimal, list[str]]:
    """Decide again on ``policy``: (decision, amount to lend, why it was lowered).

    A limit now lower than the amount asked gives the lower amount (domain.md §8);
    any other refusal is ``ineligible`` (400).
    """
    new = decide(facts, policy)
    asked = facts.loan_amount
    lowered: list[str] = []
    if (
        not new.eligible
        and set(new.refusal_codes) == {RefusalCode.AMOUNT_EXCEEDS_LIMIT}
        and new.max_loan_amount is not None
        and new.max_loan_amount > 0
    ):
        new = decide(dataclasses.replace(facts, loan_amount=new.max_loan_amount), policy)
        binding = next((r.message for r in new.reasons if r.rule == "amount.max"), "")
        lowered.append(f"金额由{_fmt(asked)}调减为{_fmt(new.loan_amount)}：{binding}")
    if not new.eligible or new.loan_amount is None:
        raise BusinessError(
            "ineligible",
            f"按{policy.on.isoformat()}施行的政策不符合贷款条件："
            + "；".join(r.message for r in new.refusals),
        )
    return new, round_fen(new.loan_amount), lowered


def application_approve(
    *, application: LoanApplication, actor: Actor, opinion: str = "", on: date | None = None
) -> LoanApplication:
    """审批同意: re-run the engine on today's facts; refuse if they turned against the applicant."""
    on = _business_date(on)
    with transaction.atomic():
        app = _lock(application)
        case_check(case=app, step=LOAN_STEPS[LoanAction.APPROVE], actor=actor, flow=LOAN_FLOW)
        _not_before(on, app.reviewed_on, "审核日期")
        if not app.eligible:
            raise BusinessError(
                "ineligible", "提交时测算结果为不符合贷款条件，只能作出不予贷款的决定"
            )
        # A declared home or loan no clerk has checked could change the tier (§3).
        pending = household_facts_unverified(depositor=app.applicant, on=on)
        if pending:
            raise BusinessError(
                "household_facts_unverified",
                f"家庭住房或公积金贷款信息有{pending}项待核实，核实后方可审批",
            )
        facts = selectors.household_loan_facts(
            depositor=app.applicant, application=app, on=on, loan_amount=app.loan_amount
        )
        new, amount, lowered = redecide(facts=facts, policy=_policy(on))
        # What changed since submission is told, not a bar (a later rate applies:
        # domain.md §2); only an ineligible case is refused.
        changes = worse_for_applicant(
            home_tier=app.home_tier,
            max_loan_amount=app.max_loan_amount,
            annual_rate_percent=app.annual_rate_percent,
            new=new,
        )
        app.decided_on = on
        app.decided_by = actor
        told = "；".join([*changes, *lowered])
        app.decision_opinion = "；".join(filter(None, [opinion.strip() or "同意贷款", told]))[:500]
        app.approval_decision = new.as_dict()
        app.approved_amount = amount
        app.approved_home_tier = new.home_tier
        app.approved_rate_percent = new.annual_rate_percent
        _take_step(
            app,
            LoanAction.APPROVE,
            actor=actor,
            on=on,
            changed=[
                "decided_on",
                "decided_by",
                "decision_opinion",
                "approval_decision",
                "approved_amount",
                "approved_home_tier",
                "approved_rate_percent",
            ],
            note=app.decision_opinion,
        )
    return app


def application_reject(
    *, application: LoanApplication, actor: Actor, reason: str, on: date | None = None
) -> LoanApplication:
    """不予贷款, with the reason the applicant is told."""
    on = _business_date(on)
    if not reason or not reason.strip():
        raise _field_error("reason", "reason_required", "不予贷款必须填写理由")
    with transaction.atomic():
        app = _lock(application)
        case_check(case=app, step=LOAN_STEPS[LoanAction.REJECT], actor=actor, flow=LOAN_FLOW)
        _not_before(on, app.reviewed_on, "审核日期")
        app.decided_on = on
        app.decided_by = actor
        app.decision_opinion = reason.strip()[:500]
        _take_step(
            app,
            LoanAction.REJECT,
            actor=actor,
            on=on,
            changed=["decided_on", "decided_by", "decision_opinion"],
            note=app.decision_opinion,
        )
    return app


# --- center: sign and disburse ----------------------------------------------------------


def _require_approved_terms(
    app: LoanApplication, *, amount: Decimal, term_months: int, repayment_method: str
) -> None:
    """The contract carries what the approver decided (the term and method it was decided on).

    A lower amount stays allowed: the borrower may borrow less than approved. A
    longer or shorter term, another method or a higher amount would be a new
    decision, which only an approver can take (issue: signing keeps what was approved).
    """
    differs: dict[str, list[dict[str, str]]] = {}
    if term_months != app.term_months:
        differs["term_months"] = [
            {
                "code": "contract_differs_from_approval",
                "message": f"合同期限须为批准的{app.term_months}个月，收到{term_months}个月",
            }
        ]
    if repayment_method != app.repayment_method:
        approved = RepaymentMethod(app.repayment_method).label
        differs["repayment_method"] = [
            {"code": "contract_differs_from_approval", "message": f"还款方式须为批准的{approved}"}
        ]
    if differs:
        raise BusinessError(
            "contract_differs_from_approval",
            "合同期限和还款方式须与审批结果一致；变更须重新审批",
            fields=differs,
        )
    if app.approved_amount is not None and amount > app.approved_amount:
        raise _field_error(
            "amount",
            "amount_exceeds_approved",
            f"合同金额{_fmt(amount)}超过批准金额{_fmt(app.approved_amount)}",
        )


def application_sign(
    *,
    application: LoanApplication,
    actor: Actor,
    amount: Decimal,
    term_months: int,
    repayment_method: str,
    guarantee_type: str,
    repayment_day: int,
    guarantee_note: str = "",
    on: date | None = None,
) -> LoanApplication:
    """签约: the contract's terms, checked by the engine on the signing date."""
    on = _business_date(on)
    try:
        amount = to_decimal(amount)
    except (TypeError, ValueError) as exc:
        raise _field_error("amount", "invalid", "合同金额格式不正确") from exc
    if amount <= 0 or amount != round_fen(amount):
        raise _field_error("amount", "invalid", "合同金额须大于0且精确到分")
    if not _whole_months(term_months):  # the longest term is policy: the engine checks it
        raise _field_error(
            "term_months", "invalid", f"合同期限须为1至{SMALLINT_MAX}之间的整数（月）"
        )
    if repayment_method not in tuple(RepaymentMethod):
        raise _field_error("repayment_method", "invalid", "还款方式只能为等额本息或等额本金")
    if guarantee_type not in GuaranteeType.values:
        raise _field_error("guarantee_type", "invalid", "担保方式只能为抵押、质押或保证")
    if not isinstance(repayment_day, int) or not 1 <= repayment_day <= 28:
        raise _field_error("repayment_day", "invalid", "每月还款日须为1至28日")
    with transaction.atomic():
        app = _lock(application)
        case_check(case=app, step=LOAN_STEPS[LoanAction.SIGN], actor=actor, flow=LOAN_FLOW)
        _not_before(on, app.decided_on, "审批日期")
        _require_approved_terms(
            app, amount=amount, term_months=term_months, repayment_method=repayment_method
        )
        facts = selectors.household_loan_facts(
            depositor=app.applicant,
            application=app,
            on=on,
            loan_amount=amount,
            term_months=term_months,
            repayment_method=repayment_method,
        )
        check = decide(facts, _policy(on))
        problems = worse_for_applicant(
            home_tier=app.approved_home_tier,
            max_loan_amount=None,
            annual_rate_percent=None,
            new=check,
        )
        if problems:
            # A term past the policy's longest, say, points at the contract's field.
            raise BusinessError(
                "contract_not_allowed",
                "合同条款不符合贷款条件：" + "；".join(problems),
                fields=check.input_errors(_CONTRACT_FACT_FIELDS),
            )
        app.contract_number = f"GJJDK{on:%Y}{app.pk:08d}"
        app.signed_on = on
        app.signed_by = actor
        app.contract_amount = amount
        app.contract_term_months = term_months
        app.contract_method = repayment_method
        app.contract_rate_percent = check.annual_rate_percent
        app.guarantee_type = guarantee_type
        app.guarantee_note = guarantee_note.strip()[:300]
        app.repayment_day = repayment_day
        _take_step(
            app,
            LoanAction.SIGN,
            actor=actor,
            on=on,
            changed=[
                "contract_number",
                "signed_on",
                "signed_by",
                "contract_amount",
                "contract_term_months",
                "contract_method",
                "contract_rate_percent",
                "guarantee_type",
                "guarantee_note",
                "repayment_day",
            ],
            note=f"借款合同{app.contract_number}",
        )
    return app


def _payee(app: LoanApplication) -> tuple[str, str, str]:
    if app.kind == ApplicationKind.SZG:
        return PayeeKind.COMMERCIAL_BANK, app.szg_bank_name, app.szg_loan_account
    kind = PayeeKind.DEVELOPER if app.new_build else PayeeKind.SELLER
    return kind, app.seller_name, app.seller_account


def application_disburse(
    *, application: LoanApplication, actor: Actor, on: date | None = None
) -> Loan:
    """放款: the loan at the rate in force today, schedule v1, and the loan-history record."""
    on = _business_date(on)
    with transaction.atomic():
        app = _lock(application)
        case_check(case=app, step=LOAN_STEPS[LoanAction.DISBURSE], actor=actor, flow=LOAN_FLOW)
        _not_before(on, app.signed_on, "签约日期")
        policy = _policy(on)
        tier = app.approved_home_tier
        term = app.contract_term_months
        amount = app.contract_amount
        repayment_day = app.repayment_day
        contract_number = app.contract_number
        if (
            tier is None
            or term is None
            or amount is None
            or repayment_day is None
            or contract_number is None
        ):
            # Signing sets them all: only a row edited outside the services lacks one.
            raise TransitionError("contract_incomplete", "借款合同信息不完整，不能放款")
        # Decided again on the day's policy: a later rate applies (domain.md §2), a
        # limit now lower lowers the amount, only an ineligible case is refused.
        facts = selectors.household_loan_facts(
            depositor=app.applicant,
            application=app,
            on=on,
            policy=policy,
            loan_amount=amount,
            term_months=term,
            repayment_method=app.contract_method,
        )
        _, amount, lowered = redecide(facts=facts, policy=policy)
        rate = policy.rate(home_tier=tier, term_months=term)
        if rate is None:
            raise BusinessError(
                "policy_not_in_force", f"{on.isoformat()}无施行中的第{tier}套住房贷款利率"
            )
        method = RepaymentMethod(app.contract_method)
        first_due = add_months(date(on.year, on.month, repayment_day), 1)
        installment = first_payment(
            principal=amount,
            annual_rate_percent=rate.annual_rate_percent,
            months=term,
            method=method,
        )
        record = pf_loan_record_add(
            borrower=app.applicant,
            source="own",
            lender=CENTER_NAME,
            amount=amount,
            issued_on=on,
            contract_number=contract_number,
            actor=actor,
        )
        payee_kind, payee_name, payee_account = _payee(app)
        loan = Loan.objects.create(
            contract_number=contract_number,
            application=app,
            borrower=app.applicant,
            co_borrower=app.co_borrower,
            pf_loan_record=record,
            kind=app.kind,
            principal=amount,
            contract_term_months=term,
            home_tier=tier,
            term_band=policy.term_band(term).value,
            repayment_method=method.value,
            repayment_day=repayment_day,
            guarantee_type=app.guarantee_type,
            payee_kind=payee_kind,
            payee_name=payee_name,
            payee_account=payee_account,
            disbursed_on=on,
            first_due_date=first_due,
            status=LoanStatus.ACTIVE,
            annual_rate_percent=rate.annual_rate_percent,
            installment_amount=installment,
            outstanding_principal=amount,
            next_installment_number=1,
            next_due_date=first_due,
            final_installment_number=term,
            current_schedule_version=1,
            priced_rate_row=rate.citation.row,
            priced_on=on,
        )
        ScheduleVersion.objects.create(
            loan=loan,
            version=1,
            starts_at_installment=1,
            principal=amount,
            annual_rate_percent=rate.annual_rate_percent,
            months=term,
            method=method.value,
            first_due_date=first_due,
            installment_amount=installment,
            reason=ScheduleReason.DISBURSEMENT,
            rate_row=rate.citation.row,
        )
        audit_record(
            actor=actor,
            action=AuditAction.LOAN_DISBURSED,
            obj=loan,
            new={
                "principal": amount,
                "annual_rate_percent": rate.annual_rate_percent,
                "rate_row": rate.citation.row,
                "term_months": term,
                "payee": f"{PayeeKind(payee_kind).label} {payee_name} {payee_account}",
            },
        )
        app.disbursed_on = on
        app.disbursed_by = actor
        _take_step(
            app,
            LoanAction.DISBURSE,
            actor=actor,
            on=on,
            changed=["disbursed_on", "disbursed_by"],
            note="；".join(
                [
                    f"放款{_fmt(amount)}，年利率{_rate(rate.annual_rate_percent)}，"
                    f"收款方{PayeeKind(payee_kind).label}{payee_name}",
                    *lowered,
                ]
            )[:500],
        )
    return loan


# --- repayments ---------------------------------------------------------------------------


def _lock_loan(loan: Loan) -> Loan:
    return lock_in_pk_order(Loan, [loan.pk])[loan.pk]


def _settle(loan: Loan, *, on: date, actor: Actor) -> Loan:
    """Mark a locked, fully repaid loan settled and close its history record."""
    loan.status = LoanStatus.SETTLED
    loan.settled_on = on
    loan.next_due_date = None
    loan.save(update_fields=["status", "settled_on", "next_due_date", "updated_at"])
    pf_loan_record_settle(record=loan.pf_loan_record, settled_on=on, actor=actor)
    audit_record(
        actor=actor,
        action=AuditAction.LOAN_SETTLED,
        obj=loan,
        old={"status": LoanStatus.ACTIVE},
        new={"status": LoanStatus.SETTLED, "settled_on": on},
    )
    return loan


# --- the allocation rule and an installment's collection state ------------------------------

ALLOCATION_PARTS: Final = frozenset({"penalty", "interest", "principal"})


@dataclass(frozen=True)
class Split:
    """Money owed or paid, by part."""

    penalty: Decimal = Decimal("0.00")
    interest: Decimal = Decimal("0.00")
    principal: Decimal = Decimal("0.00")

    @property
    def total(self) -> Decimal:
        return self.penalty + self.interest + self.principal


def allocation_order(*, on: date) -> tuple[str, ...]:
    """The order payments fill the parts in, from ``Key.REPAYMENT_ALLOCATION_ORDER``."""
    value = policy_in_force(on=on).value(Key.REPAYMENT_ALLOCATION_ORDER)
    if value is None:
        raise BusinessError("policy_not_in_force", "还款冲抵顺序未设置")
    order = tuple(str(part) for part in value)
    if sorted(order) != sorted(ALLOCATION_PARTS):
        raise BusinessError("invalid_policy", f"还款冲抵顺序须为罚息、利息、本金的排列：{order}")
    return order


def allocate(*, amount: Decimal, owed: Split, order: tuple[str, ...]) -> Split:
    """The one allocation rule (domain.md §9): each part in ``order`` is filled before the next.

    Never more than ``owed`` in total: the caller takes no more money than is owed.
    """
    if amount < 0 or amount > owed.total:
        raise BusinessError(
            "amount_exceeds_due", f"还款金额{_fmt(amount)}超过应还{_fmt(owed.total)}"
        )
    left = amount
    parts: dict[str, Decimal] = {}
    for part in order:
        take = min(left, getattr(owed, part))
        parts[part] = take
        left -= take
    return Split(**parts)


def penalty_rate_of(*, annual_rate_percent: Decimal, policy: PolicySnapshot) -> Decimal:
    """Contract rate of the installment's schedule version × ``Key.PENALTY_RATE_MULTIPLIER``."""
    multiplier = policy.value(Key.PENALTY_RATE_MULTIPLIER)
    if multiplier is None:
        raise BusinessError("policy_not_in_force", "逾期罚息利率上浮比例未设置")
    return annual_rate_percent * Decimal(multiplier)


def installment_penalty_rate(*, loan: Loan, row: ScheduleRow, policy: PolicySnapshot) -> Decimal:
    rate = (
        ScheduleVersion.objects.filter(loan=loan, version=row.version)
        .values_list("annual_rate_percent", flat=True)
        .get()
    )
    return penalty_rate_of(annual_rate_percent=rate, policy=policy)


def installment_new(
    *,
    loan: Loan,
    row: ScheduleRow,
    annual_rate_percent: Decimal,
    policy: PolicySnapshot | None = None,
) -> InstallmentCollection:
    """The (unsaved) collection state of an installment that has fallen due.

    Grace days and the penalty multiplier are the rows in force on the due date
    (``policy``, when the caller has it already); ``annual_rate_percent`` is the
    rate of the schedule version ``row`` comes from.
    """
    if policy is None:
        policy = policy_in_force(on=row.due_date)
    grace = policy.value(Key.SERVICING_GRACE_DAYS)
    if grace is None:
        raise BusinessError("policy_not_in_force", "逾期宽限期未设置")
    return InstallmentCollection(
        loan=loan,
        installment_number=row.number,
        due_date=row.due_date,
        principal_due=row.principal,
        interest_due=row.interest,
        penalty_rate_percent=penalty_rate_of(
            annual_rate_percent=annual_rate_percent, policy=policy
        ),
        penalty_through=row.due_date + timedelta(days=int(grace)),
    )


def installment_open(*, loan: Loan, row: ScheduleRow) -> InstallmentCollection:
    """The collection state of an installment that has fallen due (created once)."""
    found = InstallmentCollection.objects.filter(loan=loan, installment_number=row.number).first()
    if found is not None:
        return found
    rate = (
        ScheduleVersion.objects.filter(loan=loan, version=row.version)
        .values_list("annual_rate_percent", flat=True)
        .get()
    )
    installment = installment_new(loan=loan, row=row, annual_rate_percent=rate)
    installment.save()
    return installment


def installment_owed(installment: InstallmentCollection) -> Split:
    return Split(
        penalty=installment.penalty_accrued - installment.penalty_paid,
        interest=installment.interest_due - installment.interest_paid,
        principal=installment.principal_due - installment.principal_paid,
    )


_REPAYMENT_SOURCE: Final = {
    CollectionChannel.PROVIDENT: RepaymentSource.PROVIDENT,
    CollectionChannel.BANK_DEBIT: RepaymentSource.BANK_DEBIT,
    CollectionChannel.COUNTER: RepaymentSource.COUNTER,
    CollectionChannel.BANK_IMPORT: RepaymentSource.BANK_IMPORT,
}


# bulk_update writes one CASE per column, which the database scans per row: statements of
# a few hundred rows keep it linear (one statement of 5,000 rows took seconds).
_BULK_UPDATE_ROWS: Final = 250


@dataclass(frozen=True)
class InstallmentPayment:
    """One amount onto one open installment of a locked loan (``installments_pay``)."""

    loan: Loan
    installment: InstallmentCollection
    amount: Decimal
    channel: CollectionChannel
    reference: str = ""
    account_entry_id: int | None = None
    deduction_line_id: int | None = None


def _scheduled_due_date(loan: Loan, number: int) -> date | None:
    row = selectors.loan_installment(loan=loan, number=number)
    return row.due_date if row is not None else None


def installment_pay(
    loan: Loan,
    installment: InstallmentCollection,
    *,
    amount: Decimal,
    paid_on: date,
    channel: CollectionChannel,
    actor: Actor,
    order: tuple[str, ...],
    reference: str = "",
    account_entry_id: int | None = None,
    deduction_line_id: int | None = None,
    batch_run_id: int | None = None,
    import_batch: RepaymentImport | None = None,
) -> CollectionAllocation:
    """Put ``amount`` on one open installment of a locked loan: ``installments_pay`` of one."""
    payment = InstallmentPayment(
        loan=loan,
        installment=installment,
        amount=amount,
        channel=channel,
        reference=reference,
        account_entry_id=account_entry_id,
        deduction_line_id=deduction_line_id,
    )
    [allocation] = installments_pay(
        payments=[payment],
        paid_on=paid_on,
        actor=actor,
        order=order,
        batch_run_id=batch_run_id,
        import_batch=import_batch,
    )
    return allocation


def installments_pay(
    *,
    payments: Sequence[InstallmentPayment],
    paid_on: date,
    actor: Actor,
    order: tuple[str, ...],
    batch_run_id: int | None = None,
    import_batch: RepaymentImport | None = None,
    due_date_of: Callable[[Loan, int], date | None] = _scheduled_due_date,
) -> list[CollectionAllocation]:
    """The one payment path: each amount split by ``allocate``, in the order given.

    Installments are paid oldest first: one paid in full (penalty included) gets its
    ``Repayment`` and its loan moves to the next. Several payments may fall on one
    installment (the same object): each sees what the ones before it left owing.
    Written set-based: the allocations, installments, repayments and loans in one
    statement each. ``due_date_of(loan, number)`` gives a scheduled due date (the
    nightly batch passes one reading the versions it has already fetched).
    """
    now = timezone.now()
    user = actor if actor is not None and actor.pk else None
    allocations: list[CollectionAllocation] = []
    touched: dict[int, InstallmentCollection] = {}
    completed: list[tuple[InstallmentPayment, InstallmentCollection]] = []
    for p in payments:
        inst = p.installment
        if inst.status != InstallmentStatus.OPEN:
            raise TransitionError(
                "already_paid",
                f"贷款{p.loan.contract_number}第{inst.installment_number}期已还款",
            )
        split = allocate(amount=p.amount, owed=installment_owed(inst), order=order)
        allocations.append(
            CollectionAllocation(
                installment=inst,
                loan=p.loan,
                channel=p.channel,
                paid_on=paid_on,
                amount=p.amount,
                penalty=split.penalty,
                interest=split.interest,
                principal=split.principal,
                account_entry_id=p.account_entry_id,
                deduction_line_id=p.deduction_line_id,
                reference=p.reference,
                batch_run_id=batch_run_id,
                created_by=user,
            )
        )
        inst.penalty_paid += split.penalty
        inst.interest_paid += split.interest
        inst.principal_paid += split.principal
        inst.updated_at = now
        if installment_owed(inst).total == 0:
            inst.status = InstallmentStatus.PAID
            inst.paid_on = paid_on
            completed.append((p, inst))
        touched[id(inst)] = inst
    CollectionAllocation.objects.bulk_create(allocations)
    InstallmentCollection.objects.bulk_update(
        list(touched.values()),
        ["penalty_paid", "interest_paid", "principal_paid", "status", "paid_on", "updated_at"],
        batch_size=_BULK_UPDATE_ROWS,
    )
    if completed:
        _repayments_write(
            completed,
            paid_on=paid_on,
            actor=actor,
            import_batch=import_batch,
            due_date_of=due_date_of,
            now=now,
        )
    return allocations


def _repayments_write(
    completed: list[tuple[InstallmentPayment, InstallmentCollection]],
    *,
    paid_on: date,
    actor: Actor,
    import_batch: RepaymentImport | None,
    due_date_of: Callable[[Loan, int], date | None],
    now: datetime,
) -> None:
    """Installments paid in full: their ``Repayment`` rows, and each loan moves on."""
    user = actor if actor is not None and actor.pk else None
    repayments: list[Repayment] = []
    audits: list[tuple[Loan, Decimal, Repayment, InstallmentCollection, str, str]] = []
    loans: dict[int, Loan] = {}
    for p, inst in completed:
        loan = p.loan
        number = inst.installment_number
        if number != loan.next_installment_number:
            raise ValueError(f"贷款{loan.contract_number}第{number}期之前尚有未还期次")
        source: str = _REPAYMENT_SOURCE[p.channel]
        bank_reference = p.reference if p.channel != CollectionChannel.PROVIDENT else ""
        repayment = Repayment(
            loan=loan,
            installment_number=number,
            due_date=inst.due_date,
            amount=inst.principal_due + inst.interest_due,
            principal=inst.principal_due,
            interest=inst.interest_due,
            paid_on=paid_on,
            source=source,
            bank_reference=bank_reference,
            import_batch=import_batch,
            created_by=user,
        )
        repayments.append(repayment)
        old_outstanding = loan.outstanding_principal
        loan.outstanding_principal -= inst.principal_due
        loan.next_installment_number += 1
        loan.next_due_date = due_date_of(loan, loan.next_installment_number)
        loan.updated_at = now
        loans[loan.pk] = loan
        audits.append((loan, old_outstanding, repayment, inst, source, bank_reference))
    try:
        with transaction.atomic():
            Repayment.objects.bulk_create(repayments)
    except IntegrityError as exc:
        refs = ", ".join(r.bank_reference for r in repayments if r.bank_reference)
        raise BusinessError("duplicate_reference", f"银行流水号{refs}已入账") from exc
    Loan.objects.bulk_update(
        list(loans.values()),
        ["outstanding_principal", "next_installment_number", "next_due_date", "updated_at"],
        batch_size=_BULK_UPDATE_ROWS,
    )
    for loan, old_outstanding, repayment, inst, source, bank_reference in audits:
        audit_record(
            actor=actor,
            actor_label=None if actor is not None else f"batch:{source}",
            action=AuditAction.LOAN_REPAID,
            obj=loan,
            old={
                "outstanding_principal": old_outstanding,
                "next_installment_number": repayment.installment_number,
            },
            new={
                "installment": repayment.installment_number,
                "amount": repayment.amount,
                "principal": repayment.principal,
                "interest": repayment.interest,
                "penalty": inst.penalty_paid,
                "outstanding_principal": old_outstanding - repayment.principal,
                "next_installment_number": repayment.installment_number + 1,
            },
            reason=f"{RepaymentSource(source).label} {bank_reference}".strip(),
        )
    for loan in loans.values():
        if loan.outstanding_principal == 0:
            _settle(loan, on=paid_on, actor=actor)


def _post_repayment(
    loan: Loan,
    *,
    installment_number: int,
    amount: Decimal,
    paid_on: date,
    actor: Actor,
    source: str,
    bank_reference: str,
    import_batch: RepaymentImport | None = None,
) -> Repayment:
    """Post one installment on a locked loan (shared by the counter and the bank file).

    The amount due is the installment's interest and principal still owed plus the
    penalty the nights have accrued on it (``loans.servicing``); it goes through
    ``installment_pay`` as every other payment does.
    """
    if loan.status != LoanStatus.ACTIVE:
        raise TransitionError("loan_not_active", f"贷款{loan.contract_number}已结清")
    if 1 <= installment_number < loan.next_installment_number:
        raise BusinessError(
            "already_paid",
            f"贷款{loan.contract_number}第{installment_number}期已还款，不能重复还款",
        )
    if installment_number != loan.next_installment_number:
        raise BusinessError(
            "installment_out_of_order",
            f"须按期次顺序还款：贷款{loan.contract_number}下一期为第{loan.next_installment_number}期",
        )
    if paid_on < loan.disbursed_on or paid_on > today_local():
        raise BusinessError("invalid_date", "还款日期须在放款日之后且不晚于今天")
    row = selectors.loan_installment(loan=loan, number=installment_number)
    if row is None:
        raise BusinessError("no_such_installment", f"第{installment_number}期不存在")
    if paid_on < row.due_date:
        # Money before the due date is a prepayment (domain.md §6): an installment
        # taken early would still carry the whole period's interest.
        raise BusinessError(
            "installment_not_due",
            f"第{installment_number}期应还款日为{row.due_date.isoformat()}，"
            "到期前还款请办理提前还款",
        )
    if (
        bank_reference
        and Repayment.objects.filter(source=source, bank_reference=bank_reference).exists()
    ):
        raise BusinessError("duplicate_reference", f"银行流水号{bank_reference}已入账")
    installment = installment_open(loan=loan, row=row)
    due = installment_owed(installment).total
    if amount != due:
        raise BusinessError(
            "amount_mismatch",
            f"第{installment_number}期应还{_fmt(due)}，收到{_fmt(amount)}",
        )
    channel = (
        CollectionChannel.COUNTER
        if source == RepaymentSource.COUNTER
        else CollectionChannel.BANK_IMPORT
    )
    installment_pay(
        loan,
        installment,
        amount=amount,
        paid_on=paid_on,
        channel=channel,
        actor=actor,
        order=allocation_order(on=paid_on),
        reference=bank_reference,
        import_batch=import_batch,
    )
    return Repayment.objects.get(loan=loan, installment_number=installment_number)


def repayment_record(
    *,
    loan: Loan,
    installment_number: int,
    amount: Decimal,
    paid_on: date,
    actor: Actor,
    bank_reference: str = "",
) -> Repayment:
    """A repayment taken at the counter: one installment, in full, in order."""
    require_role(actor, Role.CLERK, doing="登记还款")
    amount = to_decimal(amount)
    with transaction.atomic():
        locked = _lock_loan(loan)
        return _post_repayment(
            locked,
            installment_number=installment_number,
            amount=amount,
            paid_on=paid_on,
            actor=actor,
            source=RepaymentSource.COUNTER,
            bank_reference=bank_reference.strip()[:64],
        )


@dataclass(frozen=True)
class RowError:
    line: int
    code: str
    message: str


class ImportRejected(BusinessError):
    """A bank file with at least one bad row: nothing was posted."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(
            "import_rejected",
            f"还款文件有{len(errors)}行错误，整批未入账",
            fields={f"line {e.line}": [{"code": e.code, "message": e.message}] for e in errors},
        )
        self.errors = errors


@dataclass
class ImportResult:
    batch: RepaymentImport | None
    posted: list[Repayment] = field(default_factory=list)
    skipped_lines: list[int] = field(default_factory=list)


# Bank files may use English or Chinese headers.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "contract_number": ("contract_number", "合同编号", "借款合同编号"),
    "installment_number": ("installment_number", "期次"),
    "amount": ("amount", "金额", "还款金额"),
    "paid_on": ("paid_on", "还款日期"),
    "bank_reference": ("bank_reference", "银行流水号", "流水号"),
}


# Bank files parse strictly (domain.md §6): ASCII digits only, so no full-width
# digits, "0_4", "+4", "1e3" or "20251020" that int(), Decimal() or
# date.fromisoformat() would take.
_WHOLE_NUMBER = re.compile(r"[0-9]+", re.ASCII)
_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?", re.ASCII)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


@dataclass(frozen=True)
class _Row:
    line: int
    contract_number: str
    installment_number: int
    amount: Decimal
    paid_on: date
    bank_reference: str


def _parse_rows(text: str) -> tuple[list[_Row], list[RowError]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise BusinessError("empty_import", "还款文件为空") from None
    index: dict[str, int] = {}
    for name, aliases in _COLUMNS.items():
        found = [i for i, h in enumerate(header) if h in aliases]
        if not found:
            raise BusinessError("invalid_header", f"还款文件缺少列：{aliases[0]}（{aliases[1]}）")
        index[name] = found[0]
    rows: list[_Row] = []
    errors: list[RowError] = []
    for line, raw in enumerate(reader, start=2):
        if not any(c.strip() for c in raw):
            continue
        if len(raw) < len(header):
            errors.append(RowError(line, "invalid_row", "列数不足"))
            continue
        cell = {k: raw[i].strip() for k, i in index.items()}
        if not _WHOLE_NUMBER.fullmatch(cell["installment_number"]):
            errors.append(RowError(line, "invalid_installment", "期次须为整数（半角数字）"))
            continue
        number = int(cell["installment_number"])
        if not _AMOUNT.fullmatch(cell["amount"]):
            errors.append(
                RowError(line, "invalid_amount", "金额须为半角数字，最多两位小数，如 1094.24")
            )
            continue
        amount = Decimal(cell["amount"])
        if amount <= 0:
            errors.append(RowError(line, "invalid_amount", "金额须大于0且精确到分"))
            continue
        try:
            if not _ISO_DATE.fullmatch(cell["paid_on"]):
                raise ValueError(cell["paid_on"])
            paid_on = date.fromisoformat(cell["paid_on"])
        except ValueError:
            errors.append(RowError(line, "invalid_date", "还款日期须为YYYY-MM-DD"))
            continue
        if not cell["bank_reference"] or len(cell["bank_reference"]) > 64:
            errors.append(RowError(line, "invalid_reference", "银行流水号须填写且不超过64个字符"))
            continue
        rows.append(
            _Row(line, cell["contract_number"], number, amount, paid_on, cell["bank_reference"])
        )
    return rows, errors


def repayments_import(*, csv_text: str, actor: Actor, file_name: str = "bank.csv") -> ImportResult:
    """Post a bank's repayment file: all rows or none (see the module docstring)."""
    require_role(actor, Role.CLERK, doing="登记还款")
    rows, errors = _parse_rows(csv_text)
    if not rows and not errors:
        raise BusinessError("empty_import", "还款文件没有数据行")
    seen: dict[str, int] = {}
    for r in rows:
        if r.bank_reference in seen:
            errors.append(
                RowError(r.line, "duplicate_reference", f"与第{seen[r.bank_reference]}行流水号重复")
            )
        seen.setdefault(r.bank_reference, r.line)
    loans = {
        loan.contract_number: loan
        for loan in Loan.objects.filter(contract_number__in={r.contract_number for r in rows})
    }
    for r in rows:
        if r.contract_number not in loans:
            msg = f"借款合同{r.contract_number}不存在"
            errors.append(RowError(r.line, "unknown_contract", msg))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.line))

    result = ImportResult(batch=None)
    with transaction.atomic():
        locked = lock_in_pk_order(Loan, [loan.pk for loan in loans.values()])
        by_number = {loan.contract_number: loan for loan in locked.values()}
        existing = {
            rep.bank_reference: rep
            for rep in Repayment.objects.filter(
                source=RepaymentSource.BANK_IMPORT, bank_reference__in=list(seen)
            ).select_related("loan")
        }
        batch = RepaymentImport.objects.create(
            file_name=file_name[:200],
            sha256=hashlib.sha256(csv_text.encode()).hexdigest(),
            rows=len(rows),
            posted=0,
            skipped=0,
            created_by=actor if actor is not None and actor.pk else None,
        )
        result.batch = batch
        for r in rows:
            prior = existing.get(r.bank_reference)
            if prior is not None:
                same = (
                    prior.loan.contract_number == r.contract_number
                    and prior.installment_number == r.installment_number
                    and prior.amount == r.amount
                    and prior.paid_on == r.paid_on
                )
                if same:
                    result.skipped_lines.append(r.line)
                else:
                    errors.append(
                        RowError(
                            r.line,
                            "duplicate_reference",
                            f"银行流水号{r.bank_reference}已用于另一笔还款",
                        )
                    )
                continue
            try:
                with transaction.atomic():
                    result.posted.append(
                        _post_repayment(
                            by_number[r.contract_number],
                            installment_number=r.installment_number,
                            amount=r.amount,
                            paid_on=r.paid_on,
                            actor=actor,
                            source=RepaymentSource.BANK_IMPORT,
                            bank_reference=r.bank_reference,
                            import_batch=batch,
                        )
                    )
            except BusinessError as exc:
                errors.append(RowError(r.line, exc.code, exc.message))
                # The failed row's savepoint is gone; refresh the loan's state.
                by_number[r.contract_number].refresh_from_db()
        if errors:
            raise ImportRejected(sorted(errors, key=lambda e: e.line))
        batch.posted = len(result.posted)
        batch.skipped = len(result.skipped_lines)
        batch.save(update_fields=["posted", "skipped"])
        audit_record(
            actor=actor,
            action=AuditAction.REPAYMENT_IMPORT_POSTED,
            obj=batch,
            new={"rows": len(rows), "posted": batch.posted, "skipped": batch.skipped},
            reason=file_name,
        )
    return result


# --- prepayment and settlement --------------------------------------------------------


def _shorten_months(
    *, principal: Decimal, rate: Decimal, method: RepaymentMethod, remaining: int, keep: Decimal
) -> int:
    """Fewest months (≤ remaining) keeping the installment at or below ``keep``."""
    if method is RepaymentMethod.EQUAL_PRINCIPAL:
        # ``keep`` is the monthly principal part P/n (rounded) here.
        months = max(1, int((principal / keep).to_integral_value(rounding=ROUND_CEILING)))
        while months > 1 and round_fen(principal / (months - 1)) <= keep:
            months -= 1
        return min(months, remaining)
    lo, hi = 1, remaining
    while lo < hi:  # level payment falls as months grow
        mid = (lo + hi) // 2
        if level_payment(principal=principal, annual_rate_percent=rate, months=mid) <= keep:
            hi = mid
        else:
            lo = mid + 1
    return lo


def loan_prepay(
    *,
    loan: Loan,
    amount: Decimal,
    mode: str,
    paid_on: date,
    actor: Actor,
) -> Prepayment:
    """Principal prepayment; partial → a new schedule version, whole → settlement.

    Rules (domain.md §6, docs/money.md): only when nothing is overdue or due on
    ``paid_on``; at least the policy's minimum, and never leaving less than it
    (then the whole principal is due); interest on the prepaid principal by
    actual days since the previous due date (or disbursement), rounded once.
    """
    require_role(actor, Role.CLERK, doing="登记还款")
    amount = to_decimal(amount)
    if amount <= 0 or amount != round_fen(amount):
        raise _field_error("amount", "invalid", "提前还款金额须大于0且精确到分")
    if mode not in (PrepaymentMode.SHORTEN_TERM, PrepaymentMode.LOWER_INSTALLMENT):
        raise _field_error("mode", "invalid", "提前还款方式只能为缩短期限或减少月还款额")
    with transaction.atomic():
        locked = _lock_loan(loan)
        if locked.status != LoanStatus.ACTIVE:
            raise TransitionError("loan_not_active", "贷款已结清")
        if amount > locked.outstanding_principal:
            raise _field_error(
                "amount",
                "amount_exceeds_outstanding",
                f"提前还款金额超过剩余本金{_fmt(locked.outstanding_principal)}",
            )
        nxt = locked.next_installment_number
        previous = selectors.loan_installment(loan=locked, number=nxt - 1) if nxt > 1 else None
        accrual_from = previous.due_date if previous is not None else locked.disbursed_on
        if paid_on < accrual_from or paid_on > today_local():
            raise BusinessError(
                "invalid_date", f"提前还款日期须在{accrual_from.isoformat()}之后且不晚于今天"
            )
        if locked.next_due_date is not None and paid_on > locked.next_due_date:
            raise BusinessError("installment_overdue", f"第{nxt}期已到期未还，请先归还到期款项")
        if locked.next_due_date is not None and paid_on == locked.next_due_date:
            # Collected first: otherwise the order of entry would change the interest.
            raise BusinessError(
                "installment_due", f"第{nxt}期于当日到期，请先归还该期款项，再办理提前还款"
            )
        full = amount == locked.outstanding_principal
        minimum = policy_in_force(on=paid_on).param(Key.PREPAYMENT_MIN_AMOUNT)
        if not full and minimum is not None and minimum.is_set:
            least = Decimal(minimum.value)
            if amount < least:
                raise _field_error(
                    "amount",
                    "prepayment_below_minimum",
                    f"提前还款金额不得少于{_fmt(least)}（{minimum.citation.document}）",
                )
            if locked.outstanding_principal - amount < least:
                # The clerk takes no more money than was presented: the borrower
                # is told the sum that settles the loan instead.
                raise _field_error(
                    "amount",
                    "settle_in_full",
                    f"提前还款后剩余本金将不足{_fmt(least)}，须一次结清剩余本金"
                    f"{_fmt(locked.outstanding_principal)}",
                )
        rate = locked.annual_rate_percent
        interest = interest_for_days(
            amount=amount, annual_rate_percent=rate, days=(paid_on - accrual_from).days
        )
        old = {
            "outstanding_principal": locked.outstanding_principal,
            "installment_amount": locked.installment_amount,
            "final_installment_number": locked.final_installment_number,
            "current_schedule_version": locked.current_schedule_version,
        }
        prepayment = Prepayment(
            loan=locked,
            paid_on=paid_on,
            principal=amount,
            interest=interest,
            mode=PrepaymentMode.FULL if full else mode,
            before_installment=nxt,
            created_by=actor if actor is not None and actor.pk else None,
        )
        locked.outstanding_principal -= amount
        if full:
            prepayment.save()
            locked.save(update_fields=["outstanding_principal", "updated_at"])
            audit_record(
                actor=actor,
                action=AuditAction.LOAN_PREPAID,
                obj=locked,
                old=old,
                new={"prepaid": amount, "interest": interest, "mode": PrepaymentMode.FULL},
            )
            _settle(locked, on=paid_on, actor=actor)
            return prepayment

        method = RepaymentMethod(locked.repayment_method)
        remaining = locked.final_installment_number - nxt + 1
        current = ScheduleVersion.objects.get(loan=locked, version=locked.current_schedule_version)
        new_principal = locked.outstanding_principal
        if mode == PrepaymentMode.LOWER_INSTALLMENT:
            months = remaining
        else:
            keep = (
                round_fen(current.principal / current.months)
                if method is RepaymentMethod.EQUAL_PRINCIPAL
                else locked.installment_amount
            )
            months = _shorten_months(
                principal=new_principal, rate=rate, method=method, remaining=remaining, keep=keep
            )
        first_due = locked.next_due_date
        if first_due is None:  # an active loan always has one: a row edited outside the services
            raise TransitionError("loan_not_active", "贷款无待还期次，不能提前还款")
        installment = first_payment(
            principal=new_principal, annual_rate_percent=rate, months=months, method=method
        )
        version = locked.current_schedule_version + 1
        ScheduleVersion.objects.create(
            loan=locked,
            version=version,
            starts_at_installment=nxt,
            principal=new_principal,
            annual_rate_percent=rate,
            months=months,
            method=method.value,
            first_due_date=first_due,
            installment_amount=installment,
            reason=ScheduleReason.PREPAYMENT,
            rate_row=locked.priced_rate_row,
        )
        prepayment.schedule_version = version
        prepayment.save()
        locked.installment_amount = installment
        locked.final_installment_number = nxt + months - 1
        locked.current_schedule_version = version
        locked.save(
            update_fields=[
                "outstanding_principal",
                "installment_amount",
                "final_installment_number",
                "current_schedule_version",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            action=AuditAction.LOAN_PREPAID,
            obj=locked,
            old=old,
            new={
                "prepaid": amount,
                "interest": interest,
                "mode": mode,
                "outstanding_principal": locked.outstanding_principal,
                "installment_amount": installment,
                "final_installment_number": locked.final_installment_number,
                "current_schedule_version": version,
            },
        )
    return prepayment


# --- nightly re-quote -------------------------------------------------------------


def application_requote(*, on: date, batch_run_id: int | None = None) -> int:
    """Approved or signed, not yet disbursed: show the rate in force on ``on``.

    Disbursement always takes that day's rate (a loan applied for before a
    change and disbursed after it gets the new rate); this keeps what the
    applicant and the clerk see in step with it. Returns how many moved.
    """
    policy = policy_in_force(on=on)
    moved = 0
    with transaction.atomic():
        ids = LoanApplication.objects.filter(
            status__in=[ApplicationStatus.APPROVED, ApplicationStatus.SIGNED]
        ).values_list("pk", flat=True)
        for app in lock_in_pk_order(LoanApplication, ids).values():
            signed = app.status == ApplicationStatus.SIGNED
            term = app.contract_term_months if signed else app.term_months
            field_name = "contract_rate_percent" if signed else "approved_rate_percent"
            if app.approved_home_tier is None or term is None:
                continue
            rate = policy.rate(home_tier=app.approved_home_tier, term_months=term)
            old = getattr(app, field_name)
            if rate is None or old == rate.annual_rate_percent:
                continue
            setattr(app, field_name, rate.annual_rate_percent)
            app.save(update_fields=[field_name])
            audit_record(
                actor=None,
                actor_label="batch:reprice",
                action=AuditAction.LOAN_APPLICATION_REQUOTED,
                obj=app,
                old={field_name: old},
                new={
                    field_name: rate.annual_rate_percent,
                    "rate_row": rate.citation.row,
                    "batch_run": batch_run_id,
                },
                reason=f"{on.isoformat()}起执行的利率",
            )
            moved += 1
    return moved
