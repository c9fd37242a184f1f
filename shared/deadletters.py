"""Dead letters on Kafka (stack backend): what consumers set aside on ``<topic>.dlq``, shown
to an operator without personal data, and republished once fixed.

A republished message goes to its original topic under its original key, with the header
``repairs`` naming the position it stands for; each consumer that applies it removes the
mark the lost original left, so its recruiter leaves ``unknown`` without a replay. A
record with the header ``repaired`` on the dead-letter topic notes that the original was
repaired, so that neither its letter nor those other consumers set aside for it are listed
again.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from shared.bus.base import REPAIRS, EventPublisher, dead_letter_topic
from shared.bus.kafka import unavailable_on_failure
from shared.errors import InvalidEvent
from shared.events.envelope import decode, encode
from shared.events.schemas import EventSchemas

REPAIRED = "repaired"
# Shown as they are: identifiers, dates, codes. Any other text in an event's data could be
# someone's name or words, so it is shown only as its kind and length.
SHOWN_FIELDS = re.compile(r"(^|_)(id|ids|country|currency|status|number|on|at|from|until|version)$")
ENVELOPE_SHOWN = (
    "type",
    "source",
    "subject",
    "streamversion",
    "id",
    "time",
    "effectiveat",
    "partitionkey",
    "recruiterid",
)


class NoSuchLetter(LookupError):
    pass


@dataclass(frozen=True)
class DeadLetter:
    id: str  # <dead-letter topic>/<partition>/<offset>
    key: str | None
    value: bytes
    reason: str
    original: str  # <topic>/<partition>/<offset>, as consumers mark documents
    consumer: str
    repaired: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def original_topic(self) -> str:
        return self.original.rsplit("/", 2)[0]

    def summary(self) -> dict[str, Any]:
        """What ``dlq list`` prints: where, why, which stream; no content."""
        envelope = _envelope(self.value)
        return {
            "id": self.id,
            "original": self.original,
            "consumer": self.consumer,
            "reason": _without_quoted(self.reason),
            "type": envelope.get("type") if envelope else None,
            "subject": envelope.get("subject") if envelope else None,
            "streamversion": envelope.get("streamversion") if envelope else None,
            "repaired": self.repaired,
        }

    def shown(self) -> dict[str, Any]:
        """What ``dlq show`` prints: the summary, and the event's shape with only its
        identifiers, dates and codes in clear."""
        envelope = _envelope(self.value)
        detail = self.summary() | {"key": self.key}
        if envelope is None:
            return detail | {"value": f"<{len(self.value)} bytes, not a JSON object>"}
        attributes = {k: envelope[k] for k in ENVELOPE_SHOWN if k in envelope}
        hidden = sorted(set(envelope) - set(ENVELOPE_SHOWN) - {"data"})
        return detail | {
            "envelope": attributes,
            "other_attributes": hidden,
            "data": _redacted(envelope.get("data")),
        }


class KafkaDeadLetters:
    def __init__(self, bootstrap_servers: str, topics: Sequence[str], publisher: EventPublisher):
        """``topics``: the bus topics (not their dead-letter topics) to look after."""
        self._bootstrap = bootstrap_servers.split(",")
        self._topics = [dead_letter_topic(topic) for topic in topics]
        self._publisher = publisher

    def letters(self, include_repaired: bool = False) -> list[DeadLetter]:
        found: dict[str, DeadLetter] = {}
        repaired: set[str] = set()
        for record in self._records():
            headers = {k: (v or b"").decode(errors="replace") for k, v in record.headers or []}
            if REPAIRED in headers:
                repaired.add(headers[REPAIRED])
                continue
            letter_id = f"{record.topic}/{record.partition}/{record.offset}"
            original = "/".join(
                headers.get(f"original-{part}", "?") for part in ("topic", "partition", "offset")
            )
            found[letter_id] = DeadLetter(
                id=letter_id,
                key=record.key.decode(errors="replace") if record.key else None,
                value=record.value or b"",
                reason=headers.get("reason", ""),
                original=original,
                consumer=headers.get("consumer", "?"),
                headers=headers,
            )
        letters = [
            DeadLetter(**{**letter.__dict__, "repaired": letter.original in repaired})
            for letter in found.values()
        ]
        return [letter for letter in letters if include_repaired or not letter.repaired]

    def letter(self, letter_id: str) -> DeadLetter:
        for letter in self.letters(include_repaired=True):
            if letter.id == letter_id:
                return letter
        raise NoSuchLetter(f"no dead letter {letter_id!r}; `dlq list --all` lists them")

    def republish(self, letter: DeadLetter, fixed: dict[str, Any], schemas: EventSchemas) -> None:
        """Put the fixed event on the letter's original topic, then note the letter handled.
        Refused (InvalidEvent) while the event is still not one consumers can read."""
        schemas.validate(fixed)
        key = letter.key or fixed.get("partitionkey") or ""
        self._publisher.publish(
            letter.original_topic, [(key, encode(fixed))], [(REPAIRS, letter.original.encode())]
        )
        topic = letter.id.rsplit("/", 2)[0]
        self._publisher.publish(topic, [(key, b"")], [(REPAIRED, letter.original.encode())])

    def _records(self) -> Iterator:
        with unavailable_on_failure():
            consumer = KafkaConsumer(
                bootstrap_servers=self._bootstrap,
                client_id="registry-dlq",
                enable_auto_commit=False,
            )
            try:
                partitions = [
                    TopicPartition(topic, partition)
                    for topic in self._topics
                    for partition in sorted(consumer.partitions_for_topic(topic) or [])
                ]
                if not partitions:
                    return
                consumer.assign(partitions)
                consumer.seek_to_beginning(*partitions)
                ends = consumer.end_offsets(partitions)
                while any(consumer.position(tp) < end for tp, end in ends.items()):
                    for records in consumer.poll(timeout_ms=2000).values():
                        yield from records
            finally:
                consumer.close(autocommit=False)


def fixed_event(letter: DeadLetter, changes: Sequence[tuple[str, Any]]) -> dict[str, Any]:
    """The letter's event with each (dotted path, value) set; a value of ``None`` given as
    ``UNSET`` removes the field."""
    envelope = _envelope(letter.value)
    if envelope is None:
        raise InvalidEvent("the letter is not a JSON object; republish a whole event instead")
    for path, value in changes:
        *parents, last = path.split(".")
        target = envelope
        for part in parents:
            if not isinstance(target.get(part), dict):
                raise InvalidEvent(f"{path}: {part!r} is not an object in the event")
            target = target[part]
        if value is UNSET:
            target.pop(last, None)
        else:
            target[last] = value
    return envelope


UNSET = object()


def _envelope(value: bytes) -> dict[str, Any] | None:
    try:
        return decode(value)
    except InvalidEvent:  # anything a stranger put on the topic
        return None


def _redacted(value: Any, name: str = "") -> Any:
    if isinstance(value, dict):
        return {key: _redacted(inner, key) for key, inner in value.items()}
    if isinstance(value, list):
        return [_redacted(inner, name) for inner in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str) and SHOWN_FIELDS.search(name):
        return value
    return f"<{type(value).__name__}, {len(str(value))} characters>"


def _without_quoted(reason: str) -> str:
    """A validator's message may quote the offending value: keep the message, not it."""
    return re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", reason)
