"""Typed, versioned event definitions and the one way to read a stored event (SPEC §12).

Each producer declares one frozen dataclass per event type and version in
``shared/events/<service>.py``; its fields are the event's ``data``. A reader never
looks at an envelope's ``type`` string or ``data`` keys itself: ``read`` turns an
envelope into a ``Received`` holding the latest version of that event, upcasting older
stored versions on the way, so stored events are never rewritten.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Self

from shared.errors import InvalidEvent
from shared.events.envelope import EVENT_TYPE, event_type

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class DomainEvent:
    """Something that happened, named in the past tense; its fields are its data."""

    # Not plain ``name`` and ``version``: events have data fields called ``name``.
    event_service: ClassVar[str]
    event_name: ClassVar[str]
    event_version: ClassVar[int] = 1

    @classmethod
    def wire_type(cls) -> str:
        return event_type(cls.event_service, cls.event_name, cls.event_version)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        try:
            return cls(**{f.name: data[f.name] for f in fields(cls)})
        except KeyError as missing:
            raise InvalidEvent(f"{cls.wire_type()} without {missing}") from None

    def to_data(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Received:
    """A stored or delivered event: its envelope's facts and its typed, latest-version data."""

    event: DomainEvent
    id: str
    source: str
    subject: str
    stream_version: int
    effective_at: str
    recorded_at: str | None = None
    recruiter_id: str | None = None
    causation_id: str | None = None

    @property
    def name(self) -> str:
        return self.event.event_name


class Catalogue:
    """Every event type and version known to this process, and the upcasters between them."""

    def __init__(self) -> None:
        self._types: dict[tuple[str, str, int], type[DomainEvent]] = {}
        self._latest: dict[tuple[str, str], type[DomainEvent]] = {}
        self._by_name: dict[str, type[DomainEvent]] = {}
        self._upcasters: dict[tuple[str, str, int], Upcaster] = {}

    def define(self, service: str) -> Callable[[type[DomainEvent]], type[DomainEvent]]:
        """Class decorator: ``@define("licensing")`` over a dataclass with ``event_name``."""

        def register(kind: type[DomainEvent]) -> type[DomainEvent]:
            kind.event_service = service
            self._types[(service, kind.event_name, kind.event_version)] = kind
            latest = self._latest.get((service, kind.event_name))
            if latest is None or latest.event_version < kind.event_version:
                self._latest[(service, kind.event_name)] = kind
                self._by_name[kind.event_name] = kind
            return kind

        return register

    def upcaster(
        self, service: str, name: str, from_version: int
    ) -> Callable[[Upcaster], Upcaster]:
        """Registers ``data of vN -> data of vN+1``."""

        def register(upcast: Upcaster) -> Upcaster:
            self._upcasters[(service, name, from_version)] = upcast
            return upcast

        return register

    def types(self) -> list[type[DomainEvent]]:
        return list(self._types.values())

    def latest(self, service: str, name: str) -> type[DomainEvent]:
        try:
            return self._latest[(service, name)]
        except KeyError:
            raise InvalidEvent(f"unknown event {service}.{name}") from None

    def typed(self, service: str, name: str, version: int, data: Mapping[str, Any]) -> DomainEvent:
        """The latest version of an event stored at ``version``."""
        latest = self.latest(service, name)
        data = dict(data)
        for from_version in range(version, latest.event_version):
            data = self._upcasters[(service, name, from_version)](data)
        return latest.from_data(data)

    def of_name(self, name: str, version: int, data: Mapping[str, Any]) -> DomainEvent:
        """For readers that kept an event's name and data but not its producer: names are
        unique across producers."""
        try:
            service = self._by_name[name].event_service
        except KeyError:
            raise InvalidEvent(f"unknown event {name}") from None
        return self.typed(service, name, version, data)

    def read(self, envelope: Mapping[str, Any]) -> Received:
        match = EVENT_TYPE.match(envelope.get("type", ""))
        if not match:
            raise InvalidEvent(f"event type {envelope.get('type')!r} is not registry.<s>.<n>.v<N>")
        service, name, version = match.groups()
        return Received(
            self.typed(service, name, int(version), envelope["data"]),
            id=envelope["id"],
            source=envelope["source"],
            subject=envelope["subject"],
            stream_version=envelope["streamversion"],
            effective_at=envelope["effectiveat"],
            recorded_at=envelope.get("time"),
            recruiter_id=envelope.get("recruiterid"),
            causation_id=envelope.get("causationid"),
        )


CATALOGUE = Catalogue()
define = CATALOGUE.define
upcaster = CATALOGUE.upcaster
