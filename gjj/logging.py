"""Log filter that masks resident ID numbers, phone numbers and bank accounts."""

from __future__ import annotations

import logging
import re

_PATTERNS = [
    # Resident ID (18 characters, last may be X).
    (re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])"), r"\1********\2"),
    # Mainland mobile numbers.
    (re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)"), r"\1****\2"),
    # Bank card / account numbers (12–19 digits).
    (re.compile(r"(?<!\d)(\d{4})\d{4,11}(\d{4})(?!\d)"), r"\1****\2"),
]


def mask_text(text: str) -> str:
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


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
