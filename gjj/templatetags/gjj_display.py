"""Template filters for the admin's pages: ``{% load gjj_display %}``; see gjj.admin_display."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Model
from django.utils.safestring import SafeString

from gjj import admin_display as show

register = template.Library()

register.filter("money", show.money)
register.filter("rate", show.rate)
register.filter("action_label", show.action_label)
register.filter("object_type_label", show.object_type_label)
register.filter("policy_key_label", show.policy_key_label)
register.filter("rule_label", show.rule_label)
register.filter("special_group_label", show.special_group_label)
register.filter("batch_job_label", show.batch_job_label)
register.filter("citation_row_label", show.citation_row_label)
register.filter("role_label", show.role_label)


@register.filter
def local_time(value: Any) -> str:
    return show.local_time(value)


@register.filter
def person_name(user: Any) -> str:
    return show.person_name(user)


@register.filter
def code_hint(code: Any) -> SafeString:
    return show.code_hint(code)


@register.filter
def value_table(value: Any) -> SafeString | str:
    return show.value_table(value)


@register.simple_tag
def audit_block(obj: Model) -> SafeString | str:
    return show.audit_block(obj)
