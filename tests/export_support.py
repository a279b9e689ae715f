"""Exporting an admin list through its 导出 page, and reading the file back (no tests here)."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse
from django.test import Client
from openpyxl import load_workbook

# The order of the formats on the 导出 page.
FORMATS = {"csv": "0", "xlsx": "1"}


def export_url(list_url: str, **params: Any) -> str:
    query = urlencode(params, doseq=True)
    return f"{list_url}export/" + (f"?{query}" if query else "")


def export(client: Client, list_url: str, fmt: str, **params: Any) -> HttpResponse:
    """Post the 导出 form of ``list_url`` filtered by ``params``, as the list's link does."""
    resp = client.post(export_url(list_url, **params), {"format": FORMATS[fmt]})
    assert isinstance(resp, HttpResponse)  # a file or a refusal, never streamed
    return resp


def csv_rows(resp: HttpResponse) -> list[list[str]]:
    assert resp.status_code == 200, resp.status_code
    assert resp["Content-Type"].startswith("text/csv")
    assert resp.content.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))


def xlsx_rows(resp: HttpResponse) -> list[tuple[Any, ...]]:
    assert resp.status_code == 200, resp.status_code
    assert resp["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(resp.content)).active
    assert sheet is not None
    return [tuple("" if v is None else v for v in row) for row in sheet.iter_rows(values_only=True)]
