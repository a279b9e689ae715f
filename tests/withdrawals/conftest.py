"""Fixtures of the withdrawal tests: approvers, and the builder of people and applications."""

from __future__ import annotations

import pytest

from tests.factories import Builder


@pytest.fixture
def approver(make_staff):
    return make_staff("approver1", "审批")


@pytest.fixture
def approver2(make_staff):
    return make_staff("approver2", "审批")


@pytest.fixture
def build(clerk) -> Builder:
    return Builder(clerk=clerk)
