"""Demo data for a local run: staff in each role and a few households.

Idempotent: a second run changes nothing. Everything is written through the
services, so the demo data carries its audit trail like real data.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from stdnum.cn import ric

from gjj import services
from gjj.domain import Role
from gjj.models import Depositor, EntryType, Relation

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


class Command(BaseCommand):
    help = "载入演示数据（经办、复核、审批、政策管理人员及若干缴存职工家庭）"

    def handle(self, *args: object, **options: object) -> None:
        User = get_user_model()
        with transaction.atomic():
            if User.objects.filter(username="clerk").exists():
                self.stdout.write("演示数据已存在，未重复载入。")
            else:
                self._load(User)
        self.stdout.write(self.style.SUCCESS(f"演示账号（密码均为 {DEMO_PASSWORD}）："))
        self.stdout.write("  管理后台 http://127.0.0.1:<PORT>/admin/")
        self.stdout.write("    admin（超级管理员）")
        for username, name, role in STAFF:
            self.stdout.write(f"    {username}（{name}，{role}）")
        self.stdout.write("  缴存职工（REST API /api/v1/）")
        for username, name, *_ in APPLICANTS:
            self.stdout.write(f"    {username}（{name}）")

    def _load(self, User) -> None:
        admin = User.objects.create_superuser("admin", "", DEMO_PASSWORD, first_name="系统管理员")
        for username, name, role in STAFF:
            user = User.objects.create_user(
                username, "", DEMO_PASSWORD, first_name=name, is_staff=True
            )
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
            user = User.objects.create_user(username, "", DEMO_PASSWORD, first_name=name)
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


def _valid_uscc(prefix17: str) -> str:
    from stdnum.cn import uscc

    return prefix17 + uscc.calc_check_digit(prefix17)
