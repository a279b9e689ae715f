"""CPU time of one quote inside the process, for docs/benchmarks.md.

    .venv/bin/python bench/quote.py [-n 2000] [--rounds 5] [--bodies one|documented]

Hands each request's WSGI environ to Django's WSGI handler, as a server does
(URL routing, middleware, DRF's parser, the serializer, the engine, the
renderer and the rate limit: all but the socket), and takes
``time.process_time`` around that call alone; prints the median and mean
milliseconds per quote, and the same for a bare DRF view that only parses the
body, for scale. Of several rounds it keeps the one with the lowest median:
other work on a shared machine only ever adds CPU time (caches, shared cores).
Uses DATABASE_URL if set, else a migrated SQLite file in var/; the rate-limit
counters are where CACHE_URL says (in memory by default). Target: ≤ 1 ms for
an eligible quote.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BODY = {
    "as_of": "2025-06-01",
    "property_type": "commercial",
    "new_build": True,
    "house_price": "1000000.00",
    "term_months": 360,
    "homes_owned": 1,
    "prior_pf_loans": [{"issued_on": "2014-06-10", "settled": True}],
    "children": 2,
    "special_groups": ["youth"],
}
QUOTE = "/api/v1/loans/quote/"
BARE = "/bench/bare/"


def documented_bodies() -> list[dict[str, Any]]:
    """The quote requests the API documents (its OpenAPI examples)."""
    from loans.openapi_examples import QUOTE_EXAMPLES
    from loans.quote_api import EXAMPLE_REQUEST

    return [EXAMPLE_REQUEST, *(e.value for e in QUOTE_EXAMPLES if e.request_only)]


def cpu_ms(path: str, bodies: list[bytes], n: int) -> list[float]:
    """CPU milliseconds of each of n requests, the bodies in turn; each must be a 200."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    handler = WSGIHandler()
    factory = RequestFactory(HTTP_HOST="localhost", REMOTE_ADDR="203.0.113.7")
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)
        return None

    out = []
    for i in range(n):
        # The environ is built outside the timing: a server's HTTP parser makes it.
        env = factory.post(path, bodies[i % len(bodies)], content_type="application/json").environ
        start = time.process_time_ns()
        b"".join(handler(env, start_response))
        out.append((time.process_time_ns() - start) / 1e6)
        if not statuses[-1].startswith("200"):
            raise SystemExit(f"{path} answered {statuses[-1]}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--bodies", choices=["one", "documented"], default="one")
    args = ap.parse_args()

    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="0",
        SECRET_KEY="bench-" + "k" * 60,
        SECURE_SSL_REDIRECT="0",
        QUOTE_THROTTLE_RATE="100000000/min",
    )
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    bodies = [BODY] if args.bodies == "one" else documented_bodies()
    raw = [json.dumps(b).encode() for b in bodies]
    rows = []
    for name, path in (("bare DRF view", BARE), ("quote", QUOTE)):
        cpu_ms(path, raw, 200)  # warm: imports, the policy snapshot, the pools
        rounds = [cpu_ms(path, raw, args.n) for _ in range(args.rounds)]
        best = min(rounds, key=statistics.median)
        medians = ", ".join(f"{statistics.median(r):.3f}" for r in rounds)
        rows.append((name, statistics.median(best), statistics.fmean(best), medians))

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, database {os.environ['DATABASE_URL'].split(':')[0]}, "
        f"rate-limit counters {os.environ.get('CACHE_URL', '').split(':')[0] or 'locmem'}, "
        f"best of {args.rounds} rounds × {args.n} requests, bodies: {args.bodies} "
        f"({len(bodies)}), load average {os.getloadavg()[0]:.1f}"
    )
    print("| endpoint | median ms CPU | mean ms CPU | every round's median |")
    print("|---|---|---|---|")
    for name, median, mean, medians in rows:
        print(f"| {name} | {median:.3f} | {mean:.3f} | {medians} |")


if __name__ == "__main__":
    main()
