"""Process managers: reactions that issue commands when events arrive (SPEC 12).

Unlike a projection, a process manager acts. Deciding is pure (``decide``: the memory
after the event, and the actions it calls for); acting happens after, outside any
fold. Its memory, one document per key, lists the events it has handled by id, so a
redelivery or a replay never acts twice. Actions run before the memory is written: a
crash in between redelivers the event, and each action is a no-op on an aggregate
already changed (its command method returns False).
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.aggregate import Aggregate
from shared.bus.base import Message
from shared.commands import StreamWriter
from shared.events.catalogue import Received
from shared.events.reading import read
from shared.readmodels.base import IndexedCollection, ReadModelStore

HANDLED = "handled"
MAX_ATTEMPTS = 20


@dataclass(frozen=True)
class Action:
    """A change to one aggregate, recorded by this process as its actor, citing ``cause``."""

    kind: type[Aggregate]
    stream_id: str
    change: Callable[[Any], bool]
    cause: str


class ProcessManager(IndexedCollection, abc.ABC):
    name: str
    topics: tuple[str, ...]
    actor: str

    def __init__(self, store: ReadModelStore, writer: StreamWriter):
        self.store = store
        self.writer = writer

    @abc.abstractmethod
    def key_for(self, event: Received) -> str | None:
        """The memory an event belongs to; None for events this process ignores."""

    @abc.abstractmethod
    def decide(
        self, memory: dict[str, Any], event: Received
    ) -> tuple[dict[str, Any], list[Action]]:
        """Pure: the memory after the event, and what to do about it."""

    def apply(self, envelope: dict[str, Any]) -> bool:
        return self.apply_received(read(envelope))

    def apply_received(self, event: Received) -> bool:
        """Handle an event once; False when it was handled already or is not followed."""
        key = self.key_for(event)
        if key is None:
            return False
        for _ in range(MAX_ATTEMPTS):
            stored = self.store.get(self.collection, key)
            memory = dict(stored.document) if stored else {}
            if event.id in memory.get(HANDLED, []):
                return False
            after, actions = self.decide(memory, event)
            for action in actions:
                self.writer.act(
                    action.kind, action.stream_id, action.change, self.actor, action.cause
                )
            after = {**after, HANDLED: [*memory.get(HANDLED, []), event.id]}
            if self.store.put(self.collection, key, after, stored.revision if stored else 0):
                return True
        raise RuntimeError(f"memory {key} of {self.collection} kept changing under the process")

    def record_dead_letter(self, message: Message, reason: str) -> None:
        """A lost message leaves nothing to act on; the dead-letter topic keeps it."""
        return None

    def clear_dead_letter(self, repair: Message, position: str) -> None:
        """Nothing was marked; the repaired message was acted on like any other."""
        return None

    def record_progress(self, positions: dict[str, dict[str, int]]) -> None:
        """A process acts on each event; how far it has read is the source's business."""
        return None
