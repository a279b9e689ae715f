"""schemathesis against the live schema of a server started by this test run.

Every check (no 5xx, responses match the schema, requests the schema allows are
accepted and those it forbids are refused) on every operation, each run once by
the caller who can reach it: the operations open to everyone (``security: [{}]``,
views that read no credentials, so a token would change nothing) as an anonymous
caller, all the others as a logged-in applicant. That the others refuse an
anonymous caller is proven, operation by operation, by test_access_matrix.py. How
many cases per operation, and why, is in schemathesis.toml. The number of cases
run is printed and saved under artifacts/.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from tests import factories

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
# A deeper run on demand; by default the number in schemathesis.toml.
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES")
OPEN_TO_EVERYONE = "/security == [{}]"


@pytest.fixture
def unthrottled(monkeypatch):
    from gjj.throttling import FixedWindowScopedThrottle

    monkeypatch.setattr(FixedWindowScopedThrottle, "THROTTLE_RATES", {"quote": None, "auth": None})


def _run(base_url: str, label: str, options: list[str]) -> str:
    cmd = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base_url}/api/schema/",
        *(["--max-examples", MAX_EXAMPLES] if MAX_EXAMPLES else []),
        "--seed",
        "20241017",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        *options,
    ]
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1500,
        env=dict(os.environ, NO_COLOR="1"),
    )
    out = proc.stdout + proc.stderr
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"schemathesis-{label}.txt").write_text(out, encoding="utf-8")
    cases = re.search(r"(\d+) generated", out)
    sys.stdout.write(f"schemathesis ({label}): {cases.group(1) if cases else '?'} cases\n")
    assert proc.returncode == 0, out[-6000:]
    return out


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("caller", ["anonymous", "applicant"])
def test_contract(live_server, clerk, unthrottled, caller):
    # given: 张伟, a depositor with an account, signed up as an applicant
    dep = factories.applicant(
        clerk,
        name="张伟",
        balance=Decimal("86500.00"),
        username="applicant",
        password="Lz-8830-gjj!",
    )
    token, _ = Token.objects.get_or_create(user=dep.user)
    # when / then: every check passes on every operation the caller can reach
    if caller == "anonymous":
        _run(live_server.url, caller, ["--include-by", OPEN_TO_EVERYONE])
    else:
        headers = ["-H", f"Authorization: Token {token.key}"]
        _run(live_server.url, caller, ["--exclude-by", OPEN_TO_EVERYONE, *headers])
