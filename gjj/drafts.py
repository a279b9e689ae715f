"""Policy drafts: services and selectors.

A 政策管理 user drafts future rows, runs the impact preview (a Celery task on the
batch machinery), and a second 政策管理 user confirms the draft as previewed: the
rows are then added through ``gjj.services.policy_parameter_add``/``policy_rate_add``
in one transaction. Every step writes an audit row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from gjj import services
from gjj.domain import AuditAction, Role
from gjj.draft_models import PolicyDraft, PolicyDraftParameter, PolicyDraftRate, PolicyDraftStatus
from gjj.errors import ActorNotAllowed, BusinessError, TransitionError
from gjj.models import LoanRate, PolicyParameter
from gjj.policy import PolicyValue, RateValue
from gjj.selectors import param_value, rate_value
from gjj.services import Actor, audit_record, lock_in_pk_order
from gjj.workflow import actor_has_role, require_role

EDITABLE = frozenset({PolicyDraftStatus.DRAFT, PolicyDraftStatus.PREVIEWED})
Drafted = tuple[list[PolicyValue], list[RateValue]]


class _TrialOnly(Exception):
    """Rolls back a trial run of the real service (the draft row is checked, not added)."""


# --- selectors ---------------------------------------------------------------------------


def policy_drafts_open() -> QuerySet[PolicyDraft]:
    return PolicyDraft.objects.filter(status__in=EDITABLE)


def policy_draft_rows(*, draft: PolicyDraft) -> dict[str, list[dict[str, Any]]]:
    """The draft's rows as plain values: what a preview records and a confirmation shows."""
    return {
        "parameters": [
            {
                "id": p.pk,
                "key": p.key,
                "kind": p.kind,
                "value": p.value,
                "effective_from": p.effective_from.isoformat(),
                "effective_to": p.effective_to.isoformat() if p.effective_to else None,
                "document": p.document,
                "article": p.article,
                "source": p.source,
                "note": p.note,
            }
            for p in draft.parameters.order_by("pk")
        ],
        "rates": [
            {
                "id": r.pk,
                "effective_from": r.effective_from.isoformat(),
                "home_tier": r.home_tier,
                "term_band": r.term_band,
                "annual_rate_percent": str(r.annual_rate_percent),
                "is_floor": r.is_floor,
                "document": r.document,
                "article": r.article,
            }
            for r in draft.rates.order_by("pk")
        ],
    }


def policy_draft_values(*, draft: PolicyDraft) -> Drafted:
    """The draft's rows as policy values, for ``policy_in_force(drafted=)``.

    Built the way saved rows are (``gjj.selectors``), citing the draft row.
    """
    params = []
    for p in draft.parameters.order_by("pk"):
        row = PolicyParameter(
            key=p.key,
            kind=p.kind,
            value=p.value,
            effective_from=p.effective_from,
            effective_to=p.effective_to,
            document=p.document,
            article=p.article,
            source=p.source,
            note=p.note,
        )
        value = param_value(row)
        cite = dataclasses.replace(value.citation, row=f"draft_param:{p.pk}")
        params.append(dataclasses.replace(value, citation=cite))
    rates = []
    for r in draft.rates.order_by("pk"):
        rate_row = LoanRate(
            effective_from=r.effective_from,
            home_tier=r.home_tier,
            term_band=r.term_band,
            annual_rate_percent=r.annual_rate_percent,
            is_floor=r.is_floor,
            document=r.document,
            article=r.article,
            note=r.note,
        )
        rate = rate_value(rate_row)
        cite = dataclasses.replace(rate.citation, row=f"draft_rate:{r.pk}")
        rates.append(dataclasses.replace(rate, citation=cite))
    return params, rates


def policy_draft_may_confirm(*, draft: PolicyDraft, actor: Actor) -> bool:
    """Whether ``actor`` may confirm now (for the admin's button)."""
    try:
        _check_confirm(draft, actor)
    except BusinessError:
        return False
    return True


def policy_draft_may_edit(*, draft: PolicyDraft, actor: Actor) -> bool:
    return draft.status in EDITABLE and actor_has_role(actor, Role.POLICY_ADMIN)


# --- services ----------------------------------------------------------------------------


def _lock(draft: PolicyDraft) -> PolicyDraft:
    return lock_in_pk_order(PolicyDraft, [draft.pk])[draft.pk]


def _require_editable(draft: PolicyDraft) -> None:
    if draft.status not in EDITABLE:
        raise TransitionError(
            "invalid_transition", f"草案{PolicyDraftStatus.label_of(draft.status)}，不能再修改"
        )


def _touch(draft: PolicyDraft) -> None:
    """A change of rows: the revision moves on and an earlier preview no longer stands."""
    draft.revision += 1
    draft.status = PolicyDraftStatus.DRAFT
    draft.save(update_fields=["revision", "status", "updated_at"])


@transaction.atomic
def policy_draft_create(*, title: str, actor: Actor) -> PolicyDraft:
    require_role(actor, Role.POLICY_ADMIN, doing="起草政策草案")
    if actor is None:  # no log-in holds a role; this also narrows the type
        raise ActorNotAllowed("role_required", "须登录后起草政策草案")
    if not title.strip():
        raise BusinessError("title_required", "草案名称不能为空")
    draft = PolicyDraft.objects.create(title=title.strip(), created_by=actor)
    audit_record(
        actor=actor, action=AuditAction.POLICY_DRAFT_CREATED, obj=draft, new={"title": draft.title}
    )
    return draft


def _trial(add: Callable[[], object]) -> None:
    """Run the real service in a savepoint and roll it back: the same checks, nothing kept."""
    try:
        with transaction.atomic():
            add()
            raise _TrialOnly
    except _TrialOnly:
        pass


def policy_draft_parameter_add(
    *,
    draft: PolicyDraft,
    key: str,
    kind: str,
    value: str | None,
    effective_from: date,
    document: str,
    article: str,
    source: str,
    actor: Actor,
    effective_to: date | None = None,
    note: str = "",
) -> PolicyDraftParameter:
    """Add a parameter row to the draft, checked as ``policy_parameter_add`` checks a real one."""
    require_role(actor, Role.POLICY_ADMIN, doing="修改政策草案")
    value = value if value not in ("", None) else None
    with transaction.atomic():
        locked = _lock(draft)
        _require_editable(locked)
        _trial(
            lambda: services.policy_parameter_add(
                key=key,
                kind=kind,
                value=value,
                effective_from=effective_from,
                effective_to=effective_to,
                document=document,
                article=article,
                source=source,
                note=note,
                actor=actor,
            )
        )
        if locked.parameters.filter(key=key, effective_from=effective_from).exists():
            raise BusinessError("duplicate_policy_row", "草案中该参数在同一生效日期已有条目")
        row = PolicyDraftParameter.objects.create(
            draft=locked,
            key=key,
            kind=kind,
            value=value,
            effective_from=effective_from,
            effective_to=effective_to,
            document=document,
            article=article,
            source=source,
            note=note,
        )
        _touch(locked)
        audit_record(
            actor=actor,
            action=AuditAction.POLICY_DRAFT_ROW_ADDED,
            obj=locked,
            new={"parameter": row.pk, "key": key, "value": value, "effective_from": effective_from},
        )
    return row


def policy_draft_rate_add(
    *,
    draft: PolicyDraft,
    effective_from: date,
    home_tier: int,
    term_band: str,
    annual_rate_percent: Decimal,
    document: str,
    article: str,
    actor: Actor,
    is_floor: bool = False,
    note: str = "",
) -> PolicyDraftRate:
    """Add a rate cell to the draft, checked as ``policy_rate_add`` checks a real one."""
    require_role(actor, Role.POLICY_ADMIN, doing="修改政策草案")
    with transaction.atomic():
        locked = _lock(draft)
        _require_editable(locked)
        _trial(
            lambda: services.policy_rate_add(
                effective_from=effective_from,
                home_tier=home_tier,
                term_band=term_band,
                annual_rate_percent=annual_rate_percent,
                document=document,
                article=article,
                is_floor=is_floor,
                note=note,
                actor=actor,
            )
        )
        if locked.rates.filter(
            effective_from=effective_from, home_tier=home_tier, term_band=term_band
        ).exists():
            raise BusinessError("duplicate_rate_row", "草案中该档次在同一生效日期已有利率")
        row = PolicyDraftRate.objects.create(
            draft=locked,
            effective_from=effective_from,
            home_tier=home_tier,
            term_band=term_band,
            annual_rate_percent=annual_rate_percent,
            is_floor=is_floor,
            document=document,
            article=article,
            note=note,
        )
        _touch(locked)
        audit_record(
            actor=actor,
            action=AuditAction.POLICY_DRAFT_ROW_ADDED,
            obj=locked,
            new={
                "rate": row.pk,
                "home_tier": home_tier,
                "term_band": term_band,
                "annual_rate_percent": annual_rate_percent,
                "effective_from": effective_from,
            },
        )
    return row


def policy_draft_row_remove(
    *, draft: PolicyDraft, actor: Actor, parameter_id: int | None = None, rate_id: int | None = None
) -> PolicyDraft:
    """Take one row out of a draft not yet confirmed; the audit row keeps what it held."""
    require_role(actor, Role.POLICY_ADMIN, doing="修改政策草案")
    with transaction.atomic():
        locked = _lock(draft)
        _require_editable(locked)
        rows = policy_draft_rows(draft=locked)
        if parameter_id is not None:
            gone = [r for r in rows["parameters"] if r["id"] == parameter_id]
            table: Any = locked.parameters.filter(pk=parameter_id)
        elif rate_id is not None:
            gone = [r for r in rows["rates"] if r["id"] == rate_id]
            table = locked.rates.filter(pk=rate_id)
        else:
            gone = []
        if not gone:
            raise BusinessError("draft_row_not_found", "草案中没有该条目")
        table.delete()
        _touch(locked)
        audit_record(
            actor=actor,
            action=AuditAction.POLICY_DRAFT_ROW_REMOVED,
            obj=locked,
            old=gone[0],
        )
    return locked


def policy_draft_preview_request(
    *, draft: PolicyDraft, actor: Actor, dispatch: Callable[[int, int], None] | None = None
) -> PolicyDraft:
    """Ask for the impact preview; ``dispatch(draft_id, revision)`` runs after commit."""
    require_role(actor, Role.POLICY_ADMIN, doing="运行影响预览")
    with transaction.atomic():
        locked = _lock(draft)
        _require_editable(locked)
        if not locked.parameters.exists() and not locked.rates.exists():
            raise BusinessError("draft_empty", "草案中没有任何条目")
        locked.preview_requested_by = actor
        locked.save(update_fields=["preview_requested_by", "updated_at"])
        if dispatch is not None:
            revision = locked.revision
            transaction.on_commit(lambda: dispatch(locked.pk, revision))
    return locked


def policy_draft_preview_store(*, draft_id: int, revision: int, on: date) -> PolicyDraft:
    """Run the preview for the draft as it stood at ``revision`` and keep it (the task's work).

    A draft changed since it was asked for is left alone: its new rows need a new preview.
    """
    from loans.policy_preview import preview_run

    draft = PolicyDraft.objects.get(pk=draft_id)
    if draft.revision != revision or draft.status not in EDITABLE:
        return draft
    result = preview_run(on=on, drafted=policy_draft_values(draft=draft))
    with transaction.atomic():
        locked = _lock(draft)
        if locked.revision != revision or locked.status not in EDITABLE:
            return locked
        old = locked.status
        locked.preview = result
        locked.preview_rows = policy_draft_rows(draft=locked)
        locked.preview_revision = revision
        locked.previewed_on = on
        locked.previewed_at = timezone.now()
        locked.status = PolicyDraftStatus.PREVIEWED
        locked.save()
        audit_record(
            actor=locked.preview_requested_by,
            actor_label=None if locked.preview_requested_by else "batch:policy_draft_preview",
            action=AuditAction.POLICY_DRAFT_PREVIEWED,
            obj=locked,
            old={"status": old},
            new={"status": locked.status, "revision": revision, "on": on},
        )
    return locked


def _check_confirm(draft: PolicyDraft, actor: Actor) -> None:
    require_role(actor, Role.POLICY_ADMIN, doing="确认政策草案生效")
    if draft.status not in EDITABLE:
        raise TransitionError(
            "invalid_transition", f"草案{PolicyDraftStatus.label_of(draft.status)}，不能确认"
        )
    if draft.preview_revision is None:
        raise BusinessError("preview_required", "草案尚未运行影响预览，不能确认")
    if draft.preview_revision != draft.revision or draft.status != PolicyDraftStatus.PREVIEWED:
        raise BusinessError("preview_stale", "草案在预览后已修改，请重新运行影响预览")
    if actor is not None and draft.created_by_id == actor.pk:
        raise ActorNotAllowed(
            "four_eyes", "起草人不能确认本人起草的政策草案，须由另一位政策管理人员确认"
        )


def policy_draft_confirm(*, draft: PolicyDraft, actor: Actor, reason: str = "") -> PolicyDraft:
    """四眼: a second 政策管理 person adds the previewed rows as real rows, all or none."""
    with transaction.atomic():
        locked = _lock(draft)
        _check_confirm(locked, actor)
        added: list[str] = []
        for p in locked.parameters.order_by("pk"):
            row = services.policy_parameter_add(
                key=p.key,
                kind=p.kind,
                value=p.value,
                effective_from=p.effective_from,
                effective_to=p.effective_to,
                document=p.document,
                article=p.article,
                source=p.source,
                note=p.note,
                actor=actor,
            )
            added.append(f"param:{row.pk}")
        for r in locked.rates.order_by("pk"):
            rate = services.policy_rate_add(
                effective_from=r.effective_from,
                home_tier=r.home_tier,
                term_band=r.term_band,
                annual_rate_percent=r.annual_rate_percent,
                document=r.document,
                article=r.article,
                is_floor=r.is_floor,
                note=r.note,
                actor=actor,
            )
            added.append(f"rate:{rate.pk}")
        old = locked.status
        locked.status = PolicyDraftStatus.CONFIRMED
        locked.confirmed_by = actor
        locked.confirmed_at = timezone.now()
        locked.save(update_fields=["status", "confirmed_by", "confirmed_at", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.POLICY_DRAFT_CONFIRMED,
            obj=locked,
            old={"status": old},
            new={"status": locked.status, "rows": added, "revision": locked.revision},
            reason=reason,
        )
    return locked


def policy_draft_withdraw(*, draft: PolicyDraft, actor: Actor, reason: str) -> PolicyDraft:
    """撤销: the draft is kept, marked withdrawn; its rows never take effect."""
    require_role(actor, Role.POLICY_ADMIN, doing="撤销政策草案")
    if not reason.strip():
        raise BusinessError("reason_required", "撤销草案必须填写原因")
    with transaction.atomic():
        locked = _lock(draft)
        _require_editable(locked)
        old = locked.status
        locked.status = PolicyDraftStatus.WITHDRAWN
        locked.withdrawn_by = actor
        locked.withdrawn_at = timezone.now()
        locked.withdraw_reason = reason.strip()[:500]
        locked.save(
            update_fields=[
                "status",
                "withdrawn_by",
                "withdrawn_at",
                "withdraw_reason",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            action=AuditAction.POLICY_DRAFT_WITHDRAWN,
            obj=locked,
            old={"status": old},
            new={"status": locked.status},
            reason=reason,
        )
    return locked


# --- how the preview is shown ------------------------------------------------------------

BAND_LABELS = {"le5": "五年以下（含五年）", "gt5": "五年以上"}
TIER_LABELS = {1: "首套", 2: "第二套"}
OUTCOME_LABELS = {
    "became_eligible": "由不符合变为符合",
    "became_ineligible": "由符合变为不符合",
    "amount_up": "可贷额度提高",
    "amount_down": "可贷额度降低",
}


def policy_draft_preview_view(*, preview: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored preview arranged for the page: labelled rows and bar widths."""
    if not preview:
        return None
    view: dict[str, Any] = {"on": preview.get("on")}
    rates = preview.get("rates")
    if rates:
        cells = [
            {
                **c,
                "label": f"{TIER_LABELS.get(c['home_tier'], c['home_tier'])}"
                f"·{BAND_LABELS.get(c['term_band'], c['term_band'])}",
                "payment_change": str(Decimal(c["payment_after"]) - Decimal(c["payment_before"])),
            }
            for c in rates["cells"]
        ]
        most = max((c["loans"] for c in cells), default=0) or 1
        view["rates"] = {
            **rates,
            "cells": cells,
            "bars": [
                {"label": c["label"], "count": c["loans"], "percent": c["loans"] * 100 // most}
                for c in cells
            ],
        }
    apps = preview.get("applications")
    if apps:
        view["applications"] = {
            **apps,
            "outcomes": [
                {"label": OUTCOME_LABELS[k], "count": n} for k, n in apps["by_outcome"].items()
            ],
            "rows": [{**r, "outcome_label": OUTCOME_LABELS[r["outcome"]]} for r in apps["rows"]],
        }
    if preview.get("rental"):
        view["rental"] = preview["rental"]
    return view


def policy_draft_preview_workbook(*, draft: PolicyDraft) -> bytes:
    """The stored preview as an Excel workbook, one sheet per report."""
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.worksheets[0])
    sheet = book.create_sheet("草案")
    sheet.append(["草案", str(draft), "状态", PolicyDraftStatus.label_of(draft.status)])
    sheet.append(["预览业务日期", draft.previewed_on.isoformat() if draft.previewed_on else ""])
    for p in (draft.preview_rows or {}).get("parameters", []):
        sheet.append(
            ["参数", p["key"], p["value"], p["effective_from"], p["document"], p["article"]]
        )
    for r in (draft.preview_rows or {}).get("rates", []):
        sheet.append(
            [
                "利率",
                TIER_LABELS.get(r["home_tier"], r["home_tier"]),
                BAND_LABELS.get(r["term_band"], r["term_band"]),
                r["annual_rate_percent"],
                r["effective_from"],
                r["document"],
            ]
        )
    view = policy_draft_preview_view(preview=draft.preview) or {}
    if "rates" in view:
        rates = view["rates"]
        ws = book.create_sheet("利率影响")
        ws.append(["重定价日期", rates["effective_on"], "参照日", rates["reference"]])
        ws.append(
            [
                "档次",
                "笔数",
                "调整前月还款额合计",
                "调整后月还款额合计",
                "前12期利息（调整前）",
                "前12期利息（调整后）",
            ]
        )
        for c in rates["cells"]:
            ws.append(
                [
                    c["label"],
                    c["loans"],
                    Decimal(c["payment_before"]),
                    Decimal(c["payment_after"]),
                    Decimal(c["interest_before"]),
                    Decimal(c["interest_after"]),
                ]
            )
        t = rates["total"]
        ws.append(
            [
                "合计",
                t["loans"],
                Decimal(t["payment_before"]),
                Decimal(t["payment_after"]),
                Decimal(t["interest_before"]),
                Decimal(t["interest_after"]),
            ]
        )
        ws.append(
            [
                "每笔月还款额变化",
                "最小",
                t["change_min"],
                "中位数",
                t["change_median"],
                "最大",
                t["change_max"],
            ]
        )
    if "applications" in view:
        apps = view["applications"]
        ws = book.create_sheet("贷款申请影响")
        ws.append(
            ["自", apps["since"], "复核申请数", apps["examined"], "结果不同", apps["changed"]]
        )
        ws.append(["申请编号", "提交日期", "变化", "原可贷最高额", "草案可贷最高额"])
        for r in apps["rows"]:
            ws.append(
                [
                    r["number"],
                    r["submitted_on"],
                    r["outcome_label"],
                    r["max_before"],
                    r["max_after"],
                ]
            )
    if "rental" in view:
        rental = view["rental"]
        ws = book.create_sheet("租房提取影响")
        ws.append(
            [
                "年度",
                rental["year"],
                "受影响人数",
                rental["affected"],
                "可多提取合计",
                Decimal(rental["extra_total"]),
            ]
        )
        ws.append(["缴存人编号", "姓名", "原额度", "草案额度", "本年已提取", "可多提取"])
        for r in rental["rows"]:
            ws.append(
                [
                    r["depositor"],
                    r["name"],
                    r["cap_before"],
                    r["cap_after"],
                    r["drawn"],
                    Decimal(r["extra"]),
                ]
            )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
