"""Event store on a MongoDB-compatible server: one document per commit.

- a commit's ``_id`` is ``<stream>@<first version>``: two writers appending after the
  same version collide on it; a stream loads by one query on its indexed ``stream_id``;
- ``outbox`` holds each commit's events until Kafka acknowledged them; written before
  the commit, so no commit is ever without its entry, and published only once the
  commit is confirmed to exist, so an abandoned attempt is never published, and
  published oldest first, so a recruiter's events keep their order across streams;
- ``idempotency`` points from an Idempotency-Key to its commit, also written before.
  The commit's own unique ``idempotency_key`` is the guard; the pointer is the fast path.

Only the commit waits for the majority's journal: the outbox entry and the pointer
written before it are held by its acknowledgement (see ``ACKNOWLEDGED``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared.errors import ConcurrencyError, IdempotencyKeyUsed
from shared.events.schemas import EventSchemas
from shared.eventstore.base import Commit, EventStore, Idempotency
from shared.mongo import ACKNOWLEDGED, ids_in, unavailable_on_failure

DUPLICATE_KEY = 11000


def commit_key(stream_id: str, first_version: int) -> str:
    return f"{stream_id}@{first_version}"


class MongoEventStore(EventStore):
    def __init__(self, database: Database, schemas: EventSchemas):
        super().__init__(schemas)
        self._commits = database["commits"]
        self._outbox = database["outbox"]
        self._outbox_ahead = database.get_collection("outbox", write_concern=ACKNOWLEDGED)
        self._pointers = database.get_collection("idempotency", write_concern=ACKNOWLEDGED)
        self._indexed = False

    def _ensure_indexes(self) -> None:
        # On first use rather than at start, so a service starts (not ready) while the
        # store is down.
        if not self._indexed:
            with unavailable_on_failure():
                self._commits.create_index([("idempotency_key", ASCENDING)], unique=True)
                self._commits.create_index([("stream_id", ASCENDING)])
            self._indexed = True

    def _insert(self, commit: Commit) -> None:
        key = commit_key(commit.stream_id, commit.first_version)
        idem = commit.idempotency
        self._ensure_indexes()
        with unavailable_on_failure():
            self._outbox_ahead.insert_one(_ahead(key, commit))
            if idem:
                self._pointers.replace_one(
                    {"_id": idem.key}, {"commit": key, "commit_id": commit.commit_id}, upsert=True
                )
            try:
                self._commits.insert_one(_document(key, commit))
            except DuplicateKeyError as error:
                self._outbox_ahead.delete_one({"_id": commit.commit_id})
                if idem and self._find_by_scan(idem.key):
                    raise IdempotencyKeyUsed(idem.key) from error
                raise ConcurrencyError(commit.stream_id, commit.first_version - 1) from error

    def _insert_each(self, commits: Sequence[Commit]) -> set[str]:
        """Each kind in one unordered insert: the outbox's entries ahead, then the commits;
        an entry whose commit lost its race goes again."""
        if not commits:
            return set()
        self._ensure_indexes()
        keys = [commit_key(commit.stream_id, commit.first_version) for commit in commits]
        lost: set[str] = set()
        with unavailable_on_failure():
            self._outbox_ahead.insert_many(
                [_ahead(key, commit) for key, commit in zip(keys, commits, strict=True)],
                ordered=False,
            )
            try:
                self._commits.insert_many(
                    [_document(key, commit) for key, commit in zip(keys, commits, strict=True)],
                    ordered=False,
                )
            except BulkWriteError as error:
                failed = error.details.get("writeErrors", [])
                if error.details.get("writeConcernErrors") or any(
                    failure.get("code") != DUPLICATE_KEY for failure in failed
                ):
                    raise  # not a lost race: unavailable, as one commit's failure is
                lost = {commits[failure["index"]].commit_id for failure in failed}
            for criteria in ids_in(sorted(lost)):
                self._outbox_ahead.delete_many(criteria)
        return {commit.commit_id for commit in commits} - lost

    def load(self, stream_id: str) -> list[dict[str, Any]]:
        with unavailable_on_failure():
            found = self._commits.find({"stream_id": stream_id}, {"first_version": 1, "events": 1})
            commits = sorted(found, key=lambda document: document["first_version"])
        return [event for document in commits for event in document["events"]]

    def stream_version(self, stream_id: str) -> int:
        return self._last_versions([stream_id])[stream_id]

    def _current_versions(self, expected: dict[str, int]) -> dict[str, int]:
        """The streams expected to exist read together; a stream expected to be new is not
        read: every stream's first commit is ``<stream>@1``, which a new stream's commit
        collides with if the stream exists after all."""
        existing = self._last_versions([stream for stream, version in expected.items() if version])
        return {stream: existing.get(stream, 0) for stream in expected}

    def find_idempotent(self, key: str) -> Commit | None:
        with unavailable_on_failure():
            pointer = self._pointers.find_one({"_id": str(key)})
            if pointer is None:
                return None
            document = self._commits.find_one({"_id": pointer["commit"]})
        if document and document["commit_id"] == pointer["commit_id"]:
            return _commit(document)
        # The pointer was written by an attempt whose commit failed or lost a race.
        return self._find_by_scan(str(key))

    def unpublished(self, limit: int) -> list[Commit]:
        commits: list[Commit] = []
        with unavailable_on_failure():
            # The whole outbox, so that each stream's earlier commits are always seen first.
            entries = in_publish_order(list(self._outbox.find({})))
            # In slices, and counting only entries whose commit has landed: entries left
            # by writers that died before their commit must not fill every batch.
            for start in range(0, len(entries), limit):
                commits += self._landed(entries[start : start + limit])
                if len(commits) >= limit:
                    break
        return commits[:limit]

    def _landed(self, entries: list[dict[str, Any]]) -> list[Commit]:
        """The entries whose own commit is stored; drops those another writer's commit
        beat. One whose commit has not landed is left alone: its writer may be slow."""
        stored = {
            document["_id"]: document["commit_id"]
            for criteria in ids_in([entry["commit"] for entry in entries])
            for document in self._commits.find(criteria, {"commit_id": 1})
        }
        landed, lost = [], []
        for entry in entries:
            holder = stored.get(entry["commit"])
            if holder == entry["_id"]:
                landed.append(
                    Commit(
                        entry["stream_id"], entry["first_version"], entry["events"], entry["_id"]
                    )
                )
            elif holder is not None:
                lost.append(entry["_id"])
        for criteria in ids_in(lost):
            self._outbox.delete_many(criteria)
        return landed

    def mark_published(self, commits: Sequence[Commit]) -> None:
        with unavailable_on_failure():
            for criteria in ids_in([c.commit_id for c in commits]):
                self._outbox.delete_many(criteria)

    def ping(self) -> None:
        with unavailable_on_failure():
            self._commits.database.command("ping")

    def _last_versions(self, streams: Sequence[str]) -> dict[str, int]:
        """Each stream's last version (0: none), ``IN_SLICE`` streams a query."""
        last = dict.fromkeys(streams, 0)
        with unavailable_on_failure():
            for criteria in ids_in(list(streams), "stream_id"):
                for document in self._commits.find(criteria, {"stream_id": 1, "last_version": 1}):
                    stream = document["stream_id"]
                    last[stream] = max(last[stream], document["last_version"])
        return last

    def _find_by_scan(self, key: str) -> Commit | None:
        """The slow path, after a crash or a race: find the commit by its key and repair."""
        with unavailable_on_failure():
            document = self._commits.find_one({"idempotency_key": key})
            if document is None:
                return None
            self._pointers.replace_one(
                {"_id": key},
                {"commit": document["_id"], "commit_id": document["commit_id"]},
                upsert=True,
            )
        return _commit(document)


def _ahead(key: str, commit: Commit) -> dict[str, Any]:
    """The outbox's entry for a commit, written before it (see ``unpublished``)."""
    return {
        "_id": commit.commit_id,
        "commit": key,
        "stream_id": commit.stream_id,
        "first_version": commit.first_version,
        "events": commit.events,
        "written": time.time(),
    }


def _document(key: str, commit: Commit) -> dict[str, Any]:
    idem = commit.idempotency
    return {
        "_id": key,
        "commit_id": commit.commit_id,
        "stream_id": commit.stream_id,
        "first_version": commit.first_version,
        "last_version": commit.last_version,
        "events": commit.events,
        # Every commit has a key, so a plain unique index works where partial ones don't.
        "idempotency_key": idem.key if idem else f"commit:{commit.commit_id}",
        "request_hash": idem.request_hash if idem else None,
        "outcome": idem.outcome if idem else None,
    }


def _commit(document: dict[str, Any]) -> Commit:
    idempotency = None
    if document.get("request_hash") is not None:
        idempotency = Idempotency(
            document["idempotency_key"], document["request_hash"], document["outcome"]
        )
    return Commit(
        stream_id=document["stream_id"],
        first_version=document["first_version"],
        events=document["events"],
        commit_id=document["commit_id"],
        idempotency=idempotency,
    )


def in_publish_order(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Oldest first, so a recruiter's events across streams keep the order they happened;
    then each stream's own entries put in version order, whatever the clocks said."""
    entries = sorted(entries, key=lambda e: e["written"])
    slots: dict[str, list[int]] = {}
    for index, entry in enumerate(entries):
        slots.setdefault(entry["stream_id"], []).append(index)
    ordered = list(entries)
    for indexes in slots.values():
        versions = sorted((entries[i] for i in indexes), key=lambda e: e["first_version"])
        for index, entry in zip(indexes, versions, strict=True):
            ordered[index] = entry
    return ordered
