"""manage.py servicing --date YYYY-MM-DD [--dry-run]: the nights up to a date, in order.

Catches up every business date since the last one the overdue pass closed (or just
the date given, the first time), each night repricing → collection → overdue, in
this process with a progress bar. Running a night again changes nothing.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from gjj.errors import BusinessError
from gjj.selectors import today_local
from loans import servicing


class Command(BaseCommand):
    help = "按业务日期执行贷款回收夜间批处理（利率调整、扣款、逾期与风险分类），补跑漏跑日期"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", dest="business_date", help="业务日期 YYYY-MM-DD，默认今天")
        parser.add_argument("--dry-run", action="store_true", help="只列出待处理日期与笔数，不写入")

    def handle(self, *args: object, **options: object) -> None:
        raw = options.get("business_date")
        try:
            until = date.fromisoformat(str(raw)) if raw else today_local()
        except ValueError as exc:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{raw}") from exc
        dates = servicing.servicing_dates_due(until=until)
        if not dates:
            self.stdout.write(f"{until}及之前的业务日期均已处理")
            return
        if options.get("dry_run"):
            for on in dates:
                preview = servicing.servicing_preview(business_date=on)
                self.stdout.write(
                    f"{on}：待扣款贷款 {preview.loans_due} 笔，"
                    f"未结清期次 {preview.installments_due} 期（未写入）"
                )
            return
        try:
            with tqdm(total=len(dates), unit="日", desc="贷款回收") as bar:
                for on in dates:
                    bar.set_postfix_str(on.isoformat())
                    servicing.servicing_run_inline(business_date=on)
                    bar.update(1)
        except BusinessError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已处理 {len(dates)} 个业务日期：{dates[0]} 至 {dates[-1]}")
