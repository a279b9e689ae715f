"""Business errors raised by services: a machine code and a Chinese message."""

from __future__ import annotations


class BusinessError(Exception):
    """A refusal the caller can act on. The API answers it with ``status``."""

    status = 400

    def __init__(
        self, code: str, message: str, *, fields: dict[str, list[dict[str, str]]] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.fields = fields or {}

    @classmethod
    def for_fields(cls, code: str, fields: dict[str, list[dict[str, str]]]) -> BusinessError:
        """One refusal for several field errors; its message is theirs, in order."""
        message = "；".join(e["message"] for errors in fields.values() for e in errors)
        return cls(code, message, fields=fields)


class TransitionError(BusinessError):
    """The object is not in a state that allows this action."""

    status = 409


class ActorNotAllowed(BusinessError):
    """The actor's role does not allow this action."""

    status = 403


class ConflictError(BusinessError):
    """The request clashes with what already exists (a duplicate, a taken name)."""

    status = 409
