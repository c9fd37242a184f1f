"""Publishing each change of a recruiter's public answer (SPEC §15).

The status projection marks a recruiter *due* whenever an event about it is applied; the
schedule keeps, per recruiter, the next instant time alone may change its answer. One
worker picks the due recruiters (an indexed query: no scan of every recruiter), works
out the answer now, and appends a ``status_changed`` to the recruiter's stream in
verification's event store, the outbox the relay publishes from.

An answer is worked out with the chain (SPEC §16), as every answer is: the records of
every recruiter the recruiter's agents resolve to are read once per decision, so a
change an agent brings (its suspension, the link's end) is published, dated from the
instant it took effect. A change published for a recruiter marks due every recruiter
linking to it, whose answer may move with it.

The stream is the truth about what was published: an append at the version last seen
either succeeds once or finds the stream moved on, and then compares with its last
event. So a restart, a redelivered event or a replay (which refolds the same facts into
the same answers) publishes nothing twice. The schedule document caches the last
published answer to spare reading the stream.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from services.verification.changes import Answer, Decision, change_id, decide
from services.verification.domain import Record
from services.verification.handlers import Registry, chain_records, linking_recruiters
from services.verification.projections import PROGRESS, RecruiterStatus, load_records
from services.verification.schedule import DUE_NOW, StatusSchedule, mark_due
from shared.clock import Clock, parse_instant, rfc3339
from shared.errors import ConcurrencyError
from shared.events.envelope import Change, Provenance, wrap
from shared.events.verification import StatusChanged
from shared.eventstore.base import Append, EventStore
from shared.readmodels.base import ReadModelStore, Stored, Write, due_by
from shared.replay import current_generation

log = logging.getLogger(__name__)
ACTOR = "system/status-changes"
BATCH = 100


@dataclass(frozen=True)
class Look:
    """What a look at one recruiter leaves to write: its schedule, over the revision read."""

    revision: int
    schedule: dict
    changed: bool  # a change was published, or found published by another look


@dataclass
class StatusAnnouncer:
    store: ReadModelStore
    events: EventStore
    clock: Clock
    recruiters: Callable[[], str] | None = None
    # The chain's records, read as answers read them; with no bus head, never stale.
    # Each look points it at the generation the look read.
    registry: Registry = field(init=False)

    def __post_init__(self) -> None:
        if self.recruiters is None:
            self.recruiters = self._current_generation
        self.registry = Registry(self.store, signer=None, clock=self.clock)

    def announce_due(self) -> int:
        """Look at the recruiters due by now, a batch at a time; how many were looked at.
        A batch's schedules are read before its records, each kind in one round trip: a
        record written after its read is marked after the schedule's read, so the
        reschedule over that read loses and the recruiter is looked at again."""
        now = self.clock()
        collection = self.recruiters()
        page = self.store.find(StatusSchedule.collection, due_by(rfc3339(now), limit=BATCH))
        due = [document["recruiter_id"] for document in page.items]
        if not due:
            return 0
        schedules = self.store.get_many(StatusSchedule.collection, due)
        records = load_records(self.store, collection, due, self._unmarked(collection))
        self.registry.recruiters = lambda: collection
        try:
            looked = [(schedules[r], records.get(r)) for r in due if r in schedules]
            self._reschedule(self.announce(looked, now))
        finally:
            if self.recruiters() != collection:
                # A replay switched generations meanwhile: a mark its consumer made may
                # have been spent on the old one's records.
                for recruiter_id in due:
                    mark_due(self.store, recruiter_id)
        return len(due)

    def announce(self, looked: list[tuple[Stored, Record | None]], now: datetime) -> list[Look]:
        """Publish each recruiter's change, if its answer changed; the schedules to write."""
        decided = [
            (stored, record, self._decide(stored, record, now) if record else None)
            for stored, record in looked
        ]
        published = self._publish(
            [
                (decision.change, stored.document.get("version", 0))
                for stored, _, decision in decided
                if decision and decision.change
            ],
            now,
        )
        looks = []
        for stored, record, decision in decided:
            schedule = stored.document
            if decision is None:
                looks.append(Look(stored.revision, {**schedule, "due": None}, changed=False))
                continue
            if decision.change is not None:
                version, answer = published[record.recruiter_id]
                # Also when another look appended it first: it may have stopped before this.
                for linking in linking_recruiters(self.registry, record):
                    mark_due(self.store, linking)
                schedule = {**schedule, "version": version, "published": answer.as_dict()}
            due = rfc3339(decision.next_check) if decision.next_check else None
            changed = decision.change is not None
            looks.append(Look(stored.revision, {**schedule, "due": due}, changed))
        return looks

    def _decide(self, stored: Stored, record: Record, now: datetime) -> Decision:
        chain = chain_records(self.registry, record, None)
        return decide(record, now, last_published(stored), chain)

    def _publish(
        self, changes: list[tuple[StatusChanged, int]], now: datetime
    ) -> dict[str, tuple[int, Answer]]:
        """Append each change after the version its schedule names, all together; per
        recruiter, the version and the answer now published."""
        appended = self.events.append_each(
            [Append(c.recruiter_id, version, [envelope(c, version, now)]) for c, version in changes]
        )
        published = {}
        for (change, version), commit in zip(changes, appended, strict=True):
            if commit is None:  # the stream moved on: a restart after appending, another worker
                published[change.recruiter_id] = self._published_after(change, now)
            else:
                self._log_published(change)
                published[change.recruiter_id] = (version + 1, Answer.of(change.to_data()))
        return published

    def _published_after(self, change: StatusChanged, now: datetime) -> tuple[int, Answer]:
        """The stream has moved on: when its last change is this answer, that stands;
        otherwise this one is appended after it."""
        answer = Answer.of(change.to_data())
        while True:
            last = self.events.load(change.recruiter_id)[-1]
            version = last["streamversion"]
            if Answer.of(last["data"]) == answer:
                return version, answer
            change = replace(change, previous_verdict=last["data"]["verdict"])
            try:
                self.events.append(change.recruiter_id, version, [envelope(change, version, now)])
            except ConcurrencyError:
                continue
            self._log_published(change)
            return version + 1, answer

    @staticmethod
    def _log_published(change: StatusChanged) -> None:
        log.info(
            "status changed", extra={"recruiter_id": change.recruiter_id, "verdict": change.verdict}
        )

    def _reschedule(self, looks: list[Look]) -> None:
        """Each written over the revision read, in one round trip: a mark made meanwhile
        wins, and is looked at next."""
        writes = [
            Write(
                StatusSchedule.collection,
                look.schedule["recruiter_id"],
                look.schedule,
                look.revision,
            )
            for look in looks
        ]
        for look, stood in zip(looks, self.store.put_each(writes), strict=True):
            if look.changed and not stood:
                self._remember(look.schedule)

    def _remember(self, schedule: dict) -> None:
        """What was published, kept beside the mark that won: the next look, at a record
        read after this one's, compares its answer with this one, not the one before."""

        def published(document: dict | None) -> dict:
            document = document or {"recruiter_id": schedule["recruiter_id"], "due": DUE_NOW}
            if document.get("version", 0) >= schedule["version"]:
                return document
            return {**document, "version": schedule["version"], "published": schedule["published"]}

        self.store.change(StatusSchedule.collection, schedule["recruiter_id"], published)

    def _current_generation(self) -> str:
        """Looked up at every look, never cached: after a replay, a mark made by the
        consumer of the new generation must not be spent on a look at the old one."""
        current = current_generation(self.store, RecruiterStatus.name)
        return current.collection(RecruiterStatus.collection)

    def _unmarked(self, collection: str) -> dict[str, str]:
        stored = self.store.get(PROGRESS, collection)
        marks = stored.document.get("unmarked", []) if stored else []
        return {mark["document"]: mark["position"] for mark in marks}


def last_published(stored: Stored) -> Answer | None:
    """The answer last published, as the schedule remembers it."""
    schedule = stored.document
    return Answer.of(schedule["published"]) if schedule.get("published") else None


def envelope(change: StatusChanged, after_version: int, now: datetime) -> dict:
    """The stored event: its id derived from the change, so the same change is one event."""
    event_id = change_id(change)
    [event] = wrap(
        "verification",
        change.recruiter_id,
        after_version + 1,
        [Change(change.event_name, change.to_data(), parse_instant(change.changed_at))],
        Provenance(ACTOR, correlation_id=event_id),
        now,
        change.recruiter_id,
        change.recruiter_id,
    )
    return {**event, "id": event_id}
