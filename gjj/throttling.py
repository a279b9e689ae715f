"""A fixed-window rate limit per client and scope: one counter, O(1) per request.

DRF's ScopedRateThrottle keeps every request's timestamp in the cache and
rewrites that list on each request; at a public calculator's rates a counter
per window is cheaper and bounded.
"""

from __future__ import annotations

import time

from rest_framework.throttling import ScopedRateThrottle


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
        try:
            count = self.cache.incr(key)  # one cache call for all but a window's first request
        except ValueError:
            # First in the window: create the counter. add() keeps a counter another
            # thread or process created meanwhile, and incr counts this request.
            self.cache.add(key, 0, self.duration + 1)
            try:
                count = self.cache.incr(key)
            except ValueError:  # expired between add and incr
                self.cache.set(key, 1, self.duration + 1)
                count = 1
        return count <= self.num_requests

    def wait(self) -> float:
        return max(self.window_end - time.time(), 0.0)
