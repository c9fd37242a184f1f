"""Time, injectable so that policies and tests never wait on the wall clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

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


class OffsetClock:
    """The wall clock moved by the seconds written in a file (development and tests: time
    moved by hand, across processes, without sleeping). The file is read again when it
    changes; a missing or empty file moves nothing."""

    def __init__(self, path: Path):
        self.path = path
        self._seen: tuple[float, timedelta] = (-1.0, timedelta())

    def __call__(self) -> datetime:
        try:
            changed = self.path.stat().st_mtime
        except FileNotFoundError:
            return utc_now()
        if changed != self._seen[0]:
            text = self.path.read_text().strip()
            self._seen = (changed, timedelta(seconds=float(text or 0)))
        return utc_now() + self._seen[1]


def clock_for(offset_file: Path | None) -> Clock:
    return OffsetClock(offset_file) if offset_file else utc_now
