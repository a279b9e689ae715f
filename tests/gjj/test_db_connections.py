"""On PostgreSQL: a burst against the live server stays within the connection pool."""

from __future__ import annotations

import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 (the live server)
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _connections() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return int(cur.fetchone()[0])


def test_fifty_concurrent_requests_hold_no_more_connections_than_the_pool(live_server):
    # given: the pool's size
    size = settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"]
    # when: fifty requests at once
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(_get, [f"{live_server.url}/api/v1/health/"] * 50))
    # then: all answered, and the connections stay within the pool (plus this test's own)
    assert answers == [200] * 50
    assert _connections() <= size + 1
