"""Celery tasks of loans. Thin: plain values in, one service call."""

from __future__ import annotations

from datetime import date

from celery import Task, chain, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import OperationalError

from gjj.selectors import today_local
from loans import repricing, services, servicing


@shared_task(name="loans.tasks.repayments_import_file", acks_late=True)
def repayments_import_file(*, csv_text: str, file_name: str, actor_id: int) -> dict[str, object]:
    """Post a bank's repayment file for the clerk who sent it (all rows or none)."""
    actor = get_user_model().objects.get(pk=actor_id)
    try:
        result = services.repayments_import(csv_text=csv_text, actor=actor, file_name=file_name)
    except services.ImportRejected as exc:
        return {
            "status": "rejected",
            "errors": [{"line": e.line, "code": e.code, "message": e.message} for e in exc.errors],
        }
    return {
        "status": "posted",
        "batch_id": result.batch.pk if result.batch else None,
        "posted": len(result.posted),
        "skipped_lines": result.skipped_lines,
    }


# --- nightly repricing ------------------------------------------------------------


def chunk_dispatch(chunk_id: int) -> None:
    """Queue one chunk of a repricing run (the kickoff and the admin retry call this)."""
    reprice_chunk_task.delay(chunk_id)


@shared_task(name="loans.tasks.reprice_nightly", acks_late=True)
def reprice_nightly(business_date: str | None = None) -> dict[str, object]:
    """Beat, 01:00 Asia/Shanghai: open today's run and queue its chunks."""
    on = date.fromisoformat(business_date) if business_date else today_local()
    run = repricing.reprice_kickoff(business_date=on, dispatch=chunk_dispatch)
    return {"run": run.pk, "status": run.status, "loans_total": run.loans_total}


# A chunk takes seconds (docs/benchmarks.md); the limits stop a stuck one, and the
# broker's visibility timeout (config/settings.py) sits just above the hard limit,
# so a chunk whose worker died is delivered again within minutes.
@shared_task(
    name="loans.tasks.reprice_chunk",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.REPRICE_CHUNK_SOFT_TIME_LIMIT,
    time_limit=settings.REPRICE_CHUNK_TIME_LIMIT,
    autoretry_for=(OperationalError, SoftTimeLimitExceeded),
    retry_backoff=True,
    # A countdown past the visibility timeout would be delivered twice on Redis.
    retry_backoff_max=settings.REPRICE_CHUNK_SOFT_TIME_LIMIT // 4,
    max_retries=5,
)
def reprice_chunk_task(chunk_id: int) -> dict[str, int]:
    """One id range in one transaction; redelivered if the worker dies before acking."""
    chunk = repricing.reprice_chunk(chunk_id=chunk_id)
    return {"chunk": chunk.pk, "repriced": chunk.repriced, "failed": chunk.failed}


# --- nightly servicing: repricing → collection → overdue ------------------------------


def collection_dispatch(chunk_id: int) -> None:
    collection_chunk_task.delay(chunk_id)


def overdue_dispatch(chunk_id: int) -> None:
    overdue_chunk_task.delay(chunk_id)


@shared_task(name="loans.tasks.servicing_nightly", acks_late=True)
def servicing_nightly(business_date: str | None = None) -> dict[str, object]:
    """Beat, 01:00 Asia/Shanghai: the night's chain for one business date."""
    on = (date.fromisoformat(business_date) if business_date else today_local()).isoformat()
    chain(
        servicing_reprice_step.si(on), servicing_collect_step.si(on), servicing_overdue_step.si(on)
    ).delay()
    return {"business_date": on}


@shared_task(name="loans.tasks.servicing_reprice_step", acks_late=True)
def servicing_reprice_step(business_date: str) -> dict[str, object]:
    run = repricing.reprice_kickoff(
        business_date=date.fromisoformat(business_date), dispatch=chunk_dispatch
    )
    return {"run": run.pk, "status": run.status}


# Each later step waits, by retrying, until the step before it has closed its run.
_WAIT = {"bind": True, "acks_late": True, "max_retries": 240, "default_retry_delay": 15}


@shared_task(name="loans.tasks.servicing_collect_step", **_WAIT)
def servicing_collect_step(self: Task, business_date: str) -> dict[str, object]:
    on = date.fromisoformat(business_date)
    if not servicing.run_is_closed(job=repricing.JOB, business_date=on):
        raise self.retry()
    run = servicing.collection_kickoff(business_date=on, dispatch=collection_dispatch)
    return {"run": run.pk, "status": run.status}


@shared_task(name="loans.tasks.servicing_overdue_step", **_WAIT)
def servicing_overdue_step(self: Task, business_date: str) -> dict[str, object]:
    on = date.fromisoformat(business_date)
    if not servicing.run_is_closed(job=servicing.JOB_COLLECT, business_date=on):
        raise self.retry()
    run = servicing.overdue_kickoff(business_date=on, dispatch=overdue_dispatch)
    return {"run": run.pk, "status": run.status}


_CHUNK = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": settings.REPRICE_CHUNK_SOFT_TIME_LIMIT,
    "time_limit": settings.REPRICE_CHUNK_TIME_LIMIT,
    "autoretry_for": (OperationalError, SoftTimeLimitExceeded),
    "retry_backoff": True,
    "retry_backoff_max": settings.REPRICE_CHUNK_SOFT_TIME_LIMIT // 4,
    "max_retries": 5,
}


@shared_task(name="loans.tasks.collection_chunk", **_CHUNK)
def collection_chunk_task(chunk_id: int) -> dict[str, int]:
    """One id range of the collection, in one transaction; redelivered if the worker dies."""
    chunk = servicing.collection_chunk(chunk_id=chunk_id)
    return {"chunk": chunk.pk, "done": chunk.repriced, "failed": chunk.failed}


@shared_task(name="loans.tasks.overdue_chunk", **_CHUNK)
def overdue_chunk_task(chunk_id: int) -> dict[str, int]:
    """One id range of the overdue pass, in one transaction."""
    chunk = servicing.overdue_chunk(chunk_id=chunk_id)
    return {"chunk": chunk.pk, "done": chunk.repriced, "failed": chunk.failed}
