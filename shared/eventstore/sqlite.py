"""Event store in a SQLite file (embedded backend).

Each event is a row with a global ``position``; in the embedded backend these rows
are the bus, read in position order by the consumers of other services.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from shared.errors import ConcurrencyError, IdempotencyKeyUsed
from shared.events.schemas import EventSchemas
from shared.eventstore.base import Commit, EventStore, Idempotency
from shared.sqlite import SqliteFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS commits (
    commit_id TEXT PRIMARY KEY,
    stream_id TEXT NOT NULL,
    first_version INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    request_hash TEXT,
    outcome TEXT,
    published INTEGER NOT NULL DEFAULT 0,
    UNIQUE (stream_id, first_version)
);
CREATE INDEX IF NOT EXISTS commits_unpublished ON commits (published);
CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    commit_id TEXT NOT NULL REFERENCES commits (commit_id),
    stream_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (stream_id, version)
);
"""


class SqliteEventStore(EventStore):
    def __init__(self, path: Path, schemas: EventSchemas):
        super().__init__(schemas)
        self.file = SqliteFile(path, SCHEMA)

    def _insert(self, commit: Commit) -> None:
        idem = commit.idempotency
        try:
            with self.file.transaction() as connection:
                connection.execute(
                    "INSERT INTO commits (commit_id, stream_id, first_version, idempotency_key,"
                    " request_hash, outcome) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        commit.commit_id,
                        commit.stream_id,
                        commit.first_version,
                        idem.key if idem else f"commit:{commit.commit_id}",
                        idem.request_hash if idem else None,
                        json.dumps(idem.outcome) if idem else None,
                    ),
                )
                connection.executemany(
                    "INSERT INTO events (commit_id, stream_id, version, body) VALUES (?, ?, ?, ?)",
                    [
                        (commit.commit_id, commit.stream_id, e["streamversion"], json.dumps(e))
                        for e in commit.events
                    ],
                )
        except sqlite3.IntegrityError as error:
            if idem and self.find_idempotent(idem.key):
                raise IdempotencyKeyUsed(idem.key) from error
            raise ConcurrencyError(commit.stream_id, commit.first_version - 1) from error

    def load(self, stream_id: str) -> list[dict[str, Any]]:
        rows = self.file.query(
            "SELECT body FROM events WHERE stream_id = ? ORDER BY version", (stream_id,)
        )
        return [json.loads(row["body"]) for row in rows]

    def stream_version(self, stream_id: str) -> int:
        rows = self.file.query(
            "SELECT MAX(version) AS version FROM events WHERE stream_id = ?", (stream_id,)
        )
        return rows[0]["version"] or 0

    def find_idempotent(self, key: str) -> Commit | None:
        rows = self.file.query("SELECT * FROM commits WHERE idempotency_key = ?", (str(key),))
        return self._commit(rows[0]) if rows else None

    def unpublished(self, limit: int) -> list[Commit]:
        rows = self.file.query(
            # Insertion order: each stream's in version order, and a recruiter's across streams.
            "SELECT * FROM commits WHERE published = 0 ORDER BY rowid LIMIT ?",
            (limit,),
        )
        return [self._commit(row) for row in rows]

    def mark_published(self, commits: Sequence[Commit]) -> None:
        with self.file.transaction() as connection:
            connection.executemany(
                "UPDATE commits SET published = 1 WHERE commit_id = ?",
                [(commit.commit_id,) for commit in commits],
            )

    def ping(self) -> None:
        self.file.query("SELECT 1")

    def _commit(self, row: Any) -> Commit:
        events = [
            json.loads(r["body"])
            for r in self.file.query(
                "SELECT body FROM events WHERE commit_id = ? ORDER BY version", (row["commit_id"],)
            )
        ]
        idempotency = None
        if row["request_hash"] is not None:
            idempotency = Idempotency(
                row["idempotency_key"], row["request_hash"], json.loads(row["outcome"])
            )
        return Commit(
            stream_id=row["stream_id"],
            first_version=row["first_version"],
            events=events,
            commit_id=row["commit_id"],
            idempotency=idempotency,
        )
