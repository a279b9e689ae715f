"""schemathesis against the live schema of a server started by this test run.

Every operation, every check (no 5xx, responses match the schema, requests the
schema allows are accepted and those it forbids are refused), as an anonymous
user and as a logged-in applicant. The number of cases run is printed and
saved under artifacts/.
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
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25")


@pytest.fixture
def unthrottled(monkeypatch):
    from gjj.throttling import FixedWindowScopedThrottle

    monkeypatch.setattr(FixedWindowScopedThrottle, "THROTTLE_RATES", {"quote": None, "auth": None})


def _run(base_url: str, label: str, headers: list[str]) -> str:
    cmd = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base_url}/api/schema/",
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        "20241017",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        *headers,
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
    print(f"schemathesis ({label}): {cases.group(1) if cases else '?'} cases")
    assert proc.returncode == 0, out[-6000:]
    return out


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_contract_as_anonymous_and_as_applicant(live_server, clerk, unthrottled):
    dep = factories.depositor(actor=clerk, name="张伟", balance=Decimal("86500.00"))
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("applicant", password="Lz-8830-gjj!")
    dep.user = user
    dep.save(update_fields=["user"])
    token = Token.objects.create(user=user)

    _run(live_server.url, "anonymous", [])
    _run(live_server.url, "applicant", ["-H", f"Authorization: Token {token.key}"])
