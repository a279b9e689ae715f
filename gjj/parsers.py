"""The API's JSON parser: DRF's, with every unreadable body a 400 in Chinese.

DRF's parser lets a body nested deeper than Python's recursion limit through
as a ``RecursionError`` (a 500), and its own parse error speaks English.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError as exc:
            err = exc.__context__  # what json raised, for where it stopped
            if isinstance(err, UnicodeDecodeError):
                raise ParseError("请求内容含有不符合其字符集（默认 UTF-8）的字节") from exc
            where = ""
            if isinstance(err, json.JSONDecodeError):
                where = f"（第{err.lineno}行第{err.colno}列）"
            raise ParseError(f"请求内容不是有效的 JSON{where}") from exc
        except RecursionError:
            raise ParseError("请求内容的 JSON 嵌套层数过多") from None
