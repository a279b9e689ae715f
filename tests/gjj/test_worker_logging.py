"""The worker's logging masks personal numbers as the web's does.

Celery's own setup (``app.log.setup_logging_subsystem``, what ``celery worker``
runs at start-up) is run here in-process, writing to a buffer; the logging
state it changes is put back afterwards.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from celery.app.log import Logging
from celery.signals import after_setup_logger, after_setup_task_logger
from celery.utils.log import get_multiprocessing_logger, get_task_logger

from config.celery import app, mask_pii_in_worker_logs
from gjj.logging import MaskPIIFilter
from tests import factories

ID_NUMBER = factories.id_number(date(1985, 3, 15))
MASKED = ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]


@contextmanager
def worker_logging(stream: io.StringIO) -> Iterator[None]:
    """Set up logging as a starting worker does, to ``stream``; undo it on leaving."""
    root = logging.getLogger()
    touched = [
        root,
        *(logging.getLogger(n) for n in ("celery", "celery.task", "celery.redirected")),
    ]
    mp_logger = get_multiprocessing_logger()
    if mp_logger is not None:
        touched.append(mp_logger)
    saved = [(lg, lg.handlers[:], lg.level, lg.propagate) for lg in touched]
    env = {
        k: os.environ.get(k)
        for k in ("_MP_FORK_LOGLEVEL_", "_MP_FORK_LOGFILE_", "_MP_FORK_LOGFORMAT_")
    }
    was_setup = Logging._setup
    Logging._setup = False  # celery sets up logging once per process
    try:
        app.log.setup_logging_subsystem(loglevel="INFO", logfile=stream, colorize=False)
        yield
    finally:
        Logging._setup = was_setup
        for lg, handlers, level, propagate in saved:
            lg.handlers[:] = handlers
            lg.setLevel(level)
            lg.propagate = propagate
        for key, value in env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def default_encoding_file(monkeypatch) -> None:
    """Celery points kombu's default encoding file at the log stream; restore it."""
    import kombu.utils.encoding

    monkeypatch.setattr(
        kombu.utils.encoding, "default_encoding_file", kombu.utils.encoding.default_encoding_file
    )


def test_a_task_log_line_with_an_id_number_is_masked_by_the_worker(default_encoding_file):
    # Given logging set up as the worker sets it up (its own handlers replace LOGGING's)
    out = io.StringIO()
    with worker_logging(out):
        # When a task and a service it calls log a full 18-digit ID number
        get_task_logger("gjj.tasks").info("提取申请人 %s 已受理", ID_NUMBER)
        logging.getLogger("gjj.services").warning("身份证号码%s重复", ID_NUMBER)
        handlers = [*logging.getLogger().handlers, *logging.getLogger("celery.task").handlers]
    # Then both lines come out, masked
    text = out.getvalue()
    assert f"提取申请人 {MASKED} 已受理" in text
    assert f"身份证号码{MASKED}重复" in text
    assert ID_NUMBER not in text
    # And every handler the worker installed carries the mask
    assert handlers != []
    assert all(any(isinstance(f, MaskPIIFilter) for f in h.filters) for h in handlers)


def test_without_the_mask_the_worker_would_log_the_number_in_full(default_encoding_file):
    # Given the worker's logging set up without the masking receivers
    out = io.StringIO()
    signals = (after_setup_logger, after_setup_task_logger)
    for signal in signals:
        signal.disconnect(mask_pii_in_worker_logs)
    try:
        with worker_logging(out):
            # When a task logs a full ID number
            get_task_logger("gjj.tasks").info("提取申请人 %s 已受理", ID_NUMBER)
    finally:
        for signal in signals:
            signal.connect(mask_pii_in_worker_logs)
    # Then it comes out in full: the worker's handlers do not have LOGGING's filter
    assert f"提取申请人 {ID_NUMBER} 已受理" in out.getvalue()
