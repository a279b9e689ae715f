"""A fixed-window rate limit per client and scope: one counter, O(1) per request.

DRF's ScopedRateThrottle keeps every request's timestamp in the cache and
rewrites that list on each request; at a public calculator's rates a counter
per window is cheaper and bounded. On Redis (``CACHE_URL``) the counter is one
round trip: Django's ``incr`` there is two (EXISTS, then INCRBY); and while
Redis does not answer, requests pass unlimited (logged) rather than fail.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError
from rest_framework.throttling import ScopedRateThrottle

logger = logging.getLogger(__name__)


def _redis_count(cache: RedisCache, key: str, ttl: int) -> int | None:
    """Create the counter with its expiry if absent, then count: one round trip.

    MULTI/EXEC, so that the counter cannot expire between the two and be made
    again without an expiry. ``None`` when Redis does not answer.
    """
    name = cache.make_and_validate_key(key)
    # RedisCache has no public way to pipeline; its client is the documented redis-py one.
    client = cache._cache.get_client(name, write=True)
    pipe = client.pipeline(transaction=True)
    pipe.set(name, 0, ex=ttl, nx=True)
    pipe.incr(name)
    try:
        return int(pipe.execute()[1])
    except RedisError:
        logger.warning("限流计数不可用（Redis 无响应），本次请求不限流", exc_info=True)
        return None


def _count(cache: BaseCache, key: str, ttl: int) -> int:
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
    def allow_request(self, request, view):  # type: ignore[no-untyped-def]
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:
            return True
        ident = self.get_ident(request)
        now = int(time.time())
        self.window_end = now - now % self.duration + self.duration
        key = self.cache_format % {"scope": self.scope, "ident": f"{ident}:{self.window_end}"}
        cache = self.cache if isinstance(self.cache, BaseCache) else caches[DEFAULT_CACHE_ALIAS]
        ttl = self.duration + 1
        if isinstance(cache, RedisCache):
            count = _redis_count(cache, key, ttl)
            if count is None:
                return True  # a limit is a guard, not a gate: an outage must not stop the API
        else:
            count = _count(cache, key, ttl)
        return count <= self.num_requests

    def wait(self) -> float:
        return max(self.window_end - time.time(), 0.0)
