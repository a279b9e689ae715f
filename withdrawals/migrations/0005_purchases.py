from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("withdrawals", "0004_approved_household_facts"),
        ("gjj", "0008_ledger_controls"),
    ]

    operations: list[migrations.operations.base.Operation] = []
