"""What a real worker process needs to reach the test database."""

from __future__ import annotations

from urllib.parse import quote

from django.db import connection


def worker_database_url() -> str:
    """The URL of the test database this process uses, for a worker started beside it."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
