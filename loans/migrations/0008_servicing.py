"""Loan servicing: repayment sources and authorisations, collection and overdue state.

The policy rows of the servicing rules (domain.md §9) arrive here too, frozen.
"""

from datetime import date

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CENTER = "阳泉市住房公积金管理中心业务决定"
PROVISIONAL_NOTE = "暂定（待中心确认）"
# Frozen copies of the status and source values (gjj 0013).
PROVISIONAL = "provisional"
DECISION = "decision"
FROM = "2024-10-17"  # the loans of the measure's whole window are serviced under these rows

RISK_BANDS = (
    '[{"class": "01", "label": "正常", "min_days": 0, "max_days": 0}, '
    '{"class": "02", "label": "关注", "min_days": 1, "max_days": 90}, '
    '{"class": "03", "label": "次级", "min_days": 91, "max_days": 180}, '
    '{"class": "04", "label": "可疑", "min_days": 181, "max_days": 360}, '
    '{"class": "05", "label": "损失", "min_days": 361, "max_days": null}]'
)

# (key, kind, value, document, article, note)
# fmt: off
PARAMETERS = [
    ("servicing.overdue.grace_days", "integer", "0", CENTER,
     "贷款当期应还款项在应还日（含）后宽限期届满仍未足额归还的，自次日起计为逾期",
     PROVISIONAL_NOTE + "；宽限期0天"),
    ("servicing.penalty.rate_multiplier", "decimal", "1.5", CENTER,
     "逾期贷款按逾期本金、合同利率上浮50%（即合同利率×1.5）按日计收罚息，日利率=年利率/360",
     PROVISIONAL_NOTE + "；国家依据：中国人民银行《关于人民币贷款利率有关问题的通知》"
     "（银发〔2003〕251号）逾期贷款罚息利率在借款合同载明的贷款利率水平上加收30%-50%"),
    ("servicing.risk_class.bands", "json", RISK_BANDS, CENTER,
     "贷款风险分类（JGJ/T 320-2014 代码01-05）按最长逾期天数认定：无逾期为正常，"
     "1-90天关注，91-180天次级，181-360天可疑，360天以上损失；逾期款项归还后相应回调",
     PROVISIONAL_NOTE),
    ("servicing.allocation.order", "json", '["penalty", "interest", "principal"]', CENTER,
     "借款人归还的款项（冲还贷、委托扣款、柜面还款）依次冲抵罚息、利息、本金",
     PROVISIONAL_NOTE),
]
# fmt: on


def load(apps, schema_editor):
    """Create the rows not there yet, each with its audit row (safe to run again)."""
    PolicyParameter = apps.get_model("gjj", "PolicyParameter")
    AuditLog = apps.get_model("gjj", "AuditLog")
    has_status = any(f.name == "status" for f in PolicyParameter._meta.get_fields())
    start = date.fromisoformat(FROM)
    for key, kind, value, document, article, note in PARAMETERS:
        defaults = {
            "kind": kind,
            "value": value,
            "effective_to": None,
            "document": document,
            "article": article,
            "source": DECISION,
            "note": note,
        }
        if has_status:
            defaults["status"] = PROVISIONAL
        row, created = PolicyParameter.objects.get_or_create(
            key=key, effective_from=start, defaults=defaults
        )
        if not created:
            continue
        AuditLog.objects.create(
            actor_label="migration:loans.0008",
            action="policy_parameter.added",
            object_type="gjj.policyparameter",
            object_id=str(row.pk),
            object_repr=f"{key} @ {FROM}",
            new={"key": key, "value": value, "effective_from": FROM, "effective_to": None},
            reason="贷款回收与贷后管理规则（domain.md §9）",
        )


# The business roles see the servicing tables; the 经办 imports the bank's result
# files and records 委托扣款 accounts (the services check the roles again).
ROLES = ("经办", "复核", "审批", "政策管理")
_SEEN = ("经办", "复核", "审批")
PERMISSIONS = {
    model: {role: {"view"} for role in _SEEN}
    for model in (
        "repaymentauthorization",
        "bankdebitaccount",
        "installmentcollection",
        "collectionallocation",
        "loanservicing",
        "bankdeductionfile",
        "bankdeductionline",
        "bankresultimport",
        "bankresultline",
    )
}
PERMISSIONS["bankresultimport"]["经办"] = {"view", "add"}
PERMISSIONS["bankdebitaccount"]["经办"] = {"view", "add"}


def grant(apps, schema_editor):
    """Give the groups the listed model permissions (a frozen copy of loans 0004's step)."""
    from django.contrib.auth.management import create_permissions

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    config = apps.get_app_config("loans")
    config.models_module = True
    create_permissions(config, verbosity=0, apps=apps)
    config.models_module = None
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    for model, rights in PERMISSIONS.items():
        for role, actions in rights.items():
            perms = Permission.objects.filter(
                content_type__app_label="loans",
                codename__in=[f"{action}_{model}" for action in actions],
            )
            groups[role].permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("loans", "0007_desk_indexes"),
        ("gjj", "0013_policy_status"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="BankDeductionFile",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("business_date", models.DateField(unique=True, verbose_name="业务日期")),
                (
                    "batch_run_id",
                    models.BigIntegerField(blank=True, null=True, verbose_name="批处理编号"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="生成时间")),
            ],
            options={
                "verbose_name": "委托扣款文件",
                "verbose_name_plural": "委托扣款文件",
                "ordering": ["-business_date"],
            },
        ),
        migrations.AlterField(
            model_name="repayment",
            name="source",
            field=models.CharField(
                choices=[
                    ("counter", "柜面"),
                    ("bank_import", "银行代扣文件"),
                    ("provident", "冲还贷"),
                    ("bank_debit", "委托扣款"),
                ],
                max_length=12,
                verbose_name="来源",
            ),
        ),
        migrations.CreateModel(
            name="BankResultImport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("file_name", models.CharField(max_length=200, verbose_name="文件名")),
                ("sha256", models.CharField(max_length=64, unique=True, verbose_name="文件摘要")),
                ("rows", models.PositiveIntegerField(verbose_name="行数")),
                ("posted", models.PositiveIntegerField(default=0, verbose_name="入账笔数")),
                ("failed", models.PositiveIntegerField(default=0, verbose_name="扣款失败笔数")),
                ("refused", models.PositiveIntegerField(default=0, verbose_name="拒绝笔数")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="导入时间")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="导入人",
                    ),
                ),
            ],
            options={
                "verbose_name": "委托扣款回盘导入",
                "verbose_name_plural": "委托扣款回盘导入",
                "ordering": ["-id"],
            },
        ),
        migrations.CreateModel(
            name="BankResultLine",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("line", models.PositiveIntegerField(verbose_name="行号")),
                ("reference", models.CharField(max_length=64, verbose_name="扣款流水号")),
                (
                    "amount",
                    models.DecimalField(
                        blank=True, decimal_places=2, max_digits=16, null=True, verbose_name="金额"
                    ),
                ),
                ("outcome", models.CharField(blank=True, max_length=10, verbose_name="银行结果")),
                ("paid_on", models.DateField(blank=True, null=True, verbose_name="扣款日期")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("posted", "已入账"),
                            ("failed", "已记录扣款失败"),
                            ("refused", "拒绝"),
                        ],
                        max_length=10,
                        verbose_name="处理结果",
                    ),
                ),
                ("code", models.CharField(blank=True, max_length=40, verbose_name="原因代码")),
                ("message", models.CharField(blank=True, max_length=300, verbose_name="原因")),
                (
                    "result_import",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lines",
                        to="loans.bankresultimport",
                        verbose_name="回盘导入",
                    ),
                ),
            ],
            options={
                "verbose_name": "委托扣款回盘明细",
                "verbose_name_plural": "委托扣款回盘明细",
                "ordering": ["result_import_id", "line"],
            },
        ),
        migrations.CreateModel(
            name="BankDeductionLine",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("installment_number", models.PositiveIntegerField(verbose_name="期次号")),
                (
                    "amount",
                    models.DecimalField(decimal_places=2, max_digits=16, verbose_name="扣款金额"),
                ),
                (
                    "reference",
                    models.CharField(max_length=64, unique=True, verbose_name="扣款流水号"),
                ),
                ("bank_name", models.CharField(max_length=100, verbose_name="开户银行")),
                ("bank_account", models.CharField(max_length=40, verbose_name="银行账号")),
                ("account_name", models.CharField(max_length=50, verbose_name="户名")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("sent", "已发送"),
                            ("succeeded", "扣款成功"),
                            ("failed", "扣款失败"),
                        ],
                        default="sent",
                        max_length=10,
                        verbose_name="状态",
                    ),
                ),
                (
                    "file",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lines",
                        to="loans.bankdeductionfile",
                        verbose_name="扣款文件",
                    ),
                ),
                (
                    "loan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="loans.loan",
                        verbose_name="贷款",
                    ),
                ),
                (
                    "result_line",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="loans.bankresultline",
                        verbose_name="回盘明细",
                    ),
                ),
            ],
            options={
                "verbose_name": "委托扣款明细",
                "verbose_name_plural": "委托扣款明细",
                "ordering": ["file_id", "loan_id", "installment_number"],
            },
        ),
        migrations.CreateModel(
            name="InstallmentCollection",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("installment_number", models.PositiveIntegerField(verbose_name="期次")),
                ("due_date", models.DateField(verbose_name="应还日期")),
                (
                    "principal_due",
                    models.DecimalField(decimal_places=2, max_digits=16, verbose_name="应还本金"),
                ),
                (
                    "interest_due",
                    models.DecimalField(decimal_places=2, max_digits=16, verbose_name="应还利息"),
                ),
                (
                    "principal_paid",
                    models.DecimalField(
                        decimal_places=2, default=0, max_digits=16, verbose_name="已还本金"
                    ),
                ),
                (
                    "interest_paid",
                    models.DecimalField(
                        decimal_places=2, default=0, max_digits=16, verbose_name="已还利息"
                    ),
                ),
                (
                    "penalty_paid",
                    models.DecimalField(
                        decimal_places=2, default=0, max_digits=16, verbose_name="已还罚息"
                    ),
                ),
                (
                    "penalty_rate_percent",
                    models.DecimalField(
                        decimal_places=6, max_digits=9, verbose_name="罚息年利率（%）"
                    ),
                ),
                ("penalty_through", models.DateField(verbose_name="罚息计至")),
                (
                    "penalty_basis",
                    models.DecimalField(
                        decimal_places=8, default=0, max_digits=30, verbose_name="罚息积数"
                    ),
                ),
                (
                    "penalty_accrued",
                    models.DecimalField(
                        decimal_places=2,
                        default=0,
                        help_text="罚息积数 ÷ 36000，四舍五入到分",
                        max_digits=16,
                        verbose_name="累计罚息",
                    ),
                ),
                ("overdue_days", models.PositiveIntegerField(default=0, verbose_name="逾期天数")),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "未结清"), ("paid", "已结清")],
                        default="open",
                        max_length=6,
                        verbose_name="状态",
                    ),
                ),
                ("paid_on", models.DateField(blank=True, null=True, verbose_name="结清日期")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                (
                    "loan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="installments",
                        to="loans.loan",
                        verbose_name="贷款",
                    ),
                ),
            ],
            options={
                "verbose_name": "期次收款状态",
                "verbose_name_plural": "期次收款状态",
                "ordering": ["loan_id", "installment_number"],
            },
        ),
        migrations.CreateModel(
            name="CollectionAllocation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "channel",
                    models.CharField(
                        choices=[
                            ("provident", "冲还贷"),
                            ("bank_debit", "委托扣款"),
                            ("counter", "柜面"),
                            ("bank_import", "银行代扣文件"),
                        ],
                        max_length=12,
                        verbose_name="还款渠道",
                    ),
                ),
                ("paid_on", models.DateField(verbose_name="还款日期")),
                (
                    "amount",
                    models.DecimalField(decimal_places=2, max_digits=16, verbose_name="金额"),
                ),
                (
                    "penalty",
                    models.DecimalField(decimal_places=2, max_digits=16, verbose_name="罚息"),
                ),
                (
                    "interest",
                    models.DecimalField(decimal_places=2, max_digits=16, verbose_name="利息"),
                ),
                (
                    "principal",
                    models.DecimalField(decimal_places=2, max_digits=16, verbose_name="本金"),
                ),
                (
                    "reference",
                    models.CharField(blank=True, max_length=64, verbose_name="业务流水号"),
                ),
                (
                    "batch_run_id",
                    models.BigIntegerField(
                        blank=True, db_index=True, null=True, verbose_name="批处理编号"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="创建时间")),
                (
                    "account_entry",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="gjj.accountentry",
                        verbose_name="公积金账户分录",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="经办人",
                    ),
                ),
                (
                    "deduction_line",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="allocations",
                        to="loans.bankdeductionline",
                        verbose_name="扣款明细",
                    ),
                ),
                (
                    "loan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="allocations",
                        to="loans.loan",
                        verbose_name="贷款",
                    ),
                ),
                (
                    "installment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="allocations",
                        to="loans.installmentcollection",
                        verbose_name="期次",
                    ),
                ),
            ],
            options={
                "verbose_name": "还款分配",
                "verbose_name_plural": "还款分配",
                "ordering": ["loan_id", "id"],
            },
        ),
        migrations.AddField(
            model_name="bankdeductionline",
            name="installment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deduction_lines",
                to="loans.installmentcollection",
                verbose_name="期次",
            ),
        ),
        migrations.CreateModel(
            name="LoanServicing",
            fields=[
                (
                    "loan",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="servicing",
                        serialize=False,
                        to="loans.loan",
                        verbose_name="贷款",
                    ),
                ),
                (
                    "overdue_installments",
                    models.PositiveIntegerField(default=0, verbose_name="逾期期数"),
                ),
                (
                    "overdue_principal",
                    models.DecimalField(
                        decimal_places=2, default=0, max_digits=16, verbose_name="逾期本金"
                    ),
                ),
                (
                    "overdue_interest",
                    models.DecimalField(
                        decimal_places=2, default=0, max_digits=16, verbose_name="逾期利息"
                    ),
                ),
                (
                    "penalty_outstanding",
                    models.DecimalField(
                        decimal_places=2, default=0, max_digits=16, verbose_name="未还罚息"
                    ),
                ),
                ("days_overdue", models.PositiveIntegerField(default=0, verbose_name="逾期天数")),
                (
                    "risk_class",
                    models.CharField(
                        choices=[
                            ("01", "正常"),
                            ("02", "关注"),
                            ("03", "次级"),
                            ("04", "可疑"),
                            ("05", "损失"),
                        ],
                        default="01",
                        max_length=2,
                        verbose_name="风险分类",
                    ),
                ),
                (
                    "collected_through",
                    models.DateField(blank=True, null=True, verbose_name="扣款处理至"),
                ),
                (
                    "overdue_through",
                    models.DateField(blank=True, null=True, verbose_name="逾期处理至"),
                ),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
            ],
            options={
                "verbose_name": "贷款逾期状态",
                "verbose_name_plural": "贷款逾期状态",
                "ordering": ["loan_id"],
                "indexes": [
                    models.Index(
                        condition=models.Q(("overdue_installments__gt", 0)),
                        fields=["risk_class", "days_overdue"],
                        name="servicing_overdue_list",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="RepaymentAuthorization",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "holder",
                    models.CharField(
                        choices=[("borrower", "借款人"), ("spouse", "共同借款人（配偶）")],
                        max_length=10,
                        verbose_name="授权人身份",
                    ),
                ),
                ("priority", models.PositiveSmallIntegerField(verbose_name="扣划顺序")),
                ("granted_on", models.DateField(verbose_name="授权日期")),
                ("granted_at", models.DateTimeField(auto_now_add=True, verbose_name="授权时间")),
                (
                    "signed_reference",
                    models.CharField(
                        blank=True,
                        help_text="柜面办理时填写纸质授权书编号",
                        max_length=64,
                        verbose_name="授权书编号",
                    ),
                ),
                ("channel", models.CharField(max_length=10, verbose_name="办理渠道")),
                ("stopped_on", models.DateField(blank=True, null=True, verbose_name="终止日期")),
                (
                    "stopped_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="终止时间"),
                ),
                (
                    "stop_reason",
                    models.CharField(blank=True, max_length=300, verbose_name="终止原因"),
                ),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="repayment_authorizations",
                        to="gjj.providentaccount",
                        verbose_name="公积金账户",
                    ),
                ),
                (
                    "depositor",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="gjj.depositor",
                        verbose_name="授权人",
                    ),
                ),
                (
                    "granted_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="办理人",
                    ),
                ),
                (
                    "loan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="repayment_authorizations",
                        to="loans.loan",
                        verbose_name="贷款",
                    ),
                ),
                (
                    "stopped_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="终止办理人",
                    ),
                ),
            ],
            options={
                "verbose_name": "冲还贷授权",
                "verbose_name_plural": "冲还贷授权",
                "ordering": ["loan_id", "priority", "id"],
            },
        ),
        migrations.CreateModel(
            name="BankDebitAccount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("bank_name", models.CharField(max_length=100, verbose_name="开户银行")),
                ("bank_code", models.CharField(blank=True, max_length=20, verbose_name="银行代码")),
                ("account_number", models.CharField(max_length=40, verbose_name="银行账号")),
                ("account_name", models.CharField(max_length=50, verbose_name="户名")),
                ("registered_on", models.DateField(verbose_name="登记日期")),
                ("registered_at", models.DateTimeField(auto_now_add=True, verbose_name="登记时间")),
                ("ended_on", models.DateField(blank=True, null=True, verbose_name="停用日期")),
                (
                    "ended_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="停用人",
                    ),
                ),
                (
                    "loan",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="bank_debit_accounts",
                        to="loans.loan",
                        verbose_name="贷款",
                    ),
                ),
                (
                    "registered_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="登记人",
                    ),
                ),
            ],
            options={
                "verbose_name": "委托扣款账户",
                "verbose_name_plural": "委托扣款账户",
                "ordering": ["loan_id", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("ended_on__isnull", True)),
                        fields=("loan",),
                        name="bank_debit_one_active_per_loan",
                    )
                ],
            },
        ),
        migrations.AddIndex(
            model_name="installmentcollection",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["loan", "installment_number"],
                name="installment_open",
            ),
        ),
        migrations.AddConstraint(
            model_name="installmentcollection",
            constraint=models.UniqueConstraint(
                fields=("loan", "installment_number"), name="installment_collection_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="installmentcollection",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("principal_paid__gte", 0),
                    ("principal_paid__lte", models.F("principal_due")),
                    ("interest_paid__gte", 0),
                    ("interest_paid__lte", models.F("interest_due")),
                    ("penalty_paid__gte", 0),
                    ("penalty_paid__lte", models.F("penalty_accrued")),
                ),
                name="installment_paid_within_due",
            ),
        ),
        migrations.AddConstraint(
            model_name="collectionallocation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("amount__gt", 0),
                    ("penalty__gte", 0),
                    ("interest__gte", 0),
                    ("principal__gte", 0),
                ),
                name="allocation_parts_not_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="bankdeductionline",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "sent")),
                fields=("installment",),
                name="deduction_one_pending_per_installment",
            ),
        ),
        migrations.AddConstraint(
            model_name="bankdeductionline",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gt", 0)), name="deduction_amount_positive"
            ),
        ),
        migrations.AddIndex(
            model_name="repaymentauthorization",
            index=models.Index(
                condition=models.Q(("stopped_at__isnull", True)),
                fields=["loan", "priority"],
                name="repayment_auth_active",
            ),
        ),
        migrations.AddConstraint(
            model_name="repaymentauthorization",
            constraint=models.UniqueConstraint(
                condition=models.Q(("stopped_at__isnull", True)),
                fields=("loan", "account"),
                name="repayment_auth_one_active_per_account",
            ),
        ),
        migrations.AddConstraint(
            model_name="repaymentauthorization",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("stopped_at__isnull", True), ("stopped_on__isnull", False), _connector="OR"
                ),
                name="repayment_auth_stop_dated",
            ),
        ),
        migrations.CreateModel(
            name="RiskClassBook",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("business_date", models.DateField(verbose_name="业务日期")),
                (
                    "risk_class",
                    models.CharField(
                        choices=[
                            ("01", "正常"),
                            ("02", "关注"),
                            ("03", "次级"),
                            ("04", "可疑"),
                            ("05", "损失"),
                        ],
                        max_length=2,
                        verbose_name="风险分类",
                    ),
                ),
                ("loans", models.PositiveIntegerField(verbose_name="贷款笔数")),
                (
                    "outstanding_principal",
                    models.DecimalField(decimal_places=2, max_digits=16, verbose_name="剩余本金"),
                ),
                ("batch_run_id", models.BigIntegerField(verbose_name="批处理编号")),
            ],
            options={
                "verbose_name": "风险分类汇总",
                "verbose_name_plural": "风险分类汇总",
                "ordering": ["-business_date", "risk_class"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("business_date", "risk_class"), name="risk_class_book_one_per_day"
                    )
                ],
            },
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
