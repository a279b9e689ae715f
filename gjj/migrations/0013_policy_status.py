"""Policy rows carry a status: our own defaults are provisional until the center confirms them.

Rows citing the center's business decision (source "decision") are marked 暂定（待中心确认）;
rows from a published document (52号, the PBOC notices, the 条例, national rules) 已确认.
Women all placed in the 55 retirement group (loan.term.retirement_female_base_age) is such a
default too. A row confirmed since (it has a confirmation time) is left as it is.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Frozen copies: the status values and the one source that is our own default.
PROVISIONAL = "provisional"
CONFIRMED = "confirmed"
DECISION = "decision"
STATUS_CHOICES = [(PROVISIONAL, "暂定（待中心确认）"), (CONFIRMED, "已确认")]
SOURCE_CHOICES = [
    ("52号", "阳政办发〔2024〕52号"),
    ("national", "国家规定"),
    ("decision", "中心决定"),
]


def mark(apps, schema_editor):
    """Status from the source, for the rows nobody has confirmed yet (safe to run again)."""
    for model in ("PolicyParameter", "LoanRate"):
        rows = apps.get_model("gjj", model).objects.filter(confirmed_at__isnull=True)
        rows.filter(source=DECISION).exclude(status=PROVISIONAL).update(status=PROVISIONAL)
        rows.exclude(source=DECISION).exclude(status=CONFIRMED).update(status=CONFIRMED)


def _status_fields(model_name):
    return [
        migrations.AddField(
            model_name=model_name,
            name="status",
            field=models.CharField(
                choices=STATUS_CHOICES,
                db_index=True,
                default=PROVISIONAL,
                max_length=12,
                verbose_name="状态",
            ),
        ),
        migrations.AddField(
            model_name=model_name,
            name="confirmed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="确认人",
            ),
        ),
        migrations.AddField(
            model_name=model_name,
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="确认时间"),
        ),
        migrations.AddField(
            model_name=model_name,
            name="confirmation_number",
            field=models.CharField(blank=True, max_length=100, verbose_name="中心确认文号"),
        ),
        migrations.AddField(
            model_name=model_name,
            name="confirmation_date",
            field=models.DateField(blank=True, null=True, verbose_name="文件日期"),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("gjj", "0012_desk_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="loanrate",
            name="source",
            field=models.CharField(
                choices=SOURCE_CHOICES, default="national", max_length=10, verbose_name="来源"
            ),
        ),
        *_status_fields("policyparameter"),
        *_status_fields("loanrate"),
        migrations.RunPython(mark, migrations.RunPython.noop),
    ]
