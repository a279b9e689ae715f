from django.db import migrations

from gjj import roles


def create(apps, schema_editor):
    roles.grant(apps, "gjj", roles.GJJ_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("gjj", "0002_policy_seed"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
