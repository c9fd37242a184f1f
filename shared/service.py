"""One shape for every service: a definition, and the parts its bootstrap wires from it."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from flask import Blueprint, Flask

from shared.backend import Backend, open_backend
from shared.commands import StreamWriter
from shared.config import Settings
from shared.consumer import ConsumerRunner
from shared.events.schemas import EventSchemas
from shared.eventstore.base import EventStore
from shared.http.app import create_service_app
from shared.logs import configure_logging
from shared.process import ProcessManager
from shared.projection import Projection
from shared.readmodels.base import IndexedCollection, ReadModelStore
from shared.readmodels.writebehind import WriteBehind
from shared.replay import current_generation

log = logging.getLogger(__name__)


@dataclass
class Parts:
    """The adapters one service process runs on, built once by its bootstrap."""

    settings: Settings
    backend: Backend
    read_models: ReadModelStore
    events: EventStore | None = None
    writer: StreamWriter | None = None


@dataclass(frozen=True)
class Worker:
    name: str
    run: Callable[[threading.Event], None]


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    produces: bool
    projections: Sequence[Callable[[ReadModelStore], Projection]] = ()
    # Process managers: consumers that act (record commands) on what they read. Not
    # rebuilt by a replay, which must never act twice; each remembers what it handled.
    reactions: Sequence[Callable[[Parts], ProcessManager]] = ()
    blueprints: Callable[[Parts], Sequence[Blueprint]] = lambda parts: ()
    schedulers: Sequence[Callable[[Parts], Worker]] = field(default_factory=tuple)
    # Collections the service keeps besides its projections (not rebuilt by a replay).
    collections: Sequence[Callable[[ReadModelStore], IndexedCollection]] = ()
    schemas: Callable[[], EventSchemas] | None = None

    def parts(self, settings: Settings | None = None) -> Parts:
        settings = settings or Settings.from_env()
        backend = open_backend(settings, self.schemas() if self.schemas else None)
        parts = Parts(settings, backend, backend.read_models(self.name))
        _create_indexes(parts.read_models, self.projections)
        _create_indexes(parts.read_models, self.collections, generations=False)
        if self.produces:
            parts.events = backend.event_store(self.name)
            parts.writer = StreamWriter(parts.events, self.name)
        return parts

    def create_app(self, settings: Settings | None = None) -> Flask:
        parts = self.parts(settings)
        configure_logging(parts.settings.log_level)
        checks = {"store": parts.read_models.ping, "bus": parts.backend.ping_bus}
        if parts.events is not None:
            checks["events"] = parts.events.ping
        return create_service_app(
            self.name,
            parts.settings,
            checks,
            self.blueprints(parts),
            parts,
            rate_windows=parts.backend.rate_windows(self.name),
        )

    def workers(self, settings: Settings | None = None) -> list[Worker]:
        """The relay, consumers and schedulers that run beside the HTTP processes."""
        parts = self.parts(settings)
        workers = [self._consumer(parts, build) for build in self.projections]
        workers += [self._consumer(parts, lambda _, r=react: r(parts)) for react in self.reactions]
        if self.produces and parts.backend.has_relay:
            workers.append(Worker(f"{self.name}.relay", self._relay(parts)))
        workers.extend(schedule(parts) for schedule in self.schedulers)
        return workers

    def _consumer(
        self, parts: Parts, build: Callable[[ReadModelStore], Projection | ProcessManager]
    ) -> Worker:
        projection = build(WriteBehind(parts.read_models))
        base = projection.collection

        def run(stop: threading.Event) -> None:
            # One pass per generation: after a replay, carry on in the new one.
            while not stop.is_set():
                generation = _retry(
                    lambda: current_generation(parts.read_models, projection.name), stop
                )
                if generation is None:
                    return
                projection.collection = generation.collection(base)
                if _retry(lambda: projection.create_indexes() or True, stop) is None:
                    return
                name = generation.consumer(projection.name)
                source = _retry(
                    lambda name=name: parts.backend.source(self.name, name, projection.topics),
                    stop,
                )
                if source is None:
                    return
                try:
                    ConsumerRunner(source, projection, parts.backend.schemas).run_until_stopped(
                        stop,
                        still_current=lambda generation=generation: (
                            generation == current_generation(parts.read_models, projection.name)
                        ),
                    )
                finally:
                    source.close()

        return Worker(f"{self.name}.{projection.name}", run)

    def _relay(self, parts: Parts) -> Callable[[threading.Event], None]:
        def run(stop: threading.Event) -> None:
            relay = _retry(lambda: parts.backend.relay(self.name), stop)
            if relay is not None:
                relay.run_until_stopped(stop)

        return run


def _create_indexes(
    store: ReadModelStore,
    collections: Sequence[Callable[[ReadModelStore], IndexedCollection]],
    generations: bool = True,
) -> None:
    """Those of the current generations, before any reader queries them; a store not up
    yet is left to the consumers, which create them when they start."""
    from shared.errors import Unavailable

    for build in collections:
        projection = build(store)
        try:
            if generations:
                generation = current_generation(store, projection.name)
                projection.collection = generation.collection(projection.collection)
            projection.create_indexes()
        except Unavailable as error:
            log.warning("indexes left to the consumer: %s", error)
            return


def periodic(name: str, interval_variable: str, tick: Callable[[], object]) -> Worker:
    """A worker that runs ``tick`` every N seconds (N from the environment, default 60),
    waiting out a store that is down."""
    from shared.errors import Unavailable

    interval = float(os.environ.get(interval_variable, "60"))

    def run(stop: threading.Event) -> None:
        while not stop.wait(interval):
            try:
                tick()
            except Unavailable as error:
                log.warning("%s waiting: %s", name, error)

    return Worker(name, run)


def polling(name: str, tick: Callable[[], int], idle_seconds: float = 0.1) -> Worker:
    """A worker that calls ``tick`` again at once while it finds work (returns more than
    0), else after ``idle_seconds``, waiting out a store that is down."""
    from shared.errors import Unavailable

    def run(stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                if tick() < 1:
                    stop.wait(idle_seconds)
            except Unavailable as error:
                log.warning("%s waiting: %s", name, error)
                stop.wait(2)

    return Worker(name, run)


def _retry(build: Callable, stop: threading.Event):
    """Build a client or read a setting, waiting out a store or broker that is not up yet."""
    from shared.errors import Unavailable

    while not stop.is_set():
        try:
            return build()
        except Unavailable as error:
            log.warning("waiting for the bus: %s", error)
            stop.wait(2)
    return None
