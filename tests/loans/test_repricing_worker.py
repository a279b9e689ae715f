"""The nightly job through the broker: a real Celery worker shares out the chunks."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from loans import repricing
from loans.models import BatchRun, BatchStatus, Loan, RateChange
from loans.tasks import chunk_dispatch
from tests import factories as support
from tests.worker_support import worker_database_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_reprices_every_chunk_exactly_once(monkeypatch):
    # Given six long loans disbursed in 2023 at 3.10%, one chunk per two ids
    staff = support.make_team("rw")
    loans = [
        support.backdate_loan(
            support.disbursed_loan(staff, name=f"借款人{i}", term=240),
            disbursed_on=date(2023, 3, 1),
            rate="3.100",
        )
        for i in range(6)
    ]
    monkeypatch.setattr(repricing, "CHUNK_SIZE", 2)
    worker = _start_worker("w1", concurrency=2)
    try:
        # When the run for 2025-01-01 opens and its chunks go through the broker
        repricing.reprice_kickoff(business_date=date(2025, 1, 1), dispatch=chunk_dispatch)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            run = BatchRun.objects.get(business_date=date(2025, 1, 1))
            if run.status == BatchStatus.DONE:
                break
            time.sleep(0.5)
    finally:
        worker.terminate()
        out, _ = worker.communicate(timeout=60)
        sys.stdout.write(out[-3000:])
    # Then the run is closed, every loan moved once, by chunk tasks of the worker
    assert (run.status, run.chunks_total, run.loans_repriced) == (BatchStatus.DONE, 3, 6)
    assert {Loan.objects.get(pk=x.pk).annual_rate_percent for x in loans} == {Decimal("2.850")}
    assert RateChange.objects.count() == 6
    assert "loans.tasks.reprice_chunk" in out


def _start_worker(
    name: str, *, concurrency: int = 1, visibility_timeout: int = 3
) -> subprocess.Popen[str]:
    env = dict(
        os.environ,
        DATABASE_URL=worker_database_url(),
        CELERY_VISIBILITY_TIMEOUT=str(visibility_timeout),
        # Look for a dead worker's messages every second, not every 100 s.
        CELERY_UNACKED_RESTORE_INTERVAL="1",
        CELERY_UNACKED_RESTORE_THROTTLE="1",
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "INFO",
            "-n",
            f"{name}@%h",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the worker and its pool in one group, to kill together
    )


def _kill_group(worker: subprocess.Popen[str]) -> None:
    """SIGKILL the worker and its pool processes at once, as a machine that dies would."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_run_loses_nothing(monkeypatch):
    # Given eight loans due for repricing, one chunk each
    staff = support.make_team("rk")
    loans = [
        support.backdate_loan(
            support.disbursed_loan(staff, name=f"借款人{i}", term=240),
            disbursed_on=date(2023, 3, 1),
            rate="3.100",
        )
        for i in range(8)
    ]
    monkeypatch.setattr(repricing, "CHUNK_SIZE", 1)
    first = _start_worker("first")
    second = None
    try:
        run = repricing.reprice_kickoff(business_date=date(2025, 1, 1), dispatch=chunk_dispatch)
        # When the worker is killed outright once it has finished some of the chunks
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if run.chunks.filter(status=BatchStatus.DONE).exists():
                break
            time.sleep(0.05)
        _kill_group(first)
        first.communicate(timeout=30)
        done_at_kill = run.chunks.filter(status=BatchStatus.DONE).count()
        assert 0 < done_at_kill < 8
        # And another worker starts: unacknowledged chunks come back after the timeout
        second = _start_worker("second")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status == BatchStatus.DONE:
                break
            time.sleep(0.5)
    finally:
        for w in (first, second):
            if w is not None and w.poll() is None:
                w.terminate()
                w.communicate(timeout=60)
            if w is not None:
                _kill_group(w)  # no pool process outlives the test, holding the database
    # Then every loan was repriced exactly once
    assert (run.status, run.loans_repriced) == (BatchStatus.DONE, 8)
    for loan in loans:
        loan.refresh_from_db()
        assert loan.annual_rate_percent == Decimal("2.850")
        assert loan.rate_changes.count() == 1
        assert loan.schedule_versions.filter(reason="repricing").count() == 1
