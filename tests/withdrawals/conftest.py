"""Builders for withdrawal tests: people, families, applications at a named date."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from gjj import services as gjj_services
from gjj.models import Depositor, FamilyMember
from tests import factories
from withdrawals import services
from withdrawals.models import WithdrawalApplication

_accounts = itertools.count(1)
BANK = {"bank_name": "中国建设银行阳泉分行", "bank_account": "6217000010001234567"}


@dataclass
class Builder:
    clerk: object
    django_user_model: type

    def person(
        self,
        name: str,
        *,
        balance: Decimal | str | None = "50000.00",
        birth: date = date(1980, 5, 20),
        male: bool = True,
        login: bool = False,
    ) -> Depositor:
        dep = factories.depositor(
            actor=self.clerk,
            name=name,
            birth=birth,
            male=male,
            balance=Decimal(balance) if balance is not None else None,
            account_number=f"1403{next(_accounts):08d}" if balance is not None else None,
        )
        if login:
            self.login_for(dep)
        return dep

    def login_for(self, dep: Depositor):
        # No password: the API tests log in with a token, and hashing is slow.
        user = self.django_user_model.objects.create_user(
            username=f"u{dep.pk}", first_name=dep.name
        )
        Depositor.objects.filter(pk=dep.pk).update(user=user)
        dep.refresh_from_db()
        return user

    def relate(
        self, buyer: Depositor, relative: Depositor, relation: str, *, verify: bool = True
    ) -> FamilyMember:
        fm = gjj_services.family_member_add(
            depositor=buyer,
            relation=relation,
            name=relative.name,
            id_number=relative.id_number,
            actor=self.clerk,
            evidence="户口簿",
        )
        if verify:
            fm = gjj_services.family_member_verify(member=fm, evidence="户口簿", actor=self.clerk)
        return fm

    def group(self, dep: Depositor, group: str, *, valid_from: date = date(2020, 1, 1), **kw):
        return gjj_services.special_group_grant(
            depositor=dep,
            group=group,
            evidence="认定文件",
            valid_from=valid_from,
            actor=self.clerk,
            **kw,
        )

    def rental(
        self,
        dep: Depositor,
        amount: str,
        *,
        on: date,
        period_type: str = "yearly",
        period_index: int = 1,
        actor=None,
    ) -> WithdrawalApplication:
        return services.rental_application_create(
            applicant=dep,
            actor=actor or self.clerk,
            amount=Decimal(amount),
            period_type=period_type,
            period_index=period_index,
            on=on,
            **BANK,
        )

    def purchase(
        self,
        buyer: Depositor,
        members: list[tuple[str, FamilyMember | None, str]],
        *,
        on: date,
        price: str = "1000000.00",
        loans: str = "600000.00",
        voucher: str = "0.00",
        contract_date: date | None = None,
        actor=None,
    ) -> WithdrawalApplication:
        return services.purchase_application_create(
            applicant=buyer,
            actor=actor or self.clerk,
            price=Decimal(price),
            loans_amount=Decimal(loans),
            voucher_amount=Decimal(voucher),
            contract_date=contract_date or on,
            property_address="阳泉市城区桃北西街1号",
            members=[
                services.MemberRequest(
                    relation=rel, amount=Decimal(amount), family_member_id=fm.pk if fm else None
                )
                for rel, fm, amount in members
            ],
            on=on,
            **BANK,
        )

    def approved_rental(self, dep: Depositor, amount: str, *, on: date, approver, **kw):
        app = self.rental(dep, amount, on=on, **kw)
        app = services.withdrawal_submit(application=app, actor=self.clerk, on=on)
        app = services.withdrawal_accept(application=app, actor=self.clerk, on=on)
        return services.withdrawal_approve(application=app, actor=approver, on=on)


@pytest.fixture
def approver(make_staff):
    return make_staff("approver1", "审批")


@pytest.fixture
def approver2(make_staff):
    return make_staff("approver2", "审批")


@pytest.fixture
def build(clerk, django_user_model) -> Builder:
    return Builder(clerk=clerk, django_user_model=django_user_model)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Staff users are made with passwords; the production hasher is slow by design."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
