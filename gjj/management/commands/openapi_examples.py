"""Record the OpenAPI examples' answers: ``config.openapi_recording``.

Runs on a new, freshly migrated test database (in memory on SQLite), never on
the configured one, and removes it afterwards.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import setup_test_environment, teardown_test_environment


class Command(BaseCommand):
    help = "按请求示例调用接口，重新生成 OpenAPI 响应示例（config/openapi_examples/*.json）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="只检查：示例与接口当前的回答不一致时报错，不写文件",
        )

    def handle(self, *args: object, **options: object) -> None:
        # Imported here: the recording imports every app's API.
        from config import openapi_recording

        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
        try:
            answers = openapi_recording.record()
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()
        if options["check"]:
            stale = openapi_recording.stale(answers)
            if stale:
                raise CommandError(
                    "OpenAPI 响应示例已过期，请运行 manage.py openapi_examples：" + "、".join(stale)
                )
            self.stdout.write("OpenAPI 响应示例与接口一致。")
            return
        written = openapi_recording.write(answers)
        for path in written:
            self.stdout.write(f"已更新 {path}")
        if not written:
            self.stdout.write("OpenAPI 响应示例无变化。")
