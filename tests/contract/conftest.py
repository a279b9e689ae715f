"""Fixtures of the contract tests that act on the world of ``tests/contract/world.py``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.contract.world import TODAY, World, build_world


@pytest.fixture
def contract_settings(monkeypatch) -> None:
    """The loans' business date fixed at ``TODAY``."""
    monkeypatch.setattr("loans.services.today_local", lambda: TODAY)
    monkeypatch.setattr("loans.serializers.today_local", lambda: TODAY)


@pytest.fixture
def make_world(contract_settings, db) -> Callable[[str], World]:
    return build_world
