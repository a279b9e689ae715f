"""API fields whose schema says exactly what the server accepts, and nothing more."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from rest_framework import serializers


class MoneyField(serializers.DecimalField):
    """An amount in yuan, at most two decimals, never negative.

    Accepts a decimal string of ASCII digits ("1000000.00", "12.5") or a JSON
    integer; refuses floats, exponents, signs, blanks and extra decimals, so
    money never passes through binary floating point. Whether an amount may be
    zero is a business rule (a refusal), not a format rule.
    """

    default_error_messages = {
        "format": '金额格式不正确：请填写最多{decimal_places}位小数的数字字符串，如"1000000.00"',
    }

    def __init__(self, **kwargs: Any) -> None:
        max_digits: int = kwargs.setdefault("max_digits", 16)
        decimal_places: int = kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(**kwargs)
        whole = max_digits - decimal_places
        self.whole_digits = whole  # digits before the point: the schema's maximum
        self.pattern = rf"^\d{{1,{whole}}}(?:\.\d{{1,{decimal_places}}})?$"
        self._regex = re.compile(self.pattern, re.ASCII)

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("format", decimal_places=self.decimal_places)
        text = str(data)
        if not self._regex.fullmatch(text):
            self.fail("format", decimal_places=self.decimal_places)
        return super().to_internal_value(text)


# JSON types are the contract: a number is not a string, "5" is not an integer and
# "true" is not a boolean. DRF coerces all of these by default; these fields don't.


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# Text with something in it / text that may be blank; no NUL (PostgreSQL refuses it).
TEXT = r"^[^\x00]*\S[^\x00]*$"
OPTIONAL_TEXT = r"^[^\x00]+$"  # blank is allow_blank's: the schema's two branches stay apart


class StrictRegexField(serializers.RegexField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        # The schema's maxLength is of the text as sent: count before trimming whitespace.
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data
