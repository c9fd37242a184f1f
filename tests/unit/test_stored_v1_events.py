"""Streams stored before events were typed and versioned still load and answer the same.

``tests/fixtures/v1_streams.json`` was written by the code as it stood before typed
events: six recruiters (licensed, suspended, applied only, lapsed, renewed, revoked), two
certificates, a worker's report, every event at version 1, with the answers that code gave
(green answers citing their grounds, as main answered once that landed, from the same events).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from services.licensing.domain import Recruiter
from services.licensing.views import recruiter_view
from services.verification.domain import history, status_at
from services.verification.projections import RecruiterStatus, load_records
from tests.fakes import InMemoryReadModelStore

STORED = json.loads((Path(__file__).parents[1] / "fixtures" / "v1_streams.json").read_text())
RECRUITERS = STORED["recruiters"]
# What answers gained since the fixture was written, empty for streams of that time: the
# recruitment chain (issue 14).
NO_CHAIN = {"agents": [], "reports_naming_unregistered_intermediaries": 0}
NO_CHAIN_DETAIL = {"agents": [], "intermediaries": []}


@pytest.fixture(scope="module")
def records():
    store = InMemoryReadModelStore()
    projection = RecruiterStatus(store)
    for source in ("licensing", "certification", "monitoring"):
        for event in STORED["events"][source]:
            projection.apply(event)
    return load_records(store, projection.collection, RECRUITERS)


@pytest.mark.parametrize("recruiter_id", RECRUITERS)
@pytest.mark.parametrize("at", STORED["instants"])
def test_verification_gives_the_answers_it_gave_before(records, recruiter_id, at):
    status = status_at(records[recruiter_id], datetime.fromisoformat(at), official=True)
    before = STORED["verification"][f"{recruiter_id}@{at}"]
    assert status.verdict == before["verdict"]
    assert [reason.as_dict() for reason in status.reasons] == before["reasons"]
    assert status.public == before["public"] | {"chain": NO_CHAIN}
    assert status.detail == before["detail"] | NO_CHAIN_DETAIL


@pytest.mark.parametrize("recruiter_id", RECRUITERS)
def test_the_public_timeline_is_unchanged(records, recruiter_id):
    timeline = [
        {key: entry[key] for key in ("effective_at", "event", "event_id")}
        for entry in history(records[recruiter_id], official=True)
    ]
    assert timeline == STORED["verification"][f"{recruiter_id}/history"]


@pytest.mark.parametrize("recruiter_id", RECRUITERS)
def test_licensing_rebuilds_each_recruiter_as_before(recruiter_id):
    stream = [e for e in STORED["events"]["licensing"] if e["subject"] == recruiter_id]
    before = STORED["licensing"][recruiter_id]
    # Licences issued as v1 read as v2 that recorded no issuing office; nothing else moves.
    licences = [licence | {"issuing_office": None} for licence in before["licences"]]
    rebuilt = Recruiter.rebuild(recruiter_id, stream)
    assert recruiter_view(rebuilt) == before | {"licences": licences, "agents": []}


def test_the_fixture_holds_only_version_1_events():
    types = {event["type"] for stream in STORED["events"].values() for event in stream}
    assert types and all(type_.endswith(".v1") for type_ in types)
    assert "registry.licensing.licence_issued.v1" in types


def test_consumers_see_stored_v1_licence_issued_events_only_as_v2(records):
    issued = [
        entry
        for recruiter_id in RECRUITERS
        for entry in history(records[recruiter_id], official=True)
        if entry["event"] == "licence_issued"
    ]
    assert issued and all(entry["data"]["issuing_office"] is None for entry in issued)
    assert all(
        set(entry["data"]) == {"licence_id", "valid_from", "valid_until", "issuing_office"}
        for entry in issued
    )
