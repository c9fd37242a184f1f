"""Projections: fold events into read-model documents, idempotently.

Each document records, per stream, the last version it applied, in the same
single-document write as the change itself. A redelivered event is then a no-op, and
an event that skips versions (or a message set aside as dead) is written down on the
document so that readers can refuse to vouch for it.
"""

from __future__ import annotations

import abc
from typing import Any

from shared.bus.base import Message
from shared.events.catalogue import Received
from shared.events.reading import read
from shared.readmodels.base import IndexedCollection, ReadModelStore

APPLIED = "_applied"
INTEGRITY = "_integrity"
MAX_ATTEMPTS = 20


class Projection(IndexedCollection, abc.ABC):
    name: str
    topics: tuple[str, ...]

    def __init__(self, store: ReadModelStore, collection: str | None = None):
        self.store = store
        self.collection = collection or self.collection

    @abc.abstractmethod
    def key_for(self, event: Received) -> str | None:
        """The document an event belongs to; None only for streams this projection does
        not follow. An event of a followed stream that changes nothing must still map to
        its document (``when`` returns it unchanged), or the next one would look like a gap.
        """

    def reads(self, event: Received) -> list[tuple[str, str]]:
        """The (collection, key) of each document applying the event reads: a consumer
        writing behind reads a whole batch's in one round trip per collection first."""
        key = self.key_for(event)
        return [(self.collection, key)] if key else []

    def dead_letter_key(self, message: Message) -> str | None:
        """The document a message that could not be read concerns: by default its key."""
        return message.key

    @abc.abstractmethod
    def when(self, document: dict[str, Any], event: Received) -> dict[str, Any]:
        """The document after the event; pure."""

    def apply(self, envelope: dict[str, Any]) -> bool:
        """Apply once; False when this event (or a later one of its stream) was applied.
        The event is read through its typed definition, upcast to its latest version."""
        return self.apply_received(read(envelope))

    def apply_received(self, event: Received) -> bool:
        key = self.key_for(event)
        if key is None:
            return False
        return self._update(key, lambda document: self.fold(document, event))

    def record_dead_letter(self, message: Message, reason: str) -> None:
        """Mark the document the lost message concerned, so nobody is vouched for blindly."""
        key = self.dead_letter_key(message)
        if not key:
            return
        problem = {"kind": "dead_letter", "position": message.position, "reason": reason[:200]}
        self._update(key, lambda document: _with_problem(document, problem))

    def clear_dead_letter(self, repair: Message, position: str) -> None:
        """The message set aside at ``position`` was repaired by ``repair`` (applied)."""
        key = self.dead_letter_key(repair)
        if key:
            self._update(key, lambda document: _without_dead_letter(document, position))

    def record_progress(self, positions: dict[str, dict[str, int]]) -> None:
        """Called after each committed batch with the consumer's positions; most
        projections have no use for them."""
        return None

    def fold(self, document: dict[str, Any], event: Received) -> dict[str, Any] | None:
        """The document after the event, or None when it was applied already. Events of a
        stream are applied once, in version order; a skipped version is noted as a gap."""
        stream, version = event.subject, event.stream_version
        applied = document.get(APPLIED, {}).get(stream, 0)
        if version <= applied:
            return None
        if version > applied + 1:
            missing = {"kind": "gap", "stream": stream, "after": applied, "got": version}
            document = _with_problem(document, missing) or document
        document = self.when(document, event)
        document[APPLIED] = {**document.get(APPLIED, {}), stream: version}
        return document

    def _update(self, key: str, change, collection: str | None = None) -> bool:
        """Compare-and-set ``change`` (None: nothing to write) on one document of this
        projection's collection, or of ``collection``."""
        collection = collection or self.collection
        for _ in range(MAX_ATTEMPTS):
            stored = self.store.get(collection, key)
            current = dict(stored.document) if stored else {}
            updated = change(current)
            if updated is None:
                return False
            if self.store.put(collection, key, updated, stored.revision if stored else 0):
                return True
        raise RuntimeError(f"document {key} of {collection} kept changing under the consumer")


def integrity_problems(document: dict[str, Any]) -> list[dict[str, Any]]:
    return list(document.get(INTEGRITY, []))


def _without_dead_letter(document: dict, position: str) -> dict | None:
    """The document without the mark of the letter at ``position``; None when it had none."""
    problems = document.get(INTEGRITY, [])
    kept = [p for p in problems if (p.get("kind"), p.get("position")) != ("dead_letter", position)]
    return None if kept == problems else {**document, INTEGRITY: kept}


def _with_problem(document: dict, problem: dict) -> dict | None:
    """The document with the problem noted once; None when a redelivery already noted it."""
    if problem in document.get(INTEGRITY, []):
        return None
    return {**document, INTEGRITY: [*document.get(INTEGRITY, []), problem]}
