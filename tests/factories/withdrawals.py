"""Withdrawal applications at a named date, and the people and families they name."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from gjj import services as gjj_services
from gjj.models import Depositor, FamilyMember
from tests.factories.people import DepositorFactory, next_account_number, relate
from withdrawals import services
from withdrawals.models import WithdrawalApplication

BANK = {"bank_name": "中国建设银行阳泉分行", "bank_account": "6217000010001234567"}


@dataclass
class Builder:
    """The withdrawal tests' data, entered by ``clerk`` unless a call names another actor."""

    clerk: Any

    def person(
        self,
        name: str,
        *,
        balance: Decimal | str | None = "50000.00",
        birth: date = date(1980, 5, 20),
        male: bool = True,
        login: bool = False,
    ) -> Depositor:
        dep = DepositorFactory.create(
            actor=self.clerk,
            name=name,
            birth=birth,
            male=male,
            balance=Decimal(balance) if balance is not None else None,
            account_number=next_account_number() if balance is not None else None,
        )
        if login:
            self.login_for(dep)
        return dep

    def login_for(self, dep: Depositor) -> Any:
        # No password: the API tests log in with a token.
        user = get_user_model().objects.create_user(username=f"u{dep.pk}", first_name=dep.name)
        Depositor.objects.filter(pk=dep.pk).update(user=user)
        dep.refresh_from_db()
        return user

    def relate(
        self, buyer: Depositor, relative: Depositor, relation: str, *, verify: bool = True
    ) -> FamilyMember:
        return relate(buyer, relative, relation, actor=self.clerk, verify=verify)

    def group(self, dep: Depositor, group: str, *, valid_from: date = date(2020, 1, 1), **kw: Any):
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
        actor: Any = None,
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
        actor: Any = None,
        property_address: str = "阳泉市城区桃北西街1号",
        bank: dict[str, str] | None = None,
    ) -> WithdrawalApplication:
        return services.purchase_application_create(
            applicant=buyer,
            actor=actor or self.clerk,
            price=Decimal(price),
            loans_amount=Decimal(loans),
            voucher_amount=Decimal(voucher),
            contract_date=contract_date or on,
            property_address=property_address,
            members=[
                services.MemberRequest(
                    relation=rel, amount=Decimal(amount), family_member_id=fm.pk if fm else None
                )
                for rel, fm, amount in members
            ],
            on=on,
            **(bank or BANK),
        )

    def approved_rental(self, dep: Depositor, amount: str, *, on: date, approver: Any, **kw: Any):
        app = self.rental(dep, amount, on=on, **kw)
        app = services.withdrawal_submit(application=app, actor=self.clerk, on=on)
        app = services.withdrawal_accept(application=app, actor=self.clerk, on=on)
        return services.withdrawal_approve(application=app, actor=approver, on=on)
