"""Export of the clerks' lists to CSV and Excel: the filtered list, masked, in Chinese.

Export only. Rows are written by the services, so no list offers an import: an
import would write around their checks, locks and audit rows. Who may export a
list is who may see it (the model's view permission, as the role groups hold it).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from functools import cached_property
from typing import Any

from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import BadRequest, ImproperlyConfigured, PermissionDenied
from django.db.models import Field as ModelField
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template import engines
from django.utils import timezone
from import_export import resources
from import_export.admin import ExportMixin
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.forms import ExportForm
from tablib import Dataset

from gjj.masking import mask_bank_account, mask_id_number, mask_phone, mask_text

logger = logging.getLogger(__name__)

# A cell opened in Excel must not run as a formula (text typed in by applicants).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# Names of the fields holding personal numbers, and how each is masked. A resource
# may export them only masked; audit snapshots are masked by the same names.
MASKS: dict[str, Callable[[str], str]] = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "bank_account": mask_bank_account,
    "seller_account": mask_bank_account,
    "szg_loan_account": mask_bank_account,
    "payee_account": mask_bank_account,
}
# Numbers the center issues (application, contract, account, bank references) stay
# whole: the generic bank-account pattern would blank their digits.
_ISSUED_SUFFIXES = ("number", "reference")


def mask_snapshot(value: Any, key: str = "") -> Any:
    """An audit snapshot with its personal numbers masked, by field name and in free text."""
    if isinstance(value, dict):
        return {k: mask_snapshot(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_snapshot(v, key) for v in value]
    if not isinstance(value, str) or not value:
        return value
    if key in MASKS:
        return MASKS[key](value)
    if key.endswith(_ISSUED_SUFFIXES):
        return value
    return mask_text(value)


def cell(value: Any) -> Any:
    """One exported cell: local time, labels not codes, names not ids, no formulas."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        return value.replace(microsecond=0)  # Excel cannot hold a time zone
    if isinstance(value, Model):
        value = str(value)
    elif isinstance(value, dict | list):
        # Audit snapshots hold the full numbers of what changed.
        value = json.dumps(mask_snapshot(value), ensure_ascii=False, sort_keys=True)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class MaskedField(Field):
    """A column whose personal number is exported masked."""

    def __init__(self, attribute: str, column_name: str, mask: Callable[[str], str]) -> None:
        super().__init__(attribute=attribute, column_name=column_name, readonly=True)
        self.mask = mask

    def get_value(self, instance: Model) -> Any:
        value = super().get_value(instance)
        return self.mask(value) if value else value


def masked_id(attribute: str = "id_number", column_name: str = "身份证号码") -> MaskedField:
    return MaskedField(attribute, column_name, mask_id_number)


def text(attribute: str, column_name: str) -> MaskedField:
    """Free text (opinions, reasons, memos) that may quote a personal number."""
    return MaskedField(attribute, column_name, mask_text)


class ExportResource(resources.ModelResource):
    """Export only. Headers are the fields' Chinese names; codes show as their labels."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for name, field in self.fields.items():
            attr = (field.attribute or name).split("__")[-1]
            if attr in MASKS and not isinstance(field, MaskedField):
                raise ImproperlyConfigured(f"{type(self).__name__}.{name} 必须脱敏导出")

    @classmethod
    def field_from_django_field(
        cls, field_name: str, django_field: ModelField, readonly: bool
    ) -> Field:
        field = super().field_from_django_field(field_name, django_field, readonly=True)
        field.column_name = "编号" if field_name == "id" else str(django_field.verbose_name)
        if django_field.choices:
            field.attribute = f"get_{field_name}_display"
        elif django_field.is_relation:
            field.attribute = field_name  # the related row as it reads, not its id
        return field

    def export_field(self, field: Field, instance: Model, **kwargs: Any) -> Any:
        method = field.get_dehydrate_method(self.get_field_name(field))
        if not callable(method):
            method = getattr(self, method, None)
        return cell(method(instance) if method is not None else field.get_value(instance))

    def import_data(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionDenied("只能导出，不能导入：数据只能经业务办理写入")


class ExportPageForm(ExportForm):
    """The 导出 page: the format only (the columns are the resource's), named in Chinese."""

    LABELS = {"csv": "CSV（逗号分隔）", "xlsx": "Excel（xlsx）"}

    def _init_formats(self, formats: list[type[base_formats.Format]]) -> None:
        super()._init_formats(formats)
        field = self.fields["format"]
        field.choices = [(value, self.LABELS.get(label, label)) for value, label in field.choices]


_CHANGE_LIST = """{% extends ie_base_change_list_template|default:"admin/change_list.html" %}
{% load admin_urls %}
{% block object-tools-items %}{% if has_export_permission %}<li><a class="export_link"
href="{% url cl.opts|admin_urlname:'export' %}{{ cl.get_query_string }}">导出</a></li>
{% endif %}{{ block.super }}{% endblock %}
"""


class ExportOnlyMixin(ExportMixin):
    """A 导出 button that exports exactly the list as filtered and searched, all pages."""

    export_form_class = ExportPageForm
    to_encoding = "utf-8-sig"  # Excel reads a CSV as UTF-8 only with the byte-order mark

    @cached_property
    def import_export_change_list_template(self) -> Any:
        # The package's own list template hides the object tools of lists without
        # an add button (the loan list's bank-file import among them).
        return engines["django"].from_string(_CHANGE_LIST)

    def get_export_formats(self) -> list[type[base_formats.Format]]:
        return [base_formats.CSV, base_formats.XLSX]

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def get_export_queryset(self, request: HttpRequest) -> QuerySet:
        try:
            return super().get_export_queryset(request)
        except IncorrectLookupParameters as exc:
            raise BadRequest("筛选条件无效") from exc

    def get_export_filename(
        self, request: HttpRequest, queryset: QuerySet, file_format: Any
    ) -> str:
        day = timezone.localdate()
        return f"{self.opts.model_name}-{day:%Y%m%d}.{file_format.get_extension()}"

    def get_data_for_export(
        self, request: HttpRequest, queryset: QuerySet, **kwargs: Any
    ) -> Dataset:
        dataset = super().get_data_for_export(request, queryset, **kwargs)
        # Who took which personal data out, and with which filter (masked by the log filter).
        logger.info(
            "后台导出：%s 导出 %s %d 行，条件：%s",
            request.user.get_username(),
            self.opts.label,
            len(dataset),
            request.GET.urlencode() or "（全部）",
        )
        return dataset
