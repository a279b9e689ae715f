"""manage.py reprice --date YYYY-MM-DD [--dry-run]: the nightly repricing for any day.

Runs the same services as the Celery job, in this process, chunk by chunk with
a progress bar, so a missed night can be caught up (or rerun: it is idempotent).
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
                preview = repricing.reprice_preview(business_date=business_date)
                self.stdout.write(
                    f"{business_date}：参照{preview.reference}的利率，"
                    f"自{preview.effective_on}起到期的期次按新利率，"
                    f"需调整 {preview.candidates} 笔贷款（未写入）"
                )
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
