"""Page-number pagination that refuses a malformed page instead of reading it as 1."""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class StrictPageNumberPagination(PageNumberPagination):
    def get_page_number(self, request: Request, paginator: Any) -> Any:
        # DRF reads ``?page=`` as page 1; like ``?page=abc`` it is no page at all
        # (404 无效页面), so a client never mistakes the first page for the one it asked for.
        if self.page_query_param in request.query_params:
            return request.query_params[self.page_query_param]
        return 1
