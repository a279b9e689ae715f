"""Every write to the center's core data.

Each service runs in one transaction, takes row locks in primary-key order,
checks what it is asked to do, and writes an audit row with the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from gjj.domain import AuditAction, Role, SpecialGroup, TermBand
from gjj.errors import ActorNotAllowed, BusinessError, ConflictError, TransitionError
from gjj.logging import mask_text
from gjj.models import (
    AccountEntry,
    AccountStatus,
    AuditLog,
    Depositor,
    Employer,
    EntryType,
    FamilyMember,
    Home,
    LoanRate,
    PfLoanRecord,
    PolicyParameter,
    PolicySource,
    ProvidentAccount,
    Relation,
    SpecialGroupMembership,
)
from gjj.money import round_fen, to_decimal
from gjj.policy import RULE_CODES, Key, PolicyStatus, ValueKind, parse_value, status_for_source
from gjj.selectors import (
    local_city,
    measure_days_left,
    policy_cache_clear,
    policy_in_force,
    today_local,
)

M = TypeVar("M", bound=models.Model)
# The one actor type: a staff or applicant log-in, or None for the system itself.
Actor = User | None


# --- audit and locking -------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | date):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def audit_record(
    *,
    actor: Actor,
    action: AuditAction,
    obj: models.Model,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    reason: str = "",
    actor_label: str | None = None,
    object_repr: str | None = None,
) -> AuditLog:
    """Append one audit row; call inside the transaction of the change.

    ``obj`` may be unsaved (e.g. a log-in attempt for a user name that does not
    exist): its id is then left empty. ``object_repr`` replaces ``str(obj)`` where
    that would show something that must be masked. ``action`` must be an
    ``AuditAction``: an unnamed action is refused rather than stored.
    """
    row = audit_build(
        actor=actor,
        action=action,
        obj=obj,
        old=old,
        new=new,
        reason=reason,
        actor_label=actor_label,
        object_repr=object_repr,
    )
    row.save(force_insert=True)
    return row


def audit_build(
    *,
    actor: Actor,
    action: AuditAction,
    obj: models.Model,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    reason: str = "",
    actor_label: str | None = None,
    object_repr: str | None = None,
) -> AuditLog:
    """The audit row ``audit_record`` writes, unsaved: many are then written in one insert."""
    if not isinstance(action, AuditAction):
        raise TypeError(f"audit action must be an AuditAction, not {action!r}")
    label = actor_label or (actor.get_username() if actor is not None else "system")
    return AuditLog(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=label,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk) if obj.pk is not None else "",
        object_repr=(str(obj) if object_repr is None else object_repr)[:200],
        old={k: _plain(v) for k, v in old.items()} if old is not None else None,
        new={k: _plain(v) for k, v in new.items()} if new is not None else None,
        reason=reason[:500],
    )


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {f: _plain(getattr(obj, f)) for f in fields}


def lock_in_pk_order(model: type[M], pks: Iterable[int]) -> dict[int, M]:
    """SELECT … FOR UPDATE the rows in ascending pk order (no lock-order deadlocks)."""
    ids = sorted(set(pks))
    rows = model._default_manager.select_for_update().filter(pk__in=ids).order_by("pk")
    found = {row.pk: row for row in rows}
    missing = [i for i in ids if i not in found]
    if missing:
        raise BusinessError("not_found", f"记录不存在：{model._meta.verbose_name} {missing}")
    return found


# --- employers and depositors -----------------------------------------------


def _validated_uscc(code: str) -> str:
    try:
        return uscc.validate(code)
    except StdnumError as exc:
        raise BusinessError(
            "invalid_credit_code",
            "统一社会信用代码无效",
            fields={"credit_code": [{"code": "invalid", "message": "统一社会信用代码无效"}]},
        ) from exc


def validated_id_number(id_number: str) -> str:
    try:
        return ric.validate(id_number).upper()
    except StdnumError as exc:
        raise BusinessError(
            "invalid_id_number",
            "居民身份证号码无效",
            fields={"id_number": [{"code": "invalid", "message": "居民身份证号码无效"}]},
        ) from exc


def employer_create(*, name: str, credit_code: str, address: str = "", actor: Actor) -> Employer:
    code = _validated_uscc(credit_code)
    with transaction.atomic():
        if Employer.objects.filter(credit_code=code).exists():
            raise BusinessError("duplicate_employer", "该统一社会信用代码已登记")
        employer = Employer.objects.create(name=name, credit_code=code, address=address)
        audit_record(
            actor=actor, action=AuditAction.EMPLOYER_CREATED, obj=employer, new={"name": name}
        )
    return employer


def depositor_create(
    *,
    name: str,
    id_number: str,
    actor: Actor,
    employer: Employer | None = None,
    phone: str = "",
    hukou_city: str = "",
    hukou_since: date | None = None,
) -> Depositor:
    """Register a depositor; birth date and sex come from the ID number."""
    number = validated_id_number(id_number)
    birth = ric.get_birth_date(number)
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    with transaction.atomic():
        if Depositor.objects.filter(id_number=number).exists():
            raise BusinessError("duplicate_depositor", "该身份证号码已登记为缴存职工")
        depositor = Depositor.objects.create(
            name=name,
            id_number=number,
            birth_date=birth,
            sex=sex,
            phone=phone,
            hukou_city=hukou_city,
            hukou_since=hukou_since,
            employer=employer,
        )
        audit_record(
            actor=actor,
            action=AuditAction.DEPOSITOR_CREATED,
            obj=depositor,
            new={"name": name, "employer": employer},
        )
    return depositor


# --- accounts and ledger -----------------------------------------------------

_ACCOUNT_TRANSITIONS: dict[str, set[str]] = {
    AccountStatus.NORMAL: {
        AccountStatus.SEALED,
        AccountStatus.FROZEN,
        AccountStatus.MERGED,
        AccountStatus.TRANSFERRED_OUT,
        AccountStatus.WITHDRAWN_CLOSED,
    },
    AccountStatus.SEALED: {
        AccountStatus.NORMAL,
        AccountStatus.FROZEN,
        AccountStatus.MERGED,
        AccountStatus.TRANSFERRED_OUT,
        AccountStatus.WITHDRAWN_CLOSED,
    },
    AccountStatus.FROZEN: {AccountStatus.NORMAL, AccountStatus.SEALED},
}


def account_open(
    *,
    depositor: Depositor,
    account_number: str,
    deposit_base: Decimal,
    employee_monthly: Decimal,
    employer_monthly: Decimal,
    opened_on: date,
    actor: Actor,
    continuous_deposit_months: int = 0,
) -> ProvidentAccount:
    for label, value in (
        ("缴存基数", deposit_base),
        ("个人月缴存额", employee_monthly),
        ("单位月缴存额", employer_monthly),
    ):
        if to_decimal(value) < 0:
            raise BusinessError("invalid_amount", f"{label}不能为负数")
    with transaction.atomic():
        if ProvidentAccount.objects.filter(depositor=depositor).exists():
            raise BusinessError("account_exists", "该缴存职工已有个人公积金账户")
        if ProvidentAccount.objects.filter(account_number=account_number).exists():
            raise BusinessError("duplicate_account_number", "个人账号已存在")
        account = ProvidentAccount.objects.create(
            depositor=depositor,
            account_number=account_number,
            deposit_base=round_fen(to_decimal(deposit_base)),
            employee_monthly=round_fen(to_decimal(employee_monthly)),
            employer_monthly=round_fen(to_decimal(employer_monthly)),
            opened_on=opened_on,
            continuous_deposit_months=continuous_deposit_months,
        )
        audit_record(
            actor=actor,
            action=AuditAction.ACCOUNT_OPENED,
            obj=account,
            new=snapshot(account, ["account_number", "status", "deposit_base", "opened_on"]),
        )
    return account


def account_status_change(
    *, account: ProvidentAccount, status: str, actor: Actor, reason: str
) -> ProvidentAccount:
    if not reason.strip():
        raise BusinessError("reason_required", "变更账户状态必须填写原因")
    with transaction.atomic():
        locked = lock_in_pk_order(ProvidentAccount, [account.pk])[account.pk]
        if status not in _ACCOUNT_TRANSITIONS.get(locked.status, set()):
            raise TransitionError(
                "invalid_transition",
                f"账户状态不能由“{locked.get_status_display()}”变更为“{AccountStatus(status).label}”",
            )
        old = locked.status
        locked.status = status
        locked.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action=AuditAction.ACCOUNT_STATUS_CHANGED,
            obj=locked,
            old={"status": old},
            new={"status": status},
            reason=reason,
        )
    return locked


@dataclass(frozen=True)
class Posting:
    """One ledger movement to post: signed amount, credits positive."""

    account_id: int
    entry_type: str
    amount: Decimal
    memo: str = ""
    withdrawal_reason: str = ""
    reference: str = ""


_DEBIT_TYPES = {EntryType.PARTIAL_WITHDRAWAL, EntryType.CLOSING_WITHDRAWAL, EntryType.TRANSFER_OUT}
_CREDIT_TYPES = {
    EntryType.REMITTANCE,
    EntryType.SUPPLEMENT,
    EntryType.YEAR_END_INTEREST,
    EntryType.TRANSFER_IN,
}


def account_entries_post(
    *, postings: Sequence[Posting], value_date: date, actor: Actor, reason: str = ""
) -> list[AccountEntry]:
    """Post several movements atomically: all or none.

    Accounts are locked in primary-key order; if any balance would go below
    zero nothing is written and the error names the account.
    """
    if not postings:
        raise BusinessError("empty_posting", "没有需要记账的分录")
    for p in postings:
        amount = to_decimal(p.amount)
        if amount == 0 or round_fen(amount) != amount:
            raise BusinessError("invalid_amount", "发生额必须为非零且精确到分")
        if p.entry_type in _DEBIT_TYPES and amount > 0:
            raise BusinessError("invalid_amount", "提取、转出分录的发生额必须为负数")
        if p.entry_type in _CREDIT_TYPES and amount < 0:
            raise BusinessError("invalid_amount", "缴存、结息、转入分录的发生额必须为正数")
        if p.entry_type == EntryType.REVERSAL:
            raise BusinessError("use_reversal_service", "冲账请使用冲正功能")
    with transaction.atomic():
        accounts = lock_in_pk_order(ProvidentAccount, [p.account_id for p in postings])
        balances = {pk: acc.balance for pk, acc in accounts.items()}
        for p in postings:
            acc = accounts[p.account_id]
            if acc.status not in (AccountStatus.NORMAL, AccountStatus.SEALED):
                raise BusinessError(
                    "account_not_active",
                    f"账户{acc.account_number}状态为“{acc.get_status_display()}”，不能记账",
                )
            balances[p.account_id] += p.amount
            if balances[p.account_id] < 0:
                raise BusinessError(
                    "insufficient_balance",
                    f"账户{acc.account_number}余额不足：可用{acc.balance}元",
                )
        running = {pk: acc.balance for pk, acc in accounts.items()}
        creator = actor if actor is not None and actor.pk else None
        unsaved = []
        for p in postings:
            running[p.account_id] += p.amount
            unsaved.append(
                AccountEntry(
                    account_id=p.account_id,
                    entry_type=p.entry_type,
                    amount=p.amount,
                    balance_after=running[p.account_id],
                    value_date=value_date,
                    withdrawal_reason=p.withdrawal_reason,
                    memo=p.memo,
                    reference=p.reference,
                    created_by=creator,
                )
            )
        # One insert per table, however many postings (the night posts a chunk at once).
        entries = AccountEntry.objects.bulk_create(unsaved)
        audits = [
            audit_build(
                actor=actor,
                action=AuditAction.ACCOUNT_ENTRY_POSTED,
                obj=entry,
                new={"account": p.account_id, "type": p.entry_type, "amount": p.amount},
                reason=reason,
            )
            for p, entry in zip(postings, entries, strict=True)
        ]
        changed = []
        for pk, acc in accounts.items():
            if running[pk] != acc.balance:
                old = acc.balance
                acc.balance = running[pk]
                changed.append(acc)
                audits.append(
                    audit_build(
                        actor=actor,
                        action=AuditAction.ACCOUNT_BALANCE_CHANGED,
                        obj=acc,
                        old={"balance": old},
                        new={"balance": acc.balance},
                        reason=reason,
                    )
                )
        ProvidentAccount.objects.bulk_update(changed, ["balance"], batch_size=250)
        AuditLog.objects.bulk_create(audits)
    return entries


def account_entry_post(
    *,
    account: ProvidentAccount,
    entry_type: str,
    amount: Decimal,
    value_date: date,
    actor: Actor,
    memo: str = "",
    withdrawal_reason: str = "",
    reference: str = "",
) -> AccountEntry:
    return account_entries_post(
        postings=[
            Posting(
                account_id=account.pk,
                entry_type=entry_type,
                amount=to_decimal(amount),
                memo=memo,
                withdrawal_reason=withdrawal_reason,
                reference=reference,
            )
        ],
        value_date=value_date,
        actor=actor,
        reason=memo,
    )[0]


def account_entry_reverse(
    *, entry: AccountEntry, value_date: date, actor: Actor, reason: str
) -> AccountEntry:
    """Cancel an entry with an opposite one (冲账); the original stays."""
    if not reason.strip():
        raise BusinessError("reason_required", "冲账必须填写原因")
    with transaction.atomic():
        account = lock_in_pk_order(ProvidentAccount, [entry.account_id])[entry.account_id]
        original = AccountEntry.objects.select_for_update().get(pk=entry.pk)
        if original.entry_type == EntryType.REVERSAL:
            raise TransitionError("cannot_reverse_reversal", "冲账分录不能再冲正")
        if AccountEntry.objects.filter(reverses=original).exists():
            raise TransitionError("already_reversed", "该分录已冲正")
        new_balance = account.balance - original.amount
        if new_balance < 0:
            raise BusinessError(
                "insufficient_balance", f"冲正后账户余额为负：可用{account.balance}元"
            )
        try:
            reversal = AccountEntry.objects.create(
                account=account,
                entry_type=EntryType.REVERSAL,
                amount=-original.amount,
                balance_after=new_balance,
                value_date=value_date,
                reverses=original,
                memo=f"冲正：{reason}"[:200],
                reference=original.reference,
                created_by=actor if actor is not None and actor.pk else None,
            )
        except IntegrityError as exc:  # a concurrent reversal won the race
            raise TransitionError("already_reversed", "该分录已冲正") from exc
        old = account.balance
        account.balance = new_balance
        account.save(update_fields=["balance"])
        audit_record(
            actor=actor,
            action=AuditAction.ACCOUNT_ENTRY_REVERSED,
            obj=reversal,
            old={"entry": original.pk, "balance": old},
            new={"balance": new_balance},
            reason=reason,
        )
    return reversal


# --- families, homes, loan history, special groups ------------------------


def family_member_add(
    *,
    depositor: Depositor,
    relation: str,
    name: str,
    id_number: str,
    actor: Actor,
    evidence: str = "",
) -> FamilyMember:
    number = validated_id_number(id_number)
    if number == depositor.id_number:
        raise BusinessError("self_relation", "不能将本人登记为家庭成员")
    Relation(relation)
    with transaction.atomic():
        lock_in_pk_order(Depositor, [depositor.pk])
        if FamilyMember.objects.filter(
            depositor=depositor, id_number=number, ended_on__isnull=True
        ).exists():
            raise BusinessError("duplicate_family_member", "该家庭成员已登记")
        if (
            relation == Relation.SPOUSE
            and FamilyMember.objects.filter(
                depositor=depositor, relation=Relation.SPOUSE, ended_on__isnull=True
            ).exists()
        ):
            raise BusinessError("spouse_exists", "已登记配偶，请先终止原配偶关系")
        member = FamilyMember.objects.create(
            depositor=depositor,
            relation=relation,
            name=name,
            id_number=number,
            birth_date=ric.get_birth_date(number),
            relative_depositor=Depositor.objects.filter(id_number=number).first(),
            evidence=evidence,
        )
        audit_record(
            actor=actor,
            action=AuditAction.FAMILY_MEMBER_ADDED,
            obj=member,
            new={"relation": relation, "name": name},
        )
    return member


def _require_clerk_not_involved(
    actor: Actor, depositor: Depositor, *, doing: str, noun: str, also_ids: Iterable[int] = ()
) -> None:
    """经办 by group, never ``is_superuser`` (``role_required``); 回避 (``own_application``)."""
    # gjj.workflow imports this module, so its checks are imported when called.
    from gjj.workflow import require_not_involved, require_role

    require_role(actor, Role.CLERK, doing=doing)
    require_not_involved(actor, depositor, noun=noun, also_ids=also_ids)


def family_member_verify(*, member: FamilyMember, evidence: str, actor: Actor) -> FamilyMember:
    if actor is None:
        raise BusinessError("actor_required", "核验必须由经办人完成")
    also = [member.relative_depositor_id] if member.relative_depositor_id else []
    _require_clerk_not_involved(
        actor, member.depositor, doing="核验家庭关系", noun="家庭关系核验", also_ids=also
    )
    if not evidence.strip():
        raise BusinessError("evidence_required", "核验必须注明关系证明材料")
    with transaction.atomic():
        locked = lock_in_pk_order(FamilyMember, [member.pk])[member.pk]
        if locked.verified_at is not None:
            raise TransitionError("already_verified", "该家庭关系已核验")
        if locked.ended_on is not None:
            raise TransitionError("relation_ended", "该家庭关系已终止")
        locked.evidence = evidence
        locked.verified_at = timezone.now()
        locked.verified_by = actor
        locked.save(update_fields=["evidence", "verified_at", "verified_by"])
        audit_record(
            actor=actor,
            action=AuditAction.FAMILY_MEMBER_VERIFIED,
            obj=locked,
            old={"verified": False},
            new={"verified": True, "evidence": evidence},
        )
    return locked


def family_member_end(
    *, member: FamilyMember, ended_on: date, actor: Actor, reason: str
) -> FamilyMember:
    if not reason.strip():
        raise BusinessError("reason_required", "终止家庭关系必须填写原因")
    with transaction.atomic():
        locked = lock_in_pk_order(FamilyMember, [member.pk])[member.pk]
        if locked.ended_on is not None:
            raise TransitionError("relation_ended", "该家庭关系已终止")
        locked.ended_on = ended_on
        locked.save(update_fields=["ended_on"])
        audit_record(
            actor=actor,
            action=AuditAction.FAMILY_MEMBER_ENDED,
            obj=locked,
            old={"ended_on": None},
            new={"ended_on": ended_on},
            reason=reason,
        )
    return locked


def _fact_holder(*, owner: Depositor | None, member: FamilyMember | None, noun: str) -> Depositor:
    """The depositor whose household the fact belongs to; exactly one holder is named."""
    if member is None and owner is not None:
        return owner
    if member is None or owner is not None:
        raise BusinessError("holder_required", f"{noun}须登记在一名缴存职工或一名家庭成员名下")
    if member.ended_on is not None:
        raise BusinessError("relation_ended", "该家庭关系已终止")
    if member.relation == Relation.PARENT:
        # 套数认定 counts the couple and their minor children only (domain.md §3).
        raise BusinessError("not_household_member", "父母不属于认定住房套数的家庭成员")
    return member.depositor


def _not_own_household(actor: Actor, household: Depositor, *, noun: str) -> None:
    # 回避 (domain.md §8), as for every case that touches the actor's household.
    from gjj.workflow import require_not_involved  # gjj.workflow imports this module

    if actor is not None:
        require_not_involved(actor, household, noun=noun)


def home_register(
    *,
    address: str,
    registered_on: date,
    actor: Actor,
    owner: Depositor | None = None,
    member: FamilyMember | None = None,
    city: str = "",
    property_type: str = "commercial",
    certificate_number: str = "",
    contract_number: str = "",
    declared: bool = False,
) -> Home:
    """Record a household member's home with its 不动产权证 or contract number.

    A clerk's record is verified by that clerk; ``declared`` (the applicant over
    the API) leaves it 待核实 until a clerk verifies it (``home_verify``).
    """
    household = _fact_holder(owner=owner, member=member, noun="住房")
    if not certificate_number.strip() and not contract_number.strip():
        raise BusinessError("evidence_required", "住房须登记不动产权证号或购房合同编号")
    if not declared:
        _not_own_household(actor, household, noun="家庭住房")
    with transaction.atomic():
        lock_in_pk_order(Depositor, [household.pk])
        home = Home.objects.create(
            owner=owner,
            member=member,
            address=address,
            city=city or local_city(on=today_local()),  # blank: the center's own city
            property_type=property_type,
            registered_on=registered_on,
            certificate_number=certificate_number.strip(),
            contract_number=contract_number.strip(),
            declared_by=actor if declared else None,
            verified_by=None if declared else actor,
            verified_at=None if declared else timezone.now(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.HOME_DECLARED if declared else AuditAction.HOME_REGISTERED,
            obj=home,
            new=snapshot(
                home,
                [
                    "owner_id",
                    "member_id",
                    "address",
                    "city",
                    "registered_on",
                    "certificate_number",
                    "contract_number",
                ],
            ),
        )
    return home


def _fact_verify(
    *,
    locked: Home | PfLoanRecord,
    household: Depositor,
    actor: Actor,
    what: str,
    noun: str,
    action: AuditAction,
) -> None:
    """Mark a locked, declared household fact verified by a clerk outside the household."""
    _require_clerk_not_involved(actor, household, doing=f"核实{what}", noun=noun)
    if locked.verified_at is not None:
        raise TransitionError("already_verified", f"该{what}已核实")
    locked.verified_at = timezone.now()
    locked.verified_by = actor
    locked.save(update_fields=["verified_at", "verified_by"])
    audit_record(
        actor=actor, action=action, obj=locked, old={"verified": False}, new={"verified": True}
    )


def home_verify(*, home: Home, actor: Actor) -> Home:
    """A clerk verifies a declared home against its evidence (待核实 → 已核实)."""
    if actor is None:
        raise BusinessError("actor_required", "核实必须由经办人完成")
    with transaction.atomic():
        locked = lock_in_pk_order(Home, [home.pk])[home.pk]
        household = _fact_holder(owner=locked.owner, member=locked.member, noun="住房")
        _fact_verify(
            locked=locked,
            household=household,
            actor=actor,
            what="住房",
            noun="家庭住房",
            action=AuditAction.HOME_VERIFIED,
        )
    return locked


def home_dispose(*, home: Home, disposed_on: date, actor: Actor, reason: str) -> Home:
    with transaction.atomic():
        locked = lock_in_pk_order(Home, [home.pk])[home.pk]
        household = _fact_holder(owner=locked.owner, member=locked.member, noun="住房")
        _not_own_household(actor, household, noun="家庭住房")
        if locked.disposed_on is not None:
            raise TransitionError("already_disposed", "该住房已登记转让")
        if disposed_on < locked.registered_on:
            raise BusinessError("invalid_date", "转让日期不能早于登记日期")
        locked.disposed_on = disposed_on
        locked.save(update_fields=["disposed_on"])
        audit_record(
            actor=actor,
            action=AuditAction.HOME_DISPOSED,
            obj=locked,
            old={"disposed_on": None},
            new={"disposed_on": disposed_on},
            reason=reason,
        )
    return locked


def pf_loan_record_add(
    *,
    source: str,
    lender: str,
    amount: Decimal,
    issued_on: date,
    actor: Actor,
    borrower: Depositor | None = None,
    member: FamilyMember | None = None,
    contract_number: str = "",
    settled_on: date | None = None,
    declared: bool = False,
) -> PfLoanRecord:
    """Record a household member's provident loan: the lending center and the issue date.

    Verified at once when a clerk records it; ``declared`` leaves it 待核实.
    """
    household = _fact_holder(owner=borrower, member=member, noun="公积金贷款")
    PfLoanRecord.Source(source)
    if not lender.strip():
        raise BusinessError("evidence_required", "公积金贷款须登记发放机构")
    amount = to_decimal(amount)
    if amount <= 0:
        raise BusinessError("invalid_amount", "贷款金额必须大于零")
    if settled_on is not None and settled_on < issued_on:
        raise BusinessError("invalid_date", "结清日期不能早于发放日期")
    with transaction.atomic():
        lock_in_pk_order(Depositor, [household.pk])
        record = PfLoanRecord.objects.create(
            borrower=borrower,
            member=member,
            source=source,
            lender=lender.strip(),
            amount=round_fen(amount),
            issued_on=issued_on,
            settled_on=settled_on,
            contract_number=contract_number.strip(),
            declared_by=actor if declared else None,
            verified_by=None if declared else actor,
            verified_at=None if declared else timezone.now(),
        )
        audit_record(
            actor=actor,
            action=(
                AuditAction.PF_LOAN_RECORD_DECLARED
                if declared
                else AuditAction.PF_LOAN_RECORD_ADDED
            ),
            obj=record,
            new=snapshot(
                record,
                ["borrower_id", "member_id", "lender", "amount", "issued_on", "settled_on"],
            ),
        )
    return record


def pf_loan_record_verify(*, record: PfLoanRecord, actor: Actor) -> PfLoanRecord:
    """A clerk verifies a declared provident loan (待核实 → 已核实)."""
    if actor is None:
        raise BusinessError("actor_required", "核实必须由经办人完成")
    with transaction.atomic():
        locked = lock_in_pk_order(PfLoanRecord, [record.pk])[record.pk]
        household = _fact_holder(owner=locked.borrower, member=locked.member, noun="公积金贷款")
        _fact_verify(
            locked=locked,
            household=household,
            actor=actor,
            what="公积金贷款记录",
            noun="公积金贷款记录",
            action=AuditAction.PF_LOAN_RECORD_VERIFIED,
        )
    return locked


def pf_loan_record_settle(*, record: PfLoanRecord, settled_on: date, actor: Actor) -> PfLoanRecord:
    with transaction.atomic():
        locked = lock_in_pk_order(PfLoanRecord, [record.pk])[record.pk]
        if locked.settled_on is not None:
            raise TransitionError("already_settled", "该贷款已结清")
        if settled_on < locked.issued_on:
            raise BusinessError("invalid_date", "结清日期不能早于发放日期")
        locked.settled_on = settled_on
        locked.save(update_fields=["settled_on"])
        audit_record(
            actor=actor,
            action=AuditAction.PF_LOAN_RECORD_SETTLED,
            obj=locked,
            old={"settled_on": None},
            new={"settled_on": settled_on},
        )
    return locked


def special_group_grant(
    *,
    depositor: Depositor,
    group: str,
    evidence: str,
    valid_from: date,
    actor: Actor,
    valid_to: date | None = None,
) -> SpecialGroupMembership:
    SpecialGroup(group)
    if actor is None:
        raise BusinessError("actor_required", "特定群体须由经办人认定")
    _require_clerk_not_involved(actor, depositor, doing="认定特定群体", noun="特定群体认定")
    if not evidence.strip():
        raise BusinessError("evidence_required", "特定群体认定必须注明依据")
    if valid_to is not None and valid_to < valid_from:
        raise BusinessError("invalid_date", "有效期止不能早于有效期起")
    with transaction.atomic():
        membership = SpecialGroupMembership.objects.create(
            depositor=depositor,
            group=group,
            evidence=evidence,
            verified_by=actor,
            verified_at=timezone.now(),
            valid_from=valid_from,
            valid_to=valid_to,
        )
        audit_record(
            actor=actor,
            action=AuditAction.SPECIAL_GROUP_GRANTED,
            obj=membership,
            new={"group": group, "valid_from": valid_from, "valid_to": valid_to},
            reason=evidence,
        )
    return membership


def special_group_revoke(
    *, membership: SpecialGroupMembership, actor: Actor, reason: str
) -> SpecialGroupMembership:
    if not reason.strip():
        raise BusinessError("reason_required", "撤销认定必须填写原因")
    with transaction.atomic():
        locked = lock_in_pk_order(SpecialGroupMembership, [membership.pk])[membership.pk]
        if locked.revoked_at is not None:
            raise TransitionError("already_revoked", "该认定已撤销")
        locked.revoked_at = timezone.now()
        locked.revoke_reason = reason
        locked.save(update_fields=["revoked_at", "revoke_reason"])
        audit_record(
            actor=actor,
            action=AuditAction.SPECIAL_GROUP_REVOKED,
            obj=locked,
            old={"revoked": False},
            new={"revoked": True},
            reason=reason,
        )
    return locked


# --- policy --------------------------------------------------------------------

_PARAM_FIELDS = [
    "key",
    "kind",
    "value",
    "effective_from",
    "effective_to",
    "document",
    "article",
    "source",
    "note",
]


def _check_policy_row(
    *, key: str, kind: str, value: str | None, effective_from: date, effective_to: date | None
) -> None:
    known = {k.value for k in Key}
    if key not in known:
        raise BusinessError("unknown_policy_key", f"未知的政策参数：{key}")
    try:
        parse_value(ValueKind(kind), value)
    except (ValueError, ArithmeticError) as exc:
        raise BusinessError("invalid_policy_value", f"参数取值与类型“{kind}”不符") from exc
    codes = RULE_CODES.get(key)
    if codes is not None and value is not None and value not in codes:
        raise BusinessError(
            "unknown_rule_code", f"“{key}”只能取以下规则之一：{'、'.join(sorted(codes))}"
        )
    if effective_to is not None and effective_to < effective_from:
        raise BusinessError("invalid_date", "失效日期不能早于生效日期")


def _require_policy_row_correctable(
    row: PolicyParameter | LoanRate, *, actor: Actor, noun: str
) -> None:
    """A correction: the row not yet in force, by 政策管理, and not confirmed by a document."""
    # gjj.workflow imports this module, so its checks are imported when called.
    from gjj.workflow import require_role

    if row.effective_from <= today_local():
        raise BusinessError(
            "policy_in_force_immutable", f"已生效的{noun}不能修改，请新增一条更晚生效的记录"
        )
    require_role(actor, Role.POLICY_ADMIN, doing=f"更正未生效{noun}")
    if row.confirmed_at is not None:
        raise BusinessError(
            "policy_row_confirmed",
            f"该{noun}已由中心文件{row.confirmation_number}确认，不能更正；请新增一条更晚生效的记录",
        )


def policy_parameter_add(
    *,
    key: str,
    kind: str,
    value: str | None,
    effective_from: date,
    document: str,
    article: str,
    source: str,
    actor: Actor,
    effective_to: date | None = None,
    note: str = "",
    allow_past: bool = False,
) -> PolicyParameter:
    """Add a dated row. It may only start after today: policy in force is never rewritten.

    ``allow_past`` is for data migrations that load published history. An empty
    value means the parameter is unset.
    """
    from gjj.workflow import require_role

    require_role(actor, Role.POLICY_ADMIN, doing="新增政策参数")
    value = value if value not in ("", None) else None
    _check_policy_row(
        key=key, kind=kind, value=value, effective_from=effective_from, effective_to=effective_to
    )
    PolicySource(source)
    if not document.strip() or not article.strip():
        raise BusinessError("citation_required", "政策参数必须注明依据文件和条款")
    if not allow_past and effective_from <= today_local():
        raise BusinessError("policy_in_force_immutable", "新增政策参数的生效日期必须晚于今天")
    with transaction.atomic():
        if PolicyParameter.objects.filter(key=key, effective_from=effective_from).exists():
            raise BusinessError("duplicate_policy_row", "该参数在同一生效日期已有记录")
        row = PolicyParameter.objects.create(
            key=key,
            kind=kind,
            value=value,
            effective_from=effective_from,
            effective_to=effective_to,
            document=document,
            article=article,
            source=source,
            status=status_for_source(source),
            note=note,
            created_by=actor if actor is not None and actor.pk else None,
        )
        audit_record(
            actor=actor,
            action=AuditAction.POLICY_PARAMETER_ADDED,
            obj=row,
            new=snapshot(row, [*_PARAM_FIELDS, "status"]),
        )
        transaction.on_commit(policy_cache_clear)
    return row


def policy_parameter_update(
    *, row: PolicyParameter, changes: dict[str, Any], actor: Actor, reason: str
) -> PolicyParameter:
    """Correct a row that has not yet taken effect (政策管理); rows in force are immutable.

    A row the center has confirmed by its document is not corrected: its document
    names the old value. Refusals: 400 ``policy_in_force_immutable``, ``policy_row_confirmed``;
    403 ``role_required``.
    """
    if not reason.strip():
        raise BusinessError("reason_required", "修改政策参数必须填写原因")
    bad = set(changes) - set(_PARAM_FIELDS) | ({"key"} & set(changes))
    if bad:
        raise BusinessError("invalid_field", f"不能修改字段：{', '.join(sorted(bad))}")
    if "source" in changes:
        PolicySource(changes["source"])
    with transaction.atomic():
        locked = lock_in_pk_order(PolicyParameter, [row.pk])[row.pk]
        _require_policy_row_correctable(locked, actor=actor, noun="政策参数")
        old = snapshot(locked, [*_PARAM_FIELDS, "status"])
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.status = status_for_source(locked.source)
        _check_policy_row(
            key=locked.key,
            kind=locked.kind,
            value=locked.value,
            effective_from=locked.effective_from,
            effective_to=locked.effective_to,
        )
        if locked.effective_from <= today_local():
            raise BusinessError("policy_in_force_immutable", "生效日期必须晚于今天")
        locked.save()
        audit_record(
            actor=actor,
            action=AuditAction.POLICY_PARAMETER_UPDATED,
            obj=locked,
            old=old,
            new=snapshot(locked, [*_PARAM_FIELDS, "status"]),
            reason=reason,
        )
        transaction.on_commit(policy_cache_clear)
    return locked


_RATE_FIELDS = [
    "effective_from",
    "home_tier",
    "term_band",
    "annual_rate_percent",
    "is_floor",
    "document",
    "article",
    "source",
    "note",
]


def _check_rate_row(
    *, home_tier: int, term_band: str, rate: Decimal, document: str, article: str, source: str
) -> None:
    TermBand(term_band)
    PolicySource(source)
    if home_tier not in (1, 2):
        raise BusinessError("invalid_home_tier", "住房套数只能为首套或第二套")
    if rate <= 0 or rate >= 100:
        raise BusinessError("invalid_rate", "年利率必须大于0且小于100")
    if not document.strip() or not article.strip():
        raise BusinessError("citation_required", "利率必须注明依据文件和条款")


def policy_rate_add(
    *,
    effective_from: date,
    home_tier: int,
    term_band: str,
    annual_rate_percent: Decimal,
    document: str,
    article: str,
    actor: Actor,
    is_floor: bool = False,
    note: str = "",
    source: str = PolicySource.NATIONAL,
    allow_past: bool = False,
) -> LoanRate:
    """Add a dated rate cell; it may only start after today. A PBOC notice is national."""
    from gjj.workflow import require_role

    require_role(actor, Role.POLICY_ADMIN, doing="新增贷款利率")
    rate = to_decimal(annual_rate_percent)
    _check_rate_row(
        home_tier=home_tier,
        term_band=term_band,
        rate=rate,
        document=document,
        article=article,
        source=source,
    )
    if not allow_past and effective_from <= today_local():
        raise BusinessError("policy_in_force_immutable", "新增利率的生效日期必须晚于今天")
    with transaction.atomic():
        if LoanRate.objects.filter(
            effective_from=effective_from, home_tier=home_tier, term_band=term_band
        ).exists():
            raise BusinessError("duplicate_rate_row", "该档次在同一生效日期已有利率")
        row = LoanRate.objects.create(
            effective_from=effective_from,
            home_tier=home_tier,
            term_band=term_band,
            annual_rate_percent=rate,
            is_floor=is_floor,
            document=document,
            article=article,
            source=source,
            status=status_for_source(source),
            note=note,
            created_by=actor if actor is not None and actor.pk else None,
        )
        audit_record(
            actor=actor,
            action=AuditAction.POLICY_RATE_ADDED,
            obj=row,
            new=snapshot(row, [*_RATE_FIELDS, "status"]),
        )
        transaction.on_commit(policy_cache_clear)
    return row


def policy_rate_update(
    *, row: LoanRate, changes: dict[str, Any], actor: Actor, reason: str
) -> LoanRate:
    """Correct a rate cell not yet in force (政策管理); a cell in force is succeeded instead.

    The tier and term band name the cell and are not changed. Refusals as for
    ``policy_parameter_update``; a clash with another cell is 400 ``duplicate_rate_row``.
    """
    if not reason.strip():
        raise BusinessError("reason_required", "修改利率必须填写原因")
    bad = set(changes) - set(_RATE_FIELDS) | ({"home_tier", "term_band"} & set(changes))
    if bad:
        raise BusinessError("invalid_field", f"不能修改字段：{', '.join(sorted(bad))}")
    with transaction.atomic():
        locked = lock_in_pk_order(LoanRate, [row.pk])[row.pk]
        _require_policy_row_correctable(locked, actor=actor, noun="利率")
        old = snapshot(locked, [*_RATE_FIELDS, "status"])
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.annual_rate_percent = to_decimal(locked.annual_rate_percent)
        _check_rate_row(
            home_tier=locked.home_tier,
            term_band=locked.term_band,
            rate=locked.annual_rate_percent,
            document=locked.document,
            article=locked.article,
            source=locked.source,
        )
        if locked.effective_from <= today_local():
            raise BusinessError("policy_in_force_immutable", "生效日期必须晚于今天")
        if (
            LoanRate.objects.filter(
                effective_from=locked.effective_from,
                home_tier=locked.home_tier,
                term_band=locked.term_band,
            )
            .exclude(pk=locked.pk)
            .exists()
        ):
            raise BusinessError("duplicate_rate_row", "该档次在同一生效日期已有利率")
        locked.status = status_for_source(locked.source)
        locked.save()
        audit_record(
            actor=actor,
            action=AuditAction.POLICY_RATE_UPDATED,
            obj=locked,
            old=old,
            new=snapshot(locked, [*_RATE_FIELDS, "status"]),
            reason=reason,
        )
        transaction.on_commit(policy_cache_clear)
    return locked


_CONFIRM_FIELDS = [
    "status",
    "document",
    "confirmation_number",
    "confirmation_date",
    "confirmed_by",
    "confirmed_at",
]


def policy_row_may_confirm(row: PolicyParameter | LoanRate, *, actor: Actor) -> bool:
    """Whether ``actor`` may confirm ``row`` now (the admin's button asks this)."""
    try:
        _require_policy_row_confirmable(row, actor=actor)
    except BusinessError:
        return False
    return True


def _require_policy_row_confirmable(row: PolicyParameter | LoanRate, *, actor: Actor) -> None:
    # gjj.workflow imports this module, so its checks are imported when called.
    from gjj.workflow import require_role

    if row.status != PolicyStatus.PROVISIONAL:
        raise BusinessError("policy_already_confirmed", "该政策记录已确认，无需再次确认")
    require_role(actor, Role.POLICY_ADMIN, doing="确认为中心正式政策")
    # Four-eyes: not the person who entered the row; a row a migration loaded has no author.
    if actor is not None and row.created_by_id is not None and row.created_by_id == actor.pk:
        raise ActorNotAllowed(
            "four_eyes_required", "录入该政策记录的人员不能确认，须由另一名政策管理人员确认"
        )


PolicyRow = TypeVar("PolicyRow", PolicyParameter, LoanRate)


def _policy_row_confirm(
    *,
    row: PolicyRow,
    document_number: str,
    document_date: date,
    actor: Actor,
    reason: str,
    action: AuditAction,
) -> PolicyRow:
    number = document_number.strip()
    if not number:
        raise BusinessError("document_number_required", "请填写中心确认文件的文号")
    if document_date > today_local():
        raise BusinessError("document_date_in_future", "文件日期不能晚于今天")
    with transaction.atomic():
        locked = lock_in_pk_order(type(row), [row.pk])[row.pk]
        _require_policy_row_confirmable(locked, actor=actor)
        old = snapshot(locked, _CONFIRM_FIELDS)
        locked.status = PolicyStatus.CONFIRMED
        # The citation now names the center's document; the default it replaces is in ``old``.
        locked.document = number
        locked.confirmation_number = number
        locked.confirmation_date = document_date
        locked.confirmed_by = actor
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=_CONFIRM_FIELDS)
        audit_record(
            actor=actor,
            action=action,
            obj=locked,
            old=old,
            new=snapshot(locked, _CONFIRM_FIELDS),
            reason=reason,
        )
        # Snapshots kept for past days hold the row's citation: forget them.
        transaction.on_commit(policy_cache_clear)
    return locked


def policy_parameter_confirm(
    *,
    row: PolicyParameter,
    document_number: str,
    document_date: date,
    actor: Actor,
    reason: str = "",
) -> PolicyParameter:
    """The center confirmed a provisional row by its document (政策管理, not the row's author).

    Refusals: 400 ``document_number_required``, ``document_date_in_future``,
    ``policy_already_confirmed``; 403 ``role_required``, ``four_eyes_required``.
    """
    return _policy_row_confirm(
        row=row,
        document_number=document_number,
        document_date=document_date,
        actor=actor,
        reason=reason,
        action=AuditAction.POLICY_PARAMETER_CONFIRMED,
    )


def policy_rate_confirm(
    *, row: LoanRate, document_number: str, document_date: date, actor: Actor, reason: str = ""
) -> LoanRate:
    """As ``policy_parameter_confirm``, for a rate cell."""
    return _policy_row_confirm(
        row=row,
        document_number=document_number,
        document_date=document_date,
        actor=actor,
        reason=reason,
        action=AuditAction.POLICY_RATE_CONFIRMED,
    )


def policy_check_record(*, on: date) -> dict[str, Any]:
    """Nightly: note the policy version in force and the measure's days left."""
    snap = policy_in_force(on=on)
    result = {
        "business_date": on.isoformat(),
        "policy_version": snap.version,
        "measure_days_left": measure_days_left(on=on),
    }
    with transaction.atomic():
        measure = (
            PolicyParameter.objects.filter(key=Key.MEASURE).order_by("-effective_from").first()
        )
        if measure is not None:
            audit_record(
                actor=None,
                actor_label="batch:policy_nightly_check",
                action=AuditAction.POLICY_CHECKED,
                obj=measure,
                new=result,
            )
    return result


# --- applicants -------------------------------------------------------------------


def applicant_signup(
    *, username: str, password: str, name: str, id_number: str, account_number: str
) -> Depositor:
    """Tie a new log-in to an existing depositor whose name, ID and account all match."""
    User = get_user_model()
    mismatch = BusinessError("identity_mismatch", "姓名、身份证号码与个人账号不匹配")
    try:
        number = ric.compact(id_number).upper()
    except StdnumError as exc:
        raise mismatch from exc
    with transaction.atomic():
        depositor = (
            Depositor.objects.select_for_update()
            .filter(name=name, id_number=number, account__account_number=account_number)
            .first()
        )
        if depositor is None:
            raise mismatch
        if depositor.user_id is not None:
            raise ConflictError("already_registered", "该缴存职工已注册，请直接登录")
        if User.objects.filter(username=username).exists():
            raise ConflictError(
                "username_taken",
                "用户名已被使用",
                fields={"username": [{"code": "taken", "message": "用户名已被使用"}]},
            )
        candidate = User(username=username, first_name=name)
        try:
            validate_password(password, user=candidate)
        except ValidationError as exc:
            raise BusinessError(
                "weak_password",
                "密码不符合要求",
                fields={"password": [{"code": "weak", "message": m} for m in exc.messages]},
            ) from exc
        user = User.objects.create_user(username=username, password=password, first_name=name)
        depositor.user = user
        depositor.save(update_fields=["user"])
        audit_record(
            actor=user,
            action=AuditAction.APPLICANT_SIGNED_UP,
            obj=depositor,
            old={"user": None},
            new={"user": user.pk},
        )
    return depositor


# --- API log-ins: a credential issued, ended or refused is a security event ---------


def _token_issued_at(token: Token | None) -> str | None:
    # The audit names a token by when it was issued, never by its key.
    return token.created.isoformat() if token is not None else None


def api_token_issue(*, user: User, reason: str = "API 登录", client_ip: str = "") -> Token:
    """Issue the user's one live token (a new log-in ends the old one) and audit it."""
    with transaction.atomic():
        # Concurrent log-ins of one user queue here instead of racing for the one token.
        lock_in_pk_order(get_user_model(), [user.pk])
        previous = Token.objects.filter(user=user).first()
        if previous is not None:
            previous.delete()
        token = Token.objects.create(user=user)
        audit_record(
            actor=user,
            action=AuditAction.API_LOGIN_SUCCEEDED,
            obj=user,
            old={"token_issued_at": _token_issued_at(previous)},
            new={
                "token_issued_at": _token_issued_at(token),
                **({"client_ip": client_ip} if client_ip else {}),
            },
            reason=reason,
        )
    return token


def api_token_revoke(*, user: User, reason: str = "API 退出登录") -> None:
    """End the user's token, if any, and audit the log-out."""
    with transaction.atomic():
        lock_in_pk_order(get_user_model(), [user.pk])
        previous = Token.objects.filter(user=user).first()
        if previous is not None:
            previous.delete()
        audit_record(
            actor=user,
            action=AuditAction.API_LOGOUT_SUCCEEDED,
            obj=user,
            old={"token_issued_at": _token_issued_at(previous)},
            new={"token_issued_at": None},
            reason=reason,
        )


def login_failure_record(*, username: str, client_ip: str, channel: str) -> AuditLog:
    """Audit a refused log-in (admin or API): the user it named, if one exists, and why.

    Nothing else is written: no user is created for an unknown name. The name as
    typed is stored masked, since people type their ID or mobile number there.
    """
    User = get_user_model()
    masked = mask_text(username)
    try:
        user = User._default_manager.get_by_natural_key(username)
    except User.DoesNotExist:
        user = None
    if user is None:
        target, reason = User(**{User.USERNAME_FIELD: masked}), "用户名不存在"
    elif not user.is_active:
        target, reason = user, "用户已停用"
    else:
        target, reason = user, "密码错误"
    with transaction.atomic():
        return audit_record(
            actor=None,
            actor_label="anonymous",
            action=AuditAction.LOGIN_FAILED,
            obj=target,
            object_repr=masked,
            new={"client_ip": client_ip, "channel": channel},
            reason=reason,
        )
