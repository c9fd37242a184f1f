"""In-memory fakes of the ports, for unit tests only (no I/O, milliseconds)."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from typing import Any

from shared.bus.base import EventPublisher, Message, MessageSource
from shared.errors import ConcurrencyError, IdempotencyKeyUsed
from shared.eventstore.base import Commit, EventStore
from shared.ratewindows.base import RateWindows
from shared.readmodels.base import (
    Page,
    Query,
    ReadModelStore,
    Stored,
    field_of,
    in_order,
    matches,
    total_shown,
)
from shared.text import word_prefixes


class InMemoryEventStore(EventStore):
    def __init__(self, schemas):
        super().__init__(schemas)
        self.commits: list[Commit] = []
        self.published: set[str] = set()
        # The check and the append are one step, as a unique index makes them in a database.
        self.lock = threading.Lock()

    def _insert(self, commit: Commit) -> None:
        with self.lock:
            self._insert_alone(commit)

    def _insert_alone(self, commit: Commit) -> None:
        # The key first: a retry that clashes with its own first attempt is told so, as
        # the databases tell it after their insert fails.
        if commit.idempotency and self.find_idempotent(commit.idempotency.key):
            raise IdempotencyKeyUsed(commit.idempotency.key)
        if any(
            c.stream_id == commit.stream_id and c.first_version == commit.first_version
            for c in self.commits
        ):
            raise ConcurrencyError(commit.stream_id, commit.first_version - 1)
        self.commits.append(commit)

    def load(self, stream_id: str) -> list[dict[str, Any]]:
        return [e for c in self.commits if c.stream_id == stream_id for e in c.events]

    def stream_version(self, stream_id: str) -> int:
        return max((c.last_version for c in self.commits if c.stream_id == stream_id), default=0)

    def find_idempotent(self, key: str) -> Commit | None:
        return next((c for c in self.commits if c.idempotency and c.idempotency.key == key), None)

    def unpublished(self, limit: int) -> list[Commit]:
        return [c for c in self.commits if c.commit_id not in self.published][:limit]

    def mark_published(self, commits: Sequence[Commit]) -> None:
        self.published.update(c.commit_id for c in commits)

    def ping(self) -> None:
        pass


class InMemoryReadModelStore(ReadModelStore):
    def __init__(self):
        self.collections: dict[str, dict[str, Stored]] = {}
        self.unique: dict[str, list[tuple[str, ...]]] = {}

    def get(self, collection: str, key: str) -> Stored | None:
        return self.collections.get(collection, {}).get(key)

    def get_many(self, collection: str, keys) -> dict[str, Stored]:
        return {key: found for key in keys if (found := self.get(collection, key))}

    def put(self, collection: str, key: str, document, revision: int) -> bool:
        records = self.collections.setdefault(collection, {})
        current = records.get(key)
        if (current.revision if current else 0) != revision:
            return False
        if any(
            self._taken(records, key, document, fields)
            for fields in self.unique.get(collection, [])
        ):
            return False
        records[key] = Stored(key, revision + 1, json.loads(json.dumps(document)))
        return True

    @staticmethod
    def _taken(records: dict[str, Stored], key: str, document, fields: tuple[str, ...]) -> bool:
        values = tuple(field_of(document, f) for f in fields)
        if all(value is None for value in values):
            return False
        return any(
            other != key and tuple(field_of(s.document, f) for f in fields) == values
            for other, s in records.items()
        )

    def find(self, collection: str, query: Query) -> Page:
        def held(document: dict) -> list[str]:
            value = field_of(document, query.words[0]) if query.words else None
            return word_prefixes(value) if isinstance(value, str) else []

        stored = self.collections.get(collection, {}).items()
        found = in_order(
            [
                (key, s.document)
                for key, s in stored
                if matches(s.document, query, held(s.document))
            ],
            query,
        )
        page = found[query.offset : query.offset + query.limit]
        total = min(len(found), query.count_up_to or len(found))
        return Page(page, total if query.counted else total_shown(query, len(page)))

    def ensure_index(self, collection: str, fields, unique: bool = False) -> None:
        if unique:
            self.unique.setdefault(collection, []).append(tuple(fields))

    def ensure_word_index(self, collection: str, field: str) -> None:
        """Nothing to build: ``find`` reads every document anyway."""

    def delete(self, collection: str, key: str) -> None:
        self.collections.get(collection, {}).pop(key, None)

    def drop(self, collection: str) -> None:
        self.collections.pop(collection, None)

    def ping(self) -> None:
        pass

    def scrub(self) -> None:
        pass


class InMemoryBus(EventPublisher):
    """Topics as lists; what each consumer committed and set aside is kept here, so a
    reopened source resumes like a consumer group does."""

    def __init__(self) -> None:
        self.topics: dict[str, list[Message]] = {}
        self.committed: dict[str, int] = {}
        self.dead_letters: list[tuple[str, Message, str]] = []

    def publish(self, topic: str, messages: Sequence[tuple[str, bytes]]) -> None:
        log = self.topics.setdefault(topic, [])
        for key, value in messages:
            log.append(Message(topic, 0, len(log), key, value))

    def source(self, consumer: str, topic: str) -> ListSource:
        return ListSource(self.topics.setdefault(topic, []), self, consumer)

    def close(self) -> None:
        pass


class ListSource(MessageSource):
    """One topic of an ``InMemoryBus``, or a list of messages given outright."""

    def __init__(
        self, messages: list[Message], bus: InMemoryBus | None = None, consumer: str = "fake"
    ):
        self.messages = messages
        self.bus = bus or InMemoryBus()
        self.consumer = consumer
        self.next = self.committed

    @property
    def committed(self) -> int:
        return self.bus.committed.get(self.consumer, 0)

    @property
    def dead(self) -> list[tuple[Message, str]]:
        return [(m, why) for c, m, why in self.bus.dead_letters if c == self.consumer]

    def poll(self, max_messages: int = 500, timeout_ms: int = 1000) -> list[Message]:
        self.rewind_if_owed()
        batch = self.messages[self.next : self.next + max_messages]
        self.next += len(batch)
        return batch

    def commit(self) -> None:
        self.bus.committed[self.consumer] = self.next

    def _go_back(self) -> None:
        self.next = self.committed

    def dead_letter(self, message: Message, reason: str) -> None:
        self.bus.dead_letters.append((self.consumer, message, reason))

    def caught_up(self) -> bool:
        return self.next >= len(self.messages)

    def positions(self):
        return {"fake": {"0": self.committed}}

    def close(self) -> None:
        pass


class InMemoryRateWindows(RateWindows):
    def __init__(self):
        self.counts: dict[tuple[str, int], tuple[int, float]] = {}
        self._lock = threading.Lock()

    def add(self, client: str, window: int, cost: int, expires_at: float) -> int:
        with self._lock:
            count, _ = self.counts.get((client, window), (0, expires_at))
            self.counts[(client, window)] = (count + cost, expires_at)
            return count + cost

    def forget_before(self, now: float) -> None:
        self.counts = {k: v for k, v in self.counts.items() if v[1] >= now}
