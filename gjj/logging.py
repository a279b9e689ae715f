"""Log filter that masks resident ID numbers, phone numbers and bank accounts.

The rules are ``gjj.masking``'s, the same as the admin's and the exports'.
"""

from __future__ import annotations

import logging

from gjj.masking import mask_text


class MaskPIIFilter(logging.Filter):
    """Masks the message, and the traceback and stack of the record (an exception's
    text names what the failing code was given, e.g. a duplicate ID number)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the caller's bug, not ours
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class ClientErrorBriefFilter(logging.Filter):
    """A request refused with a 4xx (403, a disallowed host, a bad body) is logged as one
    line: its traceback says nothing about the server. A 5xx keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(("django.request", "django.security")):
            return True
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500 and record.exc_info:
            reason = " ".join(str(record.exc_info[1] or "").split())
            if reason and reason not in record.getMessage():
                # The reason given (e.g. a refused step's message) stays on the line.
                record.msg, record.args = f"{record.getMessage()}（{reason}）", None
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = (
                logging.WARNING,
                logging.getLevelName(logging.WARNING),
            )
        return True
