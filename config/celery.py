"""The Celery app; tasks live in each app's ``tasks.py`` and call services."""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger

from gjj.logging import MaskPIIFilter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("gjj")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def mask_pii_in_worker_logs(logger: logging.Logger, **kwargs: Any) -> None:
    """Put the PII mask on the handlers the worker installs.

    The worker replaces the root logger's handlers (and with them the filter
    LOGGING put there) and gives the task logger a handler of its own that does
    not propagate. A filter on a handler, unlike one on a logger, also sees the
    records child loggers pass up to it.
    """
    for handler in logger.handlers:
        if not any(isinstance(f, MaskPIIFilter) for f in handler.filters):
            handler.addFilter(MaskPIIFilter())
