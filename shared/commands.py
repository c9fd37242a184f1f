"""The service layer's side of a write: idempotency, optimistic concurrency, the outbox.

``StreamWriter`` is the unit of work over one event store. A handler loads an
aggregate, calls its command method, and hands the aggregate back here: its pending
changes are wrapped as events and appended in one atomic commit, together with the
outcome the caller will see, so a retry with the same Idempotency-Key gets that
outcome again instead of a second event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from shared.aggregate import Aggregate
from shared.clock import Clock, utc_now
from shared.consistency import Written
from shared.errors import ConcurrencyError, IdempotencyKeyUsed, Invalid, NotFound
from shared.events.envelope import Provenance, wrap
from shared.eventstore.base import EventStore, Idempotency

A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True)
class CommandContext:
    provenance: Provenance
    idempotency_key: str | None = None
    request_hash: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]
    version: int
    # The Registry-Token of a write: what a reader waits for to see it (SPEC §13).
    written: str | None = None


class StreamWriter:
    def __init__(self, store: EventStore, service: str, clock: Clock = utc_now):
        self.store = store
        self.service = service
        self.clock = clock

    def previous_outcome(self, context: CommandContext) -> Outcome | None:
        """The stored outcome of an earlier request with the same Idempotency-Key."""
        if not context.idempotency_key:
            return None
        commit = self.store.find_idempotent(context.idempotency_key)
        if commit is None:
            return None
        if commit.idempotency.request_hash != context.request_hash:
            raise Invalid("this Idempotency-Key was used for a different request")
        return Outcome(**commit.idempotency.outcome)

    def load(self, kind: type[A], stream_id: str, context: CommandContext | None = None) -> A:
        aggregate = kind.rebuild(stream_id, self.store.load(stream_id))
        aggregate.now = self.clock()
        if not aggregate.exists:
            raise NotFound(f"no {kind.__name__.lower()} {stream_id}")
        if context is not None:
            self.check_version(aggregate, context)
        return aggregate

    @staticmethod
    def check_version(aggregate: Aggregate, context: CommandContext) -> None:
        """412 material: the client's If-Match names a version the stream has moved past."""
        expected = context.expected_version
        if expected is not None and expected != aggregate.version:
            raise ConcurrencyError(aggregate.id, expected, aggregate.version)

    def load_or_new(self, kind: type[A], stream_id: str) -> A:
        """For streams a command may start, such as a claim on a unique number."""
        aggregate = kind.rebuild(stream_id, self.store.load(stream_id))
        aggregate.now = self.clock()
        return aggregate

    def save(
        self,
        aggregate: Aggregate,
        context: CommandContext,
        render: Callable[[Aggregate], dict[str, Any]],
        status: int = 200,
    ) -> Outcome:
        version = aggregate.next_version
        written = Written(self.service, aggregate.id, version, aggregate.recruiter_id)
        outcome = Outcome(status, render(aggregate), version, written.token())
        events = wrap(
            self.service,
            aggregate.id,
            aggregate.version + 1,
            aggregate.pending,
            context.provenance,
            self.clock(),
            aggregate.partition_key,
            aggregate.recruiter_id,
        )
        idempotency = None
        if context.idempotency_key:
            idempotency = Idempotency(
                context.idempotency_key, context.request_hash or "", outcome.__dict__
            )
        try:
            self.store.append(aggregate.id, aggregate.version, events, idempotency, loaded=True)
        except IdempotencyKeyUsed:
            # A concurrent retry of the same request won the race: answer as it did.
            return self.previous_outcome(context) or outcome
        aggregate.version = version
        aggregate.pending = []
        return outcome

    def act(
        self,
        kind: type[A],
        stream_id: str,
        change: Callable[[A], object],
        actor: str,
        cause: Callable[[A], str | None] | str | None = None,
        attempts: int = 3,
    ) -> A | None:
        """A system actor's change to one stream (a policy, a scheduler, a reaction),
        retried when someone else wrote first. ``change`` returns something falsy when
        there is nothing to do; ``cause`` is the event it cites, or finds it in the stream
        as loaded. The aggregate as saved, or None when nothing was recorded."""
        for _ in range(attempts):
            try:
                aggregate = self.load(kind, stream_id)
            except NotFound:
                return None
            cited = cause(aggregate) if callable(cause) else cause
            if not change(aggregate):
                return None
            try:
                self.save(aggregate, CommandContext(Provenance(actor, causation_id=cited)), _none)
                return aggregate
            except ConcurrencyError:
                continue
        return None


def _none(_aggregate: Aggregate) -> dict[str, Any]:
    """No caller waits for a system actor's answer."""
    return {}
