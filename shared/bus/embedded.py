"""The bus of the embedded backend: producers' event tables, read in order by position.

The checkpoint of each topic and the dead letters live in the consumer's own
read-model store, beside the projection they belong to.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from shared.bus.base import BusHead, Message, MessageSource, dead_letter_topic
from shared.clock import parse_instant
from shared.readmodels.base import ReadModelStore
from shared.sqlite import SqliteFile

CHECKPOINTS = "checkpoints"
DEAD_LETTERS = "dead_letters"


class EmbeddedSource(MessageSource):
    def __init__(self, event_tables: Mapping[str, Path], store: ReadModelStore, consumer: str):
        """``event_tables`` maps each topic to the producer's event store file."""
        self._tables = {
            topic: SqliteFile(path, read_only=True) for topic, path in event_tables.items()
        }
        self._store = store
        self._consumer = consumer
        self._next: dict[str, int] = {}
        # What was last committed, and the checkpoint's revision: kept, not re-read.
        self._committed: dict[str, int] = {}
        self._revision = 0
        self.rewind()

    def poll(self, max_messages: int = 500, timeout_ms: int = 1000) -> list[Message]:
        self.rewind_if_owed()
        messages: list[Message] = []
        for topic, table in self._tables.items():
            if len(messages) >= max_messages or not table.exists():
                continue
            rows = table.query(
                "SELECT position, body FROM events WHERE position >= ? ORDER BY position LIMIT ?",
                (self._next[topic], max_messages - len(messages)),
            )
            for row in rows:
                body = row["body"].encode()
                messages.append(Message(topic, 0, row["position"], _key(body), body))
                self._next[topic] = row["position"] + 1
        return messages

    def commit(self) -> None:
        key = self._checkpoint_key()
        # A list, not a dict: topic names hold dots, which document keys may not.
        document = {"next": [{"topic": t, "position": n} for t, n in self._next.items()]}
        while not self._store.put(CHECKPOINTS, key, document, self._revision):
            stored = self._store.get(CHECKPOINTS, key)  # written meanwhile: catch up
            self._revision = stored.revision if stored else 0
        self._revision += 1
        self._committed = dict(self._next)

    def _go_back(self) -> None:
        stored = self._store.get(CHECKPOINTS, self._checkpoint_key())
        entries = stored.document["next"] if stored else []
        saved = {entry["topic"]: entry["position"] for entry in entries}
        self._revision = stored.revision if stored else 0
        self._next = {topic: saved.get(topic, 1) for topic in self._tables}
        self._committed = dict(self._next)

    def dead_letter(self, message: Message, reason: str) -> None:
        letter = {
            "topic": dead_letter_topic(message.topic),
            "reason": reason,
            "original_topic": message.topic,
            "original_offset": message.offset,
            "key": message.key,
            "value": message.value.decode(errors="replace"),
        }
        self._store.put(DEAD_LETTERS, f"{self._consumer}:{message.position}", letter, 0)

    def caught_up(self) -> bool:
        for topic, table in self._tables.items():
            if table.exists():
                last = table.query("SELECT MAX(position) AS last FROM events")[0]["last"]
                if last is not None and self._next[topic] <= last:
                    return False
        return True

    def positions(self) -> dict[str, dict[str, int]]:
        return {topic: {"0": position} for topic, position in self._committed.items()}

    def close(self) -> None:
        """Nothing to release: connections close with their threads."""

    def _checkpoint_key(self) -> str:
        return self._consumer


class EmbeddedHead(BusHead):
    """The producers' event tables as a bus head: one partition per topic, positions from 1."""

    def __init__(self, event_tables: Mapping[str, Path]):
        self._tables = {
            topic: SqliteFile(path, read_only=True) for topic, path in event_tables.items()
        }

    def oldest_unread(
        self, positions: Sequence[Mapping[str, object]], key: str | None = None
    ) -> datetime | None:
        read = {p["topic"]: p["offset"] for p in positions}
        oldest = None
        for topic, table in self._tables.items():
            if not table.exists():
                continue
            rows = table.query(
                "SELECT body FROM events WHERE position >= ? ORDER BY position LIMIT 1",
                (read.get(topic, 1),),
            )
            if rows:
                put = parse_instant(json.loads(rows[0]["body"])["time"])
                oldest = min(oldest, put) if oldest else put
        return oldest

    def close(self) -> None:
        """Nothing to release: connections close with their threads."""


def _key(body: bytes) -> str | None:
    try:
        return json.loads(body).get("partitionkey")
    except (ValueError, AttributeError):
        return None
