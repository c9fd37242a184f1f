"""The licence policy joins licence status and certifications, whichever comes first."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from services.certification.domain import Certification
from services.certification.policies import LicencePolicy
from shared.commands import CommandContext, StreamWriter
from shared.events.envelope import Change, Provenance, wrap
from shared.events.schemas import EventSchemas
from tests.fakes import InMemoryEventStore, InMemoryReadModelStore

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


@pytest.fixture
def world():
    writer = StreamWriter(InMemoryEventStore(EventSchemas()), "certification", lambda: NOW)
    policy = LicencePolicy(SimpleNamespace(read_models=InMemoryReadModelStore(), writer=writer))
    return writer, policy


def licence_event(name: str, version: int, data: dict, effective_at=None) -> dict:
    data = {"licence_id": "rec-1-l1", **data}
    [event] = wrap(
        "licensing",
        "rec-1",
        version,
        [Change(name, data, effective_at=effective_at)],
        Provenance("ministry_officer/KE"),
        NOW,
        "rec-1",
        "rec-1",
    )
    return event


ISSUED = licence_event(
    "licence_issued", 2, {"valid_from": "2026-01-01", "valid_until": "2028-01-01"}
)
SUSPENDED = licence_event("licence_suspended", 3, {"reason": "fees"})
REINSTATED = licence_event("licence_reinstated", 4, {"reason": None})


def granted_certification(writer: StreamWriter) -> list[dict]:
    """Events of a certification granted while the body believed the licence active."""
    certification = writer.load_or_new(Certification, "cert-1")
    certification.apply("rec-1", "cb-1", licence_active=True)
    certification.record_audit("initial", date(2026, 11, 1), [])
    certification.decide(
        "grant",
        NOW.date(),
        True,
        certificate_number="C-1",
        valid_until=NOW.date() + timedelta(days=700),
    )
    writer.save(
        certification,
        CommandContext(Provenance("certification_body/cb-1")),
        lambda c: {},
    )
    return writer.store.load("cert-1")


def last_event(writer: StreamWriter) -> dict:
    return writer.store.load("cert-1")[-1]


def test_licence_suspended_after_the_grant_was_seen(world):
    writer, policy = world
    policy.apply(ISSUED)
    for event in granted_certification(writer):
        policy.apply(event)
    policy.apply(SUSPENDED)
    assert last_event(writer)["type"].endswith("certificate_suspended.v1")
    assert last_event(writer)["causationid"] == SUSPENDED["id"]


def test_a_licence_leaving_active_while_another_stays_active_suspends_nothing(world):
    writer, policy = world
    policy.apply(ISSUED)
    second = licence_event(
        "licence_issued",
        4,
        {"licence_id": "rec-1-l2", "valid_from": "2026-01-01", "valid_until": "2028-01-01"},
    )
    policy.apply(second)
    for event in granted_certification(writer):
        policy.apply(event)
    policy.apply(licence_event("licence_suspended", 5, {"reason": "fees"}))
    assert last_event(writer)["type"].endswith("certificate_granted.v1")


def test_grant_seen_after_the_licence_suspension(world):
    writer, policy = world
    events = granted_certification(writer)
    policy.apply(ISSUED)
    policy.apply(SUSPENDED)
    assert last_event(writer)["type"].endswith("certificate_granted.v1")
    for event in events:
        policy.apply(event)
    assert last_event(writer)["type"].endswith("certificate_suspended.v1")
    assert last_event(writer)["causationid"] == SUSPENDED["id"]
    suspended = last_event(writer)
    policy.apply(suspended)
    policy.apply(REINSTATED)
    assert last_event(writer) == suspended, "reinstating the licence does not lift it"


def test_the_suspension_takes_effect_with_the_licence_decision_never_before_the_grant(world):
    writer, policy = world
    policy.apply(ISSUED)
    for event in granted_certification(writer):
        policy.apply(event)
    future = licence_event("licence_suspended", 3, {"reason": "fees"}, NOW + timedelta(days=30))
    policy.apply(future)
    assert last_event(writer)["effectiveat"] == future["effectiveat"]


def test_a_backdated_licence_suspension_dates_the_certificate_from_its_grant(world):
    writer, policy = world
    events = granted_certification(writer)
    policy.apply(ISSUED)
    backdated = licence_event("licence_suspended", 3, {"reason": "fees"}, NOW - timedelta(days=90))
    policy.apply(backdated)
    for event in events:
        policy.apply(event)
    granted = next(e for e in events if e["type"].endswith("certificate_granted.v1"))
    assert last_event(writer)["effectiveat"] == granted["effectiveat"]


def test_clock_policies_cite_the_event_they_follow_from():
    from services.certification.policies import run_clock_policies
    from services.certification.projections import CertificationRegister

    times = {"now": NOW}
    writer = StreamWriter(InMemoryEventStore(EventSchemas()), "certification", lambda: times["now"])
    register = CertificationRegister(InMemoryReadModelStore())
    granted_certification(writer)
    certification = writer.load(Certification, "cert-1")
    certification.decide("suspend", NOW.date(), True, reason="complaints")
    writer.save(
        certification,
        CommandContext(Provenance("certification_body/cb-1")),
        lambda c: {},
    )
    for event in writer.store.load("cert-1"):
        register.apply(event)
    suspended = writer.store.load("cert-1")[-1]

    times["now"] = NOW + timedelta(days=179)
    assert (
        run_clock_policies(writer, register.store, register.collection, lambda: times["now"]) == 0
    )
    times["now"] = NOW + timedelta(days=181)
    assert (
        run_clock_policies(writer, register.store, register.collection, lambda: times["now"]) == 1
    )
    withdrawn = writer.store.load("cert-1")[-1]
    assert withdrawn["type"].endswith("certificate_withdrawn.v1")
    assert withdrawn["data"]["cause"] == "policy"
    assert withdrawn["causationid"] == suspended["id"]


def test_overdue_surveillance_cites_the_grant():
    from services.certification.policies import run_clock_policies
    from services.certification.projections import CertificationRegister

    times = {"now": NOW}
    writer = StreamWriter(InMemoryEventStore(EventSchemas()), "certification", lambda: times["now"])
    register = CertificationRegister(InMemoryReadModelStore())
    events = granted_certification(writer)
    for event in events:
        register.apply(event)
    times["now"] = NOW + timedelta(days=400)
    run_clock_policies(writer, register.store, register.collection, lambda: times["now"])
    flagged = [
        e for e in writer.store.load("cert-1") if e["type"].endswith("surveillance_overdue.v1")
    ]
    granted = next(e for e in events if e["type"].endswith("certificate_granted.v1"))
    assert len(flagged) == 1 and flagged[0]["causationid"] == granted["id"]


def test_a_redelivered_event_is_handled_once_and_remembered_by_its_id(world):
    writer, policy = world
    policy.apply(ISSUED)
    for event in granted_certification(writer):
        policy.apply(event)
    assert policy.apply(SUSPENDED) is True
    acted = writer.store.load("cert-1")
    assert acted[-1]["causationid"] == SUSPENDED["id"]
    assert policy.apply(SUSPENDED) is False
    assert writer.store.load("cert-1") == acted
    memory = policy.store.get(policy.collection, "rec-1").document
    assert SUSPENDED["id"] in memory["handled"] and ISSUED["id"] in memory["handled"]
