from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("gjj", "0008_ledger_controls")]

    operations: list[migrations.operations.base.Operation] = []
