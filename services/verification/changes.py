"""When a recruiter's public answer changes, and when it will next change by time alone.

Pure. The public answer is the verdict, its reason codes, and the effective licence and
certificate statuses: the same for everyone who asks (SPEC §15), worked out with the
answers of the agents the recruiter works through (SPEC §16) as every answer is. Between
two *change points* the answer is constant: the effective instant of every fact of the
recruiter and of every recruiter its chain reaches (a link declared or ended, an agent
suspended), and the instants that time alone brings (a validity ending, its last 30 days
beginning, a surveillance audit falling due, a twelve-month memory running out). Extra
points cost a recheck and nothing else, so every instant a rule could turn on is listed.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from services.verification.chained import ChainRecords, chained_status
from services.verification.domain import CERTIFICATE_MEMORY, EXPIRING_WITHIN, Record, Status
from shared.clock import rfc3339
from shared.events.verification import StatusChanged

# The namespace of status-change event ids: uuid5 over (recruiter, instant, new facts).
STATUS_CHANGES = uuid.UUID("6f1c8a52-3b0e-5d4f-9a71-2c9e8b3d4f10")
TICK = timedelta(milliseconds=1)
# Data fields holding a date a rule turns on; each is checked from its first instant.
DATED = ("valid_from", "valid_until", "due_since")


@dataclass(frozen=True)
class Answer:
    """The public facts of an answer, as the status-change event carries them."""

    verdict: str
    reasons: tuple[str, ...]
    licence_status: str | None
    certificate_status: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "licence_status": self.licence_status,
            "certificate_status": self.certificate_status,
        }

    @classmethod
    def of(cls, data: dict[str, object]) -> Answer:
        return cls(
            data["verdict"],
            tuple(data["reasons"]),
            data["licence_status"],
            data["certificate_status"],
        )


def public_answer(status: Status) -> Answer:
    licence = status.public["licence"]
    certificate = status.public["certification"]
    return Answer(
        status.verdict,
        tuple(sorted({reason.code for reason in status.reasons})),
        licence["status"] if licence else None,
        certificate["status"] if certificate else None,
    )


def answer_at(record: Record, at: datetime, chain: ChainRecords) -> Answer:
    # Never ``behind``: an answer unknown because this reader lags is about the reader.
    return public_answer(chained_status(record, at, chain))


def still_reading(status: Status) -> bool:
    """Unknown only for a gap that reading on will fill: not yet a change of the recruiter.
    A message set aside (dead-lettered) is a lasting unknown, and is published."""
    if status.verdict != "unknown":
        return False
    return not any(reason.position for reason in status.reasons)


def change_points(record: Record, chain: ChainRecords) -> list[datetime]:
    """Every instant the answer may turn on, in order: the agents' own change points too,
    so a change the chain brings is dated from the instant it took effect."""
    points: set[datetime] = set()
    for reached in [record, *chain.records.values()]:
        points |= _fact_points(reached)
    return sorted(points)


def _fact_points(record: Record) -> set[datetime]:
    points: set[datetime] = set()
    for fact in record.facts:
        points.add(fact["effective"])
        if fact["stream"].startswith("cert-"):
            # A setback counts for twelve months after it took effect or ended.
            points.add(fact["effective"] + CERTIFICATE_MEMORY + TICK)
        for name in DATED:
            value = fact["data"].get(name)
            if isinstance(value, str):
                points |= _dated_points(name, date.fromisoformat(value))
    return points


def _dated_points(name: str, day: date) -> set[datetime]:
    if name == "valid_until":
        # Lapsed from the day after; "expiring" from 30 days before.
        return {_midnight(day + timedelta(days=1)), _midnight(day - EXPIRING_WITHIN)}
    return {_midnight(day)}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def changed_since(
    record: Record, now: datetime, answer: Answer, chain: ChainRecords, points: list[datetime]
) -> datetime:
    """The instant from which the answer has been what it is at ``now``."""
    since = now
    for point in reversed([p for p in points if p <= now]):
        if answer_at(record, point - TICK, chain) != answer:
            return point
        since = point
    return since


@dataclass(frozen=True)
class Decision:
    """What to publish now (None: nothing), and when to look again (None: at the next event)."""

    change: StatusChanged | None
    next_check: datetime | None


def decide(
    record: Record, now: datetime, published: Answer | None, chain: ChainRecords
) -> Decision:
    """``chain``: the records of every recruiter the recruiter's agents ever resolved to."""
    status = chained_status(record, now, chain)
    if still_reading(status):
        return Decision(None, None)
    answer = public_answer(status)
    points = change_points(record, chain)
    next_check = next((point for point in points if point > now), None)
    if answer == published:
        return Decision(None, next_check)
    change = StatusChanged(
        recruiter_id=record.recruiter_id,
        changed_at=rfc3339(changed_since(record, now, answer, chain, points)),
        previous_verdict=published.verdict if published else None,
        **answer.as_dict(),
    )
    return Decision(change, next_check)


def change_id(change: StatusChanged) -> str:
    """Derived from (recruiter, instant, new facts): the same change always has the same id."""
    facts = {
        "recruiter_id": change.recruiter_id,
        "changed_at": change.changed_at,
        **Answer.of(change.to_data()).as_dict(),
    }
    canonical = json.dumps(facts, sort_keys=True, separators=(",", ":"))
    return str(uuid.uuid5(STATUS_CHANGES, canonical))
