"""Certification commands in, events out: each handler loads, checks who acts, decides, saves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.certification import commands as c
from services.certification.domain import (
    CertificateNumberClaim,
    Certification,
    CertificationBody,
    certificate_number_stream,
    new_id,
)
from services.certification.projections import licence_active
from services.certification.views import body_view, certification_view
from shared.commands import CommandContext, Outcome, StreamWriter
from shared.errors import ConcurrencyError, Conflict, Forbidden, NotFound
from shared.events.envelope import Provenance


@dataclass(frozen=True)
class Desk:
    """What the certification handlers work with: the event store's writer, and the
    licence status the service follows, by recruiter (a read model)."""

    writer: StreamWriter
    licences: Callable[[str], dict[str, Any] | None]


@dataclass(frozen=True)
class Caller:
    """Who acts: their role and organisation as the actor, and their body if they are one."""

    actor: str
    cb_id: str | None = None


def accredit_body(
    desk: Desk, context: CommandContext, _: Caller, command: c.AccreditBody
) -> Outcome:
    body = desk.writer.load_or_new(CertificationBody, new_id("cb"))
    body.accredit(command.name, command.accreditation_number)
    return desk.writer.save(body, context, body_view, status=201)


def decide_on_body(
    desk: Desk, context: CommandContext, _: Caller, command: c.BodyDecision
) -> Outcome:
    body = desk.writer.load(CertificationBody, command.cb_id, context)
    body.decide(command.decision, command.reason)
    return desk.writer.save(body, context, body_view)


def apply_for_certification(
    desk: Desk, context: CommandContext, caller: Caller, command: c.ApplyForCertification
) -> Outcome:
    _accredited(desk.writer, caller.cb_id)
    certification = desk.writer.load_or_new(Certification, new_id("cert"))
    active = licence_active(desk.licences(command.recruiter_id))
    certification.apply(command.recruiter_id, caller.cb_id, active)
    return _save(desk.writer, certification, context, status=201)


def record_audit(
    desk: Desk, context: CommandContext, caller: Caller, command: c.RecordAudit
) -> Outcome:
    def audit(certification: Certification) -> str:
        today_ = today(desk.writer)
        return certification.record_audit(
            command.type, command.conducted_on, command.findings, today_
        )

    return _act(desk, context, caller, command.certification_id, audit, "audit_id", 201)


def record_corrective_action(
    desk: Desk, context: CommandContext, caller: Caller, command: c.RecordCorrectiveAction
) -> Outcome:
    def record(certification: Certification) -> None:
        finding, due = command.finding_id, command.due_on
        certification.record_corrective_action(finding, command.description, due)

    return _act(desk, context, caller, command.certification_id, record, status=201)


def close_finding(
    desk: Desk, context: CommandContext, caller: Caller, command: c.CloseFinding
) -> Outcome:
    def close(certification: Certification) -> None:
        certification.close_finding(command.finding_id, command.verified_on, today(desk.writer))

    return _act(desk, context, caller, command.certification_id, close)


def decide_on_certificate(
    desk: Desk, context: CommandContext, caller: Caller, command: c.DecideOnCertificate
) -> Outcome:
    """grant, suspend, reinstate, withdraw or renew; a grant or renewal claims its number."""

    def decide(certification: Certification) -> None:
        active = licence_active(desk.licences(certification.recruiter_id))
        data = command.details()
        certification.decide(command.decision, today(desk.writer), active, **data)
        # Claimed only once the decision passed its checks: a refusal stores nothing.
        if command.decision in ("grant", "renew"):
            number = data["certificate_number"]
            claim_certificate_number(desk.writer, caller.actor, certification, number)

    return _act(desk, context, caller, command.certification_id, decide)


def _act(
    desk: Desk,
    context: CommandContext,
    caller: Caller,
    certification_id: str,
    change: Callable[[Certification], Any],
    created: str | None = None,
    status: int = 200,
) -> Outcome:
    """Audits, corrective actions, closures and decisions: only by the accredited owner."""
    _accredited(desk.writer, caller.cb_id)
    certification = desk.writer.load(Certification, certification_id)
    certification.ensure_owned_by(caller.cb_id)
    desk.writer.check_version(certification, context)
    made = change(certification)
    extra = {created: made} if created else {}
    return _save(desk.writer, certification, context, status, extra)


HANDLERS: dict[type, Callable[..., Outcome]] = {
    c.AccreditBody: accredit_body,
    **{kind: decide_on_body for kind in c.BodyDecision.__subclasses__()},
    c.ApplyForCertification: apply_for_certification,
    c.RecordAudit: record_audit,
    c.RecordCorrectiveAction: record_corrective_action,
    c.CloseFinding: close_finding,
    c.DecideOnCertificate: decide_on_certificate,
}


def handle(desk: Desk, context: CommandContext, caller: Caller, command: object) -> Outcome:
    return HANDLERS[type(command)](desk, context, caller, command)


def show_certification(writer: StreamWriter, cb_id: str, certification_id: str) -> Outcome:
    certification = writer.load(Certification, certification_id)
    certification.ensure_owned_by(cb_id)
    return Outcome(200, certification_view(certification), certification.version)


def today(writer: StreamWriter) -> date:
    return writer.clock().date()


def _accredited(writer: StreamWriter, cb_id: str | None) -> CertificationBody:
    try:
        body = writer.load(CertificationBody, cb_id)
    except NotFound as error:
        raise Forbidden(f"certification body {cb_id} is not accredited") from error
    body.ensure_may_act()
    return body


def _save(writer, certification: Certification, context, status: int = 200, extra=None) -> Outcome:
    return writer.save(
        certification, context, lambda c: certification_view(c) | (extra or {}), status=status
    )


def claim_certificate_number(
    writer: StreamWriter, actor: str, certification: Certification, number: str
) -> None:
    """Claim ``number`` for ``certification``; 409 when another certificate carries it. A
    claim whose holder ended up with another number (a grant that failed) is taken over."""
    claim = writer.load_or_new(CertificateNumberClaim, certificate_number_stream(number))
    if claim.exists and claim.certification_id == certification.id:
        return
    if claim.exists:
        holder = writer.load(Certification, claim.certification_id)
        if (holder.certificate_number or "").strip().upper() == number.strip().upper():
            raise Conflict(f"certificate number {number} is already in use")
    claim.claim(number, certification.id)
    claim.recruiter_id = certification.recruiter_id  # its events travel with the recruiter's
    try:
        writer.save(
            claim,
            CommandContext(Provenance(actor)),
            lambda _: {},
        )
    except ConcurrencyError as error:
        raise Conflict(f"certificate number {number} was just claimed") from error
