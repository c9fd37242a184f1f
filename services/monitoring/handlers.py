"""Monitoring commands in, events out; personal data into the vault, never into events.

A report belongs to the organisation that received it: a monitor's own organisation,
or for anonymous intake the organisation named by ``REGISTRY_PUBLIC_INTAKE_ORG``. Only
that organisation's monitors see and act on it (403 otherwise).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from services.monitoring import commands as c
from services.monitoring.crypto import Sealed, Unreadable, Vault, tracking_code
from services.monitoring.domain import Report, new_report_id
from shared.commands import CommandContext, Outcome, StreamWriter
from shared.errors import Conflict, Invalid, NotFound
from shared.readmodels.base import ReadModelStore

PERSONAL = "personal_data"
TRACKING = "tracking_codes"


@dataclass(frozen=True)
class Desk:
    """What the monitoring handlers work with: the event store's writer, the store and
    vault for personal data, and monitoring's directory of the recruiters licensing knows."""

    writer: StreamWriter
    store: ReadModelStore
    vault: Vault
    recruiter_known: Callable[[str], bool]
    recruiter_by_licence: Callable[[str, str], str | None]
    # Whether licensing declared this agent (its id) for this recruiter.
    agent_declared: Callable[[str, str], bool]


def receive_report(
    desk: Desk, context: CommandContext, organisation: str, command: c.ReceiveReport
) -> Outcome:
    """A report naming a recruiter id this service has not seen yet is still accepted: it
    names that recruiter, whose events will join it when licensing's arrive (SPEC 13)."""
    writer, store, subject = desk.writer, desk.store, command.subject
    matched = None
    if subject.get("licence_number"):
        matched = desk.recruiter_by_licence(subject["country"], subject["licence_number"])
    report = writer.load_or_new(Report, new_report_id())
    named = command.intermediaries or []
    intermediary_ids = report.receive(
        organisation,
        subject,
        command.categories,
        command.fee_paid,
        command.destination_country,
        command.recruitment_date,
        matched,
        [intermediary["country"] for intermediary in named],
    )
    code = tracking_code()
    personal = {
        **(command.reporter or {}),
        "narrative": command.narrative,
        "recruiter_as_named": subject.get("name"),
        "notes": [],
        "intermediaries": [
            {
                "intermediary_id": intermediary_id,
                "name": intermediary["name"],
                "role_as_described": intermediary.get("role_as_described"),
            }
            for intermediary_id, intermediary in zip(intermediary_ids, named, strict=True)
        ],
    }
    # Stored before the event: an accepted report never loses what the worker told.
    store.put(PERSONAL, report.id, desk.vault.seal(report.id, personal).as_document(), 0)
    store.put(TRACKING, _digest(code), {"report_id": report.id}, 0)
    try:
        outcome = writer.save(
            report, context, lambda r: {"report_id": r.id, "status": r.status}, status=201
        )
    except Exception:
        store.delete(PERSONAL, report.id)
        store.delete(TRACKING, _digest(code))
        raise
    return replace(outcome, body={**outcome.body, "tracking_code": code})


def triage_report(
    desk: Desk, context: CommandContext, organisation: str, command: c.TriageReport
) -> Outcome:
    """review, substantiate, unsubstantiate, withdraw, refer or resolve; the note is kept
    once the step is stored, so a refused command leaves no trace."""
    report = _own(desk.writer, command.report_id, organisation)
    desk.writer.check_version(report, context)
    report.decide(command.decision, **command.details())
    outcome = desk.writer.save(report, context, report_view)
    add_note(desk.store, desk.vault, command.report_id, command.note)
    return outcome


def match_report(
    desk: Desk, context: CommandContext, organisation: str, command: c.MatchReport
) -> Outcome:
    """A monitor says which known recruiter the report is about."""
    if not desk.recruiter_known(command.recruiter_id):
        raise Invalid(
            "no recruiter with that id is known to this registry", {"recruiter_id": ["unknown"]}
        )
    report = _own(desk.writer, command.report_id, organisation)
    desk.writer.check_version(report, context)
    report.match(command.recruiter_id)
    return desk.writer.save(report, context, report_view)


def link_intermediary(
    desk: Desk, context: CommandContext, organisation: str, command: c.LinkIntermediary
) -> Outcome:
    """A monitor says who an intermediary the report names is: a declared agent of the
    report's recruiter, or nobody the ministry declared."""
    report = _own(desk.writer, command.report_id, organisation)
    desk.writer.check_version(report, context)
    if command.agent_id is not None:
        if report.recruiter_id is None:
            raise Conflict(
                f"report {report.id} concerns no known recruiter yet: match it first, then "
                "link its intermediaries to that recruiter's agents"
            )
        if not desk.agent_declared(report.recruiter_id, command.agent_id):
            raise Invalid(
                f"recruiter {report.recruiter_id} has no declared agent {command.agent_id}",
                {"agent_id": ["not a declared agent of the report's recruiter"]},
            )
    report.link_intermediary(command.intermediary_id, command.agent_id)
    return desk.writer.save(report, context, report_view)


HANDLERS: dict[type, Callable[..., Outcome]] = {
    c.ReceiveReport: receive_report,
    **{kind: triage_report for kind in c.TriageReport.__subclasses__()},
    c.MatchReport: match_report,
    c.LinkIntermediary: link_intermediary,
}


def handle(desk: Desk, context: CommandContext, organisation: str, command: object) -> Outcome:
    """Carry out a command for ``organisation``: the monitor's own, or the intake desk."""
    return HANDLERS[type(command)](desk, context, organisation, command)


def add_note(store: ReadModelStore, vault: Vault, report_id: str, note: str | None) -> None:
    """A monitor's note may name people: it goes into the vault with the report's data."""
    while note:
        stored = store.get(PERSONAL, report_id)
        try:
            personal = vault.open(report_id, Sealed.from_document(stored.document))
        except Unreadable:
            return  # erased: nothing personal is kept any more, notes included
        personal["notes"] = [*personal.get("notes", []), note]
        sealed = vault.seal(report_id, personal).as_document()
        # No scrub: the note's older ciphertext is under the same data key, which an
        # erasure destroys; the erasure scrubs.
        if store.put(PERSONAL, report_id, sealed, stored.revision):
            return


def erase_personal_data(
    store: ReadModelStore, writer: StreamWriter, organisation: str, report_id: str
) -> dict:
    _own(writer, report_id, organisation)
    while True:
        stored = store.get(PERSONAL, report_id)
        erased = Vault.erase(Sealed.from_document(stored.document))
        if store.put(PERSONAL, report_id, erased.as_document(), stored.revision):
            store.scrub()
            return {"report_id": report_id, "personal_data": "erased"}


def show_report(
    writer: StreamWriter, store: ReadModelStore, vault: Vault, organisation: str, report_id: str
) -> Outcome:
    report = _own(writer, report_id, organisation)
    stored = store.get(PERSONAL, report_id)
    try:
        personal: dict[str, Any] = vault.open(report_id, Sealed.from_document(stored.document))
    except Unreadable:
        personal = {"erased": True}
    return Outcome(200, {**report_view(report), "personal_data": personal}, report.version)


def track(writer: StreamWriter, store: ReadModelStore, code: str) -> dict[str, Any]:
    """What a worker sees with the tracking code: status, dated updates, the referral."""
    found = store.get(TRACKING, _digest(code))
    if found is None:
        raise NotFound("no report with that tracking code")
    report = writer.load(Report, found.document["report_id"])
    answer: dict[str, Any] = {"status": report.status, "updates": report.updates}
    if report.referral:
        answer["referral"] = {
            "country": report.referral["country"],
            "outcome": report.referral["outcome"],
        }
    return answer


def report_view(report: Report) -> dict[str, Any]:
    return {
        "report_id": report.id,
        "status": report.status,
        "organisation": report.organisation,
        "recruiter_id": report.recruiter_id,
        "named_recruiter": report.subject or None,
        "categories": report.categories,
        "fee_paid": report.fee_paid,
        "referral": report.referral,
        "outcome": report.outcome,
        "updates": report.updates,
        "intermediaries": list(report.intermediaries.values()),
        "version": report.next_version,
    }


def _own(writer: StreamWriter, report_id: str, organisation: str) -> Report:
    report = writer.load(Report, report_id)
    if report.organisation != organisation:
        # Not 403: another organisation may not even learn that the report exists.
        raise NotFound(f"no report {report_id} in your organisation's reports")
    return report


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
