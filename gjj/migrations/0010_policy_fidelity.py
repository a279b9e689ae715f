from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("gjj", "0009_working_days")]

    operations: list[migrations.operations.base.Operation] = []
