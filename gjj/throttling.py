"""A fixed-window rate limit per client and scope: one counter, O(1) per request.

DRF's ScopedRateThrottle keeps every request's timestamp in the cache and
rewrites that list on each request; at a public calculator's rates a counter
per window is cheaper and bounded. When the settings' cache is Redis
(``CACHE_URL``) the counter is one round trip on a redis-py client of that
same server (Django's ``incr`` there is two: EXISTS, then INCRBY); and while
Redis does not answer, requests pass unlimited (logged) rather than fail.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import BaseCache
from django.core.signals import setting_changed
from django.dispatch import receiver
from redis import Redis
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle

logger = logging.getLogger(__name__)

REDIS_BACKEND = "django.core.cache.backends.redis.RedisCache"
# RedisCache's own options; every other one is a redis-py connection option.
_DJANGO_ONLY_OPTIONS = frozenset({"parser_class", "pool_class", "serializer"})

# One client per cache alias and process (redis-py's pool is thread-safe); None
# where the cache is not Redis. Emptied when tests change the CACHES setting.
_clients: dict[str, Redis | None] = {}


@receiver(setting_changed)
def _forget_clients(*, setting: str, **kwargs: Any) -> None:
    if setting == "CACHES":
        _clients.clear()


def redis_client(alias: str = DEFAULT_CACHE_ALIAS) -> Redis | None:
    """A client of the Redis server behind cache ``alias``; None when it is not Redis."""
    try:
        return _clients[alias]
    except KeyError:
        client = _clients[alias] = _connect(settings.CACHES[alias])
        return client


def _connect(conf: dict[str, Any]) -> Redis | None:
    if conf["BACKEND"] != REDIS_BACKEND:
        return None
    location = conf["LOCATION"]
    if not isinstance(location, str):
        location = location[0]
    # RedisCache writes to the first of several servers; so does the counter.
    url = location.split(",")[0]
    options = {k: v for k, v in conf.get("OPTIONS", {}).items() if k not in _DJANGO_ONLY_OPTIONS}
    return Redis.from_url(url, **options)


def redis_count(client: Redis, name: str, ttl: int) -> int | None:
    """Create the counter with its expiry if absent, then count: one round trip.

    MULTI/EXEC, so that the counter cannot expire between the two and be made
    again without an expiry. ``None`` when Redis does not answer.
    """
    pipe = client.pipeline(transaction=True)
    pipe.set(name, 0, ex=ttl, nx=True)
    pipe.incr(name)
    try:
        return int(pipe.execute()[1])
    except RedisError:
        logger.warning("限流计数不可用（Redis 无响应），本次请求不限流", exc_info=True)
        return None


def cache_count(cache: BaseCache, key: str, ttl: int) -> int:
    try:
        return cache.incr(key)  # one cache call for all but a window's first request
    except ValueError:
        # First in the window: create the counter. add() keeps a counter another
        # thread or process created meanwhile, and incr counts this request.
        cache.add(key, 0, ttl)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, ttl)
            return 1


class FixedWindowScopedThrottle(ScopedRateThrottle):
    cache_alias = DEFAULT_CACHE_ALIAS

    def allow_request(self, request: Request, view: Any) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = limit, duration = self.parse_rate(self.rate)
        if limit is None or duration is None:
            return True
        ident = self.get_ident(request)
        now = int(time.time())
        self.window_end = now - now % duration + duration
        key = self.cache_format % {"scope": self.scope, "ident": f"{ident}:{self.window_end}"}
        cache = caches[self.cache_alias]
        ttl = duration + 1
        client = redis_client(self.cache_alias)
        if client is None:
            return cache_count(cache, key, ttl) <= limit
        # The cache's own key (prefix, version), so the counter lives where the cache's would.
        count = redis_count(client, cache.make_key(key), ttl)
        if count is None:
            return True  # a limit is a guard, not a gate: an outage must not stop the API
        return count <= limit

    def wait(self) -> float:
        return max(self.window_end - time.time(), 0.0)
