"""The people, records and clients the contract tests act on (no tests here).

Built through the services, as real data is:

* 张伟 (the owner, "A") signed up with his mobile number as user name, his wife
  刘娜 (a depositor who signed up too) and their son 张小一 (not a depositor);
* 李四 ("B"), another household, signed up; 王芳, a depositor not signed up;
* the center's 经办 (clerk), 复核 (reviewer) and 审批 (approver), staff
  without a depositor record, and a superuser;
* 张伟's purchase withdrawal draft (drawing from his own account), 刘娜's
  purchase withdrawal naming 张伟, which asks 张伟 for his consent, and 张伟's
  loan application taken to the stage a test asks for.

Loans act on the business date ``TODAY`` (as in tests/loans/test_loan_api.py);
withdrawals on the real date, as their own tests do.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import models
from django.forms.models import model_to_dict
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from stdnum.cn import ric

from gjj import services as gjj_services
from gjj.domain import Role
from gjj.models import Depositor, FamilyMember
from gjj.selectors import today_local
from loans import servicing
from loans.models import Loan, LoanApplication
from tests import factories
from withdrawals import services as withdrawal_services
from withdrawals.models import WithdrawalApplication, WithdrawalMember

TODAY = date(2026, 3, 2)
PASSWORD = "Yq-contract-2024!"

# Who calls: the columns of the access matrix, in this order.
ROLES = ("anonymous", "owner", "other", "clerk", "reviewer", "approver")

# How far the owner's loan application has gone before the call ("none": there is none).
LOAN_STAGES = (
    "none",
    "draft",
    "submitted",
    "accepted",
    "reviewed",
    "approved",
    "signed",
    "disbursed",
)

LOAN_BODY: dict[str, Any] = {
    "kind": "purchase",
    "property_address": "阳泉市城区桃北西街1号3单元502室",
    "property_type": "commercial",
    "new_build": True,
    "house_price": "1000000.00",
    "purchase_contract_date": "2026-02-20",
    "seller_name": "阳泉市某房地产开发有限公司",
    "seller_account": "6222601234098765",
    "requested_amount": "500000.00",
    "term_months": 240,
    "repayment_method": "equal_installment",
}
OWNER_BANK = {"bank_name": "中国建设银行阳泉分行", "bank_account": "6217000010001234567"}
SPOUSE_BANK = {"bank_name": "中国工商银行阳泉分行", "bank_account": "6222020501009876543"}
OTHER_BANK = {"bank_name": "中国农业银行阳泉分行", "bank_account": "6228480010005555666"}


@dataclass(frozen=True)
class Secret:
    """One resident ID number, mobile number or account number, and whose it is."""

    kind: str  # "id_number" | "phone" | "account"
    value: str
    holder: str  # a role name, or a label for people who are no role


@dataclass
class World:
    owner: Depositor
    spouse: Depositor
    other: Depositor
    newcomer: Depositor
    child: FamilyMember
    clerk: User
    reviewer: User
    approver: User
    superuser: User
    withdrawal: WithdrawalApplication
    consent: WithdrawalMember
    loan_application: LoanApplication | None = None
    loan: Loan | None = None
    accounts: dict[str, str] = field(default_factory=dict)

    def user(self, role: str) -> User | None:
        """The log-in behind a role (``spouse`` is a viewer outside the matrix)."""
        return {
            "anonymous": None,
            "owner": self.owner.user,
            "other": self.other.user,
            "spouse": self.spouse.user,
            "clerk": self.clerk,
            "reviewer": self.reviewer,
            "approver": self.approver,
        }[role]

    def client(self, role: str) -> APIClient:
        """An API client that sends the role's token, as applicants' apps do."""
        api = APIClient()
        api.raise_request_exception = False
        user = self.user(role)
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return api

    def authorization_pk(self) -> int:
        """The owner's 冲还贷 authorisation on the loan (stage ``authorized``)."""
        assert self.loan is not None, "本场景没有贷款"
        found = self.loan.repayment_authorizations.order_by("pk").first()
        assert found is not None, "本场景没有冲还贷授权"
        return found.pk

    def target_pk(self, target: str) -> int:
        obj = {
            "loan_application": self.loan_application,
            "loan": self.loan,
            "withdrawal": self.withdrawal,
            "consent": self.consent,
        }[target]
        assert obj is not None, f"本场景没有{target}"
        return obj.pk

    def owner_records(self) -> list[models.Model]:
        """What is the owner's: nobody else may change it through the API."""
        records: list[models.Model] = [
            self.owner,
            self.owner.account,
            self.child,
            self.withdrawal,
            self.consent,
            *self.withdrawal.members.all(),
        ]
        if self.loan_application is not None:
            records.append(self.loan_application)
        if self.loan is not None:
            records.append(self.loan)
        return records

    def owner_markers(self) -> list[str]:
        """Strings that name the owner's records: none may reach another applicant."""
        markers = [self.owner.id_number, self.withdrawal.number, self.consent.application.number]
        if self.loan_application is not None:
            markers.append(self.loan_application.number)
        if self.loan is not None:
            markers.append(self.loan.contract_number)
        return [m for m in markers if m]

    def secrets(self) -> list[Secret]:
        """Every ID, mobile and account number held in this world, with its holder."""
        people = {
            "owner": self.owner,
            "spouse": self.spouse,
            "other": self.other,
            "newcomer": self.newcomer,
        }
        found = [Secret("id_number", self.child.id_number, "child")]
        for holder, dep in people.items():
            found.append(Secret("id_number", dep.id_number, holder))
            found.append(Secret("phone", dep.phone, holder))
            found.append(Secret("account", self.accounts[holder], holder))
        found += [
            Secret("account", OWNER_BANK["bank_account"], "owner"),
            Secret("account", SPOUSE_BANK["bank_account"], "spouse"),
            Secret("account", OTHER_BANK["bank_account"], "other"),
            Secret("account", LOAN_BODY["seller_account"], "seller"),
        ]
        return found


def db_state() -> dict[str, list[dict[str, Any]]]:
    """Every row of the project's tables and of the log-ins, to compare before and after."""
    state: dict[str, list[dict[str, Any]]] = {}
    tables: list[type[models.Model]] = [
        *apps.get_app_config("gjj").get_models(),
        *apps.get_app_config("loans").get_models(),
        *apps.get_app_config("withdrawals").get_models(),
        get_user_model(),
        Token,
    ]
    for model in tables:
        state[model._meta.label] = list(model._default_manager.order_by("pk").values())
    return state


def records_state(records: list[models.Model]) -> list[tuple[str, Any, dict[str, Any]]]:
    return [
        (r._meta.label, r.pk, model_to_dict(type(r)._default_manager.get(pk=r.pk))) for r in records
    ]


# --- building -----------------------------------------------------------------------------


def _person(
    *,
    clerk: User,
    name: str,
    birth: date,
    male: bool,
    phone: str,
    account_number: str,
    username: str | None,
) -> Depositor:
    if username is None:
        return factories.DepositorFactory.create(
            actor=clerk,
            name=name,
            birth=birth,
            male=male,
            phone=phone,
            balance=Decimal("50000.00"),
            account_number=account_number,
        )
    return factories.applicant(
        clerk,
        name=name,
        birth=birth,
        male=male,
        phone=phone,
        account_number=account_number,
        username=username,
        password=PASSWORD,
    )


def _loan_to(stage: str, owner: Depositor, world: World) -> None:
    if stage == "none":
        return
    # "authorized": the loan disbursed, and its borrower has authorised 冲还贷.
    authorized = stage == "authorized"
    stage = "disbursed" if authorized else stage
    fields = {k: v for k, v in LOAN_BODY.items() if k != "kind"}
    fields["house_price"] = Decimal(fields["house_price"])
    fields["requested_amount"] = Decimal(fields["requested_amount"])
    fields["purchase_contract_date"] = date.fromisoformat(fields["purchase_contract_date"])
    app = factories.draft(owner, **fields)
    result: Any = app
    if stage != "draft":
        staff = factories.Staff(clerk=world.clerk, reviewer=world.reviewer, approver=world.approver)
        # LOAN_STAGES name the state reached; the builder names the step that reaches it.
        to = factories.STAGES[LOAN_STAGES.index(stage) - 2]
        result = factories.advance(app, staff, to=to, dates=dict.fromkeys(factories.STAGES, TODAY))
    app.refresh_from_db()
    world.loan_application = app
    world.loan = result if isinstance(result, Loan) else None
    if authorized:
        assert world.loan is not None
        servicing.repayment_authorization_grant(
            loan=world.loan, account=owner.account, actor=owner.user
        )


def build_world(stage: str = "draft") -> World:
    """The whole cast, with the owner's loan application at ``stage``."""
    clerk = factories.make_staff("jingban", Role.CLERK, password=PASSWORD)
    reviewer = factories.make_staff("fuhe", Role.REVIEWER, password=PASSWORD)
    approver = factories.make_staff("shenpi", Role.APPROVER, password=PASSWORD)
    superuser = factories.make_staff("admin", password=PASSWORD, is_superuser=True)
    accounts = {
        "owner": "140300000101",
        "spouse": "140300000102",
        "other": "140300000103",
        "newcomer": "140300000104",
    }
    owner = _person(
        clerk=clerk,
        name="张伟",
        birth=date(1985, 3, 15),
        male=True,
        phone="13803530001",
        account_number=accounts["owner"],
        username="13803530001",  # applicants often sign up with their mobile number
    )
    spouse = _person(
        clerk=clerk,
        name="刘娜",
        birth=date(1987, 6, 1),
        male=False,
        phone="13903530002",
        account_number=accounts["spouse"],
        username="liuna",
    )
    other = _person(
        clerk=clerk,
        name="李四",
        birth=date(1983, 8, 8),
        male=True,
        phone="13503530003",
        account_number=accounts["other"],
        username="lisi",
    )
    newcomer = _person(
        clerk=clerk,
        name="王芳",
        birth=date(1995, 1, 9),
        male=False,
        phone="13603530004",
        account_number=accounts["newcomer"],
        username=None,
    )
    factories.relate(owner, spouse, "spouse", actor=clerk, evidence="结婚证")
    spouse_record_of_owner = factories.relate(
        spouse, owner, "spouse", actor=clerk, evidence="结婚证"
    )
    child = gjj_services.family_member_add(
        depositor=owner,
        relation="child",
        name="张小一",
        id_number=factories.id_number(date(2016, 9, 1)),
        actor=clerk,
        evidence="出生医学证明",
    )
    today = today_local()
    withdrawal = withdrawal_services.purchase_application_create(
        applicant=owner,
        actor=owner.user,
        price=Decimal("500000.00"),
        loans_amount=Decimal("400000.00"),
        contract_date=today - timedelta(days=30),
        property_address="阳泉市郊区某小区3号楼",
        members=[withdrawal_services.MemberRequest(relation="self", amount=Decimal("10000.00"))],
        on=today,
        bank_name=OWNER_BANK["bank_name"],
        bank_account=OWNER_BANK["bank_account"],
    )
    spouse_withdrawal = withdrawal_services.purchase_application_create(
        applicant=spouse,
        actor=spouse.user,
        price=Decimal("600000.00"),
        loans_amount=Decimal("500000.00"),
        contract_date=today - timedelta(days=20),
        property_address="阳泉市矿区北大街8号",
        members=[
            withdrawal_services.MemberRequest(relation="self", amount=Decimal("5000.00")),
            withdrawal_services.MemberRequest(
                relation="spouse",
                amount=Decimal("8000.00"),
                family_member_id=spouse_record_of_owner.pk,
            ),
        ],
        on=today,
        bank_name=SPOUSE_BANK["bank_name"],
        bank_account=SPOUSE_BANK["bank_account"],
    )
    consent = spouse_withdrawal.members.get(depositor=owner)
    world = World(
        owner=owner,
        spouse=spouse,
        other=other,
        newcomer=newcomer,
        child=child,
        clerk=clerk,
        reviewer=reviewer,
        approver=approver,
        superuser=superuser,
        withdrawal=withdrawal,
        consent=consent,
        accounts=accounts,
    )
    _loan_to(stage, owner, world)
    return world


# --- scanning responses ----------------------------------------------------------------

_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
_LONG_DIGITS = re.compile(r"(?<![0-9A-Za-z])\d{12,30}(?![0-9A-Za-z])")


def strings_in(node: Any, *, skip: frozenset[str] = frozenset({"token"})) -> Iterator[str]:
    """Every string and number in a JSON document, except values under ``skip`` keys."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            if key not in skip:
                yield from strings_in(value, skip=skip)
    elif isinstance(node, list):
        for item in node:
            yield from strings_in(item, skip=skip)
    elif node is not None:
        yield str(node)


def unmasked(texts: list[str], *, world: World, viewer: str, generic: bool) -> list[str]:
    """Full ID, mobile or account numbers in ``texts`` that are not the viewer's own.

    Known numbers of the world are looked for anywhere; with ``generic``, any
    valid resident ID number, mobile number or run of 12+ digits is reported
    unless it is the viewer's own.
    """
    own = {s.value for s in world.secrets() if s.holder == viewer}
    found: list[str] = []
    for text in texts:
        for secret in world.secrets():
            if secret.holder != viewer and secret.value in text:
                found.append(f"{secret.holder}的{secret.kind}：{secret.value}")
        if not generic:
            continue
        for match in _ID.findall(text):
            if match not in own and ric.is_valid(match):
                found.append(f"身份证号码：{match}")
        for pattern, label in ((_MOBILE, "手机号码"), (_LONG_DIGITS, "长数字串")):
            for match in pattern.findall(text):
                if match not in own:
                    found.append(f"{label}：{match}")
    return sorted(set(found))
