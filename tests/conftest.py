"""Shared fixtures and the rules for tests that need a real service.

Tests marked ``postgres``, ``redis`` or ``browser`` run only where that
service is there; elsewhere they are skipped with the reason shown. Under CI
(``CI=true``) a missing service fails the test instead: CI must prove them.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.test import override_settings

from gjj.domain import Role
from tests import factories


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


# Under xdist, the tests that start or drive an outside service take turns across
# the processes of one run: the throttle tests flush a Redis database, a started
# Celery worker must boot and finish within its deadline, and so must Chromium. A
# file lock, because the xdist scheduler knows nothing of what a test needs.
def _uses_outside_service(item: pytest.Item) -> bool:
    starts_worker = "worker_queue" in getattr(item, "fixturenames", ())
    return starts_worker or any(item.get_closest_marker(m) for m in ("redis", "browser"))


@pytest.fixture(autouse=True)
def _one_at_a_time_on_outside_services(request: pytest.FixtureRequest) -> Iterator[None]:
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if run is None or not _uses_outside_service(request.node):
        yield
        return
    with (settings.VAR_DIR / f"tests-{run}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


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


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    """The production hasher is slow by design; every staff user in a test has a password.

    Session-wide, so it is in force before any test's own ``settings`` changes and
    after they are undone.
    """
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _live_server_without_nagle():
    """The live server answers a keep-alive client (schemathesis, Chromium) at once.

    Its handler sends the headers and the body as separate writes; with Nagle's
    algorithm on, the second waits for the client's delayed ACK, 40 ms a response.
    """
    from django.core.servers.basehttp import WSGIRequestHandler

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(WSGIRequestHandler, "disable_nagle_algorithm", True)
        yield


@pytest.fixture(name="make_staff")
def _make_staff_fixture():
    """``tests.factories.make_staff`` for the tests that take it as a fixture."""
    return factories.make_staff


@pytest.fixture
def clerk():
    return factories.make_staff("clerk1", Role.CLERK)


@pytest.fixture
def chromium_path() -> str:
    return shutil.which("chromium") or "/usr/bin/chromium"
