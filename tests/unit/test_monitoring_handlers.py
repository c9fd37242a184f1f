"""Monitoring handlers carry out typed commands on in-memory fakes (no I/O, no Flask)."""

from __future__ import annotations

import inspect
from dataclasses import is_dataclass
from datetime import UTC, datetime

import pytest

from services.monitoring import commands as c
from services.monitoring.crypto import Sealed, Vault, master_key
from services.monitoring.handlers import HANDLERS, PERSONAL, Desk, handle, show_report
from shared.commands import CommandContext, StreamWriter
from shared.errors import Conflict, Invalid, NotFound, TransitionForbidden
from shared.events.envelope import Provenance
from shared.events.schemas import EventSchemas
from tests.fakes import InMemoryEventStore, InMemoryReadModelStore

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
NAMED = {"name": "Agência São Jorge", "country": "KE", "licence_number": "RA/77"}


@pytest.fixture
def desk(tmp_path):
    writer = StreamWriter(InMemoryEventStore(EventSchemas()), "monitoring", lambda: NOW)
    known = {"rec-known"}
    numbers = {("KE", "RA/77"): "rec-known"}
    return Desk(
        writer,
        InMemoryReadModelStore(),
        Vault(master_key(tmp_path)),
        known.__contains__,
        lambda country, number: numbers.get((country, number)),
        lambda recruiter_id, agent_id: (recruiter_id, agent_id) == ("rec-known", "a1"),
    )


def run(desk: Desk, command, organisation: str = "ngo-1"):
    return handle(
        desk, CommandContext(Provenance(f"monitor/{organisation}")), organisation, command
    )


def test_every_command_has_a_handler():
    defined = {
        kind
        for _, kind in inspect.getmembers(c, inspect.isclass)
        if is_dataclass(kind) and kind.__module__ == c.__name__ and kind is not c.TriageReport
    }
    assert defined == set(HANDLERS)


def test_a_report_is_matched_by_licence_number_and_personal_data_stays_out_of_events(desk):
    received = run(desk, c.ReceiveReport(NAMED, ["fees_charged"], narrative="kept my passport"))
    assert received.status == 201 and received.body["tracking_code"]
    report_id = received.body["report_id"]
    [event] = desk.writer.store.load(report_id)
    assert event["data"]["recruiter_id"] == "rec-known"
    assert "passport" not in str(event) and "São Jorge" not in str(event)
    sealed = Sealed.from_document(desk.store.get(PERSONAL, report_id).document)
    assert desk.vault.open(report_id, sealed)["narrative"] == "kept my passport"


def test_a_report_on_a_recruiter_not_seen_yet_is_held_for_it(desk):
    received = run(desk, c.ReceiveReport({"recruiter_id": "rec-later"}, ["deception"]))
    [event] = desk.writer.store.load(received.body["report_id"])
    assert (event["data"]["recruiter_id"], event["partitionkey"]) == ("rec-later", "rec-later")


def test_triage_follows_the_table_and_keeps_notes_in_the_vault(desk):
    report_id = run(desk, c.ReceiveReport(NAMED, ["fees_charged"])).body["report_id"]
    with pytest.raises(TransitionForbidden):
        run(desk, c.ReferReport(report_id=report_id, country="KE"))
    run(desk, c.SubstantiateReport(report_id=report_id, note="two witnesses"))
    referred = run(desk, c.ReferReport(report_id=report_id, country="KE"))
    assert referred.body["status"] == "referred"
    resolve = c.ResolveReport(report_id=report_id, outcome="fees_reimbursed", fees_reimbursed=None)
    assert run(desk, resolve).body["outcome"] == "fees_reimbursed"
    shown = show_report(desk.writer, desk.store, desk.vault, "ngo-1", report_id).body
    assert shown["personal_data"]["notes"] == ["two witnesses"]
    with pytest.raises(NotFound):
        run(desk, c.WithdrawReport(report_id=report_id), organisation="ngo-2")


def test_a_match_needs_a_recruiter_this_service_knows(desk):
    report_id = run(desk, c.ReceiveReport({**NAMED, "licence_number": None}, ["other"])).body[
        "report_id"
    ]
    with pytest.raises(Invalid):
        run(desk, c.MatchReport(report_id, "rec-unknown"))
    assert run(desk, c.MatchReport(report_id, "rec-known")).body["recruiter_id"] == "rec-known"


def test_an_intermediary_is_linked_only_to_an_agent_declared_for_the_reports_recruiter(desk):
    named = [{"name": "Broker Ram", "country": "NP"}]
    unmatched = c.ReceiveReport({**NAMED, "licence_number": None}, ["other"], intermediaries=named)
    loose = run(desk, unmatched).body["report_id"]
    with pytest.raises(Conflict, match="match it first"):
        run(desk, c.LinkIntermediary(loose, "i1", agent_id="a1"))
    assert run(desk, c.LinkIntermediary(loose, "i1", unregistered=True)).status == 200
    report_id = run(desk, c.ReceiveReport(NAMED, ["fees_charged"], intermediaries=named)).body[
        "report_id"
    ]
    with pytest.raises(Invalid, match="no declared agent a2"):
        run(desk, c.LinkIntermediary(report_id, "i1", agent_id="a2"))
    linked = run(desk, c.LinkIntermediary(report_id, "i1", agent_id="a1")).body
    assert linked["intermediaries"] == [
        {"intermediary_id": "i1", "country": "NP", "link": "declared_agent", "agent_id": "a1"}
    ]
    assert "Broker Ram" not in str(desk.writer.store.load(report_id))
