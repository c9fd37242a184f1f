"""Aggregates: plain classes whose command methods record changes and apply them at once."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from shared.clock import parse_instant
from shared.events.catalogue import DomainEvent
from shared.events.envelope import Change
from shared.events.reading import read


class Aggregate:
    """Rebuilt by applying its stream; ``on_<event name>`` methods mutate the state.

    Command methods check the rules and ``record`` typed events; ``on_`` methods only
    apply them, so a stored stream loads whatever the rules have become since."""

    # The recruiter its events concern, if any: their ``recruiterid`` and bus key (SPEC §8).
    recruiter_id: str | None = None

    def __init__(self, stream_id: str):
        self.id = stream_id
        self.version = 0
        self.pending: list[Change] = []
        # Set by whoever loads the aggregate: when a change with no effective_at takes effect.
        self.now: datetime | None = None
        # The id of the latest stored event of each name: what a later policy cites as cause.
        self.latest: dict[str, str] = {}

    @classmethod
    def rebuild(cls, stream_id: str, events: list[dict[str, Any]]) -> Self:
        aggregate = cls(stream_id)
        for stored in events:
            received = read(stored)
            aggregate._mutate(received.event, parse_instant(received.effective_at))
            aggregate.version = received.stream_version
            aggregate.latest[received.name] = received.id
        return aggregate

    @property
    def partition_key(self) -> str:
        """The bus key of its events: its recruiter when it has one, so that a recruiter's
        events stay in order, else itself."""
        return self.recruiter_id or self.id

    @property
    def next_version(self) -> int:
        """The stream's version once the pending changes are stored."""
        return self.version + len(self.pending)

    @property
    def exists(self) -> bool:
        return self.version > 0 or bool(self.pending)

    def record(self, event: DomainEvent, effective_at: datetime | None = None) -> None:
        when = effective_at or self.now
        self._mutate(event, when)
        self.pending.append(Change(event.event_name, event.to_data(), when, event.event_version))

    def _mutate(self, event: DomainEvent, effective_at: datetime | None) -> None:
        getattr(self, f"on_{event.event_name}")(event, effective_at)
