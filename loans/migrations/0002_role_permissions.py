"""Grant the loan tables to the role groups (the groups come from gjj.0003).

经办 accepts, signs, disburses and records repayments; 复核 reviews; 审批
approves or rejects; all three see applications and loans; 政策管理 has no part
in loans. Which transition a user may take is checked again by the services.
The table and ``grant`` are frozen copies.
"""

from django.db import migrations

CLERK = "经办"
REVIEWER = "复核"
APPROVER = "审批"
POLICY_ADMIN = "政策管理"
ROLES = (CLERK, REVIEWER, APPROVER, POLICY_ADMIN)
VIEW = {CLERK: {"view"}, REVIEWER: {"view"}, APPROVER: {"view"}}

# model -> {role: actions}
PERMISSIONS = {
    "loanapplication": {
        CLERK: {"view", "accept", "sign", "disburse"},
        REVIEWER: {"view", "review"},
        APPROVER: {"view", "approve"},
    },
    "applicationstatuschange": VIEW,
    "loan": VIEW,
    "scheduleversion": VIEW,
    "ratechange": VIEW,
    "repayment": {CLERK: {"view", "add"}, REVIEWER: {"view"}, APPROVER: {"view"}},
    "repaymentimport": {CLERK: {"view", "add"}, REVIEWER: {"view"}, APPROVER: {"view"}},
    "prepayment": {CLERK: {"view", "add"}, REVIEWER: {"view"}, APPROVER: {"view"}},
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
    grant(apps, "loans", PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("loans", "0001_initial"),
        ("gjj", "0003_role_groups"),
    ]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
