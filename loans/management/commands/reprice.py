"""manage.py reprice --date YYYY-MM-DD [--dry-run]: the nightly repricing for any day.

Runs the same services as the Celery job, in this process, chunk by chunk with
a progress bar, so a missed night can be caught up (or rerun: it is idempotent).
``--dry-run`` computes what the run would write over the same id ranges, writing nothing.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from gjj.errors import BusinessError
from gjj.selectors import today_local
from loans import repricing
from loans.models import BatchStatus


class Command(BaseCommand):
    help = "按业务日期执行存量贷款利率调整（可重复执行，不会重复调整）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", dest="business_date", help="业务日期 YYYY-MM-DD，默认今天")
        parser.add_argument("--dry-run", action="store_true", help="只统计需要调整的贷款，不写入")

    def handle(self, *args: object, **options: object) -> None:
        raw = options.get("business_date")
        try:
            business_date = date.fromisoformat(str(raw)) if raw else today_local()
        except ValueError as exc:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{raw}") from exc
        try:
            if options.get("dry_run"):
                self._dry_run(business_date)
                return
            run = repricing.reprice_kickoff(business_date=business_date)
        except BusinessError as exc:
            raise CommandError(exc.message) from exc
        pending = list(
            run.chunks.exclude(status=BatchStatus.DONE).order_by("id").values_list("id", flat=True)
        )
        with tqdm(total=run.loans_total, unit="笔", desc=f"重定价 {business_date}") as bar:
            for chunk_id in pending:
                chunk = repricing.reprice_chunk(chunk_id=chunk_id)
                bar.update(chunk.repriced + chunk.failed)
        run.refresh_from_db()
        self.stdout.write(
            f"{business_date}：状态 {run.get_status_display()}，调整 {run.loans_repriced} 笔，"
            f"失败 {run.loans_failed} 笔，重新报价申请 {run.applications_requoted} 笔"
        )

    def _dry_run(self, business_date: date) -> None:
        """What the run would write, chunk by chunk over its own id ranges, with a bar."""
        with tqdm(unit="段", desc=f"试算 {business_date}") as bar:

            def done(chunks: int, part: repricing.RepricingTotals) -> None:
                bar.total = chunks
                bar.update(1)

            dry = repricing.reprice_dry_run(business_date=business_date, on_chunk=done)
        totals = dry.totals
        whole = totals.total
        self.stdout.write(
            f"{business_date}：参照{dry.reference}的利率，"
            f"自{dry.effective_on}起到期的期次按新利率，"
            f"需调整 {whole.loans} 笔贷款（未写入）"
        )
        for (tier, band), cell in sorted(totals.cells.items()):
            self.stdout.write(
                f"  第{tier}套 {band}：{cell.loans} 笔，月供 {cell.installment_before} → "
                f"{cell.installment_after}，重定价本金 {cell.principal}"
            )
        if whole.loans:
            self.stdout.write(
                f"  合计月供 {whole.installment_before} → {whole.installment_after}，"
                f"每笔变动 最小 {totals.change_min()} / 中位 {totals.change_median()} / "
                f"最大 {totals.change_max()}"
            )
