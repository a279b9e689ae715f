"""Rate limits kept in the cache that CACHE_URL names: shared by every process on Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest
from django.core.cache import caches
from django.test import override_settings
from redis import Redis
from rest_framework.test import APIClient, APIRequestFactory

import gjj.throttling
from gjj.throttling import FixedWindowScopedThrottle

ROOT = Path(__file__).resolve().parents[2]


def _backend_with(cache_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CACHE_URL": cache_url}
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-v0",
            "-c",
            "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("", "django.core.cache.backends.locmem.LocMemCache"),
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache"),
        ("redis://127.0.0.1:6379/13", "django.core.cache.backends.redis.RedisCache"),
    ],
)
def test_cache_url_chooses_the_backend(url, backend):
    proc = _backend_with(url)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == backend


def test_an_unknown_cache_url_stops_the_start():
    proc = _backend_with("memcached://127.0.0.1:11211")
    assert proc.returncode != 0
    assert "CACHE_URL 只支持 redis:// 或 locmem://" in proc.stderr


class _View:
    throttle_scope = "quote"


def _redis_caches(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "gjj-test-throttle",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def _test_redis_url(settings) -> str:
    broker = urlparse(settings.CELERY_BROKER_URL)
    return f"redis://{broker.hostname}:{broker.port or 6379}/13"


@pytest.mark.redis
def test_two_processes_on_one_redis_share_the_limit(settings, monkeypatch):
    # Given the settings' cache on Redis, and two web processes, each with its own client
    url = _test_redis_url(settings)
    settings.CACHES = _redis_caches(url)
    clients = [Redis.from_url(url) for _ in range(2)]
    caches["default"].clear()
    monkeypatch.setattr(FixedWindowScopedThrottle, "THROTTLE_RATES", {"quote": "3/min"})
    # ... and a clock that stays inside one window, however slow the machine
    monkeypatch.setattr(gjj.throttling, "time", SimpleNamespace(time=lambda: 1_800_000_030.0))
    request = APIRequestFactory().post("/api/v1/loans/quote/", REMOTE_ADDR="203.0.113.7")

    def allowed(client: Redis) -> bool:
        monkeypatch.setattr(gjj.throttling, "redis_client", lambda alias: client)
        return FixedWindowScopedThrottle().allow_request(request, _View())

    # When one client sends five requests, alternately to each process
    answers = [allowed(clients[i % 2]) for i in range(5)]
    # Then the limit of three holds across both, not three for each
    assert answers == [True, True, True, False, False]
    # ... under the cache's own key, which goes when its window does (a minute and a second)
    name = caches["default"].make_key("throttle_quote_203.0.113.7:1800000060")
    assert clients[0].get(name) == b"5"
    assert 0 < clients[0].ttl(name) <= 61
    caches["default"].clear()


QUOTE = {
    "as_of": "2025-06-01",
    "property_type": "commercial",
    "house_price": "1000000.00",
    "term_months": 360,
    "homes_owned": 0,
}


@pytest.mark.redis
@pytest.mark.django_db
def test_the_quote_counts_in_redis_when_the_cache_is_redis(settings, monkeypatch):
    # Given the settings' cache on Redis, as CACHE_URL=redis://… gives, and a limit of 2
    settings.CACHES = _redis_caches(_test_redis_url(settings))
    cache = caches["default"]
    cache.clear()
    monkeypatch.setattr(FixedWindowScopedThrottle, "THROTTLE_RATES", {"quote": "2/min"})
    monkeypatch.setattr(gjj.throttling, "time", SimpleNamespace(time=lambda: 1_800_000_030.0))
    counted = []
    real = gjj.throttling.redis_count
    monkeypatch.setattr(gjj.throttling, "redis_count", lambda *a: counted.append(a[1]) or real(*a))
    # When three quotes are asked for
    client = APIClient()
    codes = [client.post("/api/v1/loans/quote/", QUOTE, format="json").status_code for _ in "abc"]
    # Then each was counted in Redis, and the third refused
    assert codes == [200, 200, 429]
    assert counted == [cache.make_key("throttle_quote_127.0.0.1:1800000060")] * 3
    cache.clear()


@pytest.mark.django_db
def test_a_redis_that_does_not_answer_lets_requests_through(caplog):
    # Given the cache on a Redis nobody listens on (only in the test's body: the
    # autouse fixture that empties the cache afterwards must find the real one)
    with override_settings(CACHES=_redis_caches("redis://127.0.0.1:1/0")):
        # When a quote is asked for
        resp = APIClient().post("/api/v1/loans/quote/", QUOTE, format="json")
    # Then it is answered, unlimited, and the outage is logged
    assert resp.status_code == 200
    assert "限流计数不可用（Redis 无响应），本次请求不限流" in caplog.text
