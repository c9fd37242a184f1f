"""The CloudEvents 1.0 envelope every service stores and publishes (SPEC §8).

Domain code decides *what happened* as a ``Change``; this module wraps changes into
envelopes carrying identity, ordering and provenance. The stored dict is exactly what
goes on the bus, so nothing is re-serialised between the event store and Kafka.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.clock import rfc3339
from shared.errors import InvalidEvent

SPEC_VERSION = "1.0"
# Stream ids become keys in read-model documents, so they must not hold "." or "$".
STREAM_ID = re.compile(r"^[A-Za-z0-9_:-]{1,128}$")
EVENT_TYPE = re.compile(r"^registry\.([a-z_]+)\.([a-z_]+)\.v([0-9]+)$")


@dataclass(frozen=True)
class Change:
    """Something an aggregate decided: a past-tense name, its data, when it takes effect."""

    name: str
    data: Mapping[str, Any]
    effective_at: datetime | None = None
    version: int = 1


@dataclass(frozen=True)
class Provenance:
    """Who caused a command and in which chain of causes; never a person's name."""

    actor: str
    correlation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    causation_id: str | None = None


def event_type(service: str, name: str, version: int = 1) -> str:
    return f"registry.{service}.{name}.v{version}"


def dataschema_for(type_: str) -> str:
    match = EVENT_TYPE.match(type_)
    if not match:
        raise InvalidEvent(f"event type {type_!r} is not registry.<service>.<name>.v<N>")
    service, name, version = match.groups()
    return f"contracts/events/{service}/{name}.v{version}.json"


def wrap(
    service: str,
    stream_id: str,
    first_version: int,
    changes: Sequence[Change],
    provenance: Provenance,
    recorded_at: datetime,
    partition_key: str,
    recruiter_id: str | None = None,
) -> list[dict[str, Any]]:
    """Envelopes for one command's changes, numbered from ``first_version``."""
    if not STREAM_ID.match(stream_id):
        raise InvalidEvent(f"stream id {stream_id!r} is not URL-safe")
    events = []
    for offset, change in enumerate(changes):
        type_ = event_type(service, change.name, change.version)
        event = {
            "specversion": SPEC_VERSION,
            "id": str(uuid.uuid4()),
            "source": f"/{service}",
            "type": type_,
            "subject": stream_id,
            "time": rfc3339(recorded_at),
            "datacontenttype": "application/json",
            "dataschema": dataschema_for(type_),
            "streamversion": first_version + offset,
            "effectiveat": rfc3339(change.effective_at or recorded_at),
            "actor": provenance.actor,
            "correlationid": provenance.correlation_id,
            "partitionkey": partition_key,
            "data": dict(change.data),
        }
        if recruiter_id:
            event["recruiterid"] = recruiter_id
        if provenance.causation_id:
            event["causationid"] = provenance.causation_id
        events.append(event)
    return events


def encode(event: Mapping[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":"), sort_keys=True).encode()


def decode(raw: bytes | str) -> dict[str, Any]:
    try:
        event = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidEvent(f"not JSON: {error}") from error
    except RecursionError as error:
        raise InvalidEvent("not JSON: nested too deeply") from error
    if not isinstance(event, dict):
        raise InvalidEvent("not a JSON object")
    return event
