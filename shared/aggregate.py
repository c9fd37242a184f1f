"""Aggregates: plain classes whose command methods record changes and apply them at once."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from shared.clock import parse_instant
from shared.events.envelope import Change, event_name


class Aggregate:
    """Rebuilt by applying its stream; ``on_<change name>`` methods mutate the state."""

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
        for event in events:
            name = event_name(event)
            aggregate._mutate(name, event["data"], parse_instant(event["effectiveat"]))
            aggregate.version = event["streamversion"]
            aggregate.latest[name] = event["id"]
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

    def record(self, name: str, data: dict[str, Any], effective_at: datetime | None = None) -> None:
        when = effective_at or self.now
        self._mutate(name, data, when)
        self.pending.append(Change(name, data, when))

    def _mutate(self, name: str, data: dict[str, Any], effective_at: datetime | None) -> None:
        getattr(self, f"on_{name}")(data, effective_at)
