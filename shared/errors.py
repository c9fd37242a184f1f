"""What can go wrong, named by what it means to the caller; HTTP mapping lives in shared.http."""

from __future__ import annotations

from collections.abc import Mapping


class RegistryError(Exception):
    """Base of every error the registry raises on purpose."""


class NotFound(RegistryError):
    pass


class Invalid(RegistryError):
    """The request is well-formed but its content breaks a rule (422)."""

    def __init__(self, detail: str, errors: Mapping[str, object] | None = None):
        super().__init__(detail)
        self.errors = dict(errors or {})


class TransitionForbidden(RegistryError):
    """The lifecycle does not allow this command in the current state (409)."""

    def __init__(self, what: str, state: str, command: str):
        super().__init__(f"cannot {command} a {what} that is {state}")
        self.state = state


class Conflict(RegistryError):
    """The request clashes with something already recorded (409)."""


class ConcurrencyError(Conflict):
    def __init__(self, stream_id: str, expected: int, actual: int | None = None):
        found = "" if actual is None else f", found {actual}"
        super().__init__(f"stream {stream_id} moved on: expected version {expected}{found}")
        self.stream_id = stream_id
        self.expected = expected
        self.actual = actual


class IdempotencyKeyUsed(Conflict):
    """A commit with this Idempotency-Key is already stored."""

    def __init__(self, key: str):
        super().__init__("this Idempotency-Key was already used")
        self.key = key


class Unauthorized(RegistryError):
    pass


class Forbidden(RegistryError):
    pass


class Unavailable(RegistryError):
    """A store or the bus cannot be reached; the caller should retry (503)."""

    retry_after = 5


class CatchingUp(Unavailable):
    """A projection has not yet read what the answer needs; the caller should retry (503)."""

    def __init__(self, detail: str, retry_after: int = 1):
        super().__init__(detail)
        self.retry_after = retry_after


class InvalidEvent(RegistryError):
    """An event does not match its envelope or data schema."""
