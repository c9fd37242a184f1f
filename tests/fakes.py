"""In-memory fakes of the ports, for unit tests only (no I/O, milliseconds)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from shared.bus.base import Message, MessageSource
from shared.errors import ConcurrencyError, IdempotencyKeyUsed
from shared.eventstore.base import Commit, EventStore
from shared.readmodels.base import Page, Query, ReadModelStore, Stored


class InMemoryEventStore(EventStore):
    def __init__(self, schemas):
        super().__init__(schemas)
        self.commits: list[Commit] = []
        self.published: set[str] = set()

    def _insert(self, commit: Commit) -> None:
        if any(
            c.stream_id == commit.stream_id and c.first_version == commit.first_version
            for c in self.commits
        ):
            raise ConcurrencyError(commit.stream_id, commit.first_version - 1)
        if commit.idempotency and self.find_idempotent(commit.idempotency.key):
            raise IdempotencyKeyUsed(commit.idempotency.key)
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

    def get(self, collection: str, key: str) -> Stored | None:
        return self.collections.get(collection, {}).get(key)

    def get_many(self, collection: str, keys) -> dict[str, Stored]:
        return {key: found for key in keys if (found := self.get(collection, key))}

    def put(self, collection: str, key: str, document, revision: int) -> bool:
        records = self.collections.setdefault(collection, {})
        current = records.get(key)
        if (current.revision if current else 0) != revision:
            return False
        records[key] = Stored(key, revision + 1, json.loads(json.dumps(document)))
        return True

    def find(self, collection: str, query: Query) -> Page:
        def matches(document: dict) -> bool:
            if any(document.get(f) != v for f, v in query.where.items()):
                return False
            if query.below:
                value = document.get(query.below[0])
                if value is None or not value < query.below[1]:
                    return False
            return not query.contains or query.contains[1] in document.get(query.contains[0], "")

        found = [
            s.document
            for _, s in sorted(self.collections.get(collection, {}).items())
            if matches(s.document)
        ]
        return Page(found[query.offset : query.offset + query.limit], len(found))

    def ensure_index(self, collection: str, fields, unique: bool = False) -> None:
        pass

    def delete(self, collection: str, key: str) -> None:
        self.collections.get(collection, {}).pop(key, None)

    def drop(self, collection: str) -> None:
        self.collections.pop(collection, None)

    def ping(self) -> None:
        pass

    def scrub(self) -> None:
        pass


class ListSource(MessageSource):
    def __init__(self, messages: list[Message]):
        self.messages = messages
        self.next = 0
        self.committed = 0
        self.dead: list[tuple[Message, str]] = []

    def poll(self, max_messages: int = 500, timeout_ms: int = 1000) -> list[Message]:
        batch = self.messages[self.next : self.next + max_messages]
        self.next += len(batch)
        return batch

    def commit(self) -> None:
        self.committed = self.next

    def rewind(self) -> None:
        self.next = self.committed

    def dead_letter(self, message: Message, reason: str) -> None:
        self.dead.append((message, reason))

    def caught_up(self) -> bool:
        return self.next >= len(self.messages)

    def positions(self):
        return {"fake": {"0": self.committed}}

    def close(self) -> None:
        pass
