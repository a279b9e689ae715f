"""The business enums, each defined once with its Chinese label. Imports nothing from Django.

Models take ``choices=X.choices()``; serializers and filters do the same. A stored
value never changes (a rename needs a data migration), and enums are never aliased.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class Labelled(StrEnum):
    """A string enum whose members carry a Chinese label: ``X.A = "a", "标签"``."""

    label: str

    def __new__(cls, value: str, label: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]

    @classmethod
    def label_of(cls, value: str) -> str:
        """The label of a stored value, or the value itself if it is not a member."""
        try:
            return cls(value).label
        except ValueError:
            return value


class Role(Labelled):
    """The business roles: membership of the auth group named by the label.

    ``is_superuser`` is IT access, never a business role.
    """

    CLERK = "clerk", "经办"
    REVIEWER = "reviewer", "复核"
    APPROVER = "approver", "审批"
    POLICY_ADMIN = "policy_admin", "政策管理"

    @property
    def group_name(self) -> str:
        return self.label
