"""The four-eyes threshold of withdrawals, a center decision, as a policy row."""

from datetime import date

from django.db import migrations

KEY = "withdrawal.four_eyes_threshold"  # frozen: the key as it was when this ran
DOCUMENT = "阳泉市住房公积金管理中心业务决定"
ARTICLE = "单笔提取金额超过10万元的，须由受理人以外的审批岗位人员核准（双人审核）"
FROM = date(2015, 8, 26)


def load(apps, schema_editor):
    PolicyParameter = apps.get_model("gjj", "PolicyParameter")
    AuditLog = apps.get_model("gjj", "AuditLog")
    row, created = PolicyParameter.objects.get_or_create(
        key=KEY,
        effective_from=FROM,
        defaults={
            "kind": "decimal",
            "value": "100000.00",
            "effective_to": None,
            "document": DOCUMENT,
            "article": ARTICLE,
            "source": "decision",
            "note": "中心决定，可由政策管理岗新增更晚生效的记录调整",
        },
    )
    if not created:
        return  # loaded before (run again after being unapplied)
    AuditLog.objects.create(
        actor_label="migration:withdrawals.0002",
        action="policy_parameter_add",
        object_type="gjj.policyparameter",
        object_id=str(row.pk),
        object_repr=f"{row.key} @ {FROM.isoformat()}",
        new={
            "key": row.key,
            "value": row.value,
            "effective_from": FROM.isoformat(),
            "effective_to": None,
        },
        reason="提取双人审核阈值",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("withdrawals", "0001_initial"),
        ("gjj", "0004_idempotency"),
    ]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
