"""Certification handlers carry out typed commands on in-memory fakes (no I/O, no Flask)."""

from __future__ import annotations

import inspect
from dataclasses import is_dataclass
from datetime import UTC, date, datetime

import pytest

from services.certification import commands as c
from services.certification.handlers import HANDLERS, Caller, Desk, handle
from shared.commands import CommandContext, StreamWriter
from shared.errors import Conflict, Forbidden, TransitionForbidden
from shared.events.envelope import Provenance
from shared.events.schemas import EventSchemas
from tests.fakes import InMemoryEventStore

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
OWNER = Caller("scheme_owner/iris")
MAJOR = {"principle": "no_fees_to_workers", "severity": "major", "description": "fees"}


@pytest.fixture
def world():
    writer = StreamWriter(InMemoryEventStore(EventSchemas()), "certification", lambda: NOW)
    active = {"rec-1": {"licence_active": True}, "rec-2": {"licence_active": False}}
    return Desk(writer, active.get)


def run(desk: Desk, caller: Caller, command):
    return handle(desk, CommandContext(Provenance(caller.actor)), caller, command)


def body(desk: Desk) -> Caller:
    cb_id = run(desk, OWNER, c.AccreditBody("Fair Audits", "IRIS-1")).body["cb_id"]
    return Caller(f"certification_body/{cb_id}", cb_id)


def types(desk: Desk, stream: str) -> list[str]:
    return [e["type"].split(".")[2] for e in desk.writer.store.load(stream)]


def test_every_command_has_a_handler():
    defined = {
        kind
        for _, kind in inspect.getmembers(c, inspect.isclass)
        if is_dataclass(kind) and kind.__module__ == c.__name__ and kind is not c.BodyDecision
    }
    assert defined == set(HANDLERS)


def test_a_certificate_is_granted_once_its_major_finding_is_closed(world):
    cb = body(world)
    applied = run(world, cb, c.ApplyForCertification("rec-1"))
    certification_id = applied.body["certification_id"]
    audit = run(world, cb, c.RecordAudit(certification_id, "initial", date(2026, 11, 1), [MAJOR]))
    assert audit.status == 201 and audit.body["open_major_findings"] == 1
    finding = audit.body["findings"][0]["finding_id"]
    grant = c.DecideOnCertificate(certification_id, "grant", "IRIS-KE-1", date(2028, 1, 31))
    with pytest.raises(Conflict):
        run(world, cb, grant)
    action = c.RecordCorrectiveAction(certification_id, finding, "refund", date(2026, 12, 1))
    assert run(world, cb, action).status == 201
    run(world, cb, c.CloseFinding(certification_id, finding, date(2026, 11, 20)))
    granted = run(world, cb, grant)
    assert granted.body["status"] == "certified"
    assert types(world, certification_id)[-1] == "certificate_granted"


def test_only_an_accredited_body_acts_and_only_on_its_own(world):
    cb, other = body(world), body(world)
    certification_id = run(world, cb, c.ApplyForCertification("rec-1")).body["certification_id"]
    audit = c.RecordAudit(certification_id, "initial", date(2026, 11, 1), [])
    with pytest.raises(Forbidden):
        run(world, other, audit)
    run(world, OWNER, c.SuspendBody(cb.cb_id, "under review"))
    with pytest.raises(Forbidden):
        run(world, cb, audit)
    restored = run(world, OWNER, c.RestoreBody(cb.cb_id))
    assert restored.body["status"] == "accredited"
    with pytest.raises(TransitionForbidden):
        run(world, OWNER, c.RestoreBody(cb.cb_id))


def test_no_certification_without_an_active_licence(world):
    cb = body(world)
    with pytest.raises(Conflict):
        run(world, cb, c.ApplyForCertification("rec-2"))
    with pytest.raises(Conflict):
        run(world, cb, c.ApplyForCertification("rec-unknown"))
