"""Licensing handlers carry out typed commands on in-memory fakes (no I/O, no Flask)."""

from __future__ import annotations

import inspect
from dataclasses import is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.licensing import commands as c
from services.licensing.handlers import HANDLERS, Office, handle
from shared.commands import CommandContext, StreamWriter
from shared.consistency import Written
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events.envelope import Provenance
from shared.events.schemas import EventSchemas
from tests.fakes import InMemoryEventStore

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
REFERRAL = {
    "referral_id": "ref-rep-1",
    "report_id": "rep-1",
    "country": "KE",
    "recruiter_id": None,
    "categories": ["fees_charged"],
    "status": "referred",
    "outcome": None,
    "referred_at": "2026-11-01T00:00:00Z",
    "acknowledged_at": None,
    "closed_at": None,
}


@pytest.fixture
def office():
    writer = StreamWriter(InMemoryEventStore(EventSchemas()), "licensing", lambda: NOW)
    inbox = {REFERRAL["referral_id"]: REFERRAL}

    def referral(referral_id: str) -> dict:
        if referral_id not in inbox:
            raise NotFound(f"no referral {referral_id} in your inbox")
        return inbox[referral_id]

    return Office(writer, referral)


def run(office: Office, command, country: str = "KE"):
    context = CommandContext(Provenance("ministry_officer/KE"))
    return handle(office, context, country, command)


def events(office: Office, stream: str) -> list[str]:
    return [event["type"] for event in office.writer.store.load(stream)]


def licensed(office: Office, number: str = "C.1") -> tuple[str, str]:
    registered = run(office, c.RegisterRecruiter("Acme", "KE", number))
    recruiter_id = registered.body["recruiter_id"]
    licence_id = run(office, c.ApplyForLicence(recruiter_id, f"RA/{number}")).body["licence_id"]
    issue = c.IssueLicence(
        licence_id=licence_id,
        valid_from=date(2026, 1, 1),
        valid_until=date(2028, 12, 31),
        issuing_office="Nairobi",
    )
    run(office, issue)
    return recruiter_id, licence_id


def test_every_command_has_a_handler():
    defined = {
        kind
        for _, kind in inspect.getmembers(c, inspect.isclass)
        if is_dataclass(kind) and kind.__module__ == c.__name__ and kind is not c.LicenceDecision
    }
    assert defined == set(HANDLERS)


def test_register_apply_and_issue_record_typed_events_and_name_them(office):
    registered = run(office, c.RegisterRecruiter("Acme", "KE", "C.1", ["Acme Jobs"]))
    assert registered.status == 201 and registered.body["trade_names"] == ["Acme Jobs"]
    recruiter_id = registered.body["recruiter_id"]
    assert Written.from_token(registered.written) == Written(
        "licensing", recruiter_id, 1, recruiter_id
    )
    applied = run(office, c.ApplyForLicence(recruiter_id, "RA/1"))
    issue = c.IssueLicence(
        licence_id=applied.body["licence_id"],
        valid_from=date(2026, 1, 1),
        valid_until=date(2028, 12, 31),
        issuing_office="Nairobi",
    )
    issued = run(office, issue)
    assert (issued.status, issued.body["status"], issued.body["issuing_office"]) == (
        200,
        "active",
        "Nairobi",
    )
    assert events(office, recruiter_id) == [
        "registry.licensing.recruiter_registered.v1",
        "registry.licensing.licence_applied.v1",
        "registry.licensing.licence_issued.v2",
    ]
    with pytest.raises(Conflict):
        run(office, c.RegisterRecruiter("Acme again", "KE", "C.1"))


def test_an_officer_acts_only_on_their_own_country(office):
    with pytest.raises(Forbidden):
        run(office, c.RegisterRecruiter("Acme", "PH", "C.1"))
    recruiter_id, licence_id = licensed(office)
    with pytest.raises(Forbidden):
        run(office, c.SuspendLicence(licence_id=licence_id, reason="fees"), country="PH")
    assert len(events(office, recruiter_id)) == 3


def test_a_licence_number_is_held_by_one_recruiter(office):
    licensed(office, "C.1")
    other = run(office, c.RegisterRecruiter("Other", "KE", "C.2")).body["recruiter_id"]
    with pytest.raises(Conflict):
        run(office, c.ApplyForLicence(other, "RA/C.1"))


def test_a_condition_imposed_is_named_on_top_and_lifted_by_its_id(office):
    recruiter_id, licence_id = licensed(office)
    imposed = run(office, c.ImposeCondition(licence_id=licence_id, text="Quarterly audit"))
    assert imposed.status == 201 and imposed.body["condition_id"] == "c1"
    assert imposed.body["conditions_in_force"] == 1
    lifted = run(office, c.LiftCondition(licence_id=licence_id, condition_id="c1"))
    assert lifted.body["conditions_in_force"] == 0 and "condition_id" not in lifted.body
    with pytest.raises(NotFound):
        run(office, c.LiftCondition(licence_id=licence_id, condition_id="c1"))


def test_amendments_answer_what_they_created(office):
    recruiter_id, _ = licensed(office)
    violation = c.RecordViolation(recruiter_id, "Charged fees", date(2026, 3, 4))
    assert run(office, violation).body["violation_id"] == "v1"
    branch = run(office, c.OpenBranch(recruiter_id, "Mombasa", "Moi Ave 1"))
    assert branch.status == 201 and branch.body["branches"][0]["country"] == "KE"
    closed = run(office, c.CloseBranch(recruiter_id, branch.body["branch_id"]))
    assert closed.status == 200 and closed.body["branches"][0]["closed_at"]
    officer = run(office, c.AppointOfficer(recruiter_id, "J. Doe", "director"))
    removed = run(office, c.RemoveOfficer(recruiter_id, officer.body["officer_id"]))
    assert removed.body["officers"][0]["removed_at"]


def test_the_deposit_moves_by_the_rules(office):
    recruiter_id, _ = licensed(office)
    run(office, c.LodgeDeposit(recruiter_id, Decimal("1000"), "KES"))
    with pytest.raises(Invalid):
        run(office, c.DrawDeposit(recruiter_id, Decimal("1500"), "KES", "claim-1"))
    run(office, c.DrawDeposit(recruiter_id, Decimal("400"), "KES", "claim-1"))
    topped = run(office, c.TopUpDeposit(recruiter_id, Decimal("50.5"), "KES"))
    assert topped.body["deposit"] == {"status": "held", "currency": "KES", "balance": "650.5"}
    forfeited = run(office, c.ForfeitDeposit(recruiter_id, "claims unpaid"))
    assert forfeited.body["deposit"]["status"] == "forfeited"


def test_a_referral_is_acknowledged_then_closed_from_the_inbox(office):
    acknowledged = run(office, c.AcknowledgeReferral("ref-rep-1"))
    assert acknowledged.body["status"] == "acknowledged"
    closed = run(office, c.CloseReferral("ref-rep-1", "sanctioned", "fined"))
    assert (closed.body["status"], closed.body["outcome"]) == ("closed", "sanctioned")
    assert events(office, "referral-ref-rep-1") == [
        "registry.licensing.referral_acknowledged.v1",
        "registry.licensing.referral_closed.v1",
    ]
    with pytest.raises(NotFound):
        run(office, c.AcknowledgeReferral("ref-unknown"))
    with pytest.raises(Forbidden):
        run(office, c.CloseReferral("ref-rep-1", "no_action"), country="PH")
