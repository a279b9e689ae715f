from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("loans", "0005_contract_terms"), ("gjj", "0010_policy_fidelity")]

    operations: list[migrations.operations.base.Operation] = []
