"""A real Celery worker, on the configured broker, runs a task against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import pytest

from gjj.models import AuditLog
from gjj.tasks import policy_nightly_check
from tests.worker_support import worker_database_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_queue():
    """Start `celery worker` in a subprocess on a queue of its own; stop it afterwards."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, DATABASE_URL=worker_database_url())
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield queue
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        sys.stdout.write(out[-3000:])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_runs_the_nightly_policy_check(worker_queue):
    # Given a worker listening on its own queue
    # When the nightly task is sent through the broker for a business date
    policy_nightly_check.apply_async(kwargs={"business_date": "2027-08-17"}, queue=worker_queue)
    # Then, within a minute, the worker has written its audit row in the test database
    deadline = time.monotonic() + 90
    row = None
    while time.monotonic() < deadline and row is None:
        row = AuditLog.objects.filter(action="policy.checked").first()
        time.sleep(0.5)
    assert row is not None, "worker did not run the task"
    assert row.actor_label == "batch:policy_nightly_check"
    assert row.new == {
        "business_date": "2027-08-17",
        "policy_version": "2026-12-01",  # gjj.0010: the provisional rows
        "measure_days_left": (date(2027, 10, 16) - date(2027, 8, 17)).days,
    }
