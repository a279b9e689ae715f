from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("gjj", "0005_loan_rule_rows")]

    operations: list[migrations.operations.base.Operation] = []
