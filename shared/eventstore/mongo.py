"""Event store on a MongoDB-compatible server: one document per commit.

The server used in tests (FerretDB 1.x) has no multi-document transactions, so a
command's events live in a single document and a unique (stream, first version) index
turns a race between two writers into a ``ConcurrencyError``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shared.errors import ConcurrencyError, IdempotencyKeyUsed
from shared.events.schemas import EventSchemas
from shared.eventstore.base import Commit, EventStore, Idempotency
from shared.mongo import unavailable_on_failure


class MongoEventStore(EventStore):
    def __init__(self, database: Database, schemas: EventSchemas, collection: str = "commits"):
        super().__init__(schemas)
        self._commits = database[collection]
        with unavailable_on_failure():
            self._commits.create_index(
                [("stream_id", ASCENDING), ("first_version", ASCENDING)], unique=True
            )
            self._commits.create_index([("idempotency_key", ASCENDING)], unique=True)
            self._commits.create_index(
                [("published", ASCENDING), ("stream_id", ASCENDING), ("first_version", ASCENDING)]
            )

    def _insert(self, commit: Commit) -> None:
        idem = commit.idempotency
        document = {
            "_id": commit.commit_id,
            "stream_id": commit.stream_id,
            "first_version": commit.first_version,
            "last_version": commit.last_version,
            "events": commit.events,
            # Every commit has a key, so a plain unique index works where partial ones don't.
            "idempotency_key": idem.key if idem else f"commit:{commit.commit_id}",
            "request_hash": idem.request_hash if idem else None,
            "outcome": idem.outcome if idem else None,
            "published": False,
        }
        with unavailable_on_failure():
            try:
                self._commits.insert_one(document)
            except DuplicateKeyError as error:
                if idem and self._commits.find_one({"idempotency_key": idem.key}, {"_id": 1}):
                    raise IdempotencyKeyUsed(idem.key) from error
                raise ConcurrencyError(commit.stream_id, commit.first_version - 1) from error

    def load(self, stream_id: str) -> list[dict[str, Any]]:
        with unavailable_on_failure():
            cursor = self._commits.find({"stream_id": stream_id}).sort("first_version", ASCENDING)
            return [event for document in cursor for event in document["events"]]

    def stream_version(self, stream_id: str) -> int:
        with unavailable_on_failure():
            document = self._commits.find_one(
                {"stream_id": stream_id},
                {"last_version": 1},
                sort=[("first_version", DESCENDING)],
            )
        return document["last_version"] if document else 0

    def find_idempotent(self, key: str) -> Commit | None:
        with unavailable_on_failure():
            document = self._commits.find_one({"idempotency_key": str(key)})
        return _commit(document) if document else None

    def unpublished(self, limit: int) -> list[Commit]:
        with unavailable_on_failure():
            cursor = (
                self._commits.find({"published": False})
                .sort([("stream_id", ASCENDING), ("first_version", ASCENDING)])
                .limit(limit)
            )
            return [_commit(document) for document in cursor]

    def mark_published(self, commits: Sequence[Commit]) -> None:
        with unavailable_on_failure():
            self._commits.update_many(
                {"_id": {"$in": [commit.commit_id for commit in commits]}},
                {"$set": {"published": True}},
            )

    def ping(self) -> None:
        with unavailable_on_failure():
            self._commits.database.command("ping")


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
        commit_id=document["_id"],
        idempotency=idempotency,
    )
