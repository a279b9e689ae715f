"""Nightly jobs of the core. Thin: they call services with plain values."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from gjj import services
from gjj.selectors import today_local


@shared_task(name="gjj.tasks.policy_nightly_check", acks_late=True)
def policy_nightly_check(business_date: str | None = None) -> dict[str, object]:
    on = date.fromisoformat(business_date) if business_date else today_local()
    return services.policy_check_record(on=on)
