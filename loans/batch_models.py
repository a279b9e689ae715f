"""Tables of the nightly repricing batch (imported by loans.models)."""

from __future__ import annotations

from django.db import models


class BatchStatus(models.TextChoices):
    PENDING = "pending", "待处理"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    DONE_WITH_ERRORS = "done_errors", "已完成（有失败）"


class BatchRun(models.Model):
    """One night's run of a job; unique per job and business date."""

    job = models.CharField("作业", max_length=30)
    business_date = models.DateField("业务日期")
    reference_date = models.DateField("利率参照日期")
    status = models.CharField(
        "状态", max_length=12, choices=BatchStatus.choices, default=BatchStatus.PENDING
    )
    loans_total = models.PositiveIntegerField("待调整贷款", default=0)
    loans_repriced = models.PositiveIntegerField("已调整", default=0)
    loans_failed = models.PositiveIntegerField("失败", default=0)
    applications_requoted = models.PositiveIntegerField("重新报价的申请", default=0)
    chunks_total = models.PositiveIntegerField("分块数", default=0)
    chunks_done = models.PositiveIntegerField("已完成分块", default=0)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "批处理运行"
        verbose_name_plural = "批处理运行"
        ordering = ["-business_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["job", "business_date"], name="batch_run_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.business_date}"


class BatchChunk(models.Model):
    """A range of loan ids, processed in one transaction by one task."""

    run = models.ForeignKey(
        BatchRun, verbose_name="运行", on_delete=models.PROTECT, related_name="chunks"
    )
    id_from = models.BigIntegerField("起始贷款编号")
    id_to = models.BigIntegerField("截止贷款编号")
    status = models.CharField(
        "状态", max_length=12, choices=BatchStatus.choices, default=BatchStatus.PENDING
    )
    attempts = models.PositiveIntegerField("执行次数", default=0)
    repriced = models.PositiveIntegerField("已调整", default=0)
    failed = models.PositiveIntegerField("失败", default=0)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        verbose_name = "批处理分块"
        verbose_name_plural = "批处理分块"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "id_from"], name="batch_chunk_unique_start")
        ]

    def __str__(self) -> str:
        return f"{self.run} [{self.id_from}, {self.id_to}]"


class BatchError(models.Model):
    """A loan the batch could not process; the rest of its chunk went on."""

    run = models.ForeignKey(
        BatchRun, verbose_name="运行", on_delete=models.PROTECT, related_name="errors"
    )
    chunk = models.ForeignKey(
        BatchChunk, verbose_name="分块", on_delete=models.PROTECT, related_name="errors"
    )
    loan_id = models.BigIntegerField("贷款编号")
    message = models.TextField("错误")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "批处理错误"
        verbose_name_plural = "批处理错误"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.run} 贷款{self.loan_id}"


class RepricingFactor(models.Model):
    """Annuity factor i(1+i)^n/((1+i)^n−1) per rate and months, for the run's SQL."""

    run = models.ForeignKey(
        BatchRun, verbose_name="运行", on_delete=models.PROTECT, related_name="factors"
    )
    annual_rate_percent = models.DecimalField("年利率（%）", max_digits=6, decimal_places=3)
    months = models.PositiveIntegerField("期数")
    factor = models.DecimalField("年金系数", max_digits=34, decimal_places=30)

    class Meta:
        verbose_name = "年金系数"
        verbose_name_plural = "年金系数"
        constraints = [
            models.UniqueConstraint(
                fields=["run", "annual_rate_percent", "months"], name="repricing_factor_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.annual_rate_percent}% × {self.months}"
