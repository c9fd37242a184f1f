"""Each typed event definition and its JSON Schema in contracts/events/ say the same thing,
and a stored version 1 of an event reads as its latest version."""

from __future__ import annotations

import json
import types
import typing
from dataclasses import fields

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from shared.errors import InvalidEvent
from shared.events.catalogue import CATALOGUE
from shared.events.licensing import LicenceIssued
from shared.events.reading import read
from shared.events.schemas import CONTRACTS, EventSchemas

PRODUCERS = ("licensing", "certification", "monitoring", "verification")
DEFINED = sorted(
    (kind for kind in CATALOGUE.types() if kind.event_service in PRODUCERS),
    key=lambda kind: kind.wire_type(),
)
JSON_TYPES = {str: "string", list: "array", dict: "object", int: "integer", bool: "boolean"}


def schema_of(kind) -> dict:
    path = (
        CONTRACTS / "events" / kind.event_service / f"{kind.event_name}.v{kind.event_version}.json"
    )
    return json.loads(path.read_text())


def json_types(annotation) -> set[str]:
    """The JSON types a field's annotation allows: ``str | None`` is string or null."""
    allowed = (
        typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
    )
    return {
        "null" if option is type(None) else JSON_TYPES[typing.get_origin(option) or option]
        for option in allowed
    }


def declared_types(schema: dict, prop: dict) -> set[str]:
    if "$ref" in prop:
        prop = {**schema["$defs"][prop["$ref"].rsplit("/", 1)[1]], **prop}
    if "enum" in prop and "type" not in prop:
        return {JSON_TYPES[type(value)] for value in prop["enum"]}
    declared = prop["type"]
    return set(declared) if isinstance(declared, list) else {declared}


def test_every_schema_file_has_a_definition_and_every_definition_a_schema():
    files = {
        str(path.relative_to(CONTRACTS / "events")).removesuffix(".json")
        for path in (CONTRACTS / "events").glob("*/*.json")
    }
    defined = {f"{k.event_service}/{k.event_name}.v{k.event_version}" for k in DEFINED}
    assert files == defined


@pytest.mark.parametrize("kind", DEFINED, ids=lambda kind: kind.wire_type())
def test_fields_required_and_types_match_the_schema(kind):
    schema = schema_of(kind)
    hints = typing.get_type_hints(kind)
    names = [field.name for field in fields(kind)]
    assert set(names) == set(schema["properties"]) == set(schema["required"])
    assert schema["additionalProperties"] is False
    for name in names:
        assert json_types(hints[name]) == declared_types(schema, schema["properties"][name]), name


def envelope(version: int, data: dict) -> dict:
    return {
        "id": "e-1",
        "source": "/licensing",
        "type": f"registry.licensing.licence_issued.v{version}",
        "subject": "rec-1",
        "streamversion": 3,
        "effectiveat": "2026-01-01T00:00:00+00:00",
        "time": "2026-01-01T00:00:00+00:00",
        "recruiterid": "rec-1",
        "data": data,
    }


ISSUED = {"licence_id": "rec-1-l1", "valid_from": "2026-01-01", "valid_until": "2027-12-31"}


def test_a_stored_v1_licence_issued_reads_as_v2_with_no_office():
    received = read(envelope(1, ISSUED))
    assert received.event == LicenceIssued(**ISSUED, issuing_office=None)
    assert received.event.wire_type() == "registry.licensing.licence_issued.v2"
    assert (received.subject, received.stream_version, received.recruiter_id) == (
        "rec-1",
        3,
        "rec-1",
    )


def test_a_v2_licence_issued_keeps_its_office_and_passes_its_schema():
    data = {**ISSUED, "issuing_office": "Nairobi labour office"}
    assert read(envelope(2, data)).event.issuing_office == "Nairobi labour office"
    schema = schema_of(LicenceIssued)
    check = Draft202012Validator(schema, format_checker=FormatChecker())
    assert check.is_valid(data) and check.is_valid({**data, "issuing_office": None})
    assert not check.is_valid(ISSUED) and not check.is_valid({**data, "issuing_office": ""})
    EventSchemas().validate(
        {
            **envelope(2, data),
            "specversion": "1.0",
            "id": "6f1c1c1e-7f43-4d52-9a0b-6f8e8b3e1a11",
            "datacontenttype": "application/json",
            "dataschema": "contracts/events/licensing/licence_issued.v2.json",
            "actor": "ministry_officer/KE",
            "correlationid": "c-1",
            "partitionkey": "rec-1",
        }
    )


def test_an_unknown_event_or_missing_field_is_invalid_not_a_crash():
    with pytest.raises(InvalidEvent):
        read(envelope(1, {"licence_id": "rec-1-l1"}))
    with pytest.raises(InvalidEvent):
        read({**envelope(1, ISSUED), "type": "registry.licensing.licence_painted.v1"})
