"""Load the policy rows of 阳政办发〔2024〕52号 and the national rules around it."""

from datetime import date

from django.db import migrations

from gjj.seed import policy_2024 as seed


def _d(value):
    return date.fromisoformat(value) if value else None


def load(apps, schema_editor):
    PolicyParameter = apps.get_model("gjj", "PolicyParameter")
    LoanRate = apps.get_model("gjj", "LoanRate")
    AuditLog = apps.get_model("gjj", "AuditLog")
    for key, kind, value, start, end, document, article, source, note in seed.PARAMETERS:
        row = PolicyParameter.objects.create(
            key=key,
            kind=kind,
            value=value,
            effective_from=_d(start),
            effective_to=_d(end),
            document=document,
            article=article,
            source=source,
            note=note,
        )
        AuditLog.objects.create(
            actor_label="migration:gjj.0002",
            action="policy_parameter_add",
            object_type="gjj.policyparameter",
            object_id=str(row.pk),
            object_repr=f"{key} @ {start}",
            new={"key": key, "value": value, "effective_from": start, "effective_to": end},
            reason="初始政策数据",
        )
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
