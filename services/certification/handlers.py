"""Certification commands in, events out: each handler loads, checks who acts, decides, saves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

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
from shared.readmodels.base import ReadModelStore


def accredit_body(
    writer: StreamWriter, context: CommandContext, name: str, accreditation_number: str
) -> Outcome:
    body = writer.load_or_new(CertificationBody, new_id("cb"))
    body.accredit(name, accreditation_number)
    return writer.save(body, context, body_view, status=201)


def decide_body(
    writer: StreamWriter, context: CommandContext, cb_id: str, command: str, reason: str | None
) -> Outcome:
    body = writer.load(CertificationBody, cb_id, context)
    body.decide(command, reason)
    return writer.save(body, context, body_view)


def apply_for_certification(
    writer: StreamWriter,
    context: CommandContext,
    cb_id: str,
    recruiter_id: str,
    licences: dict[str, Any] | None,
) -> Outcome:
    _accredited(writer, cb_id)
    certification = writer.load_or_new(Certification, new_id("cert"))
    certification.apply(recruiter_id, cb_id, licence_active(licences))
    return _save(writer, certification, context, status=201)


def act_on_certification(
    writer: StreamWriter,
    context: CommandContext,
    cb_id: str,
    certification_id: str,
    change: Callable[[Certification], Any],
    created: str | None = None,
    status: int = 200,
) -> Outcome:
    """Audits, corrective actions, closures and decisions: only by the accredited owner."""
    _accredited(writer, cb_id)
    certification = writer.load(Certification, certification_id)
    certification.ensure_owned_by(cb_id)
    writer.check_version(certification, context)
    made = change(certification)
    extra = {created: made} if created else {}
    return _save(writer, certification, context, status, extra)


def decide_certification(
    writer: StreamWriter,
    certification: Certification,
    command: str,
    licences: dict[str, Any] | None,
    actor: str,
    **data: Any,
) -> None:
    """grant, suspend, reinstate, withdraw or renew; a grant or renewal claims its number."""
    certification.decide(command, today(writer), licence_active(licences), **data)
    # Claimed only once the decision passed its checks: a refusal stores nothing.
    if command in ("grant", "renew"):
        claim_certificate_number(writer, actor, certification, data["certificate_number"])


def show_certification(writer: StreamWriter, cb_id: str, certification_id: str) -> Outcome:
    certification = writer.load(Certification, certification_id)
    certification.ensure_owned_by(cb_id)
    return Outcome(200, certification_view(certification), certification.version)


def licences_of(store: ReadModelStore, collection: str, recruiter_id: str) -> dict[str, Any] | None:
    stored = store.get(collection, recruiter_id)
    return stored.document if stored else None


def today(writer: StreamWriter) -> date:
    return writer.clock().date()


def _accredited(writer: StreamWriter, cb_id: str) -> CertificationBody:
    try:
        body = writer.load(CertificationBody, cb_id)
    except NotFound as error:
        raise Forbidden(f"certification body {cb_id} is not accredited") from error
    body.ensure_may_act()
    return body


def _save(writer, certification: Certification, context, status: int = 200, extra=None) -> Outcome:
    render = lambda c: {**certification_view(c), **(extra or {})}  # noqa: E731
    return writer.save(
        certification,
        context,
        render,
        status=status,
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
