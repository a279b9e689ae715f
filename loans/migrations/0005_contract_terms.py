"""The smallest prepayment as a policy row (provisional center decision, domain.md §6).

The row is a frozen copy; the code reads it through ``policy_in_force``.
"""

from datetime import date

from django.db import migrations

CENTER = "阳泉市住房公积金管理中心业务决定"

# (key, kind, value, effective_from, effective_to, document, article, source, note)
# fmt: off
PARAMETERS = [
    ("loan.prepayment.min_amount", "decimal", "10000.00", "2024-10-17", None, CENTER,
     "部分提前还款每次不少于10000元；还款后剩余本金不足10000元的，应一次结清", "decision",
     "暂定：提前还款最低金额（元），也是提前还款后须保留的最低剩余本金"),
]
# fmt: on


def _d(value):
    return date.fromisoformat(value) if value else None


def load(apps, schema_editor):
    """Create the rows not there yet, each with its audit row (safe to run again)."""
    PolicyParameter = apps.get_model("gjj", "PolicyParameter")
    AuditLog = apps.get_model("gjj", "AuditLog")
    for key, kind, value, start, end, document, article, source, note in PARAMETERS:
        row, created = PolicyParameter.objects.get_or_create(
            key=key,
            effective_from=_d(start),
            defaults={
                "kind": kind,
                "value": value,
                "effective_to": _d(end),
                "document": document,
                "article": article,
                "source": source,
                "note": note,
            },
        )
        if not created:
            continue
        AuditLog.objects.create(
            actor_label="migration:loans.0005",
            action="policy_parameter.added",
            object_type="gjj.policyparameter",
            object_id=str(row.pk),
            object_repr=f"{key} @ {start}",
            new={"key": key, "value": value, "effective_from": start, "effective_to": end},
            reason="提前还款最低金额（暂定）",
        )


class Migration(migrations.Migration):
    dependencies = [("loans", "0004_batch_permissions"), ("gjj", "0008_ledger_controls")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
