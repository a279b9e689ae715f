import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

KINDS = [
    ("decimal", "decimal"),
    ("integer", "integer"),
    ("date", "date"),
    ("json", "json"),
    ("text", "text"),
    ("boolean", "boolean"),
]


POLICY_ADMIN = "政策管理"
# model -> {role: actions}; rows and buttons go through the services, not the change form.
PERMISSIONS = {
    "policydraft": {POLICY_ADMIN: {"view", "add"}},
    "policydraftparameter": {POLICY_ADMIN: {"view"}},
    "policydraftrate": {POLICY_ADMIN: {"view"}},
}


def grant(apps, schema_editor):
    """The 政策管理 group may see and start drafts (a frozen copy of 0003's grant)."""
    from django.contrib.auth.management import create_permissions

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    config = apps.get_app_config("gjj")
    config.models_module = True
    create_permissions(config, verbosity=0, apps=apps)
    config.models_module = None
    for model, rights in PERMISSIONS.items():
        for role, actions in rights.items():
            group = Group.objects.get_or_create(name=role)[0]
            perms = Permission.objects.filter(
                content_type__app_label="gjj",
                codename__in=[f"{action}_{model}" for action in actions],
            )
            group.permissions.add(*perms)  # adding a held permission is a no-op


def _user_fk(label, *, null=True):
    return models.ForeignKey(
        blank=null,
        null=null,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to=settings.AUTH_USER_MODEL,
        verbose_name=label,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("gjj", "0013_policy_status"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="PolicyDraft",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=200, verbose_name="草案名称")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "草稿"),
                            ("previewed", "已预览"),
                            ("confirmed", "已确认生效"),
                            ("withdrawn", "已撤销"),
                        ],
                        db_index=True,
                        default="draft",
                        max_length=20,
                        verbose_name="状态",
                    ),
                ),
                ("revision", models.PositiveIntegerField(default=0, verbose_name="修订次数")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="起草时间")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="更新时间")),
                ("preview", models.JSONField(blank=True, null=True, verbose_name="影响预览结果")),
                (
                    "preview_rows",
                    models.JSONField(blank=True, null=True, verbose_name="预览时的草案条目"),
                ),
                (
                    "preview_revision",
                    models.PositiveIntegerField(
                        blank=True, null=True, verbose_name="预览时的修订次数"
                    ),
                ),
                (
                    "previewed_on",
                    models.DateField(blank=True, null=True, verbose_name="预览业务日期"),
                ),
                (
                    "previewed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="预览完成时间"),
                ),
                (
                    "confirmed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="确认时间"),
                ),
                (
                    "withdrawn_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="撤销时间"),
                ),
                (
                    "withdraw_reason",
                    models.CharField(blank=True, max_length=500, verbose_name="撤销原因"),
                ),
                ("created_by", _user_fk("起草人", null=False)),
                ("preview_requested_by", _user_fk("预览发起人")),
                ("confirmed_by", _user_fk("确认人")),
                ("withdrawn_by", _user_fk("撤销人")),
            ],
            options={
                "verbose_name": "政策草案",
                "verbose_name_plural": "政策草案",
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="PolicyDraftParameter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=80, verbose_name="参数")),
                ("kind", models.CharField(choices=KINDS, max_length=10, verbose_name="类型")),
                ("value", models.TextField(blank=True, null=True, verbose_name="取值")),
                ("effective_from", models.DateField(verbose_name="生效日期")),
                ("effective_to", models.DateField(blank=True, null=True, verbose_name="失效日期")),
                ("document", models.CharField(max_length=300, verbose_name="依据文件")),
                ("article", models.CharField(max_length=300, verbose_name="条款")),
                ("source", models.CharField(max_length=10, verbose_name="来源")),
                ("note", models.CharField(blank=True, max_length=300, verbose_name="说明")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="录入时间")),
                (
                    "draft",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="parameters",
                        to="gjj.policydraft",
                        verbose_name="草案",
                    ),
                ),
            ],
            options={
                "verbose_name": "草案参数",
                "verbose_name_plural": "草案参数",
                "ordering": ["key", "effective_from"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("draft", "key", "effective_from"), name="draft_param_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="PolicyDraftRate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("effective_from", models.DateField(verbose_name="生效日期")),
                (
                    "home_tier",
                    models.PositiveSmallIntegerField(
                        choices=[(1, "首套"), (2, "第二套")], verbose_name="住房套数"
                    ),
                ),
                (
                    "term_band",
                    models.CharField(
                        choices=[("le5", "五年以下（含五年）"), ("gt5", "五年以上")],
                        max_length=3,
                        verbose_name="期限档次",
                    ),
                ),
                (
                    "annual_rate_percent",
                    models.DecimalField(decimal_places=3, max_digits=6, verbose_name="年利率（%）"),
                ),
                ("is_floor", models.BooleanField(default=False, verbose_name="为下限（不低于）")),
                ("document", models.CharField(max_length=300, verbose_name="依据文件")),
                ("article", models.CharField(max_length=300, verbose_name="条款")),
                ("note", models.CharField(blank=True, max_length=300, verbose_name="说明")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="录入时间")),
                (
                    "draft",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="rates",
                        to="gjj.policydraft",
                        verbose_name="草案",
                    ),
                ),
            ],
            options={
                "verbose_name": "草案利率",
                "verbose_name_plural": "草案利率",
                "ordering": ["effective_from", "home_tier", "term_band"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("draft", "effective_from", "home_tier", "term_band"),
                        name="draft_rate_unique",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("annual_rate_percent__gt", 0)),
                        name="draft_rate_positive",
                    ),
                ],
            },
        ),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
