"""Who may move a case: roles, recusal (回避), four-eyes, transition tables, move + audit.

Roles are auth groups only; ``is_superuser`` is never a business role.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from gjj.domain import Role
from gjj.errors import ActorNotAllowed

Actor = AbstractBaseUser | AnonymousUser | None


def actor_roles(actor: Actor) -> frozenset[Role]:
    """The business roles the actor holds through auth groups (none if inactive)."""
    if actor is None or not actor.is_authenticated or not getattr(actor, "is_active", False):
        return frozenset()
    names = set(actor.groups.values_list("name", flat=True))  # type: ignore[union-attr]  # User has groups
    return frozenset(r for r in Role if r.group_name in names)


def actor_has_role(actor: Actor, role: Role) -> bool:
    return role in actor_roles(actor)


def require_role(actor: Actor, role: Role, *, doing: str) -> None:
    """Refuse (403 ``role_required``) unless the actor holds the role through its group."""
    if not actor_has_role(actor, role):
        raise ActorNotAllowed("role_required", f"只有“{role.label}”岗位人员可以办理“{doing}”")
