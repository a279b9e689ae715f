"""Every write of the withdrawals app. Rules: docs/loans.md (Withdrawals).

Who may take which step is ``gjj.workflow``'s answer; ``WITHDRAWAL_STEPS`` is the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from django.db import IntegrityError, transaction
from django.utils import timezone

from gjj.domain import AuditAction, Role
from gjj.errors import ActorNotAllowed, BusinessError, ConflictError, TransitionError
from gjj.models import Depositor, EntryType, FamilyMember, WithdrawalReason
from gjj.money import round_fen, to_decimal
from gjj.policy import Key
from gjj.selectors import household_homes, policy_in_force, today_local
from gjj.services import Actor, Posting, account_entries_post, audit_record, lock_in_pk_order
from gjj.workflow import (
    Flow,
    Move,
    Step,
    actor_has_role,
    actor_is_user_of,
    allowed_steps,
    case_check,
    case_move,
    require_not_involved,
)
from withdrawals import selectors
from withdrawals.models import (
    OPEN_STATUSES,
    ConsentChannel,
    ConsentStatus,
    MemberRelation,
    PaymentStatus,
    Purchase,
    RentPeriod,
    StatusChange,
    WithdrawalApplication,
    WithdrawalKind,
    WithdrawalMember,
    WithdrawalPayment,
    WithdrawalStatus,
)

_REASON_CODES = {
    WithdrawalKind.PURCHASE: WithdrawalReason.PURCHASE,
    WithdrawalKind.RENTAL: WithdrawalReason.RENT,
}


@dataclass(frozen=True)
class MemberRequest:
    """A person the buyer names to draw: ``self`` or a recorded family member."""

    relation: str
    amount: Decimal
    family_member_id: int | None = None


@dataclass(frozen=True)
class _Draw:
    depositor: Depositor
    relation: str
    family_member: FamilyMember | None
    amount: Decimal


# --- small helpers --------------------------------------------------------------------


def _money(value: Any, field: str, label: str, *, positive: bool) -> Decimal:
    def bad(message: str, code: str = "invalid") -> BusinessError:
        return BusinessError(
            "invalid_amount", message, fields={field: [{"code": code, "message": message}]}
        )

    try:
        amount = to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise bad(f"{label}无效") from exc
    if not amount.is_finite() or round_fen(amount) != amount:
        raise bad(f"{label}必须精确到分")
    if amount < 0 or (positive and amount == 0):
        raise bad(f"{label}必须大于零" if positive else f"{label}不能为负数", "min_value")
    return round_fen(amount)


class WithdrawalAction(StrEnum):
    """The steps of a withdrawal application."""

    SUBMIT = "submit"
    ACCEPT = "accept"
    APPROVE = "approve"
    REFUSE = "refuse"  # 不予受理: a submitted case, by a clerk or an approver
    REJECT = "reject"  # 不予提取: an accepted case, by an approver
    CANCEL = "cancel"


_REJECTED_LABEL = "作出不予提取决定"
WITHDRAWAL_STEPS: Final[dict[WithdrawalAction, Step]] = {
    WithdrawalAction.SUBMIT: Step(
        sources=frozenset({WithdrawalStatus.DRAFT}),
        target=WithdrawalStatus.SUBMITTED,
        label="提交",
        audit=AuditAction.WITHDRAWAL_SUBMITTED,
        applicant=True,
        roles=frozenset({Role.CLERK}),  # a clerk may act for the applicant at the counter
    ),
    WithdrawalAction.ACCEPT: Step(
        sources=frozenset({WithdrawalStatus.SUBMITTED}),
        target=WithdrawalStatus.ACCEPTED,
        label="受理",
        audit=AuditAction.WITHDRAWAL_ACCEPTED,
        roles=frozenset({Role.CLERK}),
    ),
    WithdrawalAction.APPROVE: Step(
        sources=frozenset({WithdrawalStatus.ACCEPTED}),
        target=WithdrawalStatus.APPROVED,
        label="核准",
        audit=AuditAction.WITHDRAWAL_APPROVED,
        roles=frozenset({Role.APPROVER}),
        not_same_as="accepted_by",
        four_eyes_code="four_eyes_required",
        four_eyes_above_line=True,  # Key.WITHDRAWAL_FOUR_EYES_THRESHOLD
    ),
    WithdrawalAction.REFUSE: Step(
        sources=frozenset({WithdrawalStatus.SUBMITTED}),
        target=WithdrawalStatus.REJECTED,
        label=_REJECTED_LABEL,
        audit=AuditAction.WITHDRAWAL_REJECTED,
        roles=frozenset({Role.CLERK, Role.APPROVER}),
    ),
    WithdrawalAction.REJECT: Step(
        sources=frozenset({WithdrawalStatus.ACCEPTED}),
        target=WithdrawalStatus.REJECTED,
        label=_REJECTED_LABEL,
        audit=AuditAction.WITHDRAWAL_REJECTED,
        roles=frozenset({Role.APPROVER}),
    ),
    WithdrawalAction.CANCEL: Step(
        sources=frozenset(
            {WithdrawalStatus.DRAFT, WithdrawalStatus.SUBMITTED, WithdrawalStatus.ACCEPTED}
        ),
        target=WithdrawalStatus.CANCELLED,
        label="撤回",
        audit=AuditAction.WITHDRAWAL_CANCELLED,
        applicant=True,
        roles=frozenset({Role.CLERK}),
    ),
}


def _user(actor: Actor) -> Actor:
    return actor if actor is not None and actor.pk else None


def _actor_label(actor: Actor) -> str:
    return actor.get_username() if actor is not None and actor.pk else "system"


def _write_history(move: Move[WithdrawalApplication]) -> None:
    actor = move.actor
    StatusChange.objects.create(
        application=move.case,
        from_status=move.from_status,
        to_status=move.to_status,
        actor=_user(actor),
        actor_label=_actor_label(actor),
        reason=move.reason[:500],
    )


def _drawing_ids(app: WithdrawalApplication) -> list[int]:
    return list(app.members.values_list("depositor_id", flat=True))


WITHDRAWAL_FLOW: Final[Flow[WithdrawalApplication, WithdrawalAction]] = Flow(
    noun="提取申请",
    steps=WITHDRAWAL_STEPS,
    applicant_of=lambda app: app.applicant,
    # Every depositor named to draw counts for 回避: the case spends their money.
    involved=_drawing_ids,
    state_text=lambda app: f"申请{app.number}当前状态为“{app.get_status_display()}”",
    write_history=_write_history,
)


def _require_applicant_or_clerk(
    actor: Actor, applicant: Depositor, doing: str, drawing_ids: Iterable[int] = ()
) -> None:
    """Before a case exists: the applicant, or a clerk who is not of the household."""
    if actor_is_user_of(actor, applicant):
        return
    if not actor_has_role(actor, Role.CLERK):
        raise ActorNotAllowed("not_applicant", f"只有申请人本人或经办人员可以{doing}")
    require_not_involved(actor, applicant, noun=WITHDRAWAL_FLOW.noun, also_ids=drawing_ids)


def _lock_application(application: WithdrawalApplication) -> WithdrawalApplication:
    return lock_in_pk_order(WithdrawalApplication, [application.pk])[application.pk]


def _in_flight_refusal(kind: str) -> ConflictError:
    return ConflictError(
        "withdrawal_in_flight",
        f"您已有一笔在办的{WithdrawalKind(kind).label}申请，请办结或撤回后再申请",
    )


def _check_bank(bank_name: str, bank_account: str) -> tuple[str, str]:
    name, account = bank_name.strip(), bank_account.strip()
    if not name:
        raise BusinessError(
            "bank_required",
            "请填写收款银行",
            fields={"bank_name": [{"code": "required", "message": "请填写收款银行"}]},
        )
    if not account.isdigit() or not 8 <= len(account) <= 30:
        raise BusinessError(
            "invalid_bank_account",
            "收款账号应为8至30位数字",
            fields={"bank_account": [{"code": "invalid", "message": "收款账号应为8至30位数字"}]},
        )
    return name, account


def _create_application(
    *, applicant: Depositor, kind: str, actor: Actor, on: date, **fields: Any
) -> WithdrawalApplication:
    """Insert the draft and give it its number; the DB constraint backs the open check."""
    if WithdrawalApplication.objects.filter(
        applicant=applicant, kind=kind, status__in=OPEN_STATUSES
    ).exists():
        raise _in_flight_refusal(kind)
    try:
        with transaction.atomic():
            app = WithdrawalApplication.objects.create(
                applicant=applicant,
                kind=kind,
                applied_on=on,
                created_by=actor if actor is not None and actor.pk else None,
                **fields,
            )
    except IntegrityError as exc:  # a concurrent twin committed first
        raise _in_flight_refusal(kind) from exc
    prefix = "GT" if kind == WithdrawalKind.PURCHASE else "ZF"
    app.number = f"{prefix}{on:%Y%m%d}{app.pk:08d}"
    app.save(update_fields=["number"])
    return app


def _record_creation(app: WithdrawalApplication, *, actor: Actor, new: dict[str, Any]) -> None:
    _write_history(Move(app, "", WithdrawalStatus.DRAFT, actor, "创建申请", app.applied_on))
    audit_record(actor=actor, action=AuditAction.WITHDRAWAL_CREATED, obj=app, new=new)


# --- purchase rules -------------------------------------------------------------------


def _resolve_draws(*, buyer: Depositor, members: Sequence[MemberRequest]) -> list[_Draw]:
    if not members:
        raise BusinessError("no_members", "请至少指定一名提取人")
    draws: list[_Draw] = []
    for i, m in enumerate(members):
        field = f"members.{i}"
        if m.relation not in MemberRelation.values:
            raise BusinessError(
                "invalid_relation",
                f"未知的关系：{m.relation}",
                fields={f"{field}.relation": [{"code": "invalid", "message": "未知的关系"}]},
            )
        amount = _money(m.amount, f"{field}.amount", "提取金额", positive=True)
        if m.relation == MemberRelation.SELF:
            draws.append(_Draw(buyer, m.relation, None, amount))
            continue
        fm = (
            FamilyMember.objects.select_related("relative_depositor")
            .filter(pk=m.family_member_id, depositor=buyer)
            .first()
            if m.family_member_id is not None
            else None
        )
        if fm is None:
            message = "未找到申请人登记的该家庭成员"
            raise BusinessError(
                "family_member_not_found",
                message,
                fields={f"{field}.family_member": [{"code": "not_found", "message": message}]},
            )
        if fm.relative_depositor is None:
            message = f"{fm.name}不是本中心缴存职工，不能提取"
            raise BusinessError(
                "member_not_depositor",
                message,
                fields={f"{field}.family_member": [{"code": "invalid", "message": message}]},
            )
        draws.append(_Draw(fm.relative_depositor, m.relation, fm, amount))
    seen: set[int] = set()
    for d in draws:
        if d.depositor.pk in seen:
            raise BusinessError("duplicate_member", f"{d.depositor.name}被重复指定为提取人")
        seen.add(d.depositor.pk)
    return draws


def _check_purchase(
    *,
    buyer: Depositor,
    draws: Sequence[_Draw],
    price: Decimal,
    loans_amount: Decimal,
    voucher_amount: Decimal,
    contract_date: date,
    on: date,
    check_balances: bool,
) -> dict[str, Any]:
    """Every purchase rule on ``on``; returns the limits as applied (for the record)."""
    limits = selectors.purchase_limits(
        buyer=buyer,
        on=on,
        price=price,
        loans_amount=loans_amount,
        voucher_amount=voucher_amount,
        contract_date=contract_date,
        with_candidates=False,
    )
    if limits.contract_in_future:
        raise BusinessError(
            "contract_after_application", f"购房合同签订日期（{contract_date}）晚于申请日期"
        )
    if not limits.within_window:
        raise BusinessError(
            "outside_purchase_window",
            f"应在购房合同签订之日起{limits.window_months}个月内申请"
            f"（截至{limits.window_ends_on}），申请日期为{on}",
        )
    if not draws:
        raise BusinessError("no_members", "没有可提取的成员")
    for d in draws:
        problem = selectors.purchase_member_problem(
            buyer=buyer,
            relation=d.relation,
            family_member=d.family_member,
            allowed_relations=limits.allowed_relations,
            on=on,
        )
        if problem is not None:
            raise BusinessError(problem[0], problem[1])
        account = selectors.account_of(d.depositor)
        if account is None:
            raise BusinessError("no_account", f"{d.depositor.name}没有个人公积金账户")
        if check_balances and d.amount > account.balance:
            # The buyer reads this message: a relative's balance is the relative's
            # to disclose (by consenting), so only the buyer's own figure is shown.
            if d.depositor.pk == buyer.pk:
                message = (
                    f"{d.depositor.name}申请提取{d.amount}元，超过其账户余额{account.balance}元"
                )
            else:
                message = f"{d.depositor.name}申请提取{d.amount}元，超过其账户可提取金额"
            raise BusinessError("exceeds_balance", message)
    total = sum((d.amount for d in draws), Decimal("0.00"))
    if total > limits.own_funds:
        raise BusinessError(
            "exceeds_own_funds",
            f"提取合计{total}元超过自筹部分{limits.own_funds}元"
            f"（房价{price}元 − 贷款{loans_amount}元 − 房票{voucher_amount}元）",
        )
    return {
        "on": on.isoformat(),
        "own_funds": str(limits.own_funds),
        "total": str(total),
        "window_ends_on": limits.window_ends_on.isoformat() if limits.window_ends_on else None,
        "allowed_relations": list(limits.allowed_relations),
        "relations_row": limits.relations_citation.row if limits.relations_citation else None,
        "window_row": limits.window_citation.row if limits.window_citation else None,
    }


def _purchase_lock_or_create(
    *,
    number: str | None,
    applicant: Depositor,
    price: Decimal,
    loans_amount: Decimal,
    voucher_amount: Decimal,
    contract_date: date,
    property_address: str,
) -> Purchase:
    """The purchase of ``number``, locked (created when new); its figures must agree."""
    normal = selectors.purchase_number_normal(number or "")
    if not normal:
        # Only callers that predate purchase numbers get here: a purchase of its own.
        return Purchase.objects.create(
            buyer=applicant,
            price=price,
            loans_amount=loans_amount,
            voucher_amount=voucher_amount,
            contract_date=contract_date,
            property_address=property_address,
        )
    if len(normal) > 64:
        message = "购房合同编号或不动产权证号过长"
        raise BusinessError(
            "invalid_purchase_number",
            message,
            fields={"purchase_number": [{"code": "invalid", "message": message}]},
        )
    if not Purchase.objects.filter(number=normal).exists():
        try:
            with transaction.atomic():
                Purchase.objects.create(
                    number=normal,
                    buyer=applicant,
                    price=price,
                    loans_amount=loans_amount,
                    voucher_amount=voucher_amount,
                    contract_date=contract_date,
                    property_address=property_address,
                )
        except IntegrityError:
            pass  # a family member recorded it at the same moment: use theirs
    purchase = (
        Purchase.objects.select_for_update(of=("self",), no_key=True)
        .select_related("buyer")
        .get(number=normal)
    )
    selectors.purchase_check_stated(
        purchase=purchase,
        applicant=applicant,
        price=price,
        loans_amount=loans_amount,
        voucher_amount=voucher_amount,
        contract_date=contract_date,
    )
    return purchase


def _check_purchase_room(
    *, purchase: Purchase, total: Decimal, exclude_application_id: int | None, in_flight: bool
) -> selectors.PurchaseRoom:
    """All draws for one purchase stay within its own funds (domain.md §8); lock it first."""
    room = selectors.purchase_room(
        purchase=purchase, exclude_application_id=exclude_application_id, in_flight=in_flight
    )
    if total > room.remaining:
        raise BusinessError(
            "purchase_room_exceeded",
            f"本次提取合计{total}元超过该房屋剩余可提取额度{room.remaining}元"
            f"（自筹部分{room.own_funds}元，已提取{room.approved}元，在办{room.in_flight}元）",
        )
    return room


def _lock_purchase(app: WithdrawalApplication) -> Purchase:
    if app.purchase_id is None:  # a DB constraint forbids it for a purchase application
        raise RuntimeError(f"purchase application {app.pk}: no purchase")
    return Purchase.objects.select_for_update(of=("self",), no_key=True).get(pk=app.purchase_id)


def _draws_of(app: WithdrawalApplication, members: Sequence[WithdrawalMember]) -> list[_Draw]:
    return [
        _Draw(m.depositor, m.relation, m.family_member, m.amount)
        for m in members
        if m.consent_status != ConsentStatus.DECLINED
    ]


def _check_purchase_application(
    app: WithdrawalApplication,
    members: Sequence[WithdrawalMember],
    *,
    on: date,
    check_balances: bool,
    count_in_flight: bool,
) -> dict[str, Any]:
    if app.price is None or app.contract_date is None:  # a DB constraint forbids it
        raise RuntimeError(f"purchase application {app.pk}: no price or contract date")
    purchase = _lock_purchase(app)  # held already by the caller: lock order purchase → accounts
    draws = _draws_of(app, members)
    limits = _check_purchase(
        buyer=app.applicant,
        draws=draws,
        price=app.price,
        loans_amount=app.loans_amount or Decimal("0.00"),
        voucher_amount=app.voucher_amount or Decimal("0.00"),
        contract_date=app.contract_date,
        on=on,
        check_balances=check_balances,
    )
    room = _check_purchase_room(
        purchase=purchase,
        total=sum((d.amount for d in draws), Decimal("0.00")),
        exclude_application_id=app.pk,
        in_flight=count_in_flight,
    )
    return {**limits, "purchase": room.as_dict()}


def purchase_application_create(
    *,
    applicant: Depositor,
    actor: Actor,
    price: Decimal,
    contract_date: date,
    members: Sequence[MemberRequest],
    bank_name: str,
    bank_account: str,
    property_address: str,
    loans_amount: Decimal = Decimal("0.00"),
    voucher_amount: Decimal = Decimal("0.00"),
    purchase_number: str | None = None,
    on: date | None = None,
) -> WithdrawalApplication:
    """A draft purchase withdrawal naming who draws how much; limits checked now.

    ``purchase_number`` (contract or certificate number) finds the purchase the
    family's other applications share, or records it; without one the application
    gets a purchase of its own. Locks: depositor → purchase.
    """
    on = on or today_local()
    _require_applicant_or_clerk(actor, applicant, "提出提取申请")
    price = _money(price, "price", "房屋总价", positive=True)
    loans_amount = _money(loans_amount, "loans_amount", "贷款总额", positive=False)
    voucher_amount = _money(voucher_amount, "voucher_amount", "房票金额", positive=False)
    bank_name, bank_account = _check_bank(bank_name, bank_account)
    if not property_address.strip():
        raise BusinessError(
            "address_required",
            "请填写房屋坐落",
            fields={"property_address": [{"code": "required", "message": "请填写房屋坐落"}]},
        )
    with transaction.atomic():
        lock_in_pk_order(Depositor, [applicant.pk])  # one create at a time per applicant
        draws = _resolve_draws(buyer=applicant, members=members)
        # A clerk may not enter a purchase that draws on their own account either.
        _require_applicant_or_clerk(
            actor, applicant, "提出提取申请", [d.depositor.pk for d in draws]
        )
        limits = _check_purchase(
            buyer=applicant,
            draws=draws,
            price=price,
            loans_amount=loans_amount,
            voucher_amount=voucher_amount,
            contract_date=contract_date,
            on=on,
            check_balances=True,
        )
        purchase = _purchase_lock_or_create(
            number=purchase_number,
            applicant=applicant,
            price=price,
            loans_amount=loans_amount,
            voucher_amount=voucher_amount,
            contract_date=contract_date,
            property_address=property_address.strip(),
        )
        room = _check_purchase_room(
            purchase=purchase,
            total=sum((d.amount for d in draws), Decimal("0.00")),
            exclude_application_id=None,
            in_flight=True,
        )
        limits = {**limits, "purchase": room.as_dict()}
        app = _create_application(
            applicant=applicant,
            kind=WithdrawalKind.PURCHASE,
            actor=actor,
            on=on,
            amount=sum((d.amount for d in draws), Decimal("0.00")),
            purchase=purchase,
            price=price,
            contract_date=contract_date,
            loans_amount=loans_amount,
            voucher_amount=voucher_amount,
            property_address=property_address.strip(),
            bank_name=bank_name,
            bank_account=bank_account,
            limits_snapshot=limits,
        )
        now = timezone.now()
        for d in draws:
            is_self = d.relation == MemberRelation.SELF
            WithdrawalMember.objects.create(
                application=app,
                depositor=d.depositor,
                relation=d.relation,
                family_member=d.family_member,
                amount=d.amount,
                # The applicant's own draw needs no separate consent.
                consent_status=ConsentStatus.ACCEPTED if is_self else ConsentStatus.PENDING,
                consent_channel=ConsentChannel.SELF if is_self else "",
                consented_at=now if is_self else None,
                consent_actor=actor if is_self and actor is not None and actor.pk else None,
            )
        _record_creation(
            app,
            actor=actor,
            new={
                "kind": app.kind,
                "amount": str(app.amount),
                "price": str(price),
                "contract_date": contract_date.isoformat(),
                "loans_amount": str(loans_amount),
                "voucher_amount": str(voucher_amount),
                "purchase": purchase.pk,
                "purchase_number": purchase.number,
                "members": [
                    {"depositor": d.depositor.pk, "relation": d.relation, "amount": str(d.amount)}
                    for d in draws
                ],
            },
        )
    return app


# --- rental rules -----------------------------------------------------------------------


def _check_rental(
    *,
    applicant: Depositor,
    amount: Decimal,
    period_type: str,
    period_index: int,
    on: date,
    exclude_application_id: int | None,
    check_balance: bool,
) -> dict[str, Any]:
    """Every rental rule on ``on``; the year is the calendar year of ``on``."""
    months = selectors.rent_months(period_type, period_index)
    if not months:
        message = "提取周期无效：按月为1–12，按季为1–4，按年为1"
        raise BusinessError(
            "invalid_period",
            message,
            fields={"period_index": [{"code": "invalid", "message": message}]},
        )
    homes = household_homes(depositor=applicant, on=on)
    if homes:
        raise BusinessError(
            "owns_home", f"申请人家庭在本市有住房（{len(homes)}套），不符合租房提取条件"
        )
    year = on.year
    clash = months & selectors.rental_claimed_months(
        depositor=applicant, year=year, exclude_application_id=exclude_application_id
    )
    if clash:
        listed = "、".join(f"{m}月" for m in sorted(clash))
        raise BusinessError("rental_period_overlap", f"{year}年{listed}的房租已申请过提取")
    allowance = selectors.rental_allowance(
        depositor=applicant, year=year, on=on, exclude_application_id=exclude_application_id
    )
    if amount > allowance.remaining:
        message = (
            f"申请金额{amount}元超过{year}年度租房提取剩余额度：剩余{allowance.remaining}元"
            f"（年度额度{allowance.cap.amount}元，已提取{allowance.used}元，"
            f"在办{allowance.in_flight}元）"
        )
        raise BusinessError(
            "rental_cap_exceeded",
            message,
            fields={"amount": [{"code": "rental_cap_exceeded", "message": message}]},
        )
    account = selectors.account_of(applicant)
    if account is None:
        raise BusinessError("no_account", f"{applicant.name}没有个人公积金账户")
    if check_balance and amount > account.balance:
        raise BusinessError(
            "exceeds_balance", f"申请提取{amount}元，超过账户余额{account.balance}元"
        )
    return {"rule": "rental", **allowance.as_dict(), "amount": str(amount)}


def rental_application_create(
    *,
    applicant: Depositor,
    actor: Actor,
    amount: Decimal,
    period_type: str,
    period_index: int,
    bank_name: str,
    bank_account: str,
    property_address: str = "",
    on: date | None = None,
) -> WithdrawalApplication:
    """A draft rental withdrawal from the applicant's own account; limits checked now."""
    on = on or today_local()
    _require_applicant_or_clerk(actor, applicant, "提出提取申请")
    amount = _money(amount, "amount", "提取金额", positive=True)
    if period_type not in RentPeriod.values:
        raise BusinessError(
            "invalid_period",
            "提取周期无效",
            fields={"period_type": [{"code": "invalid", "message": "提取周期无效"}]},
        )
    bank_name, bank_account = _check_bank(bank_name, bank_account)
    with transaction.atomic():
        lock_in_pk_order(Depositor, [applicant.pk])
        limits = _check_rental(
            applicant=applicant,
            amount=amount,
            period_type=period_type,
            period_index=period_index,
            on=on,
            exclude_application_id=None,
            check_balance=True,
        )
        app = _create_application(
            applicant=applicant,
            kind=WithdrawalKind.RENTAL,
            actor=actor,
            on=on,
            amount=amount,
            rent_year=on.year,
            period_type=period_type,
            period_index=period_index,
            property_address=property_address.strip(),
            bank_name=bank_name,
            bank_account=bank_account,
            limits_snapshot=limits,
        )
        WithdrawalMember.objects.create(
            application=app,
            depositor=applicant,
            relation=MemberRelation.SELF,
            amount=amount,
            consent_status=ConsentStatus.ACCEPTED,
            consent_channel=ConsentChannel.SELF,
            consented_at=timezone.now(),
            consent_actor=actor if actor is not None and actor.pk else None,
        )
        _record_creation(
            app,
            actor=actor,
            new={
                "kind": app.kind,
                "amount": str(amount),
                "rent_year": on.year,
                "period_type": period_type,
                "period_index": period_index,
            },
        )
    return app


def _check_application(
    app: WithdrawalApplication,
    members: Sequence[WithdrawalMember],
    *,
    on: date,
    check_balances: bool,
    count_in_flight: bool = True,
) -> dict[str, Any]:
    if app.kind == WithdrawalKind.PURCHASE:
        return _check_purchase_application(
            app, members, on=on, check_balances=check_balances, count_in_flight=count_in_flight
        )
    return _check_rental(
        applicant=app.applicant,
        amount=app.amount,
        period_type=app.period_type,
        period_index=app.period_index or 0,
        on=on,
        exclude_application_id=app.pk,
        check_balance=check_balances,
    )


def _locked_members(app: WithdrawalApplication) -> list[WithdrawalMember]:
    return list(
        WithdrawalMember.objects.select_for_update(of=("self",))
        .filter(application=app)
        .select_related("depositor", "family_member")
        .order_by("pk")
    )


# --- transitions -------------------------------------------------------------------------


def withdrawal_submit(
    *, application: WithdrawalApplication, actor: Actor, on: date | None = None
) -> WithdrawalApplication:
    """Send the draft to the center; the rules are read again on the submission date."""
    on = on or today_local()
    with transaction.atomic():
        app = _lock_application(application)
        step = WITHDRAWAL_STEPS[WithdrawalAction.SUBMIT]
        case_check(case=app, step=step, actor=actor, flow=WITHDRAWAL_FLOW)
        if app.kind == WithdrawalKind.PURCHASE:
            _lock_purchase(app)  # the room is shared with the family's other applications
        members = _locked_members(app)
        app.applied_on = on
        if app.kind == WithdrawalKind.RENTAL:
            app.rent_year = on.year
        app.limits_snapshot = _check_application(app, members, on=on, check_balances=True)
        app.submitted_at = timezone.now()
        case_move(
            case=app,
            step=step,
            actor=actor,
            flow=WITHDRAWAL_FLOW,
            on=on,
            fields=["applied_on", "rent_year", "limits_snapshot", "submitted_at"],
            new={"applied_on": on.isoformat()},
        )
    return app


def withdrawal_accept(
    *, application: WithdrawalApplication, actor: Actor, on: date | None = None
) -> WithdrawalApplication:
    """A clerk (经办) accepts the case; the decision deadline starts (条例 art. 25)."""
    on = on or today_local()
    with transaction.atomic():
        app = _lock_application(application)
        step = WITHDRAWAL_STEPS[WithdrawalAction.ACCEPT]
        case_check(case=app, step=step, actor=actor, flow=WITHDRAWAL_FLOW)
        app.accepted_at = timezone.now()
        app.accepted_by = _user(actor)
        deadline = selectors.decision_deadline(accepted_on=on)
        app.decision_due_on = deadline.due_on if deadline is not None else None
        case_move(
            case=app,
            step=step,
            actor=actor,
            flow=WITHDRAWAL_FLOW,
            on=on,
            # A deadline counted in calendar days (no holiday schedule) says so.
            reason=f"办结期限：{deadline.note}" if deadline is not None else "",
            fields=["accepted_at", "accepted_by", "decision_due_on"],
            new={"decision_due_on": app.decision_due_on},
        )
    return app


def member_consent_record(
    *,
    member: WithdrawalMember,
    accepted: bool,
    actor: Actor,
    evidence: str = "",
) -> WithdrawalMember:
    """A member agrees to draw, or declines and drops out of the application.

    The member confirms with their own log-in (网上确认), or a clerk (经办)
    records the member's decision with its evidence (柜台记录).
    """
    with transaction.atomic():
        app = _lock_application(member.application)
        locked = (
            WithdrawalMember.objects.select_for_update(of=("self",))
            .select_related("depositor")
            .get(pk=member.pk)
        )
        if app.status not in OPEN_STATUSES:
            raise TransitionError(
                "application_closed",
                f"申请{app.number}{app.get_status_display()}，不能再确认授权",
            )
        if locked.consent_status != ConsentStatus.PENDING:
            raise TransitionError(
                "consent_already_recorded",
                f"{locked.depositor.name}{locked.get_consent_status_display()}",
            )
        if actor_is_user_of(actor, locked.depositor):
            channel = ConsentChannel.ONLINE
        elif actor_has_role(actor, Role.CLERK):
            require_not_involved(
                actor, app.applicant, noun=WITHDRAWAL_FLOW.noun, also_ids=_drawing_ids(app)
            )
            channel = ConsentChannel.COUNTER
            if not evidence.strip():
                raise BusinessError("evidence_required", "柜台记录授权必须注明依据（如授权书编号）")
        else:
            raise ActorNotAllowed("not_member", "只有提取人本人或经办人员可以确认授权")
        old = locked.consent_status
        locked.consent_status = ConsentStatus.ACCEPTED if accepted else ConsentStatus.DECLINED
        locked.consent_channel = channel
        locked.consented_at = timezone.now()
        locked.consent_actor = actor if actor is not None and actor.pk else None
        locked.consent_evidence = evidence.strip()[:300]
        locked.save(
            update_fields=[
                "consent_status",
                "consent_channel",
                "consented_at",
                "consent_actor",
                "consent_evidence",
            ]
        )
        audit_record(
            actor=actor,
            action=AuditAction.WITHDRAWAL_MEMBER_CONSENT_RECORDED,
            obj=locked,
            old={"consent_status": old},
            new={"consent_status": locked.consent_status, "channel": channel},
            reason=evidence,
        )
        if not accepted:
            # A member who declines drops out: the total is what the others draw.
            old_amount = app.amount
            app.amount = sum(
                (m.amount for m in app.members.all() if m.consent_status != ConsentStatus.DECLINED),
                Decimal("0.00"),
            )
            app.save(update_fields=["amount"])
            audit_record(
                actor=actor,
                action=AuditAction.WITHDRAWAL_MEMBER_DROPPED,
                obj=app,
                old={"amount": old_amount},
                new={"amount": app.amount, "dropped": locked.depositor_id},
                reason=f"{locked.depositor.name}拒绝授权",
            )
    return locked


def _four_eyes_threshold(on: date) -> Decimal | None:
    value = policy_in_force(on=on).value(Key.WITHDRAWAL_FOUR_EYES_THRESHOLD)
    return Decimal(value) if value is not None else None


def withdrawal_steps_allowed(
    *, application: WithdrawalApplication, actor: Actor, on: date | None = None
) -> list[WithdrawalAction]:
    """The steps ``actor`` may take now (admin buttons), the four-eyes line included."""
    allowed = allowed_steps(case=application, actor=actor, flow=WITHDRAWAL_FLOW)
    if WithdrawalAction.APPROVE in allowed:
        threshold = _four_eyes_threshold(on or today_local())
        try:
            case_check(
                case=application,
                step=WITHDRAWAL_STEPS[WithdrawalAction.APPROVE],
                actor=actor,
                flow=WITHDRAWAL_FLOW,
                four_eyes=threshold is not None and application.amount > threshold,
            )
        except (TransitionError, ActorNotAllowed):
            allowed.remove(WithdrawalAction.APPROVE)
    return allowed


def withdrawal_approve(
    *,
    application: WithdrawalApplication,
    actor: Actor,
    reason: str = "",
    on: date | None = None,
) -> WithdrawalApplication:
    """Approve and pay in one transaction: every member's debit and the payment, or nothing.

    The balances are checked by the ledger under row locks; if any account no
    longer covers its draw, nothing is posted, the application stays accepted,
    and the error names the account.
    """
    on = on or today_local()
    with transaction.atomic():
        app = _lock_application(application)
        step = WITHDRAWAL_STEPS[WithdrawalAction.APPROVE]
        # Four-eyes applies above the policy line only.
        threshold = _four_eyes_threshold(on)
        four_eyes = threshold is not None and app.amount > threshold
        refusal = f"提取金额{app.amount}元超过{threshold}元，须由受理人以外的审批人核准"
        case_check(
            case=app,
            step=step,
            actor=actor,
            flow=WITHDRAWAL_FLOW,
            four_eyes=four_eyes,
            four_eyes_message=refusal,
        )
        if app.kind == WithdrawalKind.PURCHASE:
            _lock_purchase(app)  # before the accounts: two approvals for one home queue here
        members = _locked_members(app)
        pending = [m for m in members if m.consent_status == ConsentStatus.PENDING]
        if pending:
            names = "、".join(m.depositor.name for m in pending)
            raise BusinessError("consent_pending", f"以下提取人尚未确认授权：{names}")
        drawing = [m for m in members if m.consent_status == ConsentStatus.ACCEPTED]
        if not drawing:
            raise BusinessError("no_members", "所有提取人均已拒绝授权，没有可提取的金额")
        # The rules as on the application date; the ledger checks the balances. The
        # purchase's room counts what was paid out: the in-flight draws were counted
        # when each was submitted, and this approval is what spends the room.
        _check_application(
            app, members, on=app.applied_on, check_balances=False, count_in_flight=False
        )
        accounts = {m.pk: selectors.account_of(m.depositor) for m in drawing}
        for m in drawing:
            if accounts[m.pk] is None:
                raise BusinessError("no_account", f"{m.depositor.name}没有个人公积金账户")
        memo = f"{WithdrawalKind(app.kind).label} {app.number}"
        postings = [
            Posting(
                account_id=accounts[m.pk].pk,  # type: ignore[union-attr]
                entry_type=EntryType.PARTIAL_WITHDRAWAL,
                amount=-m.amount,
                withdrawal_reason=_REASON_CODES[WithdrawalKind(app.kind)],
                memo=memo,
                reference=app.number or "",
            )
            for m in drawing
        ]
        try:
            entries = account_entries_post(
                postings=postings, value_date=on, actor=actor, reason=memo
            )
        except BusinessError as exc:
            raise BusinessError(
                exc.code, f"核准未完成，未记任何账：{exc.message}", fields=exc.fields
            ) from exc
        for m, entry in zip(drawing, entries, strict=True):
            m.entry = entry
            m.save(update_fields=["entry"])
        total = sum((m.amount for m in drawing), Decimal("0.00"))
        payment = WithdrawalPayment.objects.create(
            application=app,
            payee=app.applicant,
            payee_name=app.applicant.name,
            bank_name=app.bank_name,
            bank_account=app.bank_account,
            amount=total,
            status=PaymentStatus.PAID,
            paid_on=on,
            reference=app.number or "",
        )
        audit_record(
            actor=actor,
            action=AuditAction.WITHDRAWAL_PAYMENT_CREATED,
            obj=payment,
            new={"amount": total, "paid_on": on, "entries": [e.pk for e in entries]},
            reason=memo,
        )
        app.amount = total
        app.decided_at = timezone.now()
        app.decided_by = _user(actor)
        app.decision_reason = reason.strip()[:500]
        app.approved_homes = len(household_homes(depositor=app.applicant, on=app.applied_on))
        app.approved_groups = sorted(
            selectors.special_groups_for_rental(
                depositor=app.applicant,
                on=app.applied_on,
                policy=policy_in_force(on=app.applied_on),
            )
        )
        case_move(
            case=app,
            step=step,
            actor=actor,
            flow=WITHDRAWAL_FLOW,
            on=on,
            reason=reason,
            four_eyes=four_eyes,
            four_eyes_message=refusal,
            fields=[
                "amount",
                "decided_at",
                "decided_by",
                "decision_reason",
                "approved_homes",
                "approved_groups",
            ],
            new={"paid": str(total)},
        )
    return app


def withdrawal_reject(
    *,
    application: WithdrawalApplication,
    actor: Actor,
    reason: str,
) -> WithdrawalApplication:
    """不予提取, with the reason the applicant will read.

    A submitted case may be refused by a clerk (不予受理) or an approver; an
    accepted one only by an approver.
    """
    if not reason.strip():
        raise BusinessError(
            "reason_required",
            "不予提取必须填写原因",
            fields={"reason": [{"code": "required", "message": "不予提取必须填写原因"}]},
        )
    with transaction.atomic():
        app = _lock_application(application)
        action = (
            WithdrawalAction.REFUSE
            if app.status == WithdrawalStatus.SUBMITTED
            else WithdrawalAction.REJECT
        )
        step = WITHDRAWAL_STEPS[action]
        case_check(case=app, step=step, actor=actor, flow=WITHDRAWAL_FLOW)
        app.decided_at = timezone.now()
        app.decided_by = _user(actor)
        app.decision_reason = reason.strip()[:500]
        case_move(
            case=app,
            step=step,
            actor=actor,
            flow=WITHDRAWAL_FLOW,
            on=today_local(),
            reason=reason,
            fields=["decided_at", "decided_by", "decision_reason"],
        )
    return app


def withdrawal_cancel(
    *, application: WithdrawalApplication, actor: Actor, reason: str = ""
) -> WithdrawalApplication:
    """The applicant withdraws the application before a decision (a clerk may on their behalf)."""
    with transaction.atomic():
        app = _lock_application(application)
        step = WITHDRAWAL_STEPS[WithdrawalAction.CANCEL]
        case_check(case=app, step=step, actor=actor, flow=WITHDRAWAL_FLOW)
        if not actor_is_user_of(actor, app.applicant) and not reason.strip():
            raise BusinessError("reason_required", "经办人员代为撤回必须填写原因")
        app.cancelled_at = timezone.now()
        case_move(
            case=app,
            step=step,
            actor=actor,
            flow=WITHDRAWAL_FLOW,
            on=today_local(),
            reason=reason or "申请人撤回",
            fields=["cancelled_at"],
        )
    return app
