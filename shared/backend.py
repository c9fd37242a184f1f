"""Picks the adapters of the configured backend: embedded (SQLite) or stack (MongoDB, Kafka).

This is the one place that knows both; everything else sees only the ports.
"""

from __future__ import annotations

import abc
import threading
from collections.abc import Sequence

from shared.bus.base import BusHead, EventPublisher, MessageSource, dead_letter_topic
from shared.config import Settings
from shared.events.schemas import EventSchemas, default_schemas
from shared.eventstore.base import EventStore
from shared.ratewindows.base import RateWindows
from shared.readmodels.base import ReadModelStore
from shared.relay import OutboxRelay


def producer_of(topic: str) -> str:
    """``licensing.events`` is the licensing service's stream."""
    return topic.split(".", 1)[0]


class Backend(abc.ABC):
    has_relay: bool

    def __init__(self, settings: Settings, schemas: EventSchemas | None = None):
        self.settings = settings
        self.schemas = schemas or default_schemas()

    @abc.abstractmethod
    def event_store(self, service: str) -> EventStore:
        pass

    @abc.abstractmethod
    def read_models(self, service: str) -> ReadModelStore:
        pass

    @abc.abstractmethod
    def rate_windows(self, service: str) -> RateWindows:
        """Where the service's public requests are counted, shared by all its processes."""

    @abc.abstractmethod
    def source(self, service: str, consumer: str, topics: Sequence[str]) -> MessageSource:
        """A source over logical topics, remembering its place under ``service.consumer``."""

    @abc.abstractmethod
    def head(self, topics: Sequence[str]) -> BusHead:
        """What is on the bus of these logical topics beyond a reader's positions."""

    @abc.abstractmethod
    def relay(self, service: str) -> OutboxRelay | None:
        """The outbox relay of a producing service; None where the table is the bus."""

    @abc.abstractmethod
    def ping_bus(self) -> None:
        pass

    @abc.abstractmethod
    def close(self) -> None:
        """Release bus clients; stores' connections close with their processes."""


class EmbeddedBackend(Backend):
    has_relay = False  # the producers' event tables are the bus

    def __init__(self, settings: Settings, schemas: EventSchemas | None = None):
        super().__init__(settings, schemas)
        self._stores: dict[tuple[str, str], object] = {}

    def event_store(self, service: str) -> EventStore:
        from shared.eventstore.sqlite import SqliteEventStore

        return self._once(
            ("events", service),
            lambda: SqliteEventStore(self._events_file(service), self.schemas),
        )

    def read_models(self, service: str) -> ReadModelStore:
        from shared.readmodels.sqlite import SqliteReadModelStore

        return self._once(
            ("readmodels", service),
            lambda: SqliteReadModelStore(self.settings.service_dir(service) / "readmodels.sqlite3"),
        )

    def rate_windows(self, service: str) -> RateWindows:
        from shared.ratewindows.sqlite import SqliteRateWindows

        return self._once(
            ("ratewindows", service),
            lambda: SqliteRateWindows(self.settings.service_dir(service) / "ratelimit.sqlite3"),
        )

    def source(self, service: str, consumer: str, topics: Sequence[str]) -> MessageSource:
        from shared.bus.embedded import EmbeddedSource

        tables = {topic: self._events_file(producer_of(topic)) for topic in topics}
        return EmbeddedSource(tables, self.read_models(service), f"{service}.{consumer}")

    def head(self, topics: Sequence[str]) -> BusHead:
        from shared.bus.embedded import EmbeddedHead

        return EmbeddedHead({topic: self._events_file(producer_of(topic)) for topic in topics})

    def relay(self, service: str) -> OutboxRelay | None:
        return None

    def ping_bus(self) -> None:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        """The embedded bus holds no clients."""

    def _events_file(self, service: str):
        return self.settings.service_dir(service) / "events.sqlite3"

    def _once(self, key, build):
        if key not in self._stores:
            self._stores[key] = build()
        return self._stores[key]


class StackBackend(Backend):
    has_relay = True

    def __init__(self, settings: Settings, schemas: EventSchemas | None = None):
        super().__init__(settings, schemas)
        self._publisher: EventPublisher | None = None
        self._probe = None
        self._heads: list[BusHead] = []
        self._lock = threading.Lock()

    def _database(self, service: str):
        from shared.mongo import database_for

        return database_for(self.settings.mongodb_uri, self.settings.database(service))

    def event_store(self, service: str) -> EventStore:
        from shared.eventstore.mongo import MongoEventStore

        return MongoEventStore(self._database(service), self.schemas)

    def read_models(self, service: str) -> ReadModelStore:
        from shared.readmodels.mongo import MongoReadModelStore

        return MongoReadModelStore(self._database(service))

    def rate_windows(self, service: str) -> RateWindows:
        from shared.ratewindows.mongo import MongoRateWindows

        return MongoRateWindows(self._database(service))

    def source(self, service: str, consumer: str, topics: Sequence[str]) -> MessageSource:
        from shared.bus.kafka import KafkaSource

        names = [self.settings.topic(topic) for topic in topics]
        self.ensure_topics(names)
        group = f"{self.settings.topic_prefix}{service}.{consumer}"
        return KafkaSource(self.settings.kafka_bootstrap_servers, names, group, self.publisher())

    def head(self, topics: Sequence[str]) -> BusHead:
        from shared.bus.kafka import KafkaHead

        names = [self.settings.topic(topic) for topic in topics]
        head = KafkaHead(self.settings.kafka_bootstrap_servers, names)
        with self._lock:
            self._heads.append(head)
        return head

    def relay(self, service: str) -> OutboxRelay | None:
        topic = self.settings.topic(f"{service}.events")
        self.ensure_topics([topic])
        return OutboxRelay(self.event_store(service), self.publisher(), topic)

    def publisher(self) -> EventPublisher:
        from shared.bus.kafka import KafkaPublisher

        with self._lock:
            if self._publisher is None:
                self._publisher = KafkaPublisher(self.settings.kafka_bootstrap_servers)
            return self._publisher

    def ensure_topics(self, names: Sequence[str]) -> None:
        from shared.bus.kafka import unavailable_on_failure
        from shared.stack import ensure_topics

        every = [*names, *(dead_letter_topic(name) for name in names)]
        with unavailable_on_failure():
            ensure_topics(
                self.settings.kafka_bootstrap_servers, every, self.settings.topic_layout()
            )

    def close(self) -> None:
        with self._lock:
            if self._publisher is not None:
                self._publisher.close()
                self._publisher = None
            if self._probe is not None:
                self._probe.close()
                self._probe = None
            for head in self._heads:
                head.close()
            self._heads.clear()

    def ping_bus(self) -> None:
        from shared.bus.kafka import KafkaProbe

        with self._lock:
            if self._probe is None:
                self._probe = KafkaProbe(self.settings.kafka_bootstrap_servers)
        self._probe.ping()


def open_backend(settings: Settings, schemas: EventSchemas | None = None) -> Backend:
    kind = {"embedded": EmbeddedBackend, "stack": StackBackend}[settings.backend]
    return kind(settings, schemas)
