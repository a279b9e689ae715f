"""Load the policy rows of 阳政办发〔2024〕52号 and the national rules around it."""

from datetime import date

from django.db import migrations

from gjj.seed import policy_2024 as seed
from gjj.seeding import parameter_rows_add


def _d(value):
    return date.fromisoformat(value) if value else None


def load(apps, schema_editor):
    LoanRate = apps.get_model("gjj", "LoanRate")
    AuditLog = apps.get_model("gjj", "AuditLog")
    parameter_rows_add(apps, rows=seed.PARAMETERS, migration="gjj.0002", reason="初始政策数据")
    for start, tier, band, rate, is_floor, document, article in seed.RATES:
        row = LoanRate.objects.create(
            effective_from=_d(start),
            home_tier=tier,
            term_band=band,
            annual_rate_percent=rate,
            is_floor=is_floor,
            document=document,
            article=article,
        )
        AuditLog.objects.create(
            actor_label="migration:gjj.0002",
            action="policy_rate_add",
            object_type="gjj.loanrate",
            object_id=str(row.pk),
            object_repr=f"{start} {tier} {band} {rate}%",
            new={"effective_from": start, "home_tier": tier, "term_band": band, "rate": rate},
            reason="初始利率数据",
        )


class Migration(migrations.Migration):
    dependencies = [("gjj", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
