"""Two loan rules as policy rows: the unsettled-loan refusal and the 商转公 limits."""

from django.db import migrations

from gjj.seed import policy_0005 as seed
from gjj.seeding import parameter_rows_add


def load(apps, schema_editor):
    parameter_rows_add(
        apps,
        rows=seed.PARAMETERS,
        migration="gjj.0005",
        reason="贷款规则补充为政策参数（此前规则相同，但无出处）",
    )


class Migration(migrations.Migration):
    dependencies = [("gjj", "0004_idempotency")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
