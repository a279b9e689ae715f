"""Demo data for a local run: staff in each role, a few households and a day's work.

Idempotent: a second run changes nothing. Everything is written through the
services, with the demo staff as actors (four-eyes and recusal hold as for real
data), so the demo carries its audit trail like real data. Dates count back from
today: cases in every state, some near or past their statutory deadline, loans
disbursed before the last rate change, and last night's run (repricing, then
collection and overdue): the loans' past installments are paid at the counter,
one borrower has authorised 冲还贷 and last night drew her latest installment, and
one loan is some 30–60 days overdue with penalty interest (risk class 02 关注).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from stdnum.cn import ric

from gjj import services
from gjj.calendar import deadline_after
from gjj.domain import Role
from gjj.models import Depositor, EntryType, Relation
from gjj.policy import Key
from gjj.selectors import policy_in_force, today_local
from loans import repricing, servicing
from loans import selectors as loan_selectors
from loans import services as loan_services
from loans.models import BatchStatus, GuaranteeType, Loan, LoanApplication
from withdrawals import selectors as withdrawal_selectors
from withdrawals import services as withdrawal_services
from withdrawals.models import WithdrawalApplication

DEMO_PASSWORD = "Yq-demo-2024!"

STAFF = [
    ("clerk", "王经办", Role.CLERK.group_name),
    ("reviewer", "李复核", Role.REVIEWER.group_name),
    ("approver", "张审批", Role.APPROVER.group_name),
    ("policy", "赵政策", Role.POLICY_ADMIN.group_name),
]


def demo_id(prefix17: str) -> str:
    """A well-formed resident ID number (valid check digit) for demo people."""
    return prefix17 + ric.calc_check_digit(prefix17 + "0")


# login, name, ID prefix (area 140302 阳泉市城区 + birth date + sequence), account, balance
APPLICANTS = [
    ("zhangwei", "张伟", "14030219900315001", "1403000001", Decimal("86500.00")),
    ("liuna", "刘娜", "14030219920708002", "1403000002", Decimal("52300.00")),
    ("chenqiang", "陈强", "14030019650120003", "1403000003", Decimal("143200.50")),
    ("wangfang", "王芳", "14030219881102004", "1403000004", Decimal("38900.00")),
]

# A depositor with an account and no log-in: sign-up can be tried with these
# (the API's sign-up example names the same person).
UNREGISTERED = ("赵磊", "140302199406180074", "1403000005", Decimal("41800.00"))

D = Decimal
BANK_NAME, BANK_ACCOUNT = "中国建设银行阳泉分行", "6217000010001234567"
PURCHASE = {
    "property_type": "commercial",
    "new_build": True,
    "house_price": D("1000000.00"),
    "seller_name": "阳泉市恒基房地产开发有限公司",
    "seller_account": "6222000011112222",
    "term_months": 240,
    "repayment_method": "equal_installment",
    "monthly_income": D("12000.00"),
}


@dataclass(frozen=True)
class Person:
    login: str
    name: str
    birth: str  # YYYYMMDD
    seq: int  # odd: male, even: female (the ID number's 17th digit)

    @property
    def id_number(self) -> str:
        # 城区 (140302) exists from 1983; earlier births carry the city's code.
        area = "140302" if self.birth >= "1983" else "140300"
        return demo_id(f"{area}{self.birth}{self.seq:03d}")


# One household each: at most one open loan application per household.
LOAN_PEOPLE = {
    "draft": Person("liming", "李明", "19880412", 111),
    "submitted": Person("zhoujing", "周静", "19910223", 112),
    "ineligible": Person("wugang", "吴刚", "19850917", 113),
    "overdue": Person("zhengli", "郑丽", "19870630", 114),
    "accepted": Person("fengtao", "冯涛", "19930118", 115),
    "near": Person("chenchen", "陈晨", "19900805", 116),
    "approved": Person("weidong", "卫东", "19860311", 117),
    "rejected": Person("jiangmin", "蒋敏", "19891126", 118),
    "signed": Person("shenyang", "沈洋", "19840704", 119),
    "disbursed": Person("hanxue", "韩雪", "19920509", 120),
    "withdrawn": Person("yangfan", "杨帆", "19870222", 121),
    # Disbursed before the 2025-05-08 rate change: repriced by last night's run ...
    "repriced_1": Person("zhulin", "朱琳", "19800814", 122),
    "repriced_2": Person("qinyong", "秦勇", "19790301", 123),
    # ... and taken over from the old system since, not yet repriced (reprice --dry-run).
    "pending_1": Person("xuhui", "徐辉", "19820527", 125),
    "pending_2": Person("heping", "何萍", "19830909", 124),
}
# Withdrawals are entered at the counter by the clerk: these people need no log-in.
WITHDRAWAL_PEOPLE = {
    "draft": Person("", "许峰", "19950314", 131),
    "submitted": Person("", "何静", "19960721", 132),
    "overdue": Person("", "吕亮", "19940105", 133),
    "due_today": Person("", "施慧", "19970830", 134),
    "approved": Person("", "孔杰", "19930612", 135),
    "rejected": Person("", "曹颖", "19980203", 136),
    "cancelled": Person("", "严宽", "19920417", 137),
    "purchase": Person("", "华军", "19810920", 139),
}


class Command(BaseCommand):
    help = "载入演示数据（各岗位人员、若干缴存职工家庭，以及处于各环节的贷款与提取业务）"

    def handle(self, *args: object, **options: object) -> None:
        User = get_user_model()
        self.password = make_password(DEMO_PASSWORD)  # hashed once: the seed stays quick
        with transaction.atomic():
            if User.objects.filter(username="clerk").exists():
                self.stdout.write("演示人员已存在，未重复载入。")
            else:
                self._load(User)
        with transaction.atomic():
            if Depositor.objects.filter(id_number=UNREGISTERED[1]).exists():
                self.stdout.write("演示业务已存在，未重复载入。")
            else:
                DayOfWork(self, User).load()
        self._print_banner()

    def _print_banner(self) -> None:
        host = os.environ.get("HOST", "127.0.0.1")
        base = f"http://{host}:{os.environ.get('PORT', '8000')}"
        name, id_number, account_number, _ = UNREGISTERED
        self.stdout.write(self.style.SUCCESS(f"演示账号（密码均为 {DEMO_PASSWORD}）："))
        self.stdout.write(f"  管理后台 {base}/admin/")
        self.stdout.write("    admin（超级管理员）")
        for username, staff_name, role in STAFF:
            self.stdout.write(f"    {username}（{staff_name}，{role}）")
        self.stdout.write(f"  缴存职工（REST API {base}/api/v1/，文档 {base}/api/docs/）")
        for username, person_name, *_ in APPLICANTS:
            self.stdout.write(f"    {username}（{person_name}）")
        others = "、".join(f"{p.login}（{p.name}）" for p in LOAN_PEOPLE.values())
        self.stdout.write(f"    贷款申请人：{others}")
        self.stdout.write(
            f"  未注册的缴存职工（可试注册 POST {base}/api/v1/auth/signup/）："
            f"{name}，身份证号 {id_number}，个人账号 {account_number}"
        )

    def _user(self, User: Any, username: str, name: str, **extra: Any) -> Any:
        return User.objects.create(
            username=username, first_name=name, password=self.password, **extra
        )

    def _load(self, User: Any) -> None:
        admin = self._user(User, "admin", "系统管理员", is_staff=True, is_superuser=True)
        for username, name, role in STAFF:
            user = self._user(User, username, name, is_staff=True)
            user.groups.add(Group.objects.get(name=role))
        clerk = User.objects.get(username="clerk")

        employer = services.employer_create(
            name="阳泉市示范科技有限公司",
            credit_code=_valid_uscc("91140300MA0K12345"),
            address="阳泉市城区桃北中路1号",
            actor=admin,
        )
        people: dict[str, Depositor] = {}
        for i, (username, name, prefix, account_no, balance) in enumerate(APPLICANTS):
            user = self._user(User, username, name)
            dep = services.depositor_create(
                name=name,
                id_number=demo_id(prefix),
                employer=employer,
                actor=clerk,
                phone=f"1380353{i:04d}",
                hukou_city="阳泉",
                hukou_since=date(2010, 1, 1),
            )
            dep.user = user
            dep.save(update_fields=["user"])
            account = services.account_open(
                depositor=dep,
                account_number=account_no,
                deposit_base=Decimal("6000.00"),
                employee_monthly=Decimal("720.00"),
                employer_monthly=Decimal("720.00"),
                opened_on=date(2015, 7, 1),
                continuous_deposit_months=96,
                actor=clerk,
            )
            services.account_entry_post(
                account=account,
                entry_type=EntryType.TRANSFER_IN,
                amount=balance,
                value_date=date(2024, 1, 1),
                actor=clerk,
                memo="期初余额转入",
            )
            people[username] = dep

        zw, ln, cq, wf = (people[k] for k in ("zhangwei", "liuna", "chenqiang", "wangfang"))
        # 张伟 and 刘娜 are married, with two children: a multi-child family.
        services.family_member_add(
            depositor=zw,
            relation=Relation.SPOUSE,
            name=ln.name,
            id_number=ln.id_number,
            evidence="结婚证",
            actor=clerk,
        )
        services.family_member_add(
            depositor=ln,
            relation=Relation.SPOUSE,
            name=zw.name,
            id_number=zw.id_number,
            evidence="结婚证",
            actor=clerk,
        )
        for child, prefix in (("张小一", "14030220160901005"), ("张小二", "14030220200305006")):
            services.family_member_add(
                depositor=zw,
                relation=Relation.CHILD,
                name=child,
                id_number=demo_id(prefix),
                evidence="出生医学证明",
                actor=clerk,
            )
        # 陈强 is 张伟's father.
        services.family_member_add(
            depositor=zw,
            relation=Relation.PARENT,
            name=cq.name,
            id_number=cq.id_number,
            evidence="户口簿",
            actor=clerk,
        )
        for member in zw.family.all().order_by("pk"):
            services.family_member_verify(member=member, evidence=member.evidence, actor=clerk)
        for member in ln.family.all().order_by("pk"):
            services.family_member_verify(member=member, evidence=member.evidence, actor=clerk)

        services.home_register(
            owner=zw,
            address="阳泉市城区南大街12号3单元501",
            registered_on=date(2016, 5, 20),
            actor=clerk,
            certificate_number="晋(2016)阳泉市不动产权第0001234号",
        )
        services.pf_loan_record_add(
            borrower=zw,
            source="own",
            lender="阳泉市住房公积金管理中心",
            amount=Decimal("300000.00"),
            issued_on=date(2014, 6, 10),
            settled_on=date(2022, 6, 10),
            actor=clerk,
        )
        # 陈强's wife is no depositor here: her home here and her loan in 太原 still count
        # for their household; the loan was declared by him and awaits a clerk (待核实).
        wife = services.family_member_add(
            depositor=cq,
            relation=Relation.SPOUSE,
            name="赵桂兰",
            id_number=demo_id("14030019660905002"),
            evidence="结婚证",
            actor=clerk,
        )
        wife = services.family_member_verify(member=wife, evidence="结婚证", actor=clerk)
        services.home_register(
            member=wife,
            address="阳泉市矿区桃北东街3号2单元202",
            registered_on=date(2019, 8, 15),
            actor=clerk,
            certificate_number="晋(2019)阳泉市不动产权第0004321号",
        )
        services.pf_loan_record_add(
            member=wife,
            source="elsewhere",
            lender="太原市住房公积金管理中心",
            amount=Decimal("250000.00"),
            issued_on=date(2016, 3, 1),
            contract_number="TY2016030101",
            actor=cq.user,
            declared=True,
        )
        services.special_group_grant(
            depositor=ln,
            group="youth",
            evidence="出生日期（身份证）",
            valid_from=date(2024, 10, 17),
            valid_to=date(2027, 7, 8),
            actor=clerk,
        )
        services.special_group_grant(
            depositor=wf,
            group="new_citizen",
            evidence="居住证（2023年落户不满3年）",
            valid_from=date(2024, 10, 17),
            actor=clerk,
        )


class DayOfWork:
    """The center's open cases on the day the demo is loaded, moved there through the services."""

    def __init__(self, command: Command, User: Any) -> None:
        self.command = command
        self.User = User
        self.today = today_local()
        self.clerk = User.objects.get(username="clerk")
        self.reviewer = User.objects.get(username="reviewer")
        self.approver = User.objects.get(username="approver")
        self.employer = services.employer_create(
            name="阳泉市城建工程有限公司",
            credit_code=_valid_uscc("91140300MA0K23456"),
            address="阳泉市城区德胜街18号",
            actor=self.clerk,
        )
        self._accounts = iter(range(101, 200))

    def load(self) -> None:
        self._repriced_loans()
        self._last_nights_run()
        self._loans_taken_over()
        self._last_nights_servicing()
        self._loan_cases()
        self._withdrawal_cases()
        self._unregistered()

    # --- people --------------------------------------------------------------------

    def person(
        self, p: Person, *, balance: Decimal, deposits: bool, home_since: date | None = None
    ) -> Depositor:
        """A depositor with an account (and a log-in when ``p`` names one)."""
        dep = services.depositor_create(
            name=p.name,
            id_number=p.id_number,
            employer=self.employer,
            actor=self.clerk,
            hukou_city="阳泉",
            hukou_since=date(2005, 1, 1),
        )
        if p.login:
            dep.user = self.command._user(self.User, p.login, p.name)
            dep.save(update_fields=["user"])
        account = services.account_open(
            depositor=dep,
            account_number=f"1403000{next(self._accounts):03d}",
            deposit_base=D("6000.00"),
            employee_monthly=D("720.00"),
            employer_monthly=D("720.00"),
            opened_on=date(2015, 7, 1),
            continuous_deposit_months=96,
            actor=self.clerk,
        )
        services.account_entry_post(
            account=account,
            entry_type=EntryType.TRANSFER_IN,
            amount=balance,
            value_date=date(2024, 1, 1),
            actor=self.clerk,
            memo="期初余额转入",
        )
        if deposits:
            # 单位汇缴 for the last 12 months: the continuous-deposit rule holds today.
            for back in range(11, -1, -1):
                index = self.today.year * 12 + self.today.month - 1 - back
                services.account_entry_post(
                    account=account,
                    entry_type=EntryType.REMITTANCE,
                    amount=D("1440.00"),
                    value_date=date(index // 12, index % 12 + 1, 1),
                    actor=self.clerk,
                    memo="单位汇缴",
                )
        if home_since is not None:
            services.home_register(
                owner=dep,
                address="阳泉市郊区荫营镇幸福里2号",
                registered_on=home_since,
                actor=self.clerk,
                certificate_number=f"晋({home_since.year})阳泉市不动产权第{p.seq:07d}号",
            )
        return dep

    # --- loans ---------------------------------------------------------------------

    def draft(self, dep: Depositor, *, contract_date: date, **overrides: Any) -> LoanApplication:
        fields = {
            **PURCHASE,
            "property_address": f"阳泉市城区桃北西街{dep.pk}号2单元301室",
            "purchase_contract_date": contract_date,
            "requested_amount": D("500000.00"),
            **overrides,
        }
        draft = loan_services.ApplicationDraft(**fields)
        return loan_services.application_create(
            applicant=dep, actor=dep.user, kind="purchase", draft=draft
        )

    def walk(
        self, app: LoanApplication, dates: dict[str, date], *, reject: str = ""
    ) -> LoanApplication:
        """Submit, accept, review, decide, sign, disburse: as far as ``dates`` go."""
        staff = {"accept": self.clerk, "review": self.reviewer, "approve": self.approver}
        for stage, on in dates.items():
            app.refresh_from_db()
            if stage == "submit":
                loan_services.application_submit(application=app, actor=app.applicant.user, on=on)
            elif stage == "withdraw":
                loan_services.application_withdraw(
                    application=app, actor=app.applicant.user, reason="已购得商业贷款房源", on=on
                )
            elif stage == "accept":
                loan_services.application_accept(application=app, actor=staff[stage], on=on)
            elif stage == "review":
                loan_services.application_review(
                    application=app, actor=staff[stage], opinion="材料齐全，审核通过", on=on
                )
            elif stage == "approve" and reject:
                loan_services.application_reject(
                    application=app, actor=self.approver, reason=reject, on=on
                )
            elif stage == "approve":
                loan_services.application_approve(application=app, actor=self.approver, on=on)
            elif stage == "sign":
                loan_services.application_sign(
                    application=app,
                    actor=self.clerk,
                    amount=app.approved_amount or D("0"),
                    term_months=app.term_months or 0,
                    repayment_method=app.repayment_method,
                    guarantee_type=GuaranteeType.MORTGAGE,
                    repayment_day=20,
                    on=on,
                )
            elif stage == "disburse":
                loan_services.application_disburse(application=app, actor=self.clerk, on=on)
        app.refresh_from_db()
        return app

    def old_loan(self, key: str, *, start: date, second_home: bool = False) -> Loan:
        """A loan walked through from ``start`` (before the 2025-05-08 rate change)."""
        dep = self.person(
            LOAN_PEOPLE[key],
            balance=D("60000.00"),
            deposits=False,
            home_since=date(2012, 4, 1) if second_home else None,
        )
        app = self.draft(dep, contract_date=start - timedelta(days=20), term_months=180)
        return self.walk(app, _steps(start, (0, 1, 3, 6, 7, 9))).loan

    def pay_at_counter(self, loan: Loan, *, before: date) -> date | None:
        """Each installment due before ``before``, paid in full at the counter on its due date.

        Returns the last due date paid (None when nothing was due).
        """
        paid_on = None
        for row in loan_selectors.loan_schedule(loan=loan):
            if row.number < loan.next_installment_number:
                continue
            if row.due_date >= before:
                break
            loan_services.repayment_record(
                loan=loan,
                installment_number=row.number,
                amount=row.payment,
                paid_on=row.due_date,
                actor=self.clerk,
            )
            paid_on = row.due_date
        loan.refresh_from_db()
        return paid_on

    def _repriced_loans(self) -> None:
        yesterday = self.today - timedelta(days=1)
        # 朱琳 paid at the counter, then authorised 冲还贷 online: last night drew her
        # latest installment (due on or before yesterday) from her provident account.
        zhu = self.old_loan("repriced_1", start=date(2024, 11, 4))
        last_paid = self.pay_at_counter(zhu, before=self._last_due_on(zhu, on=yesterday))
        servicing.repayment_authorization_grant(
            loan=zhu,
            account=zhu.borrower.account,
            actor=zhu.borrower.user,
            on=last_paid or zhu.disbursed_on,
        )
        # 秦勇 paid nothing due in the last 60 days, so his oldest unpaid installment fell
        # due 30 to 60 days ago: last night accrued its penalty and classed the loan 02 关注.
        qin = self.old_loan("repriced_2", start=date(2024, 12, 2), second_home=True)
        self.pay_at_counter(qin, before=self.today - timedelta(days=60))

    def _last_due_on(self, loan: Loan, *, on: date) -> date:
        """The due date of the loan's last installment due on or before ``on``."""
        due = [row.due_date for row in loan_selectors.loan_schedule(loan=loan)]
        return max((d for d in due if d <= on), default=on)

    def _last_nights_run(self) -> None:
        """The nightly job for yesterday, run here chunk by chunk as the worker runs it."""
        run = repricing.reprice_kickoff(business_date=self.today - timedelta(days=1))
        pending = run.chunks.exclude(status=BatchStatus.DONE).order_by("id")
        for chunk_id in pending.values_list("id", flat=True):
            repricing.reprice_chunk(chunk_id=chunk_id)

    def _loans_taken_over(self) -> None:
        # Taken over with their repayments: paid up to yesterday.
        for key, start in (("pending_1", date(2025, 2, 10)), ("pending_2", date(2025, 3, 3))):
            self.pay_at_counter(self.old_loan(key, start=start), before=self.today)

    def _last_nights_servicing(self) -> None:
        """Last night's collection and overdue runs, after its repricing run above."""
        servicing.servicing_run_inline(
            business_date=self.today - timedelta(days=1), with_repricing=False
        )

    def _loan_cases(self) -> None:
        t = self.today
        new = {k: self.person(p, balance=D("50000.00"), deposits=True) for k, p in _recent()}
        contract = t - timedelta(days=60)
        self.draft(new["draft"], contract_date=contract)
        self.walk(self.draft(new["submitted"], contract_date=contract), {"submit": t})
        # Asks more than the household may borrow: submitted, marked ineligible.
        too_much = self.draft(
            new["ineligible"], contract_date=contract, requested_amount=D("1200000.00")
        )
        self.walk(too_much, {"submit": t - timedelta(days=1)})
        late = _accepted_on(t, self._loan_due, lambda due: due <= t - timedelta(days=3))
        self.walk(
            self.draft(new["overdue"], contract_date=contract), {"submit": late, "accept": late}
        )
        self.walk(self.draft(new["accepted"], contract_date=contract), {"submit": t, "accept": t})
        soon = t + timedelta(days=loan_selectors.NEAR_DEADLINE_DAYS)  # the start page's window
        near = _accepted_on(t, self._loan_due, lambda due: t <= due <= soon)
        self.walk(
            self.draft(new["near"], contract_date=contract),
            {"submit": near, "accept": near, "review": min(near + timedelta(days=2), t)},
        )
        start = t - timedelta(days=20)
        self.walk(self.draft(new["approved"], contract_date=contract), _steps(start, (0, 1, 3, 6)))
        self.walk(
            self.draft(new["rejected"], contract_date=contract),
            _steps(start, (0, 1, 3, 6)),
            reject="借款人提供的收入证明与银行流水不符，不予贷款",
        )
        self.walk(self.draft(new["signed"], contract_date=contract), _steps(start, (0, 1, 3, 6, 8)))
        self.walk(
            self.draft(new["disbursed"], contract_date=contract), _steps(start, (0, 1, 3, 6, 8, 10))
        )
        self.walk(
            self.draft(new["withdrawn"], contract_date=contract),
            {"submit": t - timedelta(days=5), "withdraw": t - timedelta(days=2)},
        )

    def _loan_due(self, accepted_on: date) -> date:
        days = policy_in_force(on=accepted_on).value(Key.LOAN_DECISION_DAYS)
        return deadline_after(start=accepted_on, working_days=int(days)).due_on

    # --- withdrawals -----------------------------------------------------------------

    def _withdrawal_cases(self) -> None:
        t = self.today
        people = {
            k: self.person(p, balance=D("30000.00"), deposits=False)
            for k, p in WITHDRAWAL_PEOPLE.items()
            if k != "purchase"
        }

        def rental(key: str, on: date) -> WithdrawalApplication:
            return withdrawal_services.rental_application_create(
                applicant=people[key],
                actor=self.clerk,
                amount=D("12000.00"),
                period_type="yearly",
                period_index=1,
                property_address="阳泉市城区义井街5号",
                on=on,
                bank_name=BANK_NAME,
                bank_account=BANK_ACCOUNT,
            )

        def submit(app: WithdrawalApplication, on: date) -> WithdrawalApplication:
            return withdrawal_services.withdrawal_submit(application=app, actor=self.clerk, on=on)

        def accept(app: WithdrawalApplication, on: date) -> WithdrawalApplication:
            return withdrawal_services.withdrawal_accept(application=app, actor=self.clerk, on=on)

        rental("draft", t)
        submit(rental("submitted", t), t)
        due = withdrawal_selectors.decision_due_on

        def due_on(on: date) -> date:
            return due(accepted_on=on) or on

        late = _accepted_on(t, due_on, lambda d: d <= t - timedelta(days=2))
        accept(submit(rental("overdue", late), late), late)
        today_due = _accepted_on(t, due_on, lambda d: d == t)
        accept(submit(rental("due_today", today_due), today_due), today_due)
        paid_on = t - timedelta(days=6)
        withdrawal_services.withdrawal_approve(
            application=accept(submit(rental("approved", paid_on), paid_on), paid_on),
            actor=self.approver,
            on=paid_on,
        )
        withdrawal_services.withdrawal_reject(
            application=submit(rental("rejected", t), t),
            actor=self.clerk,
            reason="租赁合同未经房屋租赁登记备案，不予受理",
        )
        withdrawal_services.withdrawal_cancel(
            application=submit(rental("cancelled", t), t),
            actor=self.clerk,
            reason="申请人到柜台申请撤回",
        )
        # Above the four-eyes line: approved by someone other than the clerk who accepted.
        buyer = self.person(WITHDRAWAL_PEOPLE["purchase"], balance=D("160000.00"), deposits=False)
        on = t - timedelta(days=4)
        app = withdrawal_services.purchase_application_create(
            applicant=buyer,
            actor=self.clerk,
            price=D("1200000.00"),
            loans_amount=D("700000.00"),
            contract_date=on - timedelta(days=30),
            members=[withdrawal_services.MemberRequest(relation="self", amount=D("150000.00"))],
            property_address="阳泉市城区南庄路9号1单元602室",
            on=on,
            bank_name=BANK_NAME,
            bank_account=BANK_ACCOUNT,
        )
        withdrawal_services.withdrawal_approve(
            application=accept(submit(app, on), on), actor=self.approver, on=on
        )

    def _unregistered(self) -> None:
        name, id_number, account_number, balance = UNREGISTERED
        dep = services.depositor_create(
            name=name,
            id_number=id_number,
            employer=self.employer,
            actor=self.clerk,
            hukou_city="阳泉",
        )
        account = services.account_open(
            depositor=dep,
            account_number=account_number,
            deposit_base=D("5000.00"),
            employee_monthly=D("600.00"),
            employer_monthly=D("600.00"),
            opened_on=date(2018, 3, 1),
            continuous_deposit_months=60,
            actor=self.clerk,
        )
        services.account_entry_post(
            account=account,
            entry_type=EntryType.TRANSFER_IN,
            amount=balance,
            value_date=date(2024, 1, 1),
            actor=self.clerk,
            memo="期初余额转入",
        )


STAGES = ("submit", "accept", "review", "approve", "sign", "disburse")


def _steps(start: date, offsets: tuple[int, ...]) -> dict[str, date]:
    """The first ``len(offsets)`` stages, each ``offset`` days after ``start``."""
    return {stage: start + timedelta(days=n) for stage, n in zip(STAGES, offsets, strict=False)}


def _recent() -> list[tuple[str, Person]]:
    old = ("repriced_1", "repriced_2", "pending_1", "pending_2")
    return [(k, p) for k, p in LOAN_PEOPLE.items() if k not in old]


def _accepted_on(today: date, due: Callable[[date], date], wanted: Callable[[date], bool]) -> date:
    """The latest acceptance day up to ``today`` whose deadline is ``wanted`` (else today)."""
    for back in range(60):
        day = today - timedelta(days=back)
        if wanted(due(day)):
            return day
    return today


def _valid_uscc(prefix17: str) -> str:
    from stdnum.cn import uscc

    return prefix17 + uscc.calc_check_digit(prefix17)
