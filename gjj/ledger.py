"""Manual postings (补缴 by hand, 调账, 冲账): a request that posts only on a second person's word.

Rules: domain.md §8. Withdrawal-type entries never come from here. Imports nothing above ``gjj``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Final

from django.db import IntegrityError, transaction
from django.utils import timezone

from gjj.domain import (
    AuditAction,
    ManualPostingAction,
    ManualPostingKind,
    ManualPostingStatus,
    Role,
)
from gjj.errors import BusinessError, ConflictError, TransitionError
from gjj.models import AccountEntry, EntryType, ManualPosting, ProvidentAccount
from gjj.money import round_fen, to_decimal
from gjj.selectors import today_local
from gjj.services import (
    Actor,
    Posting,
    account_entries_post,
    account_entry_reverse,
    audit_record,
    lock_in_pk_order,
)
from gjj.workflow import Flow, Move, Step, case_check, case_move, require_not_involved, require_role

_FOUR_EYES: Final = "手工记账须由申请人以外的复核或审批岗位人员复核"

# Another person in another role: the clerk asks, a 复核 or 审批 holder decides.
MANUAL_POSTING_STEPS: Final = {
    ManualPostingAction.APPROVE: Step(
        sources=frozenset({ManualPostingStatus.REQUESTED}),
        target=ManualPostingStatus.POSTED,
        label=ManualPostingAction.APPROVE.label,
        audit=AuditAction.MANUAL_POSTING_APPROVED,
        roles=frozenset({Role.REVIEWER, Role.APPROVER}),
        not_same_as="requested_by",
        four_eyes_code="four_eyes_required",
        four_eyes_message=_FOUR_EYES,
    ),
    ManualPostingAction.REJECT: Step(
        sources=frozenset({ManualPostingStatus.REQUESTED}),
        target=ManualPostingStatus.REJECTED,
        label=ManualPostingAction.REJECT.label,
        audit=AuditAction.MANUAL_POSTING_REJECTED,
        roles=frozenset({Role.REVIEWER, Role.APPROVER}),
        not_same_as="requested_by",
        four_eyes_code="four_eyes_required",
        four_eyes_message=_FOUR_EYES,
    ),
}


def _no_history(move: Move[ManualPosting]) -> None:
    return None  # the audit row case_move writes is the request's history


MANUAL_POSTING_FLOW: Final[Flow[ManualPosting, ManualPostingAction]] = Flow(
    noun="账务",
    steps=MANUAL_POSTING_STEPS,
    applicant_of=lambda request: request.account.depositor,
    involved=lambda request: (),
    state_text=lambda request: f"手工记账申请状态为“{request.get_status_display()}”",
    write_history=_no_history,
    touched=("updated_at",),
)

_ENTRY_TYPES: Final = {
    ManualPostingKind.SUPPLEMENT: EntryType.SUPPLEMENT,
    ManualPostingKind.ADJUSTMENT: EntryType.ADJUSTMENT,
}


def manual_posting_request(
    *,
    account: ProvidentAccount,
    kind: ManualPostingKind,
    value_date: date,
    reason: str,
    reference: str,
    actor: Actor,
    amount: Decimal | None = None,
    reverses: AccountEntry | None = None,
) -> ManualPosting:
    """A 经办 asks for a manual posting; nothing is posted until it is approved.

    A reversal names ``reverses`` and takes the opposite of its amount. Refuses 403
    ``role_required``/``own_application``, 400 for a missing reason or reference or a
    bad amount, 409 when the entry is already reversed or has an open request.
    """
    kind = _manual_kind(kind)
    if not reason.strip():
        raise BusinessError("reason_required", "手工记账必须填写原因")
    if not reference.strip():
        raise BusinessError("reference_required", "手工记账必须填写依据（凭证号）")
    require_role(actor, Role.CLERK, doing="申请手工记账")
    if actor is None:  # require_role refused it already; this tells the type checker
        raise BusinessError("actor_required", "手工记账须由经办人申请")
    with transaction.atomic():
        [locked] = lock_in_pk_order(ProvidentAccount, [account.pk]).values()
        require_not_involved(actor, locked.depositor, noun="账务")
        if kind == ManualPostingKind.REVERSAL:
            signed = _reversal_amount(account=locked, entry=reverses)
        else:
            signed = _manual_amount(kind=kind, amount=amount)
        try:
            with transaction.atomic():
                request = ManualPosting.objects.create(
                    account=locked,
                    kind=kind,
                    amount=signed,
                    value_date=value_date,
                    reverses=reverses if kind == ManualPostingKind.REVERSAL else None,
                    reason=reason.strip(),
                    reference=reference.strip(),
                    requested_by=actor,
                )
        except IntegrityError as exc:  # the partial unique index: one open reversal per entry
            raise ConflictError("reversal_requested", "该分录已有待复核的冲账申请") from exc
        audit_record(
            actor=actor,
            action=AuditAction.MANUAL_POSTING_REQUESTED,
            obj=request,
            new={
                "status": request.status,
                "kind": kind.value,
                "account": locked.pk,
                "amount": signed,
                "reference": request.reference,
                "reverses": reverses.pk if reverses is not None else None,
            },
            reason=request.reason,
        )
    return request


# Withdrawal-type entries come only from withdrawal applications (domain.md §8).
_WITHDRAWAL_TYPES: Final = frozenset(
    {EntryType.PARTIAL_WITHDRAWAL, EntryType.CLOSING_WITHDRAWAL, EntryType.TRANSFER_OUT}
)


def _manual_kind(kind: str) -> ManualPostingKind:
    if kind in _WITHDRAWAL_TYPES:
        raise BusinessError(
            "withdrawal_not_manual", "提取、转出类分录只能由提取业务产生，不能手工记账"
        )
    try:
        return ManualPostingKind(kind)
    except ValueError as exc:
        raise BusinessError("invalid_kind", f"不能手工记账的类别：{kind}") from exc


def _manual_amount(*, kind: ManualPostingKind, amount: Decimal | None) -> Decimal:
    value = to_decimal(amount) if amount is not None else Decimal(0)
    if value == 0 or round_fen(value) != value:
        raise BusinessError("invalid_amount", "发生额必须为非零且精确到分")
    if kind == ManualPostingKind.SUPPLEMENT and value < 0:
        raise BusinessError("invalid_amount", "补缴的发生额必须为正数")
    return value


def _reversal_amount(*, account: ProvidentAccount, entry: AccountEntry | None) -> Decimal:
    if entry is None or entry.account_id != account.pk:
        raise BusinessError("entry_required", "冲账必须指明本账户的一笔分录")
    if entry.entry_type == EntryType.REVERSAL:
        raise TransitionError("cannot_reverse_reversal", "冲账分录不能再冲正")
    if AccountEntry.objects.filter(reverses=entry).exists():
        raise TransitionError("already_reversed", "该分录已冲正")
    return -entry.amount


def _lock_request(request: ManualPosting) -> ManualPosting:
    [locked] = lock_in_pk_order(ManualPosting, [request.pk]).values()
    return locked


def manual_posting_approve(
    *, request: ManualPosting, actor: Actor, reason: str = ""
) -> ManualPosting:
    """复核 or 审批, not the requester: post the entry (or the reversal) and close the request.

    Locks the request, then the account. Refuses as ``case_check`` does, and 400
    ``insufficient_balance`` when the posting would take the balance below zero.
    """
    with transaction.atomic():
        locked = _lock_request(request)
        step = MANUAL_POSTING_STEPS[ManualPostingAction.APPROVE]
        case_check(case=locked, step=step, actor=actor, flow=MANUAL_POSTING_FLOW)
        if locked.reverses is not None:
            entry = account_entry_reverse(
                entry=locked.reverses,
                value_date=locked.value_date,
                actor=actor,
                reason=f"{locked.reason}（{locked.reference}）",
            )
        else:
            [entry] = account_entries_post(
                postings=[
                    Posting(
                        account_id=locked.account_id,
                        entry_type=_ENTRY_TYPES[ManualPostingKind(locked.kind)],
                        amount=locked.amount,
                        memo=f"{locked.get_kind_display()}：{locked.reason}"[:200],
                        reference=locked.reference,
                    )
                ],
                value_date=locked.value_date,
                actor=actor,
                reason=locked.reason,
            )
        locked.entry = entry
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        case_move(
            case=locked,
            step=step,
            actor=actor,
            flow=MANUAL_POSTING_FLOW,
            on=today_local(),
            reason=reason,
            fields=["entry", "decided_by", "decided_at"],
            new={"entry": entry.pk},
        )
    return locked


def manual_posting_reject(*, request: ManualPosting, actor: Actor, reason: str) -> ManualPosting:
    """复核 or 审批, not the requester, sends the request back; nothing is posted."""
    if not reason.strip():
        raise BusinessError("reason_required", "退回必须填写原因")
    with transaction.atomic():
        locked = _lock_request(request)
        locked.decided_by = actor
        locked.decided_at = timezone.now()
        case_move(
            case=locked,
            step=MANUAL_POSTING_STEPS[ManualPostingAction.REJECT],
            actor=actor,
            flow=MANUAL_POSTING_FLOW,
            on=today_local(),
            reason=reason,
            fields=["decided_by", "decided_at"],
        )
    return locked
