"""What each role may see and do with withdrawals (the services check the roles again)."""

from django.db import migrations

from gjj import roles

PERMISSIONS = {
    "withdrawalapplication": {
        roles.CLERK: {"view", "accept"},
        roles.REVIEWER: {"view"},
        roles.APPROVER: {"view", "decide"},
    },
    "withdrawalmember": {
        roles.CLERK: {"view", "recordconsent"},
        roles.REVIEWER: {"view"},
        roles.APPROVER: {"view"},
    },
    "withdrawalpayment": {
        roles.CLERK: {"view"},
        roles.REVIEWER: {"view"},
        roles.APPROVER: {"view"},
    },
    "statuschange": {
        roles.CLERK: {"view"},
        roles.REVIEWER: {"view"},
        roles.APPROVER: {"view"},
    },
}


def create(apps, schema_editor):
    roles.grant(apps, "withdrawals", PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("withdrawals", "0002_four_eyes_threshold"),
        ("gjj", "0003_role_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
