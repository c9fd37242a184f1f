"""Rebuilding a projection from the beginning of its topics (SPEC §9, ``./registry replay``).

Each projection writes to a *generation* of its collection. A rebuild fills the next
generation through a consumer of its own, from the first message, until it has caught
up with the bus; then it records the new generation as current. The live consumer
notices within seconds and carries on from where the rebuild stopped, and readers
switch at once: the service keeps answering throughout.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from shared.backend import Backend
from shared.consumer import ConsumerRunner
from shared.errors import Unavailable
from shared.projection import Projection
from shared.readmodels.base import ReadModelStore
from shared.readmodels.writebehind import WriteBehind

GENERATIONS = "generations"
log = logging.getLogger(__name__)


class ReplayFailed(RuntimeError):
    """A rebuild stopped before it caught up; what it had built is gone, the current
    generation unchanged. The message is one line, for the person who asked."""


@dataclass(frozen=True)
class Generation:
    number: int
    # Each rebuild attempt gets a tag of its own, so one that was interrupted leaves
    # nothing (no checkpoint, no consumer offsets, no documents) that a retry would reuse.
    attempt: str = ""

    def collection(self, base: str) -> str:
        return f"{base}_g{self.number}{'_' + self.attempt if self.attempt else ''}"

    def consumer(self, projection: str) -> str:
        return f"{projection}.g{self.number}{'.' + self.attempt if self.attempt else ''}"


def current_generation(store: ReadModelStore, projection: str) -> Generation:
    stored = store.get(GENERATIONS, projection)
    if stored is None:
        return Generation(1)
    return Generation(stored.document["number"], stored.document["attempt"])


class CurrentCollection:
    """The collection readers should use now, looked up at most once a second."""

    def __init__(self, store: ReadModelStore, projection: str, base: str):
        self._store, self._projection, self._base = store, projection, base
        self._cached: tuple[float, str] | None = None

    def __call__(self) -> str:
        now = time.monotonic()
        if self._cached is None or now - self._cached[0] > 1.0:
            generation = current_generation(self._store, self._projection)
            self._cached = (now, generation.collection(self._base))
        return self._cached[1]


def rebuild(
    backend: Backend,
    service: str,
    build: Callable[[ReadModelStore], Projection],
    timeout_seconds: float = 600,
    batch: int = 500,
) -> Generation:
    """Fill the next generation from the start of the topics, then make it current.
    Raises ``ReplayFailed`` (having removed the unfinished generation) when it has not
    caught up within ``timeout_seconds`` or the store or bus stay unreachable."""
    store = backend.read_models(service)
    projection = build(WriteBehind(store))
    base = projection.collection
    new = Generation(current_generation(store, projection.name).number + 1, uuid.uuid4().hex[:8])
    projection.collection = new.collection(base)
    applied = 0
    try:
        projection.create_indexes()
        source = backend.source(service, new.consumer(projection.name), projection.topics)
        runner = ConsumerRunner(source, projection, backend.schemas)
        deadline = time.monotonic() + timeout_seconds
        try:
            while True:
                try:
                    applied += runner.run_once(batch, timeout_ms=1000)
                    if source.caught_up():
                        break
                except Unavailable:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(1)  # a store or broker restarting: wait it out, up to the deadline
                if time.monotonic() > deadline:
                    raise ReplayFailed(
                        f"{service}.{projection.name} did not catch up within "
                        f"{timeout_seconds:.0f} s ({applied} messages applied)"
                    )
        finally:
            source.close()
    except BaseException as error:
        # Whatever stopped it, an unfinished generation is never left behind.
        _discard(projection)
        kept = f"generation {new.number} removed, the current one kept"
        if isinstance(error, ReplayFailed):
            raise ReplayFailed(f"{error}; {kept}") from None
        if isinstance(error, Unavailable):
            raise ReplayFailed(f"{service}.{projection.name}: {error}; {kept}") from None
        raise
    _make_current(store, projection.name, new)
    log.info("replayed", extra={"projection": projection.name, "messages": applied})
    return new


def _discard(projection: Projection) -> None:
    try:
        projection.discard()
    except Unavailable:
        log.warning("could not remove %s; nothing reads it", projection.collection)


def _make_current(store: ReadModelStore, projection: str, generation: Generation) -> None:
    while True:
        stored = store.get(GENERATIONS, projection)
        revision = stored.revision if stored else 0
        document = {"number": generation.number, "attempt": generation.attempt}
        if store.put(GENERATIONS, projection, document, revision):
            return
