"""Celery tasks of loans. Thin: plain values in, one service call."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import OperationalError

from gjj.selectors import today_local
from loans import repricing, services


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


def _dispatch_chunk(chunk_id: int) -> None:
    reprice_chunk_task.delay(chunk_id)


@shared_task(name="loans.tasks.reprice_nightly", acks_late=True)
def reprice_nightly(business_date: str | None = None) -> dict[str, object]:
    """Beat, 01:00 Asia/Shanghai: open today's run and queue its chunks."""
    on = date.fromisoformat(business_date) if business_date else today_local()
    run = repricing.reprice_kickoff(business_date=on, dispatch=_dispatch_chunk)
    return {"run": run.pk, "status": run.status, "loans_total": run.loans_total}


@shared_task(
    name="loans.tasks.reprice_chunk",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def reprice_chunk_task(chunk_id: int) -> dict[str, int]:
    """One id range in one transaction; redelivered if the worker dies before acking."""
    chunk = repricing.reprice_chunk(chunk_id=chunk_id)
    return {"chunk": chunk.pk, "repriced": chunk.repriced, "failed": chunk.failed}
