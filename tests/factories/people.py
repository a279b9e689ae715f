"""Staff, depositors, accounts and family records, built through the services as real data is."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from stdnum.cn import ric

from gjj import services
from gjj.domain import Role
from gjj.models import Depositor, EntryType, FamilyMember, ProvidentAccount

PASSWORD = "Test-pass-2024!"

_ids = itertools.count(1)
# One sequence for every account number a test does not choose, so two builders never collide.
_accounts = itertools.count(1)


def id_number(birth: date, *, male: bool = True, area: str | None = None) -> str:
    """A valid resident ID number for the given birth date and sex."""
    # 城区 (140302) exists from 1983; earlier births use the city code.
    area = area or ("140302" if birth.year >= 1983 else "140300")
    n = next(_ids) % 500
    order = 2 * n + (1 if male else 0)
    body = f"{area}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def next_account_number() -> str:
    return f"1403{next(_accounts):08d}"


def _group_name(role: Role | str) -> str:
    return role.group_name if isinstance(role, Role) else role


class StaffFactory(factory.django.DjangoModelFactory[Any]):
    """A staff log-in; ``roles=[Role.CLERK, ...]`` (or group names) makes it a member of each."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    class Params:
        raw_password = PASSWORD

    username = factory.Sequence(lambda n: f"staff{n}")
    password = factory.LazyAttribute(lambda o: make_password(o.raw_password))
    is_staff = True

    @factory.post_generation
    def roles(user: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        for role in extracted or ():
            user.groups.add(Group.objects.get(name=_group_name(role)))


def make_staff(
    username: str | None = None,
    *roles: Role | str | None,
    password: str = PASSWORD,
    **extra: Any,
) -> Any:
    """A staff log-in holding ``roles`` (``None`` entries mean no role)."""
    if username is not None:
        extra["username"] = username
    return StaffFactory.create(roles=[r for r in roles if r], raw_password=password, **extra)


@dataclass
class Staff:
    """One clerk, one reviewer and one approver: enough people to take a case through."""

    clerk: Any
    reviewer: Any
    approver: Any


def make_team(prefix: str = "s") -> Staff:
    return Staff(
        clerk=make_staff(f"{prefix}-clerk", Role.CLERK),
        reviewer=make_staff(f"{prefix}-reviewer", Role.REVIEWER),
        approver=make_staff(f"{prefix}-approver", Role.APPROVER),
    )


class AccountFactory(factory.Factory[ProvidentAccount]):
    """An account opened for ``depositor``, with ``balance`` posted as an opening transfer."""

    class Meta:
        model = ProvidentAccount

    depositor: Any = None
    actor: Any = None
    balance = Decimal("0.00")
    account_number = factory.LazyAttribute(lambda o: f"14039{o.depositor.pk:05d}")

    @classmethod
    def _create(cls, model_class: type, **kw: Any) -> ProvidentAccount:
        acc = services.account_open(
            depositor=kw["depositor"],
            account_number=kw["account_number"],
            deposit_base=Decimal("6000.00"),
            employee_monthly=Decimal("720.00"),
            employer_monthly=Decimal("720.00"),
            opened_on=date(2015, 7, 1),
            actor=kw["actor"],
        )
        if kw["balance"]:
            services.account_entry_post(
                account=acc,
                entry_type=EntryType.TRANSFER_IN,
                amount=kw["balance"],
                value_date=date(2024, 1, 1),
                actor=kw["actor"],
                memo="期初余额",
            )
            acc.refresh_from_db()
        return acc


def account(
    dep: Depositor, *, actor: Any, balance: Decimal, account_number: str | None = None
) -> ProvidentAccount:
    extra = {"account_number": account_number} if account_number else {}
    return AccountFactory.create(depositor=dep, actor=actor, balance=balance, **extra)


class DepositorFactory(factory.Factory[Depositor]):
    """A depositor recorded by ``actor``; with ``balance``, also an account holding it."""

    class Meta:
        model = Depositor

    actor: Any = None
    name = "测试职工"
    birth = date(1990, 3, 15)
    male = True
    phone = ""
    hukou_city = "阳泉"
    id_number = factory.LazyAttribute(lambda o: id_number(o.birth, male=o.male))
    balance: Decimal | None = None
    account_number: str | None = None
    employer: Any = None

    @classmethod
    def _create(cls, model_class: type, **kw: Any) -> Depositor:
        dep = services.depositor_create(
            name=kw["name"],
            id_number=kw["id_number"],
            phone=kw["phone"],
            actor=kw["actor"],
            hukou_city=kw["hukou_city"],
            employer=kw["employer"],
        )
        if kw["balance"] is not None:
            account(
                dep, actor=kw["actor"], balance=kw["balance"], account_number=kw["account_number"]
            )
        return dep


# The short name the tests call it by.
depositor = DepositorFactory.create


def deposit_history(
    dep: Depositor,
    *,
    actor: Any,
    until: date,
    months: int = 12,
    amount: Decimal = Decimal("1440.00"),
) -> None:
    """Monthly 汇缴 entries for the ``months`` calendar months up to ``until`` (正常缴存)."""
    for back in range(months - 1, -1, -1):
        index = until.year * 12 + until.month - 1 - back
        services.account_entry_post(
            account=dep.account,
            entry_type=EntryType.REMITTANCE,
            amount=amount,
            value_date=date(index // 12, index % 12 + 1, 1),
            actor=actor,
            memo="单位汇缴",
        )


def applicant(
    clerk: Any,
    *,
    name: str = "张伟",
    birth: date = date(1985, 3, 15),
    male: bool = True,
    balance: Decimal = Decimal("50000.00"),
    phone: str = "",
    account_number: str | None = None,
    username: str | None = None,
    password: str = PASSWORD,
) -> Depositor:
    """A depositor with an account, signed up as an API user (``user<n>`` unless named)."""
    account_number = account_number or next_account_number()
    dep = DepositorFactory.create(
        actor=clerk,
        name=name,
        birth=birth,
        male=male,
        phone=phone,
        balance=balance,
        account_number=account_number,
    )
    return services.applicant_signup(
        username=username or f"user{account_number[-8:].lstrip('0')}",
        password=password,
        name=name,
        id_number=dep.id_number,
        account_number=account_number,
    )


def relate(
    depositor: Depositor,
    relative: Depositor,
    relation: str,
    *,
    actor: Any,
    evidence: str = "户口簿",
    verify: bool = True,
) -> FamilyMember:
    """Record ``relative`` as ``depositor``'s family member, verified unless told otherwise."""
    member = services.family_member_add(
        depositor=depositor,
        relation=relation,
        name=relative.name,
        id_number=relative.id_number,
        actor=actor,
        evidence=evidence,
    )
    if verify:
        member = services.family_member_verify(member=member, evidence=evidence, actor=actor)
    return member
