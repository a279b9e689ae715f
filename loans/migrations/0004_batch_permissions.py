from django.db import migrations

from gjj import roles


def grant(apps, schema_editor):
    view = {roles.CLERK: {"view"}, roles.REVIEWER: {"view"}, roles.APPROVER: {"view"}}
    roles.grant(apps, "loans", {"batchrun": view, "batchchunk": view, "batcherror": view})


class Migration(migrations.Migration):
    dependencies = [("loans", "0003_repricing_batch")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
