"""Ledger controls: manual posting requests, employer remittance imports, 调账, and the rights.

经办 no longer adds ledger entries by hand (domain.md §8; the entry admin has no
add view): it asks for a manual posting, which a 复核 or 审批 holder approves.
The rights table is a frozen copy.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CLERK, REVIEWER, APPROVER = "经办", "复核", "审批"
GRANTS = {
    "manualposting": {CLERK: {"view", "add"}, REVIEWER: {"view"}, APPROVER: {"view"}},
    "remittanceimport": {CLERK: {"view"}, REVIEWER: {"view"}, APPROVER: {"view"}},
}


def rights(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    config = apps.get_app_config("gjj")
    config.models_module = True
    create_permissions(config, verbosity=0, apps=apps)
    config.models_module = None
    for model, by_role in GRANTS.items():
        for role, actions in by_role.items():
            group, _ = Group.objects.get_or_create(name=role)
            perms = Permission.objects.filter(
                content_type__app_label="gjj", codename__in=[f"{a}_{model}" for a in actions]
            )
            group.permissions.add(*perms)  # adding a held permission is a no-op: idempotent


class Migration(migrations.Migration):
    dependencies = [("gjj", "0007_audit_action_names")]

    operations = [
        migrations.AlterField(
            model_name="accountentry",
            name="entry_type",
            field=models.CharField(
                choices=[
                    ("01", "汇缴"),
                    ("02", "补缴"),
                    ("03", "部分提取"),
                    ("04", "销户提取"),
                    ("05", "年终结息"),
                    ("06", "转入"),
                    ("07", "转出"),
                    ("08", "冲账"),
                    ("09", "调账"),
                ],
                max_length=2,
                verbose_name="业务类型",
            ),
        ),
        migrations.CreateModel(
            name="ManualPosting",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("supplement", "手工补缴"),
                            ("adjustment", "调账"),
                            ("reversal", "冲账"),
                        ],
                        max_length=12,
                        verbose_name="类别",
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(max_digits=16, decimal_places=2, verbose_name="发生额"),
                ),
                ("value_date", models.DateField(verbose_name="记账日期")),
                ("reason", models.CharField(max_length=500, verbose_name="原因")),
                ("reference", models.CharField(max_length=64, verbose_name="依据（凭证号）")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("requested", "待复核"),
                            ("posted", "已记账"),
                            ("rejected", "已退回"),
                        ],
                        default="requested",
                        max_length=10,
                        verbose_name="状态",
                    ),
                ),
                (
                    "decided_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="复核时间"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="申请时间")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="manual_postings",
                        to="gjj.providentaccount",
                        verbose_name="账户",
                    ),
                ),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="复核人",
                    ),
                ),
                (
                    "entry",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="manual_posting",
                        to="gjj.accountentry",
                        verbose_name="记账分录",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="申请人",
                    ),
                ),
                (
                    "reverses",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reversal_requests",
                        to="gjj.accountentry",
                        verbose_name="冲正的分录",
                    ),
                ),
            ],
            options={
                "verbose_name": "手工记账申请",
                "verbose_name_plural": "手工记账申请",
                "ordering": ["-id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("amount", 0), _negated=True),
                        name="manual_posting_amount_not_zero",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("status", "requested")),
                        fields=("reverses",),
                        name="manual_posting_one_open_reversal",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="RemittanceImport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.CharField(max_length=7, verbose_name="缴存月份")),
                ("file_name", models.CharField(max_length=200, verbose_name="文件名")),
                (
                    "file_hash",
                    models.CharField(
                        max_length=64, unique=True, verbose_name="文件摘要（SHA-256）"
                    ),
                ),
                ("line_count", models.PositiveIntegerField(verbose_name="明细笔数")),
                (
                    "total",
                    models.DecimalField(max_digits=16, decimal_places=2, verbose_name="合计金额"),
                ),
                ("value_date", models.DateField(verbose_name="记账日期")),
                ("imported_at", models.DateTimeField(auto_now_add=True, verbose_name="导入时间")),
                (
                    "employer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="remittances",
                        to="gjj.employer",
                        verbose_name="缴存单位",
                    ),
                ),
                (
                    "imported_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="导入人",
                    ),
                ),
            ],
            options={
                "verbose_name": "单位汇缴导入",
                "verbose_name_plural": "单位汇缴导入",
                "ordering": ["-id"],
            },
        ),
        migrations.RunPython(rights, migrations.RunPython.noop),
    ]
