"""The consumer runner: at-least-once delivery into an idempotent projection."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from shared.bus.base import REPAIRS, Message, MessageSource
from shared.errors import InvalidEvent, Unavailable
from shared.events.catalogue import Received
from shared.events.envelope import decode
from shared.events.reading import read
from shared.events.schemas import EventSchemas
from shared.process import ProcessManager
from shared.projection import Projection
from shared.readmodels.writebehind import Conflict, WriteBehind

log = logging.getLogger(__name__)
CHECK_SECONDS = 2.0


class ConsumerRunner:
    def __init__(
        self,
        source: MessageSource,
        projection: Projection | ProcessManager,
        schemas: EventSchemas,
    ):
        self.source = source
        self.projection = projection
        self.schemas = schemas
        store = getattr(projection, "store", None)
        self.behind = store if isinstance(store, WriteBehind) else None
        self._aside: list[tuple[Message, str]] = []  # for the dead letters, after the writes

    def run_once(self, max_messages: int = 500, timeout_ms: int = 1000) -> int:
        """Apply one batch and commit it; on a store or bus outage go back and retry later.
        A projection writing behind (``WriteBehind``) writes the batch's documents, then
        the messages set aside go to the dead letters, then the commit; when another
        writer got to a document first, the same batch is read again and written through,
        one event at a time."""
        batch = self.source.poll(max_messages, timeout_ms)
        try:
            events = [(message, *readable(message, self.schemas)) for message in batch]
            self._read_ahead([event for _, event, _ in events if event is not None])
            for message, event, unreadable in events:
                self._handle(message, event, unreadable)
            self._write()
            for message, reason in self._aside:
                self.source.dead_letter(message, reason)
            self.source.commit()
        except Conflict as conflict:
            log.info("batch read again: %s", conflict, extra={"projection": self.projection.name})
            self.source.rewind()
            self.behind.buffering = False
            return self.run_once(max_messages, timeout_ms)
        except Unavailable:
            self.source.rewind()
            raise
        finally:
            self._forget()
        if batch:
            self._record_progress()
        return len(batch)

    def _write(self) -> None:
        if self.behind:
            self.behind.flush()
            self.behind.buffering = True

    def _forget(self) -> None:
        self._aside.clear()
        if self.behind:
            self.behind.forget()

    def _record_progress(self) -> None:
        try:
            self.projection.record_progress(self.source.positions())
            self._write()
        except Conflict:
            pass  # another consumer of the group wrote it meanwhile: the next batch will
        finally:
            self._forget()

    def run_until_stopped(
        self,
        stop: threading.Event,
        idle_seconds: float = 0.05,
        still_current: Callable[[], bool] = lambda: True,
    ) -> None:
        """Run until ``stop`` is set or, checked every few seconds, ``still_current`` fails."""
        checked = time.monotonic()
        while not stop.is_set():
            try:
                if self.run_once() == 0:
                    stop.wait(idle_seconds)
                if time.monotonic() - checked > CHECK_SECONDS:
                    checked = time.monotonic()
                    if not still_current():
                        return
            except Unavailable as error:
                log.warning(
                    "consumer waiting: %s", error, extra={"projection": self.projection.name}
                )
                stop.wait(2)

    def _read_ahead(self, events: list[Received]) -> None:
        """The documents the batch will read, one round trip per collection, instead of
        one per document: what bounds a rebuild on a server a round trip away."""
        if not (self.behind and self.behind.buffering):
            return
        try:
            keys: dict[str, dict[str, None]] = {}
            for event in events:
                for collection, key in self.projection.reads(event):
                    keys.setdefault(collection, {})[key] = None
            for collection, wanted in keys.items():
                self.behind.get_many(collection, list(wanted))
        except Unavailable:
            raise
        except Exception:  # only a speed-up: each event reads what it needs as it applies
            log.exception("batch not read ahead", extra={"projection": self.projection.name})

    def _handle(self, message: Message, event: Received | None, unreadable: str | None) -> None:
        if event is None:
            self._set_aside(message, unreadable or "invalid event")
            return
        try:
            self.projection.apply_received(event)
        except (Unavailable, Conflict):
            raise
        except Exception as error:  # a projection bug must not stop every other recruiter's updates
            log.exception("projection failed", extra={"projection": self.projection.name})
            self._set_aside(message, f"projection failed: {type(error).__name__}")
            return
        repaired = message.headers.get(REPAIRS)
        if repaired:
            # The operator's fixed copy is applied: the mark of the lost original can go.
            self.projection.clear_dead_letter(message, repaired)

    def _set_aside(self, message: Message, reason: str) -> None:
        self._aside.append((message, reason))
        try:
            self.projection.record_dead_letter(message, reason)
        except (Unavailable, Conflict):
            raise
        except Exception:  # the letter is kept; one document must not stop every other
            log.exception(
                "could not mark the document of a message set aside",
                extra={"projection": self.projection.name, "position": message.position},
            )
        log.warning(
            "message set aside",
            extra={"position": message.position, "reason": reason[:200]},
        )


def wait_for(condition, timeout: float = 30.0, interval: float = 0.1) -> bool:
    """Poll ``condition`` until true or ``timeout``; for callers that wait on a projection."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


def readable(message: Message, schemas: EventSchemas) -> tuple[Received | None, str | None]:
    """The message's event, checked against its schema and typed; or why it is not one,
    for the dead letter (naming the rule broken, never the content)."""
    try:
        envelope = decode(message.value)
        schemas.validate(envelope)
        event = read(envelope)
    except InvalidEvent as error:
        return None, f"invalid event: {error}"
    except Exception as error:  # whatever a stranger put on the topic, the reader goes on
        return None, f"invalid event: {type(error).__name__}"
    return event, None
