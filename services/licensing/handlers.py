"""Licensing commands in, events out: each handler loads, decides, saves.

``country`` is the country of the officer's token: a ministry acts only on its own
country's recruiters, checked after loading and before anything is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.licensing.domain import (
    LicenceNumberClaim,
    Recruiter,
    Referral,
    claim_stream,
    recruiter_id_for,
    recruiter_of,
    referral_stream,
)
from services.licensing.views import licence_view, recruiter_view, referral_view
from shared.commands import CommandContext, Outcome, StreamWriter
from shared.errors import ConcurrencyError, Conflict, Forbidden


def register_recruiter(
    writer: StreamWriter, context: CommandContext, country: str, body: dict[str, Any]
) -> Outcome:
    _same_country(country, body["country"])
    recruiter = writer.load_or_new(
        Recruiter, recruiter_id_for(body["country"], body["registration_number"])
    )
    recruiter.register(
        body["legal_name"],
        body["country"],
        body["registration_number"],
        body.get("trade_names", []),
        body.get("address"),
    )
    return _save(writer, recruiter, context, recruiter_view, status=201)


def apply_for_licence(
    writer: StreamWriter,
    context: CommandContext,
    country: str,
    recruiter_id: str,
    licence_number: str,
) -> Outcome:
    recruiter = _load(writer, recruiter_id, context, country)
    claim = writer.load_or_new(LicenceNumberClaim, claim_stream(recruiter.country, licence_number))
    held = claim.exists and not _stale(writer, claim, recruiter, licence_number)
    if held and claim.recruiter_id != recruiter.id:
        raise Conflict(f"licence number {licence_number} is already held in {recruiter.country}")
    if held and claim.licence_id in recruiter.licences:
        raise Conflict(
            f"licence number {licence_number} was already applied for as {claim.licence_id}"
        )
    # A claim of ours whose licence never landed (a crash in between) is taken up again.
    licence_id = claim.licence_id if held else recruiter.next_licence_id()
    recruiter.apply_for_licence(licence_id, licence_number)
    if not held:
        claim.claim(recruiter.country, licence_number, recruiter.id, licence_id)
        # The claim is its own commit; the caller's key and version belong to the licence.
        bare = replace(context, idempotency_key=None, request_hash=None, expected_version=None)
        try:
            writer.save(claim, bare, lambda _: {})
        except ConcurrencyError as error:
            raise Conflict(f"licence number {licence_number} was just claimed") from error
    return _save(writer, recruiter, context, lambda r: licence_view(r, licence_id), status=201)


def _stale(
    writer: StreamWriter, claim: LicenceNumberClaim, recruiter: Recruiter, number: str
) -> bool:
    """A claim left by an application that lost a race: its licence id went to another number."""
    holder = (
        recruiter
        if claim.recruiter_id == recruiter.id
        else writer.load(Recruiter, claim.recruiter_id)
    )
    licence = holder.licences.get(claim.licence_id)
    return licence is not None and licence.licence_number.strip().upper() != number.strip().upper()


def decide_licence(
    writer: StreamWriter,
    context: CommandContext,
    country: str,
    licence_id: str,
    command: str,
    effective_at: datetime | None = None,
    status: int = 200,
    **data: Any,
) -> Outcome:
    """issue, deny, renew, suspend, reinstate, revoke, cancel, impose or lift a condition."""
    recruiter = _load(writer, recruiter_of(licence_id), context, country)
    recruiter.decide(licence_id, command, writer.clock(), effective_at, **data)
    return _save(writer, recruiter, context, lambda r: licence_view(r, licence_id), status=status)


def amend_recruiter(
    writer: StreamWriter,
    context: CommandContext,
    country: str,
    recruiter_id: str,
    change: Callable[[Recruiter], str | None],
    created: str | None = None,
    status: int = 200,
) -> Outcome:
    """Violations, branches, officers, deposit: ``change`` records it on the recruiter and
    returns the id of what it created, answered under the name ``created``."""
    recruiter = _load(writer, recruiter_id, context, country)
    made = change(recruiter)
    extra = {created: made} if created else {}
    return _save(writer, recruiter, context, lambda r: {**recruiter_view(r), **extra}, status)


def show_recruiter(writer: StreamWriter, country: str, recruiter_id: str) -> Outcome:
    recruiter = _load(writer, recruiter_id, None, country)
    return Outcome(200, recruiter_view(recruiter), recruiter.version)


def show_licence(writer: StreamWriter, country: str, licence_id: str) -> Outcome:
    recruiter = _load(writer, recruiter_of(licence_id), None, country)
    recruiter.licence(licence_id)
    return Outcome(200, licence_view(recruiter, licence_id), recruiter.version)


def _load(
    writer: StreamWriter, recruiter_id: str, context: CommandContext | None, country: str
) -> Recruiter:
    recruiter = writer.load(Recruiter, recruiter_id)
    _same_country(country, recruiter.country)
    if context is not None:
        writer.check_version(recruiter, context)
    return recruiter


def _same_country(token_country: str, country: str) -> None:
    if token_country != country:
        raise Forbidden(f"your token covers {token_country}, not {country}")


def _save(
    writer: StreamWriter, recruiter: Recruiter, context: CommandContext, render, status: int = 200
) -> Outcome:
    return writer.save(
        recruiter,
        context,
        render,
        status=status,
    )


def acknowledge_referral(
    writer: StreamWriter, context: CommandContext, country: str, referral: dict[str, Any]
) -> Outcome:
    return _answer_referral(writer, context, country, referral, lambda r: r.acknowledge(referral))


def close_referral(
    writer: StreamWriter,
    context: CommandContext,
    country: str,
    referral: dict[str, Any],
    outcome: str,
    note: str | None,
) -> Outcome:
    return _answer_referral(
        writer, context, country, referral, lambda r: r.close(referral, outcome, note)
    )


def _answer_referral(writer, context, country, referral, decide) -> Outcome:
    _same_country(country, referral["country"])
    answer = writer.load_or_new(Referral, referral_stream(referral["referral_id"]))
    writer.check_version(answer, context)
    decide(answer)
    # The recruiter is known from the inbox: the ministry's answer itself does not name it.
    answer.recruiter_id = referral.get("recruiter_id")
    return writer.save(answer, context, lambda r: referral_view(referral, r))
