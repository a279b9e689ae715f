"""Test data built through the services, as real data is."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

from stdnum.cn import ric

from gjj import services
from gjj.models import Depositor, EntryType, ProvidentAccount

_seq = itertools.count(1)


def id_number(birth: date, *, male: bool = True, area: str | None = None) -> str:
    """A valid resident ID number for the given birth date and sex."""
    # 城区 (140302) exists from 1983; earlier births use the city code.
    area = area or ("140302" if birth.year >= 1983 else "140300")
    n = next(_seq) % 500
    order = 2 * n + (1 if male else 0)
    body = f"{area}{birth:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")


def depositor(
    *,
    actor,
    name: str = "测试职工",
    birth: date = date(1990, 3, 15),
    male: bool = True,
    balance: Decimal | None = None,
    account_number: str | None = None,
) -> Depositor:
    dep = services.depositor_create(
        name=name, id_number=id_number(birth, male=male), actor=actor, hukou_city="阳泉"
    )
    if balance is not None:
        account(dep, actor=actor, balance=balance, account_number=account_number)
    return dep


def account(
    dep: Depositor, *, actor, balance: Decimal, account_number: str | None = None
) -> ProvidentAccount:
    acc = services.account_open(
        depositor=dep,
        account_number=account_number or f"14039{dep.pk:05d}",
        deposit_base=Decimal("6000.00"),
        employee_monthly=Decimal("720.00"),
        employer_monthly=Decimal("720.00"),
        opened_on=date(2015, 7, 1),
        actor=actor,
    )
    if balance:
        services.account_entry_post(
            account=acc,
            entry_type=EntryType.TRANSFER_IN,
            amount=balance,
            value_date=date(2024, 1, 1),
            actor=actor,
            memo="期初余额",
        )
        acc.refresh_from_db()
    return acc
