"""Policy rows of the second round of decisions (domain.md §8), as a frozen copy.

The 多子女 deduction's scope, the 正常缴存 account status, and the provisional
repayment-capacity share and minimum continuous deposit months.
"""

from datetime import date

from django.db import migrations

D52 = "阳政办发〔2024〕52号"
CENTER = "阳泉市住房公积金管理中心业务决定"
PROVISIONAL = "暂定（待中心确认）"

# (key, kind, value, effective_from, effective_to, document, article, source, note)
# fmt: off
PARAMETERS = [
    ("loan.multi_child.deduction_scope", "text", "tier", "2024-10-17", "2027-10-16", D52,
     "第三条：二孩及以上多子女家庭购买新建商品住房，第二套、第三套分别按首套、第二套认定",
     "52号",
     "tier：认定套数（住房或公积金贷款次数所定）降低一套，最低为首套；home_count：仅核减住房套数"),
    ("loan.account.required_status", "text", "01", "2024-10-17", "2027-10-16", D52,
     "第二条：正常缴存职工（JGJ/T 320-2014 个人账户状态01正常）", "52号",
     "借款人个人账户状态须为01正常；封存、冻结等状态不予贷款"),
    ("loan.repayment_capacity_share", "decimal", "0.50", "2026-12-01", None, CENTER,
     "首月还款额不超过借款人及共同借款配偶月收入合计的50%", "decision",
     PROVISIONAL),
    ("loan.min_continuous_deposit_months", "integer", "6", "2026-12-01", None, CENTER,
     "申请时按月汇缴已连续缴存不少于6个月", "decision",
     PROVISIONAL),
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
            actor_label="migration:gjj.0010",
            action="policy_parameter.added",
            object_type="gjj.policyparameter",
            object_id=str(row.pk),
            object_repr=f"{key} @ {start}",
            new={"key": key, "value": value, "effective_from": start, "effective_to": end},
            reason="政策执行口径第二轮决定（domain.md §8）",
        )


class Migration(migrations.Migration):
    dependencies = [("gjj", "0009_working_days")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
