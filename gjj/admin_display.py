"""What a clerk reads: Chinese labels for codes, one money and one rate format, local times,
audit rows as before → after tables, and JSON values as tables.

Every admin page renders through here, so a code never reaches a clerk on its own: it
appears at most as a small grey hint next to its Chinese label.

Formats (one each, everywhere):

* money: thousands separators and two places, rounded half-up to the fen: ``900,000.00``;
* rates (annual, in percent): at least two decimals, further trailing zeros dropped, and a
  percent sign: ``2.600`` → ``2.60%``, ``2.775`` → ``2.775%`` (the API's rule, without rounding
  away a stored digit);
* times: Asia/Shanghai (the project's TIME_ZONE), ``2026-12-02 09:30``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from gjj.domain import (
    AuditAction,
    FactCount,
    LoginChannel,
    ManualPostingKind,
    ManualPostingStatus,
    PropertyType,
    RepaymentMethod,
    Role,
    Sex,
    SpecialGroup,
    TermBand,
)
from gjj.errors import BusinessError
from gjj.money import round_fen
from gjj.policy import PolicyStatus

EMPTY = "—"
MAX_TEXT = 80  # characters of a free-text value before it is cut with "…"
MAX_ROWS = 20  # rows of a list shown in a table before "等N项"

# --- small pieces -------------------------------------------------------------------


def code_hint(code: object) -> SafeString:
    """A code as a secondary hint: small grey text after the Chinese label."""
    if code in (None, ""):
        return mark_safe("")
    return format_html(
        '<span class="gjj-code" style="color:#999;font-size:11px;margin-left:4px">{}</span>',
        code,
    )


def labelled(label: str, code: object) -> SafeString:
    """``label`` with ``code`` as a hint; just the label when they are the same."""
    if str(code) == label:
        return format_html("{}", label)
    return format_html("{}{}", label, code_hint(code))


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def money(value: object) -> str:
    """``900,000.00``: thousands separators, two places, half-up to the fen; ``—`` if none."""
    d = _decimal(value)
    if d is None:
        return EMPTY if value in (None, "") else str(value)
    return f"{round_fen(d):,.2f}"


def rate(value: object) -> str:
    """An annual rate in percent: ``2.600`` → ``2.60%``, ``2.775`` → ``2.775%``."""
    d = _decimal(value)
    if d is None:
        return EMPTY if value in (None, "") else str(value)
    text = f"{d:f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(2, "0")
    return f"{whole}.{frac}%"


def local_time(value: datetime | None, *, seconds: bool = False) -> str:
    """A stored instant in Asia/Shanghai (the project's TIME_ZONE), never UTC."""
    if value is None:
        return EMPTY
    if timezone.is_aware(value):
        value = timezone.localtime(value, timezone.get_default_timezone())
    return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def truncate(text: object, limit: int = MAX_TEXT) -> str:
    s = str(text)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def person_name(user: AbstractBaseUser | None, fallback: str = "") -> str:
    """A person's name (full name, else the log-in name); the system where nobody acted."""
    if user is not None:
        full = getattr(user, "get_full_name", lambda: "")().strip()
        return full or user.get_username()
    return {"system": "系统", "anonymous": "匿名访问者", "": "系统"}.get(fallback, fallback)


def refusal_text(refusal: BusinessError) -> str:
    """What a clerk reads of a refusal: the Chinese message alone (the code is for machines)."""
    return refusal.message


def field_refusals(refusal: BusinessError) -> list[tuple[str | None, str]]:
    """``(field or None, message)`` pairs of a refusal, for a form's add_error."""
    if not refusal.fields:
        return [(None, refusal.message)]
    return [(name, e["message"]) for name, errs in refusal.fields.items() for e in errs]


# --- labels for codes -----------------------------------------------------------------

# Batch jobs by their stored name (BatchRun.job).
BATCH_JOB_LABELS: dict[str, str] = {"reprice": "利率调整"}

# A decision's reason rules that are not LimitRule members (loans.engine: run.reason(...)).
_RULE_LABELS: dict[str, str] = {
    "term.retirement_extra_years": "退休后可延长年限",
    "term.retirement_female_base_age": "女性借款人退休年龄档次",
    "measure": "适用政策措施",
    "measure.expiry_warning": "政策措施到期提醒",
    "home_count.homes": "家庭住房套数",
    "home_count.home": "住房认定",
    "home_count.pf_loans": "公积金贷款次数",
    "home_count.pf_loan": "公积金贷款认定",
    "home_count.unsettled": "未结清公积金贷款",
    "home_tier": "套数认定",
    "home_tier.multi_child": "多子女家庭核减",
    "special_groups": "特定群体",
    "szg.issued_on": "商转公商业贷款发放日期",
    "szg.lender": "商转公贷款银行",
    "rate": "贷款利率",
    "repayment": "还款测算",
    "amount.max": "可贷最高额",
    "none": "无",
}

# A reason's value that is a code rather than a number.
_REASON_VALUE_LABELS: dict[str, str] = {"not_applied": "不适用"}

_OBJECT_TYPE_LABELS: dict[str, str] = {"auth.user": "用户", "auth.group": "角色组"}

_POLICY_ROW_KINDS: dict[str, str] = {"param": "政策参数", "rate": "贷款利率"}

_POLICY_SOURCES: dict[str, str] = {
    "52号": "阳政办发〔2024〕52号",
    "national": "国家规定",
    "decision": "中心决定",
}


def action_label(code: str) -> str:
    """An audit action (``<entity>.<past>``) in Chinese; unknown codes as they are."""
    return AuditAction.label_of(code)


def object_type_label(object_type: str) -> str:
    """``loans.loanapplication`` → 贷款申请 (the model's verbose_name)."""
    if object_type in _OBJECT_TYPE_LABELS:
        return _OBJECT_TYPE_LABELS[object_type]
    model = _model(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def batch_job_label(job: str) -> str:
    return BATCH_JOB_LABELS.get(job, job)


def special_group_label(code: str) -> str:
    return SpecialGroup.label_of(code)


def special_groups_text(codes: Iterable[str]) -> str:
    """``["new_citizen", "youth"]`` → 新市民、青年人."""
    return "、".join(special_group_label(c) for c in codes) or "无"


def role_label(code: str) -> str:
    return Role.label_of(code)


@cache
def _rule_labels() -> dict[str, str]:
    labels = dict(_RULE_LABELS)
    try:  # the loan engine's limit rules carry their own labels
        from loans.engine import LimitRule, RefusalCode
    except ImportError:  # pragma: no cover - the loans app is always installed
        return labels
    labels.update({r.value: r.label for r in LimitRule})
    labels.update({r.value: r.label for r in RefusalCode})
    return labels


def rule_label(code: str) -> str:
    """A decision's rule or refusal code (``home_count.homes``, ``amount.cap``) in Chinese."""
    return _rule_labels().get(code, code)


def reason_value(value: object) -> str:
    """A reason's value: ``not_applied`` reads 不适用; numbers and text as they are."""
    return _REASON_VALUE_LABELS.get(str(value), str(value))


def policy_key_label(key: str) -> str:
    """A policy key (``loan.cap.special``) in Chinese: gjj.policy's names (the key if unnamed)."""
    from gjj import policy

    key_label = getattr(policy, "key_label", None)
    return str(key_label(key)) if key_label is not None else key


def citation_row_label(row: str) -> str:
    """A policy row reference in words: ``rate:14`` → 2025-05-08 首套 五年以上 2.60%.

    A rate row names its cell and rate; another row (or a rate row no longer found)
    its kind and number, e.g. 政策参数第12号记录.
    """
    from gjj.models import LoanRate

    kind, _, pk = str(row).partition(":")
    found = LoanRate.objects.filter(pk=int(pk)).first() if kind == "rate" and pk.isdigit() else None
    if found is not None:
        tier = found.get_home_tier_display()
        band = TermBand.label_of(found.term_band)
        return f"{found.effective_from.isoformat()} {tier} {band} {rate(found.annual_rate_percent)}"
    if kind in _POLICY_ROW_KINDS and pk:
        return f"{_POLICY_ROW_KINDS[kind]}第{pk}号记录"
    return str(row) or EMPTY


def citation_text(citation: Mapping[str, Any] | Any | None) -> str:
    """A citation in one line: 阳政办发〔2024〕52号 第二条（贷款利率第14号记录）."""
    if citation is None:
        return EMPTY
    get: Callable[[str], Any] = (
        citation.get if isinstance(citation, Mapping) else lambda k: getattr(citation, k, "")
    )
    document, article, row = get("document") or "", get("article") or "", get("row") or ""
    text = " ".join(p for p in (document, article) if p) or EMPTY
    return f"{text}（{citation_row_label(row)}）" if row else text


def choice_label(model: type[models.Model], field_name: str, value: object) -> str:
    """A stored choice as its label (``draft`` → 草稿) by the model field's choices."""
    try:
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return str(value)
    choices = dict(getattr(field, "flatchoices", None) or ())
    return str(choices.get(value, value)) if value not in (None, "") else EMPTY


def status_change_text(change: models.Model) -> str:
    """A status history row in words: 草稿 → 已提交."""
    model = type(change)
    old = getattr(change, "from_status", "")
    new = getattr(change, "to_status", "")
    before = choice_label(model, "from_status", old) if old else EMPTY
    return f"{before} → {choice_label(model, 'to_status', new)}"


# Values inside stored JSON (policy values, audit snapshots) that are codes of a vocabulary.
@cache
def _code_labels() -> dict[str, str]:
    labels: dict[str, str] = {}
    for enum in (
        SpecialGroup,
        Role,
        RepaymentMethod,
        PropertyType,
        FactCount,
        Sex,
        TermBand,
        ManualPostingKind,
        ManualPostingStatus,
        LoginChannel,
        PolicyStatus,
    ):
        labels.update({m.value: m.label for m in enum})
    relation = _field_choices("gjj.familymember", "relation")
    labels.update(relation)
    labels.update({"self": "本人"} if "self" not in labels else {})
    return labels


@cache
def _field_choices(object_type: str, field_name: str) -> dict[str, str]:
    model = _model(object_type)
    if model is None:
        return {}
    try:
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return {}
    return {str(k): str(v) for k, v in (getattr(field, "flatchoices", None) or ())}


def code_label(value: str) -> str:
    """A code from the project's vocabularies (groups, roles, relations …) in Chinese."""
    return _code_labels().get(value, value)


# --- JSON values as tables ---------------------------------------------------------------

# Keys of stored JSON that are not model fields: the engine's decision, citations, reasons,
# the security rows' extras.
KEY_LABELS: dict[str, str] = {
    "eligible": "是否符合贷款条件",
    "provisional": "暂定（待中心确认）",
    "payee": "收款方",
    "refusals": "不予贷款原因",
    "home_tier": "套数认定",
    "counted_homes": "计入的住房套数",
    "counted_pf_loans": "计入的公积金贷款次数",
    "min_down_payment_ratio": "最低首付款比例",
    "min_down_payment": "最低首付款（元）",
    "loan_cap": "贷款额度上限（元）",
    "max_loan_amount": "可贷最高额（元）",
    "loan_amount": "测算贷款金额（元）",
    "annual_rate_percent": "年利率",
    "rate_citation": "利率依据",
    "term_months": "贷款期限（月）",
    "max_term_months": "可贷最长期限（月）",
    "repayment_method": "还款方式",
    "repayment_method_code": "还款方式代码",
    "monthly_payment": "月还款额（元）",
    "total_interest": "利息总额（元）",
    "limits_applied": "约束额度的规则",
    "limits_not_applied": "不适用的规则",
    "reasons": "测算过程",
    "policy_version": "政策版本",
    "as_of": "测算日期",
    "rule": "规则",
    "value": "取值",
    "message": "说明",
    "citation": "依据",
    "code": "原因",
    "document": "依据文件",
    "article": "条款",
    "source": "来源",
    "effective_from": "生效日期",
    "effective_to": "失效日期",
    "row": "政策记录",
    "status": "状态",
    "client_ip": "客户端地址",
    "channel": "登录渠道",
    "groups": "角色组",
    "user_permissions": "权限",
    "is_active": "启用",
    "is_staff": "可登录管理后台",
    "is_superuser": "超级用户",
    "token_issued_at": "令牌签发时间",
    "amount": "金额（元）",
    "note": "备注",
    "opinion": "意见",
    "reason": "原因",
}

_MONEY_KEYS = frozenset(
    {
        "min_down_payment",
        "loan_cap",
        "max_loan_amount",
        "loan_amount",
        "monthly_payment",
        "total_interest",
        "amount",
        "balance",
        "balance_after",
        "price",
    }
)
_RATE_KEYS = frozenset({"annual_rate_percent", "rate", "from_rate", "to_rate"})


def _format_by_key(key: str, value: Any) -> str | SafeString | None:
    """A value that its key tells how to show; None where the key says nothing."""
    if key in _MONEY_KEYS or key.endswith("_amount"):
        return money(value)
    if key in _RATE_KEYS or key.endswith("rate_percent"):
        return rate(value)
    if key in ("rule", "code"):
        return labelled(rule_label(str(value)), value)
    if key in ("row", "rate_row", "priced_rate_row"):
        return citation_row_label(str(value))
    if key == "source":
        return _POLICY_SOURCES.get(str(value), str(value))
    if key == "action":
        return labelled(action_label(str(value)), value)
    if key == "value" and str(value) in _REASON_VALUE_LABELS:
        return reason_value(value)
    if key == "key":
        return labelled(policy_key_label(str(value)), value)
    return None


def scalar_text(value: Any) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return local_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return truncate(code_label(str(value)) if isinstance(value, str) else value)


def _cell(key: str, value: Any, labels: Mapping[str, str], depth: int) -> str | SafeString:
    if isinstance(value, dict | list):
        return value_table(value, labels=labels, _depth=depth + 1)
    if value is not None and value != "":
        shown = _format_by_key(key, value)
        if shown is not None:
            return shown
    return scalar_text(value)


_TABLE = '<table class="gjj-values" style="margin:0;font-size:12px">{}</table>'


def value_table(
    value: Any, *, labels: Mapping[str, str] | None = None, _depth: int = 0
) -> SafeString | str:
    """A dict or list (stored JSON) as a small table; never a Python repr or raw JSON.

    A dict is a two-column table (Chinese key → value); a list of dicts with the same
    keys is a table with one column per key; a list of plain values is one line joined
    by 、. Nested values become nested tables. ``labels`` adds or overrides key labels
    (e.g. a model's field verbose_names). A JSON string is parsed first.
    """
    names = {**KEY_LABELS, **(labels or {})}
    if isinstance(value, str) and value[:1] in "[{":
        try:
            value = json.loads(value)
        except ValueError:
            return truncate(value)
    if _depth > 4:
        return truncate(json.dumps(value, ensure_ascii=False))
    if isinstance(value, dict):
        if not value:
            return EMPTY
        rows = format_html_join(
            "",
            '<tr><th style="white-space:nowrap">{}</th><td>{}</td></tr>',
            (
                (names.get(str(k), str(k)), _cell(str(k), v, names, _depth))
                for k, v in value.items()
            ),
        )
        return format_html(_TABLE, rows)
    if isinstance(value, list):
        if not value:
            return EMPTY
        shown, more = value[:MAX_ROWS], len(value) - MAX_ROWS
        tail = f"（另有{more}项）" if more > 0 else ""
        if all(isinstance(v, dict) for v in shown):
            keys: list[str] = []
            for v in shown:
                keys.extend(str(k) for k in v if str(k) not in keys)
            head = format_html_join("", "<th>{}</th>", ((names.get(k, k),) for k in keys))
            body = format_html_join(
                "",
                "<tr>{}</tr>",
                (
                    (
                        format_html_join(
                            "", "<td>{}</td>", ((_cell(k, v.get(k), names, _depth),) for k in keys)
                        ),
                    )
                    for v in shown
                ),
            )
            return format_html(
                "{}{}", format_html(_TABLE, format_html("<tr>{}</tr>{}", head, body)), tail
            )
        if any(isinstance(v, dict | list) for v in shown):
            cells = format_html_join(
                "", "<tr><td>{}</td></tr>", ((_cell("", v, names, _depth),) for v in shown)
            )
            return format_html("{}{}", format_html(_TABLE, cells), tail)
        return "、".join(scalar_text(v) for v in shown) + tail
    return scalar_text(value)


def decision_table(decision: Mapping[str, Any] | None) -> SafeString | str:
    """The engine's frozen decision (提交时额度测算) as a table."""
    if not decision:
        return "（尚未测算）"
    return value_table(dict(decision))


# --- audit blocks ---------------------------------------------------------------------


@cache
def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def field_label(object_type: str, key: str) -> str:
    """A snapshot key's Chinese label: the model field's verbose_name, else a known key."""
    model = _model(object_type)
    if model is not None:
        try:
            field = model._meta.get_field(key)
        except FieldDoesNotExist:
            pass
        else:
            name = getattr(field, "verbose_name", None)
            if name:
                return str(name)
    return KEY_LABELS.get(key, key)


def field_value(object_type: str, key: str, value: Any) -> SafeString | str:
    """A snapshot value for a clerk: choices by label, money and rates formatted, JSON as tables."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, str) and value[:1] in "[{":
        value = _json_or_text(value)  # a JSON policy value is stored as text
    if isinstance(value, dict | list):
        return value_table(value)
    model = _model(object_type)
    field: Any = None
    if model is not None:
        try:
            field = model._meta.get_field(key)
        except FieldDoesNotExist:
            field = None
    if field is not None:
        choices = _field_choices(object_type, key)
        if choices and str(value) in choices:
            return choices[str(value)]
        if isinstance(field, models.DecimalField):
            if key.endswith("rate_percent") or key in _RATE_KEYS:
                return rate(value)
            if field.decimal_places == 2:
                return money(value)
        if isinstance(field, models.BooleanField):
            return scalar_text(bool(value))
        if isinstance(field, models.DateTimeField) and isinstance(value, str):
            parsed = _parse_instant(value)
            if parsed is not None:
                return local_time(parsed)
    by_key = _format_by_key(key, value)
    if by_key is not None:
        return by_key
    if isinstance(value, str):
        parsed = _parse_instant(value) if "T" in value else None
        if parsed is not None:
            return local_time(parsed)
    return scalar_text(value)


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _parse_instant(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if timezone.is_aware(value) else None


def changed_fields(
    old: Mapping[str, Any] | None, new: Mapping[str, Any] | None
) -> list[tuple[str, Any, Any]]:
    """``(key, before, after)`` of the keys whose value changed, in the snapshots' order."""
    old, new = old or {}, new or {}
    keys = list(old) + [k for k in new if k not in old]
    return [(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]


def audit_changes_table(row: Any) -> SafeString | str:
    """One audit row's before → after table: only the changed fields, with Chinese labels."""
    changes = changed_fields(row.old, row.new)
    if not changes:
        return EMPTY
    body = format_html_join(
        "",
        '<tr><th style="white-space:nowrap">{}</th><td>{}</td><td>→</td><td>{}</td></tr>',
        (
            (
                field_label(row.object_type, key),
                field_value(row.object_type, key, before),
                field_value(row.object_type, key, after),
            )
            for key, before, after in changes
        ),
    )
    return format_html(
        '<table class="gjj-changes" style="margin:0;font-size:12px"><thead><tr><th>项目</th>'
        "<th>变更前</th><th></th><th>变更后</th></tr></thead><tbody>{}</tbody></table>",
        body,
    )


def audit_actor(row: Any) -> str:
    """Who acted: the person's name, else the recorded label (系统 for the system)."""
    return person_name(row.actor if row.actor_id else None, row.actor_label)


def audit_table(rows: Iterable[Any]) -> SafeString | str:
    """Audit rows as one table: local time, person, Chinese action, reason, the changes."""
    rows = list(rows)
    if not rows:
        return EMPTY
    body = format_html_join(
        "",
        '<tr><td style="white-space:nowrap">{}</td><td>{}</td><td>{}</td><td>{}</td>'
        "<td>{}</td></tr>",
        (
            (
                local_time(r.at, seconds=True),
                audit_actor(r),
                labelled(action_label(r.action), r.action),
                truncate(r.reason) if r.reason else EMPTY,
                audit_changes_table(r),
            )
            for r in rows
        ),
    )
    return format_html(
        '<table class="gjj-audit"><thead><tr><th>时间</th><th>操作人</th><th>操作</th>'
        "<th>原因</th><th>变更内容</th></tr></thead><tbody>{}</tbody></table>",
        body,
    )


def audit_rows(obj: models.Model) -> models.QuerySet[Any]:
    """The audit rows of one object, oldest first, with their actors."""
    from gjj.models import AuditLog

    return (
        AuditLog.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .select_related("actor")
        .order_by("id")
    )


def audit_block(obj: models.Model) -> SafeString | str:
    """The audit block of an object page: every audit row of ``obj`` as a table."""
    return audit_table(audit_rows(obj))


def local_tz_name() -> str:
    return str(settings.TIME_ZONE)
