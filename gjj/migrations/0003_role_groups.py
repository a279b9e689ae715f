"""The four role groups, and what each may see and do with the gjj tables.

Model-level rights only; which transition a role may take is checked again by
the services. The table and ``grant`` are frozen copies.
"""

from django.db import migrations

CLERK = "经办"
REVIEWER = "复核"
APPROVER = "审批"
POLICY_ADMIN = "政策管理"
ROLES = (CLERK, REVIEWER, APPROVER, POLICY_ADMIN)

# model -> {role: actions}
PERMISSIONS = {
    "employer": {CLERK: {"view", "add"}, REVIEWER: {"view"}, APPROVER: {"view"}},
    "depositor": {CLERK: {"view", "add"}, REVIEWER: {"view"}, APPROVER: {"view"}},
    "providentaccount": {CLERK: {"view", "add"}, REVIEWER: {"view"}, APPROVER: {"view"}},
    "accountentry": {CLERK: {"view", "add"}, REVIEWER: {"view"}, APPROVER: {"view"}},
    "familymember": {CLERK: {"view", "add", "change"}, REVIEWER: {"view"}, APPROVER: {"view"}},
    "home": {CLERK: {"view", "add", "change"}, REVIEWER: {"view"}, APPROVER: {"view"}},
    "pfloanrecord": {CLERK: {"view", "add", "change"}, REVIEWER: {"view"}, APPROVER: {"view"}},
    "specialgroupmembership": {
        CLERK: {"view", "add", "change"},
        REVIEWER: {"view"},
        APPROVER: {"view"},
    },
    "auditlog": {CLERK: {"view"}, REVIEWER: {"view"}, APPROVER: {"view"}, POLICY_ADMIN: {"view"}},
    "policyparameter": {
        POLICY_ADMIN: {"view", "add", "change"},
        CLERK: {"view"},
        REVIEWER: {"view"},
        APPROVER: {"view"},
    },
    "loanrate": {
        POLICY_ADMIN: {"view", "add"},
        CLERK: {"view"},
        REVIEWER: {"view"},
        APPROVER: {"view"},
    },
}


def grant(apps, app_label, table):
    """Create the four groups and give them the listed model permissions.

    A frozen copy, like the table: it must keep granting what it granted.
    """
    from django.contrib.auth.management import create_permissions

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    # Permissions are normally made after migrate; make them now so the groups
    # can be granted them in the same migration.
    config = apps.get_app_config(app_label)
    config.models_module = True
    create_permissions(config, verbosity=0, apps=apps)
    config.models_module = None
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    for model, rights in table.items():
        for role, actions in rights.items():
            perms = Permission.objects.filter(
                content_type__app_label=app_label,
                codename__in=[f"{action}_{model}" for action in actions],
            )
            groups[role].permissions.add(*perms)  # adding a held permission is a no-op


def create(apps, schema_editor):
    grant(apps, "gjj", PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("gjj", "0002_policy_seed"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
