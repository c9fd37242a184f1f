"""Appending each published status change to the public log (SPEC §17), once, in the order
of ``verification.events``.

The topic has one partition, so its order is total and a log rebuilt from it is the same
tree. A leaf is recorded on its recruiter's page (``LogLeaves``) before it is appended:
a page naming a leaf at or beyond the log's size is a crashed append, made again at the
place it now falls; a page naming a leaf within the log means the change is in already,
so a redelivery or a replay of the topic appends nothing twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from services.verification.log.public_log import PublicLog
from services.verification.log.store import LogMovedOn
from shared.bus.base import Message, MessageSource
from shared.consumer import readable
from shared.errors import Unavailable
from shared.events.schemas import default_schemas
from shared.events.verification import StatusChanged
from shared.readmodels.base import IndexedCollection, ReadModelStore

log = logging.getLogger(__name__)
TOPIC = "verification.events"
CONSUMER = "public-log"
BATCH = 500


class LogLeaves(IndexedCollection):
    """Per recruiter, its leaves in order: ``{event_id, index, facts}``. Read by id alone."""

    collection = "log_leaves"

    def __init__(self, store: ReadModelStore):
        self.store = store

    def of(self, recruiter_id: str) -> list[dict[str, Any]]:
        stored = self.store.get(self.collection, recruiter_id)
        return stored.document["leaves"] if stored else []

    def of_many(self, recruiter_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        found = self.store.get_many(self.collection, sorted(set(recruiter_ids)))
        return {key: stored.document["leaves"] for key, stored in found.items()}

    def record_all(self, leaves: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Add each (recruiter, leaf), or move a leaf of the same event that never made it
        in: all read in one round trip and written in one (``change_many``)."""
        by_recruiter: dict[str, list[dict[str, Any]]] = {}
        for recruiter_id, leaf in leaves:
            by_recruiter.setdefault(recruiter_id, []).append(leaf)
        if by_recruiter:
            self.store.change_many(
                self.collection,
                {key: _with_leaves(key, added) for key, added in by_recruiter.items()},
            )


def _with_leaves(recruiter_id: str, added: list[dict[str, Any]]):
    """The page with these leaves, in place of any of the same events: the same whether
    made once or twice."""
    events = {leaf["event_id"] for leaf in added}

    def change(page: dict[str, Any] | None) -> dict[str, Any]:
        kept = [
            known for known in (page or {}).get("leaves", []) if known["event_id"] not in events
        ]
        return {"recruiter_id": recruiter_id, "leaves": [*kept, *added]}

    return change


class LogAppender:
    def __init__(self, log_: PublicLog, leaves: LogLeaves):
        self.log, self.leaves = log_, leaves

    def append(self, source: MessageSource, messages: Sequence[Message]) -> int:
        """Append the batch's changes not in the log yet; how many were appended."""
        size = self.log.tree.size
        changes = _changes(source, messages)
        pages = self.leaves.of_many([change.recruiter_id for _, change in changes])
        fresh: list[tuple[str, StatusChanged]] = []
        seen: set[str] = set()
        for event_id, change in changes:
            if event_id in seen:
                continue
            seen.add(event_id)
            leaves = pages.get(change.recruiter_id, [])
            if {leaf["event_id"]: leaf["index"] for leaf in leaves}.get(event_id, size) < size:
                continue
            fresh.append((event_id, change))
        leaves = [
            (change.recruiter_id, {"event_id": event_id, "index": size + n, "facts": facts})
            for n, (event_id, change) in enumerate(fresh)
            for facts in [change.public_facts()]
        ]
        self.leaves.record_all(leaves)
        self.log.append([leaf["facts"] for _, leaf in leaves])
        return len(fresh)


def _changes(source: MessageSource, messages: Sequence[Message]) -> list[tuple[str, StatusChanged]]:
    """The status changes among the messages; what cannot be read is set aside, never a leaf."""
    changes = []
    for message in messages:
        received, unreadable = readable(message, default_schemas())
        if received is None:
            source.dead_letter(message, unreadable or "invalid event")
            continue
        if isinstance(received.event, StatusChanged):
            changes.append((received.id, received.event))
    return changes


def run_appender(
    appender: LogAppender, open_source: Callable[[], MessageSource], stop: threading.Event
) -> None:
    """Batches as they come; on an outage (or another appender's write, during a consumer
    group's rebalance), back to the last commit and wait."""
    source: MessageSource | None = None
    try:
        while not stop.is_set():
            try:
                source = source or open_source()
                batch = source.poll(BATCH, 1000)
                if batch:
                    appender.append(source, batch)
                    source.commit()
            except (Unavailable, LogMovedOn) as error:
                if source is not None:
                    source.rewind()
                log.warning("public log waiting: %s", error)
                stop.wait(2)
    finally:
        if source is not None:
            source.close()
