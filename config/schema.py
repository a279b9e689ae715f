"""OpenAPI generation that states the server's real input rules."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from gjj.fields import MoneyField


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
                            "maximum": 10 ** (field.max_digits - field.decimal_places) - 1,
                        },
                    ],
                    "description": schema.get("description", "金额（元）"),
                }
            return {**string, **nullable, "description": schema.get("description", "金额（元）")}
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
