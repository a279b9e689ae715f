from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("gjj", "0007_audit_action_names")]

    operations: list[migrations.operations.base.Operation] = []
