"""How personal numbers are shown to people who may not read them in full.

One place for the rules, so the admin, the API, the exports and the logs
mask the same number the same way:

* resident ID number: first six and last four (140302********0011);
* mobile number: first three and last four (138****5678); a shorter
  (landline) number keeps only its last four;
* bank account: first four and last four, with a fixed four stars in between
  (6217****4567), so the length of the account is not shown either;
* free text (log lines, reasons, audit snapshots): every ID, mobile and
  12–19 digit account number found in it, masked as above.

Values too short to keep both ends are masked whole: a mask never shows a
number in full (an ID of ten characters or fewer, an account of eight or fewer).
Empty values stay empty.
"""

from __future__ import annotations

import re

# Characters kept visible at each end.
_ID_HEAD, _ID_TAIL = 6, 4
_PHONE_HEAD, _PHONE_TAIL = 3, 4
_ACCOUNT_HEAD, _ACCOUNT_TAIL = 4, 4
_MOBILE_LENGTH = 11


def mask_id_number(value: str) -> str:
    """140302********0011: first six and last four stay visible."""
    if not value:
        return ""
    if len(value) <= _ID_HEAD + _ID_TAIL:  # nothing would be hidden
        return "*" * len(value)
    return value[:_ID_HEAD] + "*" * (len(value) - _ID_HEAD - _ID_TAIL) + value[-_ID_TAIL:]


def mask_phone(value: str) -> str:
    """138****5678: first three and last four of a mobile number stay visible."""
    if not value:
        return ""
    if len(value) <= _PHONE_TAIL:
        return "*" * len(value)
    if len(value) < _MOBILE_LENGTH:  # a short (landline) number keeps only its last four
        return "*" * (len(value) - _PHONE_TAIL) + value[-_PHONE_TAIL:]
    return (
        value[:_PHONE_HEAD] + "*" * (len(value) - _PHONE_HEAD - _PHONE_TAIL) + value[-_PHONE_TAIL:]
    )


def mask_bank_account(value: str) -> str:
    """6217****4567: first four and last four stay visible."""
    if not value:
        return ""
    if len(value) <= _ACCOUNT_HEAD + _ACCOUNT_TAIL:
        return "****"
    return f"{value[:_ACCOUNT_HEAD]}****{value[-_ACCOUNT_TAIL:]}"


_TEXT_PATTERNS = [
    # Resident ID (18 characters, last may be X).
    (re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])"), r"\1********\2"),
    # Mainland mobile numbers.
    (re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)"), r"\1****\2"),
    # Bank card / account numbers (12–19 digits).
    (re.compile(r"(?<!\d)(\d{4})\d{4,11}(\d{4})(?!\d)"), r"\1****\2"),
]


def mask_text(text: str) -> str:
    """Free text with every resident ID, mobile and account number in it masked."""
    for pattern, repl in _TEXT_PATTERNS:
        text = pattern.sub(repl, text)
    return text
