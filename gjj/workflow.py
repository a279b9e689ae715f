"""Who may move a case: roles, recusal (回避), four-eyes, transition steps, move + audit.

Roles are auth groups only; ``is_superuser`` is never a business role. Imports
nothing above ``gjj``: each app passes its own ``Flow`` and table of ``Step``s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, Protocol, TypeVar

from gjj.domain import AuditAction, Role
from gjj.errors import ActorNotAllowed, TransitionError
from gjj.models import Depositor
from gjj.selectors import user_in_household
from gjj.services import Actor, audit_record


class Case(Protocol):
    """An application row with a status and its own history table."""

    pk: Any
    status: Any

    def save(self, *args: Any, **kwargs: Any) -> None: ...


C = TypeVar("C", bound=Case)
A = TypeVar("A", bound=str)


# --- roles ------------------------------------------------------------------------------


def actor_roles(actor: Actor) -> frozenset[Role]:
    """The business roles the actor holds through auth groups (none if inactive)."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return frozenset()
    names = set(actor.groups.values_list("name", flat=True))
    return frozenset(r for r in Role if r.group_name in names)


def actor_has_role(actor: Actor, role: Role) -> bool:
    return role in actor_roles(actor)


def _role_text(roles: Iterable[Role]) -> str:
    return "或".join(f"“{r.label}”" for r in sorted(roles, key=list(Role).index))


def require_role(actor: Actor, role: Role | Iterable[Role], *, doing: str) -> None:
    """Refuse (403 ``role_required``) unless the actor holds one of the roles through its group."""
    wanted = frozenset({role} if isinstance(role, Role) else role)
    if not wanted & actor_roles(actor):
        raise ActorNotAllowed("role_required", f"只有{_role_text(wanted)}岗位人员可以办理“{doing}”")


# --- the applicant and recusal ------------------------------------------------------------


def actor_is_user_of(actor: Actor, depositor: Depositor) -> bool:
    """Whether the log-in is the depositor's own."""
    return actor is not None and actor.pk is not None and depositor.user_id == actor.pk


def require_not_involved(
    actor: Actor, depositor: Depositor, *, noun: str, also_ids: Iterable[int] = ()
) -> None:
    """回避: staff never act on a case of their own household (403 ``own_application``).

    ``also_ids`` are further depositors the case spends (a parent drawing for a purchase).
    """
    if user_in_household(user=actor, depositor=depositor, also_ids=also_ids):
        raise ActorNotAllowed("own_application", f"不能办理本人或本家庭成员的{noun}")


# --- transition tables --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Step:
    """One row of a transition table: who may move a case from which statuses to which."""

    sources: frozenset[str]
    target: str
    label: str  # the verb clerks and applicants read: 受理, 核准
    audit: AuditAction
    roles: frozenset[Role] = frozenset()  # any one of them may take the step
    applicant: bool = False  # the applicant's own log-in may take it
    not_same_as: str | None = None  # four-eyes: the case's field naming the earlier actor
    four_eyes_code: str = "four_eyes"
    four_eyes_message: str = ""
    four_eyes_above_line: bool = False  # applies only above a policy line, as the service says


@dataclass(frozen=True, slots=True)
class Move(Generic[C]):
    """A status change, handed to the flow to write its history row."""

    case: C
    from_status: str
    to_status: str
    actor: Actor
    reason: str
    on: date


@dataclass(frozen=True, slots=True)
class Flow(Generic[C, A]):
    """How the workflow sees one kind of case; each app defines one."""

    noun: str  # 贷款申请, 提取申请
    steps: Mapping[A, Step]
    applicant_of: Callable[[C], Depositor]
    involved: Callable[[C], Iterable[int]]  # further depositors the case spends (回避)
    state_text: Callable[[C], str]  # how a refusal names the case and its status
    write_history: Callable[[Move[C]], object]
    touched: tuple[str, ...] = ()  # saved with every move, e.g. ``updated_at``


def _actor_ref(actor: Actor) -> Actor:
    return actor if actor is not None and actor.pk is not None else None


def _require_source(case: C, step: Step, flow: Flow[C, Any]) -> None:
    if case.status not in step.sources:
        raise TransitionError("invalid_transition", f"{flow.state_text(case)}，不能{step.label}")


def _require_actor(
    case: C, step: Step, actor: Actor, held: frozenset[Role], flow: Flow[C, Any]
) -> None:
    applicant = flow.applicant_of(case)
    if step.applicant and actor_is_user_of(actor, applicant):
        return  # the applicant's own case: nothing to stand aside from
    if not step.roles & held:
        if step.applicant:
            staff = f"或{_role_text(step.roles)}岗位人员" if step.roles else ""
            raise ActorNotAllowed("not_applicant", f"只有申请人本人{staff}可以{step.label}")
        raise ActorNotAllowed(
            "role_required", f"只有{_role_text(step.roles)}岗位人员可以办理“{step.label}”"
        )
    require_not_involved(actor, applicant, noun=flow.noun, also_ids=flow.involved(case))


def _same_person(case: Case, step: Step, actor: Actor) -> bool:
    if step.not_same_as is None or actor is None or actor.pk is None:
        return False
    return bool(getattr(case, f"{step.not_same_as}_id", None) == actor.pk)


def case_check(
    *,
    case: C,
    step: Step,
    actor: Actor,
    flow: Flow[C, Any],
    four_eyes: bool = True,
    four_eyes_message: str | None = None,
    held: frozenset[Role] | None = None,
) -> None:
    """May ``actor`` take ``step`` on ``case`` now? Call with the case row locked.

    Refuses in this order: the status (409 ``invalid_transition``), the role or the
    applicant (403 ``role_required``/``not_applicant``), recusal (403 ``own_application``),
    four-eyes (403, the step's code). ``four_eyes=False`` lifts four-eyes for this case
    (the amount is under the policy line). ``held`` spares a second look-up of the roles.
    """
    _require_source(case, step, flow)
    _require_actor(case, step, actor, actor_roles(actor) if held is None else held, flow)
    if four_eyes and _same_person(case, step, actor):
        raise ActorNotAllowed(step.four_eyes_code, four_eyes_message or step.four_eyes_message)


def case_move(
    *,
    case: C,
    step: Step,
    actor: Actor,
    flow: Flow[C, Any],
    on: date,
    reason: str = "",
    fields: Sequence[str] = (),
    old: Mapping[str, Any] | None = None,
    new: Mapping[str, Any] | None = None,
    four_eyes: bool = True,
    four_eyes_message: str | None = None,
) -> C:
    """Check, set the status, save ``fields`` with it, write the history and audit rows.

    Call inside the service's transaction with the case row locked. ``old``/``new``
    add to the audit row's ``{"status": …}``.
    """
    case_check(
        case=case,
        step=step,
        actor=actor,
        flow=flow,
        four_eyes=four_eyes,
        four_eyes_message=four_eyes_message,
    )
    previous = str(case.status)
    case.status = step.target
    case.save(update_fields=["status", *flow.touched, *fields])
    flow.write_history(Move(case, previous, step.target, actor, reason, on))
    audit_record(
        actor=_actor_ref(actor),
        action=step.audit,
        obj=case,  # type: ignore[arg-type]  # every Case is a model row
        old={"status": previous, **(old or {})},
        new={"status": step.target, **(new or {})},
        reason=reason,
    )
    return case


def allowed_steps(*, case: C, actor: Actor, flow: Flow[C, A]) -> list[A]:
    """The steps ``actor`` may take on ``case`` now, in table order (for admin buttons).

    A four-eyes rule above a policy line is left to the service, which knows the line.
    """
    held = actor_roles(actor)
    allowed: list[A] = []
    for action, step in flow.steps.items():
        try:
            case_check(
                case=case,
                step=step,
                actor=actor,
                flow=flow,
                four_eyes=not step.four_eyes_above_line,
                held=held,
            )
        except (TransitionError, ActorNotAllowed):
            continue
        allowed.append(action)
    return allowed
