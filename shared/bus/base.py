"""The bus port.

A ``MessageSource`` hands a consumer batches of raw messages in per-key order and
remembers, on ``commit``, how far the consumer got. A consumer commits only after its
projection write, so a crash replays messages (at-least-once) and never skips one.
"""

from __future__ import annotations

import abc
import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shared.errors import Unavailable


@dataclass(frozen=True)
class Message:
    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def position(self) -> str:
        return f"{self.topic}/{self.partition}/{self.offset}"


class MessageSource(abc.ABC):
    # A rewind the bus could not take when asked: owed, and taken before the next poll.
    _must_rewind = False

    @abc.abstractmethod
    def poll(self, max_messages: int = 500, timeout_ms: int = 1000) -> list[Message]:
        """Sources call ``rewind_if_owed`` first."""

    @abc.abstractmethod
    def commit(self) -> None:
        """Record that every message polled so far has been applied."""

    def rewind(self) -> None:
        """Go back to the last committed positions, after a failed batch; when the bus
        cannot be reached now, before the next poll instead. Never raises: whatever the
        outage, no poll reads on past a batch that was not committed."""
        self._must_rewind = True
        with contextlib.suppress(Unavailable):
            self.rewind_if_owed()

    def rewind_if_owed(self) -> None:
        """Raises ``Unavailable`` while the bus cannot be reached; still owed then."""
        if self._must_rewind:
            self._go_back()
            self._must_rewind = False

    @abc.abstractmethod
    def _go_back(self) -> None:
        """Go back to the last committed positions now, or raise ``Unavailable``."""

    @abc.abstractmethod
    def dead_letter(self, message: Message, reason: str) -> None:
        """Set a message aside with the reason; returns once it is durably stored."""

    @abc.abstractmethod
    def caught_up(self) -> bool:
        """True when every message on the bus so far has been polled."""

    @abc.abstractmethod
    def positions(self) -> dict[str, dict[str, int]]:
        """Next offset to read, per topic and partition, as committed."""

    @abc.abstractmethod
    def close(self) -> None:
        pass


class BusHead(abc.ABC):
    """What is on the bus beyond a reader's positions, for a reader that must not vouch
    for what may be stale (SPEC 13)."""

    @abc.abstractmethod
    def oldest_unread(
        self, positions: Sequence[Mapping[str, object]], key: str | None = None
    ) -> datetime | None:
        """When the oldest message not yet read was put on the bus, on the partitions that
        hold ``key`` (every partition when None); None when everything has been read.
        ``positions`` are the reader's next offsets: ``{topic, partition, offset}``."""

    @abc.abstractmethod
    def close(self) -> None:
        pass


class EventPublisher(abc.ABC):
    @abc.abstractmethod
    def publish(self, topic: str, messages: Sequence[tuple[str, bytes]]) -> None:
        """Send (key, value) pairs in order; return only when all are acknowledged."""

    @abc.abstractmethod
    def close(self) -> None:
        pass


# A header on a message an operator republished: the position of the message it repairs.
REPAIRS = "repairs"


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"
