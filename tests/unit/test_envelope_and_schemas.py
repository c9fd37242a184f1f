from datetime import UTC, datetime, timedelta

import pytest

from shared.errors import InvalidEvent
from shared.events.envelope import Change, Provenance, decode, encode, wrap
from tests.fixtures.notices import schemas

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def posted(stream="notice-1", first=1, **extra):
    change = Change("notice_posted", {"notice_id": stream, "title": "t", "country": "KE"}, **extra)
    return wrap("testing", stream, first, [change], Provenance("ministry_officer/KE"), NOW, stream)


def test_wrap_builds_cloudevents_with_registry_extensions():
    [event] = posted(effective_at=NOW - timedelta(days=3))
    assert event["specversion"] == "1.0"
    assert event["type"] == "registry.testing.notice_posted.v1"
    assert event["source"] == "/testing"
    assert event["subject"] == "notice-1"
    assert event["dataschema"] == "contracts/events/testing/notice_posted.v1.json"
    assert event["streamversion"] == 1
    assert event["time"] == "2026-11-25T10:00:00.000Z"
    assert event["effectiveat"] == "2026-11-22T10:00:00.000Z"
    assert event["actor"] == "ministry_officer/KE"
    assert event["partitionkey"] == "notice-1"
    schemas().validate(event)


def test_effective_at_defaults_to_recorded_at():
    [event] = posted()
    assert event["effectiveat"] == event["time"]


def test_versions_number_on_from_the_first():
    changes = [Change("notice_amended", {"title": str(n)}) for n in range(3)]
    events = wrap("testing", "n", 4, changes, Provenance("public"), NOW, "n")
    assert [e["streamversion"] for e in events] == [4, 5, 6]
    assert len({e["id"] for e in events}) == 3


def test_a_stream_id_with_a_dot_is_refused():
    with pytest.raises(InvalidEvent):
        posted(stream="a.b")


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda e: e.pop("subject"),
        lambda e: e.update(specversion="0.3"),
        lambda e: e.update(time="yesterday"),
        lambda e: e.update(actor="Jane Doe"),
        lambda e: e.update(dataschema="contracts/events/testing/other.v1.json"),
        lambda e: e["data"].update(country="Kenya"),
        lambda e: e["data"].pop("title"),
        lambda e: e.update(type="registry.testing.unknown_thing.v1"),
        lambda e: e.update(extra="field"),
    ],
)
def test_schema_validation_refuses_broken_events(corrupt):
    [event] = posted()
    corrupt(event)
    with pytest.raises(InvalidEvent):
        schemas().validate(event)


def test_validation_errors_never_quote_the_offending_value():
    [event] = posted()
    event["data"]["country"] = "secret-name-12345"
    with pytest.raises(InvalidEvent) as error:
        schemas().validate(event)
    assert "secret-name-12345" not in str(error.value)


def test_encode_decode_round_trip_and_garbage():
    [event] = posted()
    assert decode(encode(event)) == event
    for garbage in (b"\xff\xfe", b"{not json", b"[1, 2]"):
        with pytest.raises(InvalidEvent):
            decode(garbage)
