"""Tests of the pure loan engine, schedules and retirement rules (no database).

Shared helpers: a cached seed snapshot per date, and a way to set a parameter
on a snapshot the way a 政策管理 clerk would add a row.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import lru_cache
from typing import Any

from gjj.policy import Citation, PolicySnapshot, PolicyValue, ValueKind
from tests.policy_fixtures import seed_snapshot

TEST_CITATION = Citation(
    document="测试用政策行",
    article="测试",
    source="decision",
    effective_from=date(2024, 10, 17),
    effective_to=None,
    row="test-param",
)


@lru_cache(maxsize=64)
def snap(on: date) -> PolicySnapshot:
    """The seed policy in force on ``on`` (cached: snapshots are immutable)."""
    return seed_snapshot(on=on)


def with_params(policy: PolicySnapshot, **values: tuple[str, Any, ValueKind]) -> PolicySnapshot:
    """``policy`` with rows set (or unset with value None), keyed by any label.

    Usage: ``with_params(p, share=(Key.REPAYMENT_CAPACITY_SHARE, Decimal("0.5"), DECIMAL))``.
    """
    params = dict(policy.params)
    for key, value, kind in values.values():
        params[str(key)] = PolicyValue(key=str(key), value=value, kind=kind, citation=TEST_CITATION)
    return replace(policy, params=params)


def without_params(policy: PolicySnapshot, *keys: str) -> PolicySnapshot:
    """``policy`` with no row in force for ``keys``."""
    params = {k: v for k, v in policy.params.items() if k not in {str(x) for x in keys}}
    return replace(policy, params=params)
