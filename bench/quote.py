"""Quote endpoint throughput and latency, beside a bare DRF endpoint on the same server.

    .venv/bin/python bench/quote.py [--seconds 10] [--rounds 9] [--workers 3] [--threads 8]
                                    [--bodies one|documented]

Starts gunicorn on 127.0.0.1 with the project's settings (plus one bare DRF
view), drives both endpoints with wrk (Debian package ``wrk``) using the same
JSON body and 32 concurrent connections, alternating them over several rounds,
and prints a Markdown table for docs/benchmarks.md. Each round runs both
endpoints back to back (in alternating order); the headline is the median of
the rounds' ratios, which a slow spell of a shared machine moves least. Uses
DATABASE_URL if set, else a migrated SQLite file in var/. Target: quote ≥ 60%
of the bare endpoint's requests per second.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

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


def wrk(url: str, seconds: int, connections: int, script: str) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def ms(label: str) -> float:
        m = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} non-2xx responses\n{out}")
    return {"rps": rps, "p50": ms("50"), "p99": ms("99")}


def documented_bodies(env: dict[str, str]) -> list[dict]:
    """The quote requests the API documents (OpenAPI examples), read from the project."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from loans.openapi_examples import QUOTE_EXAMPLES
    from loans.quote_api import EXAMPLE_REQUEST

    return [EXAMPLE_REQUEST, *(e.value for e in QUOTE_EXAMPLES if e.request_only)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--workers", type=int, default=3)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--port", type=int, default=8790)
    ap.add_argument(
        "--bodies",
        choices=["one", "documented"],
        default="one",
        help="one: the body above; documented: the API's documented quote requests in turn",
    )
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk 未安装：apt-get install wrk")

    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="bench.settings",
        DEBUG="0",
        SECRET_KEY="bench-" + "k" * 60,
        QUOTE_THROTTLE_RATE="100000000/min",
        SECURE_SSL_REDIRECT="0",
    )
    if "DATABASE_URL" not in env:
        env["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
    bodies = [BODY] if args.bodies == "one" else documented_bodies(env)
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    server = subprocess.Popen(
        [
            py,
            "-m",
            "gunicorn",
            "bench.wsgi",
            "-b",
            f"127.0.0.1:{args.port}",
            "-w",
            str(args.workers),
            "-k",
            "gthread",
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        base = f"http://127.0.0.1:{args.port}"
        for _ in range(60):
            try:
                urllib.request.urlopen(f"{base}/api/v1/health/", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        # Both endpoints must really answer 200 with their full work done.
        for path, check in (("/bench/bare/", "ok"), ("/api/v1/loans/quote/", "eligible")):
            for body in bodies:
                req = urllib.request.Request(
                    base + path,
                    data=json.dumps(body).encode(),
                    headers={"Content-Type": "application/json"},
                )
                with urllib.request.urlopen(req, timeout=10) as resp:
                    answer = json.loads(resp.read())
                    if resp.status != 200 or not isinstance(answer.get(check), bool):
                        raise SystemExit(f"{path} answered {resp.status}: {answer}")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            # Each connection sends the bodies in turn.
            literals = ", ".join(json.dumps(json.dumps(b)) for b in bodies)
            f.write(
                f"local bodies = {{{literals}}}\n"
                "local i = 0\n"
                "request = function()\n"
                "  i = i % #bodies + 1\n"
                '  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, '
                "bodies[i])\n"
                "end\n"
            )
            script = f.name
        # Warm both paths (policy cache, imports) before measuring.
        for path in ("/bench/bare/", "/api/v1/loans/quote/"):
            wrk(base + path, 3, args.connections, script)
        results: dict[str, list[dict[str, float]]] = {"bare": [], "quote": []}
        paths = {"bare": "/bench/bare/", "quote": "/api/v1/loans/quote/"}
        for i in range(args.rounds):
            # Each round measures both, back to back, in alternating order (ABBA…), so
            # that a slow spell of the shared machine falls on both sides alike.
            for name in ("bare", "quote") if i % 2 == 0 else ("quote", "bare"):
                results[name].append(
                    wrk(base + paths[name], args.seconds, args.connections, script)
                )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    def med(name: str, key: str) -> float:
        return statistics.median(r[key] for r in results[name])

    rounds = [q["rps"] / b["rps"] for b, q in zip(results["bare"], results["quote"], strict=True)]
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, database {env['DATABASE_URL'].split(':')[0]}, "
        f"rate-limit counters {env.get('CACHE_URL', '').split(':')[0] or 'locmem'}, "
        f"gunicorn {args.workers} gthread workers × {args.threads} threads, wrk 2 threads × "
        f"{args.connections} connections, {args.rounds} rounds × {args.seconds}s (median), "
        f"bodies: {args.bodies} ({len(bodies)})"
    )
    print("| endpoint | requests/s | p50 ms | p99 ms |")
    print("|---|---|---|---|")
    for name in ("bare", "quote"):
        print(
            f"| {name} | {med(name, 'rps'):.0f} | {med(name, 'p50'):.2f} | {med(name, 'p99'):.2f} |"
        )
    print("rounds (quote / bare): " + ", ".join(f"{r:.0%}" for r in rounds))
    print(f"ratio of the medians: {med('quote', 'rps') / med('bare', 'rps'):.0%}")
    print(
        f"quote / bare throughput, median of the rounds: {statistics.median(rounds):.0%} "
        "(target ≥ 60%)"
    )


if __name__ == "__main__":
    main()
