"""Holiday rows for the working-day calendar, and who may see and enter them.

The rights table is a frozen copy.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CLERK, REVIEWER, APPROVER, POLICY_ADMIN = "经办", "复核", "审批", "政策管理"
GRANTS = {
    "holiday": {
        POLICY_ADMIN: {"view", "add"},
        CLERK: {"view"},
        REVIEWER: {"view"},
        APPROVER: {"view"},
    },
}


def rights(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    config = apps.get_app_config("gjj")
    config.models_module = True
    create_permissions(config, verbosity=0, apps=apps)
    config.models_module = None
    for model, by_role in GRANTS.items():
        for role, actions in by_role.items():
            group, _ = Group.objects.get_or_create(name=role)
            perms = Permission.objects.filter(
                content_type__app_label="gjj", codename__in=[f"{a}_{model}" for a in actions]
            )
            group.permissions.add(*perms)  # adding a held permission is a no-op: idempotent


class Migration(migrations.Migration):
    dependencies = [
        ("gjj", "0008_ledger_controls"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Holiday",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(unique=True, verbose_name="日期")),
                (
                    "kind",
                    models.CharField(
                        choices=[("holiday", "放假（法定节假日及调休）"), ("workday", "调休上班")],
                        max_length=10,
                        verbose_name="类型",
                    ),
                ),
                ("name", models.CharField(max_length=50, verbose_name="节日")),
                ("document", models.CharField(max_length=300, verbose_name="依据文件")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="录入时间")),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="录入人",
                    ),
                ),
            ],
            options={
                "verbose_name": "节假日安排",
                "verbose_name_plural": "节假日安排",
                "ordering": ["day"],
            },
        ),
        migrations.RunPython(rights, migrations.RunPython.noop),
    ]
