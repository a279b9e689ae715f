"""Homes and provident-loan records held by any household member, declared or verified.

Existing rows keep their depositor holder. A clerk entered each of them, so the
data step marks it verified by that clerk (from its audit row) at its creation:
otherwise every old record would read 待核实 and block approvals.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Frozen copies of the audit action values and model labels (never import gjj here).
RECORDED = {
    "Home": ("home.registered", "gjj.home"),
    "PfLoanRecord": ("pf_loan_record.added", "gjj.pfloanrecord"),
}
HOLDER = {"Home": "owner", "PfLoanRecord": "borrower"}


def mark_recorded_as_verified(apps, schema_editor):
    AuditLog = apps.get_model("gjj", "AuditLog")
    for model_name, (action, label) in RECORDED.items():
        model = apps.get_model("gjj", model_name)
        clerks = dict(
            AuditLog.objects.filter(action=action, object_type=label).values_list(
                "object_id", "actor_id"
            )
        )
        for row in model.objects.filter(verified_at__isnull=True, declared_by__isnull=True):
            row.verified_at = row.created_at
            row.verified_by_id = clerks.get(str(row.pk))
            row.save(update_fields=["verified_at", "verified_by"])


def move_member_rows_to_depositors(apps, schema_editor):
    # Backwards: the old schema knows only depositor holders. A member who deposits
    # here goes to that depositor; any other to the depositor whose family lists them.
    for model_name, holder in HOLDER.items():
        model = apps.get_model("gjj", model_name)
        for row in model.objects.filter(member__isnull=False).select_related("member"):
            member = row.member
            setattr(row, f"{holder}_id", member.relative_depositor_id or member.depositor_id)
            row.member = None
            row.save(update_fields=[holder, "member"])


def _fact_fields(model_name):
    return [
        migrations.AddField(
            model_name=model_name,
            name="member",
            field=models.ForeignKey(
                blank=True,
                help_text="产权人或借款人不是本中心缴存职工时填写",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="gjj.familymember",
                verbose_name="家庭成员",
            ),
        ),
        migrations.AddField(
            model_name=model_name,
            name="declared_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="申报人",
            ),
        ),
        migrations.AddField(
            model_name=model_name,
            name="verified_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="核实时间"),
        ),
        migrations.AddField(
            model_name=model_name,
            name="verified_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="核实人",
            ),
        ),
    ]


class Migration(migrations.Migration):
    # PostgreSQL refuses ALTER TABLE after row updates with deferred FK checks in one
    # transaction; the data step runs last (first backwards) in its own transaction.
    atomic = False
    dependencies = [
        ("gjj", "0010_policy_fidelity"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        *_fact_fields("home"),
        *_fact_fields("pfloanrecord"),
        migrations.AddField(
            model_name="home",
            name="contract_number",
            field=models.CharField(blank=True, max_length=60, verbose_name="购房合同编号"),
        ),
        migrations.AlterField(
            model_name="home",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="homes",
                to="gjj.depositor",
                verbose_name="产权人（缴存职工）",
            ),
        ),
        migrations.AlterField(
            model_name="pfloanrecord",
            name="borrower",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="pf_loans",
                to="gjj.depositor",
                verbose_name="借款人（缴存职工）",
            ),
        ),
        migrations.AddConstraint(
            model_name="home",
            constraint=models.CheckConstraint(
                condition=models.Q(("member__isnull", True), ("owner__isnull", False))
                | models.Q(("member__isnull", False), ("owner__isnull", True)),
                name="home_one_holder",
            ),
        ),
        migrations.AddConstraint(
            model_name="pfloanrecord",
            constraint=models.CheckConstraint(
                condition=models.Q(("borrower__isnull", False), ("member__isnull", True))
                | models.Q(("borrower__isnull", True), ("member__isnull", False)),
                name="pf_loan_one_holder",
            ),
        ),
        migrations.RunPython(
            mark_recorded_as_verified, move_member_rows_to_depositors, atomic=True
        ),
    ]
