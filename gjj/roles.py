"""The four role groups and what each may see and do (used by migrations)."""

from __future__ import annotations

CLERK = "经办"
REVIEWER = "复核"
APPROVER = "审批"
POLICY_ADMIN = "政策管理"
ROLES = (CLERK, REVIEWER, APPROVER, POLICY_ADMIN)

# app_label -> model -> {role: actions}. Model-level rights only; which
# transition a role may take is checked again by the services.
GJJ_PERMISSIONS: dict[str, dict[str, set[str]]] = {
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


def grant(apps, app_label: str, table: dict[str, dict[str, set[str]]]) -> None:
    """Create the groups and give them the listed model permissions."""
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
    for model, roles in table.items():
        for role, actions in roles.items():
            perms = Permission.objects.filter(
                content_type__app_label=app_label,
                codename__in=[f"{a}_{model}" for a in actions],
            )
            groups[role].permissions.add(*perms)
