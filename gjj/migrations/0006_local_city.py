"""The city the center serves as a policy row; a home's city no longer defaults in code."""

from datetime import date

from django.db import migrations, models

# A frozen copy of the row: migrations never import app code.
KEY = "center.local_city"
VALUE = "阳泉"
EFFECTIVE_FROM = date(2002, 3, 24)
DOCUMENT = "阳泉市住房公积金管理中心业务决定"
ARTICLE = "本中心管辖阳泉市：家庭住房套数按在阳泉市登记的住房认定，新市民按是否有阳泉市户籍认定"
NOTE = "住房登记的所在城市须与此一致"


def add_local_city(apps, schema_editor):
    PolicyParameter = apps.get_model("gjj", "PolicyParameter")
    AuditLog = apps.get_model("gjj", "AuditLog")
    row, created = PolicyParameter.objects.get_or_create(
        key=KEY,
        effective_from=EFFECTIVE_FROM,
        defaults={
            "kind": "text",
            "value": VALUE,
            "document": DOCUMENT,
            "article": ARTICLE,
            "source": "decision",
            "note": NOTE,
        },
    )
    if created:
        AuditLog.objects.create(
            actor_label="migration:gjj.0006",
            action="policy_parameter_add",
            object_type="gjj.policyparameter",
            object_id=str(row.pk),
            object_repr=f"{KEY} @ {EFFECTIVE_FROM.isoformat()}",
            new={
                "key": KEY,
                "value": VALUE,
                "effective_from": EFFECTIVE_FROM.isoformat(),
                "effective_to": None,
            },
            reason="本中心所在城市改为政策参数（此前写在代码中，取值相同）",
        )


class Migration(migrations.Migration):
    dependencies = [("gjj", "0005_loan_rule_rows")]

    operations = [
        migrations.AlterField(
            model_name="home",
            name="city",
            field=models.CharField(max_length=50, verbose_name="所在城市"),
        ),
        migrations.RunPython(add_local_city, migrations.RunPython.noop),
    ]
