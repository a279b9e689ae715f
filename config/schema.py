"""OpenAPI generation that states the server's real input rules and every answer.

Besides the input rules of the project's fields, the schema class adds the
answers a view's configuration implies wherever the view did not declare them
(401 and 403 behind a log-in, 404 for an id in the path or a page number, 429
under a throttle, 400 for a body or filters), and gives every error answer an
example: the view's own where it has one, else the common ones of
``gjj.openapi_examples``.
"""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_examples_list
from drf_spectacular.utils import Direction, OpenApiExample
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.serializers import ListSerializer
from rest_framework.throttling import ScopedRateThrottle

from gjj import openapi_examples as common
from gjj.fields import MoneyField

BODY_METHODS = {"POST", "PUT", "PATCH"}
UNSAFE_METHODS = BODY_METHODS | {"DELETE"}
# Said of an error answer whose view gave no description of its own.
ERROR_DESCRIPTIONS = {
    "400": "请求参数有误，或不符合业务规则（code 说明原因，fields 按字段列出）",
    "401": "未登录、令牌无效或登录已过期",
    "403": "无权办理",
    "404": "未找到（或不属于本人家庭）",
    "409": "与当前状态冲突",
    "429": "请求过于频繁",
}
RESPONSE_HEADERS = {
    "401": {
        "WWW-Authenticate": {
            "schema": {"type": "string"},
            "description": "认证方式：Token（请求头 Authorization: Token <token>）",
        }
    },
    "429": {
        "Retry-After": {
            "schema": {"type": "string", "pattern": "^[0-9]+$"},
            "description": "多少秒后可再次请求",
        }
    },
}


def _blank_is_already_allowed(schema: dict[str, Any]) -> bool:
    """drf-spectacular offers ``""`` as a ``oneOf`` branch beside a blank-allowing field's
    pattern; when the pattern matches ``""`` too, both branches match and ``oneOf``
    would wrongly refuse the empty string the server accepts."""
    branches = schema.get("oneOf")
    if not (isinstance(branches, list) and len(branches) == 2):
        return False
    inner, blank = branches
    return (
        blank == {"type": "string", "maxLength": 0}
        and isinstance(inner, dict)
        and "pattern" in inner
        and not inner.get("minLength")
        and "format" not in inner
        and re.search(inner["pattern"], "") is not None
    )


# The private methods overridden below are drf-spectacular 0.30.0's (checked by
# tests/contract/test_openapi_examples.py, which fails on another version). No
# public hook does these: field extensions cannot reach the default mapping of a
# CharField, ``get_response_serializers`` loses the 200/201 choice, and response
# headers and the examples of implied answers are only assembled in these steps.
class GjjAutoSchema(AutoSchema):
    def _map_serializer_field(
        self, field: serializers.Field, direction: str, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, MoneyField):
            string = {"type": "string", "pattern": field.pattern, "example": "1000000.00"}
            nullable = {"nullable": True} if field.allow_null else {}
            if direction == "request":
                return {
                    **nullable,
                    "oneOf": [
                        string,
                        {
                            "type": "integer",
                            "minimum": 0,
                            "maximum": 10**field.whole_digits - 1,
                        },
                    ],
                    "description": schema.get("description", "金额（元）"),
                }
            return {**string, **nullable, "description": schema.get("description", "金额（元）")}
        if _blank_is_already_allowed(schema):
            inner = schema.pop("oneOf")[0]
            schema.update(inner)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and not field.allow_blank
            and schema.get("type") == "string"
            and "minLength" not in schema
            and "enum" not in schema
        ):
            schema["minLength"] = 1
        return schema

    # --- the answers a view's configuration implies ----------------------------------------

    def _requires_login(self) -> bool:
        return bool(self.view.get_authenticators()) and any(
            not isinstance(p, AllowAny) for p in self.view.get_permissions()
        )

    def _permission_messages(self) -> list[str]:
        """Messages of the permissions beyond "logged in": each is a 403 of its own.

        A tuple, not ``A | B``: DRF overloads ``|`` on permission classes."""
        messages: list[str] = []
        for p in self.view.get_permissions():
            message = getattr(p, "message", None)
            if not isinstance(p, (AllowAny, IsAuthenticated)) and isinstance(message, str):
                messages.append(message)
        return messages

    def _checks_csrf(self) -> bool:
        # A write by a browser session without its CSRF token is refused with 403.
        return self.method in UNSAFE_METHODS and any(
            isinstance(a, SessionAuthentication) for a in self.view.get_authenticators()
        )

    def _throttled(self) -> bool:
        return any(
            not isinstance(t, ScopedRateThrottle) or getattr(self.view, "throttle_scope", None)
            for t in self.view.get_throttles()
        )

    def _filter_names(self) -> list[str]:
        filterset = getattr(self.view, "filterset_class", None)
        if self.method != "GET" or filterset is None or not self.get_filter_backends():
            return []
        return list(filterset.base_filters)

    def _paginated_list(self) -> bool:
        return self.method == "GET" and self._is_list_view() and self._get_paginator() is not None

    def _has_request_body(self) -> bool:
        return self.method in BODY_METHODS and self.get_request_serializer() is not None

    def implied_error_codes(self) -> set[str]:
        codes: set[str] = set()
        if self._requires_login():
            codes.add("401")
            if self._permission_messages() or self._checks_csrf():
                codes.add("403")
        if "{" in self.path or self._paginated_list():
            codes.add("404")
        if self._throttled():
            codes.add("429")
        # Any request is refused with 400 before its view for a NUL in the path, query or
        # a header (config.middleware); bodies and filters add their own 400s.
        codes.add("400")
        return codes

    def _get_response_bodies(self, direction: Direction = "response") -> dict[str, Any]:
        from gjj.serializers import ErrorSerializer  # app models: import after setup

        responses = super()._get_response_bodies(direction)
        for code in self.implied_error_codes() - set(responses):
            responses[code] = self._get_response_for_code(
                ErrorSerializer, code, direction=direction
            )
        for code, response in responses.items():
            if not response.get("description"):
                response["description"] = ERROR_DESCRIPTIONS.get(code, "")
        return dict(sorted(responses.items()))

    def _get_response_headers_for_code(
        self, status_code: str, direction: str = "response"
    ) -> dict[str, Any]:
        headers = super()._get_response_headers_for_code(status_code, direction)
        return {**RESPONSE_HEADERS.get(str(status_code), {}), **headers}

    # --- examples ----------------------------------------------------------------------

    def _default_error_examples(self, status_code: str, declared: bool) -> list[OpenApiExample]:
        """Examples of an error answer; a view's own examples of that code come first."""
        examples: list[OpenApiExample] = []
        if status_code == "403":  # each permission's refusal, beside the view's own 403s
            examples += [common.permission_denied(m) for m in self._permission_messages()]
            if self._checks_csrf():
                examples.append(common.CSRF_FAILED)
        if declared:
            return examples
        if status_code == "400":
            names = self._filter_names()
            if names:
                examples.append(common.invalid_filter(names[0]))
            elif self._has_request_body():
                examples.append(common.PARSE_ERROR)
            else:
                examples.append(common.INVALID_CHARACTERS)
        elif status_code == "401":
            examples += [common.NOT_AUTHENTICATED, common.TOKEN_INVALID, common.TOKEN_EXPIRED]
        elif status_code == "404":
            examples.append(common.NOT_FOUND)
        elif status_code == "429":
            examples.append(common.THROTTLED)
        return examples

    def _get_examples(
        self,
        serializer: Any,
        direction: str,
        media_type: str,
        status_code: str | None = None,
        extras: list[OpenApiExample] | None = None,
    ) -> dict[str, Any]:
        built = super()._get_examples(serializer, direction, media_type, status_code, extras)
        if direction != "response" or status_code is None:
            return built
        if status_code.startswith("4"):
            defaults = build_examples_list(self._default_error_examples(status_code, bool(built)))
            return {**defaults, **built} if status_code == "403" else {**built, **defaults}
        if status_code.startswith("2"):
            for example in built.values():
                _fit_page(example.get("value"), serializer)
        return built


def _fit_page(value: Any, serializer: Any) -> None:
    """A list example as one page of it: the listed items, their count, no other pages.

    drf-spectacular wraps a list operation's example in the paginator's sample
    (count 123, links to pages 2 and 4); an example given as a list of items, or
    as a recorded page, is the whole list instead of one item."""
    if not (isinstance(value, dict) and set(value) == {"count", "next", "previous", "results"}):
        return
    if not isinstance(serializer, ListSerializer):
        return
    results = value["results"]
    if len(results) == 1 and isinstance(results[0], list):
        results = results[0]
    elif len(results) == 1 and isinstance(results[0], dict) and set(results[0]) == set(value):
        results = results[0]["results"]
    value.update(count=len(results), next=None, previous=None, results=results)
