from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("gjj", "0010_policy_fidelity")]

    operations: list[migrations.operations.base.Operation] = []
