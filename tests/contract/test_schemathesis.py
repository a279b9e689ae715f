"""schemathesis against the live schema of a server started by this test run.

Every check (no 5xx, responses match the schema, requests the schema allows are
accepted and those it forbids are refused) on every operation, each run once by
the caller who can reach it: the operations open to everyone (``security: [{}]``,
views that read no credentials, so a token would change nothing) as an anonymous
caller, the center's transitions of a loan application (accept, review, approve,
reject, sign, disburse) as a 经办 clerk, all the others as a logged-in applicant.
That the others refuse an anonymous caller, and an applicant the center's
transitions, is proven, operation by operation, by test_access_matrix.py. How
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
from django.core.management.color import no_style
from django.db import connection
from rest_framework.authtoken.models import Token

from gjj.domain import Role
from loans.models import LoanApplication
from tests import factories
from tests.contract.world import TODAY

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
# A deeper run on demand; by default the number in schemathesis.toml.
MAX_EXAMPLES = os.environ.get("SCHEMATHESIS_MAX_EXAMPLES")
OPEN_TO_EVERYONE = "/security == [{}]"
# The center's transitions: loans/api.py names them ``loan_application_<step>``.
STAFF_OPERATIONS = "^loan_application_"
# The staff run's cases, in the order they are made. With the table's counter
# reset, they are applications 1 to 5: the ids schemathesis.toml's ``staff-cases`` lists.
STAFF_CASES = ("submitted", "accepted", "reviewed", "approved", "signed")


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
        staff_only = ["--exclude-operation-id-regex", STAFF_OPERATIONS]
        _run(live_server.url, caller, ["--exclude-by", OPEN_TO_EVERYONE, *staff_only, *headers])


def _number_applications_from_1() -> None:
    """The next loan application is number 1 (the table is empty: flushed).

    Only this table's counter: Django's ``reset_sequences`` resets them all, and
    on PostgreSQL the rows ``serialized_rollback`` restores then clash with the
    next ids.
    """
    table = {"table": LoanApplication._meta.db_table, "column": "id"}
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_by_name_sql(no_style(), [table]):
            cursor.execute(sql)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_contract_staff(live_server, unthrottled, contract_settings):
    # given: on the business date TODAY, a 经办 clerk and one application at each
    # stage a clerk meets, each of another household and taken there by another
    # team (so no four-eyes or recusal refusal is the caller's own doing)
    caller = factories.make_staff("jingban", Role.CLERK)
    team = factories.make_team("w")
    _number_applications_from_1()
    cases = []
    for n, stage in enumerate(STAFF_CASES, start=1):
        dep = factories.applicant(team.clerk, name=f"申请人{n}", balance=Decimal("86500.00"))
        app = factories.draft(dep)
        to = factories.STAGES[factories.ORDER.index(stage) - 1]
        factories.advance(app, team, to=to, dates=dict.fromkeys(factories.STAGES, TODAY))
        cases.append(app)
    assert [(a.pk, a.status) for a in cases] == list(enumerate(STAFF_CASES, start=1)), (
        "schemathesis.toml's staff-cases names these ids"
    )
    token, _ = Token.objects.get_or_create(user=caller)
    # when / then: every check passes on every transition, as the clerk
    _run(
        live_server.url,
        "staff",
        [
            "--include-operation-id-regex",
            STAFF_OPERATIONS,
            "-H",
            f"Authorization: Token {token.key}",
        ],
    )
