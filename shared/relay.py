"""The outbox relay: publishes stored commits to the bus in stream order, then marks them.

A crash after publishing and before marking publishes the same events again; consumers
skip them by stream version. Nothing is marked before the broker acknowledged it.
"""

from __future__ import annotations

import logging
import threading

from shared.bus.base import EventPublisher
from shared.errors import Unavailable
from shared.events.envelope import encode
from shared.eventstore.base import EventStore

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(self, store: EventStore, publisher: EventPublisher, topic: str, batch: int = 500):
        self.store = store
        self.publisher = publisher
        self.topic = topic
        self.batch = batch

    def relay_once(self) -> int:
        """Publish one batch of commits; the number of events published."""
        commits = self.store.unpublished(self.batch)
        if not commits:
            return 0
        messages = [(commit.partition_key, encode(e)) for commit in commits for e in commit.events]
        self.publisher.publish(self.topic, messages)
        self.store.mark_published(commits)
        return len(messages)

    def run_until_stopped(self, stop: threading.Event, idle_seconds: float = 0.05) -> None:
        while not stop.is_set():
            try:
                if self.relay_once() == 0:
                    stop.wait(idle_seconds)
            except Unavailable as error:
                log.warning("relay waiting: %s", error, extra={"topic": self.topic})
                stop.wait(2)
