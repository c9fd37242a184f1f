"""The event store port (SPEC §9).

One command's events form one *commit*, stored atomically. A commit may carry the
caller's Idempotency-Key and the outcome it produced, so a retried request is answered
from the store instead of appending again, even after a crash.
"""

from __future__ import annotations

import abc
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.errors import ConcurrencyError, InvalidEvent
from shared.events.schemas import EventSchemas


@dataclass(frozen=True)
class Idempotency:
    key: str
    request_hash: str
    outcome: dict[str, Any]


@dataclass(frozen=True)
class Commit:
    stream_id: str
    first_version: int
    events: list[dict[str, Any]]
    commit_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    idempotency: Idempotency | None = None

    @property
    def last_version(self) -> int:
        return self.first_version + len(self.events) - 1

    @property
    def partition_key(self) -> str:
        return self.events[0]["partitionkey"]


@dataclass(frozen=True)
class Append:
    """One stream's events after the version its writer read: ``append``'s arguments."""

    stream_id: str
    expected_version: int
    events: Sequence[dict[str, Any]]


class EventStore(abc.ABC):
    """Append-only streams of events with optimistic concurrency; the outbox of the relay."""

    def __init__(self, schemas: EventSchemas):
        self.schemas = schemas

    def append(
        self,
        stream_id: str,
        expected_version: int,
        events: Sequence[dict[str, Any]],
        idempotency: Idempotency | None = None,
        loaded: bool = False,
    ) -> Commit:
        """Store ``events`` after ``expected_version`` or raise ``ConcurrencyError``.

        Raises ``IdempotencyKeyUsed`` when a commit already carries the key. ``loaded``:
        the version expected is the one ``load`` found, so it is never ahead of the
        stream, and the insert's clash on (stream, first version) catches every commit
        made since; the stream's version is not read again. (On a replica set, a commit
        read before the majority held it and then rolled back by a failover would leave
        a gap; a read of the version just before the insert narrows that window to the
        instant between the two, without closing it.)
        """
        commit = self._checked(Append(stream_id, expected_version, events), idempotency)
        if not loaded:
            current = self._current_versions({stream_id: expected_version})[stream_id]
            if current != expected_version:
                raise ConcurrencyError(stream_id, expected_version, current)
        self._insert(commit)
        return commit

    def append_each(self, appends: Sequence[Append]) -> list[Commit | None]:
        """``append`` of each, none with an Idempotency-Key and each to a stream of its
        own, in as few round trips as the adapter can: the commit stored, or None where
        the stream was not at the version expected."""
        if len({append.stream_id for append in appends}) < len(appends):
            raise ValueError("one append per stream")
        commits = [self._checked(append) for append in appends]
        current = self._current_versions({c.stream_id: c.first_version - 1 for c in commits})
        ready = [
            commit for commit in commits if current[commit.stream_id] == commit.first_version - 1
        ]
        stored = self._insert_each(ready)
        return [commit if commit.commit_id in stored else None for commit in commits]

    def _checked(self, append: Append, idempotency: Idempotency | None = None) -> Commit:
        """The commit ``append`` would store, its events checked."""
        stream, after = append.stream_id, append.expected_version
        if not append.events:
            raise ValueError("a commit holds at least one event")
        for offset, event in enumerate(append.events):
            self.schemas.validate(event)
            if event["subject"] != stream:
                raise InvalidEvent(f"event subject {event['subject']} is not stream {stream}")
            if event["streamversion"] != after + 1 + offset:
                raise InvalidEvent("events must be numbered on from the expected version")
        return Commit(stream, after + 1, list(append.events), idempotency=idempotency)

    def _current_versions(self, expected: dict[str, int]) -> dict[str, int]:
        """The version each stream's append is checked against, given the version expected
        of it; an adapter whose insert collides with an existing first commit need not
        read a stream expected to be new."""
        return {stream: self.stream_version(stream) for stream in expected}

    def _insert_each(self, commits: Sequence[Commit]) -> set[str]:
        """``_insert`` of each; the ids of those stored (the others lost a race)."""
        stored = set()
        for commit in commits:
            try:
                self._insert(commit)
            except ConcurrencyError:
                continue
            stored.add(commit.commit_id)
        return stored

    @abc.abstractmethod
    def _insert(self, commit: Commit) -> None:
        """Insert atomically; a clash on (stream, first version) or on the key raises."""

    @abc.abstractmethod
    def load(self, stream_id: str) -> list[dict[str, Any]]:
        """The stream's events in version order (empty for an unknown stream)."""

    @abc.abstractmethod
    def stream_version(self, stream_id: str) -> int:
        """The last version of the stream, 0 when it has none."""

    @abc.abstractmethod
    def find_idempotent(self, key: str) -> Commit | None:
        """The commit stored with this Idempotency-Key, if any."""

    @abc.abstractmethod
    def unpublished(self, limit: int) -> list[Commit]:
        """Commits not yet marked published, each stream's in version order."""

    @abc.abstractmethod
    def mark_published(self, commits: Sequence[Commit]) -> None:
        pass

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise ``Unavailable`` when the store cannot be reached."""
