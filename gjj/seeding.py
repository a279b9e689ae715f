"""Loading policy rows by data migration, each with its audit row.

Migrations already applied call this; a change here must leave what they load
as it was (new behaviour takes a new function).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

# (key, kind, value, effective_from, effective_to, document, article, source, note)
ParameterRow = tuple[str, str, str | None, str, str | None, str, str, str, str]


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def parameter_rows_add(
    apps: Any, *, rows: Iterable[ParameterRow], migration: str, reason: str
) -> None:
    """Create the rows with the migration's historical models, auditing each."""
    PolicyParameter = apps.get_model("gjj", "PolicyParameter")
    AuditLog = apps.get_model("gjj", "AuditLog")
    for key, kind, value, start, end, document, article, source, note in rows:
        if PolicyParameter.objects.filter(key=key, effective_from=_d(start)).exists():
            continue  # loaded before (a migration run again after being unapplied)
        row = PolicyParameter.objects.create(
            key=key,
            kind=kind,
            value=value,
            effective_from=_d(start),
            effective_to=_d(end),
            document=document,
            article=article,
            source=source,
            note=note,
        )
        AuditLog.objects.create(
            actor_label=f"migration:{migration}",
            action="policy_parameter_add",
            object_type="gjj.policyparameter",
            object_id=str(row.pk),
            object_repr=f"{key} @ {start}",
            new={"key": key, "value": value, "effective_from": start, "effective_to": end},
            reason=reason,
        )
