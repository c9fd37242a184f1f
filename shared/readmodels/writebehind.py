"""A consumer's batch of read-model writes, kept in memory and written together.

A projection applies a whole batch of events to documents read once and written once,
in one transaction (one round trip on MongoDB): a recruiter's twenty events cost one
write, not twenty, and one decoding. Each document is still written over the revision
first read, so if anyone else wrote it meanwhile (or a unique index refuses it) the
batch's writes fail together (``Conflict``), and the consumer reads the batch again,
writing through. Queries in a batch see its writes: what is pending goes first.
Changes (``change``: marks other writers also make) are made after the batch's
documents, each on a fresh read, and are not seen by the batch's reads.

Documents in the batch's memory are shared with the projection, not copied: a
projection's ``when`` returns a new document and never changes one it was given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.errors import Unavailable
from shared.readmodels.base import Change, Page, Query, ReadModelStore, Stored, Write

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
        self._changes: dict[Ident, list[Change]] = {}

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

    def change(self, collection: str, key: str, change: Change) -> None:
        if not self.buffering:
            return self.store.change(collection, key, change)
        self._changes.setdefault((collection, str(key)), []).append(change)
        return None

    def flush(self) -> None:
        """Write what is pending, then make the changes asked for; ``Conflict`` (and
        nothing remembered) if a write lost or the store refused it."""
        writes = []
        for ident in self._pending:
            read, now = self._read[ident], self._now[ident]
            writes.append(Write(*ident, now.document, read.revision if read else 0))
        try:
            if writes and not self.store.put_many(writes):
                raise Conflict(f"{len(writes)} document(s) changed under the batch")
            by_collection: dict[str, dict[str, Change]] = {}
            for (collection, key), changes in self._changes.items():
                by_collection.setdefault(collection, {})[key] = _composed(changes)
            for collection, composed in by_collection.items():
                self.store.change_many(collection, composed)
        except (Unavailable, Conflict):
            self.forget()
            raise
        except Exception as error:
            # Refused (too large, say): the batch again, one event at a time, finds the
            # event whose write it is.
            self.forget()
            raise Conflict(f"a write of the batch failed: {type(error).__name__}") from error
        for write in writes:
            ident = (write.collection, write.key)
            self._read[ident] = self._now[ident] = Stored(
                write.key, write.revision + 1, write.document
            )
        self._pending.clear()
        self._changes.clear()

    def forget(self) -> None:
        """Drop what the batch read and wrote: the next batch reads the store afresh."""
        self._read.clear()
        self._now.clear()
        self._pending.clear()
        self._changes.clear()

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
        for kept in (self._read, self._now, self._pending, self._changes):
            for ident in [i for i in kept if i[0] == collection]:
                del kept[ident]
        self.flush()
        self.store.drop(collection)

    def scrub(self) -> None:
        self.flush()
        self.store.scrub()

    def ping(self) -> None:
        self.store.ping()


def _composed(changes: list[Change]) -> Change:
    def change(document):
        for one in changes:
            document = dict(one(document))
        return document

    return change
