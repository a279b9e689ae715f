"""Policy drafts: future rows a 政策管理 user previews before a second person confirms them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from gjj.domain import Labelled, TermBand
from gjj.policy import ValueKind

__all__ = ["PolicyDraft", "PolicyDraftParameter", "PolicyDraftRate", "PolicyDraftStatus"]


class PolicyDraftStatus(Labelled):
    DRAFT = "draft", "草稿"
    PREVIEWED = "previewed", "已预览"
    CONFIRMED = "confirmed", "已确认生效"
    WITHDRAWN = "withdrawn", "已撤销"


class PolicyDraft(models.Model):
    """Rows that take effect only once a second 政策管理 person confirms them.

    ``revision`` counts the changes to the rows; a preview records the revision it
    saw, so a draft changed after its preview cannot be confirmed on that preview.
    """

    title = models.CharField("草案名称", max_length=200)
    status = models.CharField(
        "状态",
        max_length=20,
        choices=PolicyDraftStatus.choices(),
        default=PolicyDraftStatus.DRAFT,
        db_index=True,
    )
    revision = models.PositiveIntegerField("修订次数", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="起草人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("起草时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    preview = models.JSONField("影响预览结果", null=True, blank=True)
    preview_rows = models.JSONField("预览时的草案条目", null=True, blank=True)
    preview_revision = models.PositiveIntegerField("预览时的修订次数", null=True, blank=True)
    previewed_on = models.DateField("预览业务日期", null=True, blank=True)
    previewed_at = models.DateTimeField("预览完成时间", null=True, blank=True)
    preview_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="预览发起人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="确认人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撤销人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)
    withdraw_reason = models.CharField("撤销原因", max_length=500, blank=True)

    class Meta:
        verbose_name = "政策草案"
        verbose_name_plural = "政策草案"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"草案#{self.pk} {self.title}"


class PolicyDraftParameter(models.Model):
    """A parameter row as it would be added on confirmation (``gjj.services``' fields)."""

    draft = models.ForeignKey(
        PolicyDraft, verbose_name="草案", on_delete=models.PROTECT, related_name="parameters"
    )
    key = models.CharField("参数", max_length=80)
    kind = models.CharField("类型", max_length=10, choices=[(k.value, k.value) for k in ValueKind])
    # NULL means "unset", as on a PolicyParameter.
    value = models.TextField("取值", null=True, blank=True)  # noqa: DJ001
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("失效日期", null=True, blank=True)
    document = models.CharField("依据文件", max_length=300)
    article = models.CharField("条款", max_length=300)
    source = models.CharField("来源", max_length=10)
    note = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "草案参数"
        verbose_name_plural = "草案参数"
        ordering = ["key", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["draft", "key", "effective_from"], name="draft_param_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value} 自{self.effective_from}"


class PolicyDraftRate(models.Model):
    """A rate cell as it would be added on confirmation."""

    draft = models.ForeignKey(
        PolicyDraft, verbose_name="草案", on_delete=models.PROTECT, related_name="rates"
    )
    effective_from = models.DateField("生效日期")
    home_tier = models.PositiveSmallIntegerField("住房套数", choices=[(1, "首套"), (2, "第二套")])
    term_band = models.CharField("期限档次", max_length=3, choices=TermBand.choices())
    annual_rate_percent = models.DecimalField("年利率（%）", max_digits=6, decimal_places=3)
    is_floor = models.BooleanField("为下限（不低于）", default=False)
    document = models.CharField("依据文件", max_length=300)
    article = models.CharField("条款", max_length=300)
    note = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "草案利率"
        verbose_name_plural = "草案利率"
        ordering = ["effective_from", "home_tier", "term_band"]
        constraints = [
            models.UniqueConstraint(
                fields=["draft", "effective_from", "home_tier", "term_band"],
                name="draft_rate_unique",
            ),
            models.CheckConstraint(
                condition=Q(annual_rate_percent__gt=0), name="draft_rate_positive"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.effective_from} {self.get_home_tier_display()} "
            f"{self.get_term_band_display()} {self.annual_rate_percent}%"
        )
