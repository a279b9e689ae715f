from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("loans", "0004_batch_permissions"), ("gjj", "0008_ledger_controls")]

    operations: list[migrations.operations.base.Operation] = []
