"""Shared fixtures and the rules for tests that need a real service.

Tests marked ``postgres``, ``redis`` or ``browser`` run only where that
service is there; elsewhere they are skipped with the reason shown. Under CI
(``CI=true``) a missing service fails the test instead: CI must prove them.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.contrib.auth.models import Group


def _redis_reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 2):
            return True
    except OSError:
        return False


def _missing_service(item: pytest.Item) -> str | None:
    if item.get_closest_marker("postgres"):
        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            return "需要 PostgreSQL：请将 DATABASE_URL 指向 PostgreSQL"
    if item.get_closest_marker("redis"):
        url = settings.CELERY_BROKER_URL
        if not url.startswith("redis"):
            return "需要 Redis：请将 CELERY_BROKER_URL 指向 Redis"
        if not _redis_reachable(url):
            return f"Redis 无法连接：{url}"
    if item.get_closest_marker("browser"):
        if not os.path.exists("/usr/bin/chromium"):
            return "需要 Debian chromium（/usr/bin/chromium）"
        try:
            import playwright  # noqa: F401
        except ImportError:
            return "需要 Python 包 playwright"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    reason = _missing_service(item)
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI 中缺少测试所需服务：{reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Each test sees the policy rows of its own database and fresh throttles."""
    from django.core.cache import cache

    from gjj.selectors import policy_cache_clear

    cache.clear()
    policy_cache_clear()
    yield
    cache.clear()
    policy_cache_clear()


@pytest.fixture
def make_staff(django_user_model):
    def make(username: str, role: str | None = None, **extra):
        user = django_user_model.objects.create_user(
            username=username, password="Test-pass-2024!", is_staff=True, **extra
        )
        if role:
            user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def clerk(make_staff):
    return make_staff("clerk1", "经办")


@pytest.fixture
def chromium_path() -> str:
    return shutil.which("chromium") or "/usr/bin/chromium"
