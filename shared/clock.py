"""Time, injectable so that policies and tests never wait on the wall clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


def rfc3339(instant: datetime) -> str:
    """Millisecond precision with an explicit offset, as every instant in the registry."""
    if instant.tzinfo is None:
        raise ValueError("instants must carry an offset")
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_instant(text: str) -> datetime:
    instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if instant.tzinfo is None:
        raise ValueError(f"instant {text!r} has no offset")
    return instant
