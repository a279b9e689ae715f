"""Celery tasks of loans. Thin: plain values in, one service call."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from loans import services


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
