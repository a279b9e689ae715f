"""Requests refused before any view: NUL bytes, and API paths that match no route."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.urls import Resolver404, resolve

Handler = Callable[[HttpRequest], HttpResponse]

API_PREFIX = "/api/"


def api_error(code: str, message: str, status: int) -> JsonResponse:
    """The API's error format for an answer given before DRF runs."""
    return JsonResponse({"code": code, "message": message, "fields": {}}, status=status)


def _has_nul(request: HttpRequest) -> bool:
    # PostgreSQL refuses NUL in any text value, so a NUL that reaches a query is a 500.
    if "\x00" in request.path_info or b"\x00" in unquote_to_bytes(
        request.META.get("QUERY_STRING", "")
    ):
        return True
    return any(
        isinstance(value, str) and "\x00" in value
        for name, value in request.META.items()
        if name.startswith("HTTP_")
    )


def reject_nul_bytes(get_response: Handler) -> Handler:
    """Answer 400 to a request with a NUL byte in its path, query or headers."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if _has_nul(request):
            if request.path_info.startswith(API_PREFIX):
                return api_error("invalid_characters", "请求中含有不允许的空字符（NUL）", 400)
            return HttpResponseBadRequest(
                "请求中含有不允许的空字符（NUL）".encode(), content_type="text/plain; charset=utf-8"
            )
        return get_response(request)

    return middleware


def api_path_not_found(get_response: Handler) -> Handler:
    """An /api/ path that matches no route answers the API's 404, never a redirect.

    Ahead of CommonMiddleware: its APPEND_SLASH would redirect a POST without the
    trailing slash to a GET (or, under DEBUG, raise), so the client would never
    learn that nothing was created.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if not path.startswith(API_PREFIX):
            return get_response(request)
        try:
            resolve(path)
        except Resolver404:
            pass
        else:
            return get_response(request)
        if not path.endswith("/"):
            try:
                resolve(f"{path}/")
            except Resolver404:
                pass
            else:
                return api_error(
                    "missing_trailing_slash",
                    f"请求地址须以“/”结尾，请改用 {request.path}/",
                    404,
                )
        return api_error("not_found", "未找到", 404)

    return middleware
