"""Nightly jobs of the core. Thin: they call services with plain values."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from gjj import drafts, services
from gjj.selectors import today_local


@shared_task(name="gjj.tasks.policy_nightly_check", acks_late=True)
def policy_nightly_check(business_date: str | None = None) -> dict[str, object]:
    on = date.fromisoformat(business_date) if business_date else today_local()
    return services.policy_check_record(on=on)


def policy_draft_preview_dispatch(draft_id: int, revision: int) -> None:
    """Queue a draft's impact preview (the admin's button calls this after commit)."""
    policy_draft_preview.delay(draft_id=draft_id, revision=revision)


@shared_task(name="gjj.tasks.policy_draft_preview", acks_late=True)
def policy_draft_preview(*, draft_id: int, revision: int) -> dict[str, object]:
    """The dry run over the book for one draft; a draft changed meanwhile is left alone."""
    draft = drafts.policy_draft_preview_store(
        draft_id=draft_id, revision=revision, on=today_local()
    )
    return {"draft": draft.pk, "status": draft.status, "revision": draft.preview_revision}
