"""A consumer's batch of read-model writes, kept in memory and written together.

A projection applies a whole batch of events to documents read once and written once,
in one transaction (one round trip on MongoDB): a recruiter's twenty events cost one
write, not twenty, and one decoding. Each document is still written over the revision
first read, so if anyone else wrote it meanwhile (or a unique index refuses it) the
batch's writes fail together (``Conflict``), and the consumer reads the batch again,
writing through. Queries in a batch see its writes: what is pending goes first.

Documents in the batch's memory are shared with the projection, not copied: a
projection's ``when`` returns a new document and never changes one it was given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.readmodels.base import Page, Query, ReadModelStore, Stored, Write

Ident = tuple[str, str]


class Conflict(Exception):
    """Someone else wrote a document of the batch meanwhile; nothing of it may be trusted."""


class WriteBehind(ReadModelStore):
    def __init__(self, store: ReadModelStore):
        self.store = store
        self.buffering = True
        self._read: dict[Ident, Stored | None] = {}  # as the store holds it
        self._now: dict[Ident, Stored | None] = {}  # with this batch's writes
        self._pending: dict[Ident, None] = {}  # in the order of each one's last write

    def get(self, collection: str, key: str) -> Stored | None:
        if not self.buffering:
            return self.store.get(collection, key)
        ident = (collection, str(key))
        if ident not in self._now:
            self._read[ident] = self._now[ident] = self.store.get(collection, key)
        return self._now[ident]

    def get_many(self, collection: str, keys: Sequence[str]) -> dict[str, Stored]:
        if not self.buffering:
            return self.store.get_many(collection, keys)
        keys = [str(key) for key in keys]
        missing = [key for key in dict.fromkeys(keys) if (collection, key) not in self._now]
        found = self.store.get_many(collection, missing) if missing else {}
        for key in missing:
            self._read[(collection, key)] = self._now[(collection, key)] = found.get(key)
        return {key: stored for key in keys if (stored := self._now[(collection, key)])}

    def put(self, collection: str, key: str, document: Mapping[str, Any], revision: int) -> bool:
        if not self.buffering:
            return self.store.put(collection, key, document, revision)
        current = self.get(collection, key)
        if (current.revision if current else 0) != revision:
            return False
        ident = (collection, str(key))
        self._now[ident] = Stored(str(key), revision + 1, dict(document))
        # Written in the order of their last change: a document changed so that a
        # reader of another one finds it must be written before that other one.
        self._pending.pop(ident, None)
        self._pending[ident] = None
        return True

    def flush(self) -> None:
        """Write what is pending; ``Conflict`` (and nothing remembered) if any write lost."""
        if not self._pending:
            return
        writes = []
        for ident in self._pending:
            read, now = self._read[ident], self._now[ident]
            writes.append(Write(*ident, now.document, read.revision if read else 0))
        if not self.store.put_many(writes):
            self.forget()
            raise Conflict(f"{len(writes)} document(s) changed under the batch")
        for write in writes:
            ident = (write.collection, write.key)
            self._read[ident] = self._now[ident] = Stored(
                write.key, write.revision + 1, write.document
            )
        self._pending.clear()

    def forget(self) -> None:
        """Drop what the batch read and wrote: the next batch reads the store afresh."""
        self._read.clear()
        self._now.clear()
        self._pending.clear()

    def find(self, collection: str, query: Query) -> Page:
        self.flush()
        return self.store.find(collection, query)

    def ensure_index(self, collection: str, fields: Sequence[str], unique: bool = False) -> None:
        self.flush()
        self.store.ensure_index(collection, fields, unique)

    def ensure_word_index(self, collection: str, field: str) -> None:
        self.flush()
        self.store.ensure_word_index(collection, field)

    def delete(self, collection: str, key: str) -> None:
        self.flush()
        self.store.delete(collection, key)
        self._read.pop((collection, str(key)), None)
        self._now.pop((collection, str(key)), None)

    def drop(self, collection: str) -> None:
        for ident in [i for i in self._now if i[0] == collection]:
            self._read.pop(ident, None)
            self._now.pop(ident, None)
            self._pending.pop(ident, None)
        self.flush()
        self.store.drop(collection)

    def scrub(self) -> None:
        self.flush()
        self.store.scrub()

    def ping(self) -> None:
        self.store.ping()
