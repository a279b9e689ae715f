"""Two loan rules as policy rows: the unsettled-loan refusal and the 商转公 limits.

The rules applied before, from the engine alone and without a citation; as rows
they cite their source like every other rule. The rows are a frozen copy.
"""

from datetime import date

from django.db import migrations

CENTER = "阳泉市住房公积金管理中心业务决定"

# (key, kind, value, effective_from, effective_to, document, article, source, note)
# One row a line reads as the table it copies.
# fmt: off
PARAMETERS = [
    ("loan.home_count.max_unsettled_pf_loans", "integer", "0", "2015-08-26", None, CENTER,
     "家庭有未结清的住房公积金贷款的，结清前不予发放新的住房公积金贷款", "decision",
     "申请时家庭可有的未结清住房公积金贷款笔数"),
    ("szg.limits", "text", "remaining_principal_and_term", "2024-10-17", None, CENTER,
     "商转公贷款额度不超过商业贷款剩余本金，贷款期限不超过商业贷款剩余期限", "decision",
     "remaining_principal_and_term：额度与期限均以所转商业贷款的剩余部分为限"),
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
            actor_label="migration:gjj.0005",
            action="policy_parameter_add",
            object_type="gjj.policyparameter",
            object_id=str(row.pk),
            object_repr=f"{key} @ {start}",
            new={"key": key, "value": value, "effective_from": start, "effective_to": end},
            reason="贷款规则补充为政策参数（此前规则相同，但无出处）",
        )


class Migration(migrations.Migration):
    dependencies = [("gjj", "0004_idempotency")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
