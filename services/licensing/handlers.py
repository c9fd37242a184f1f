"""Licensing commands in, events out: each handler loads, decides, saves.

``country`` is the country of the officer's token: a ministry acts only on its own
country's recruiters, checked after loading and before anything is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from services.licensing import commands as c
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
from shared.errors import ConcurrencyError, Conflict, Forbidden, NotFound


@dataclass(frozen=True)
class Office:
    """What the licensing handlers work with: the event store's writer, and the ministry's
    inbox of referrals (a read model) to find a referral by id."""

    writer: StreamWriter
    referral: Callable[[str], dict[str, Any]]


def register_recruiter(
    office: Office, context: CommandContext, country: str, command: c.RegisterRecruiter
) -> Outcome:
    _same_country(country, command.country)
    stream = recruiter_id_for(command.country, command.registration_number)
    recruiter = office.writer.load_or_new(Recruiter, stream)
    recruiter.register(
        command.legal_name,
        command.country,
        command.registration_number,
        command.trade_names or [],
        command.address,
    )
    return office.writer.save(recruiter, context, recruiter_view, status=201)


def apply_for_licence(
    office: Office, context: CommandContext, country: str, command: c.ApplyForLicence
) -> Outcome:
    writer, licence_number = office.writer, command.licence_number
    recruiter = _load(writer, command.recruiter_id, context, country)
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
    return writer.save(recruiter, context, lambda r: licence_view(r, licence_id), status=201)


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


def decide_on_licence(
    office: Office, context: CommandContext, country: str, command: c.LicenceDecision
) -> Outcome:
    """issue, deny, renew, suspend, reinstate, revoke, cancel, impose or lift a condition."""
    writer, licence_id = office.writer, command.licence_id
    recruiter = _load(writer, recruiter_of(licence_id), context, country)
    imposed = recruiter.decide(
        licence_id, command.decision, writer.clock(), command.effective_at, **command.details()
    )
    # Imposing a condition is the one decision that creates something: it is named on top.
    created = {"condition_id": imposed} if imposed else {}
    status = 201 if imposed else 200
    return writer.save(recruiter, context, lambda r: licence_view(r, licence_id) | created, status)


def record_violation(
    office: Office, context: CommandContext, country: str, command: c.RecordViolation
) -> Outcome:
    def record(r: Recruiter) -> str:
        return r.record_violation(command.description, command.decided_on, command.penalty)

    return _amend(office, context, country, command.recruiter_id, record, "violation_id")


def open_branch(
    office: Office, context: CommandContext, country: str, command: c.OpenBranch
) -> Outcome:
    def open_(r: Recruiter) -> str:
        return r.open_branch(command.name, command.address, command.country or r.country)

    return _amend(office, context, country, command.recruiter_id, open_, "branch_id")


def close_branch(
    office: Office, context: CommandContext, country: str, command: c.CloseBranch
) -> Outcome:
    def close(r: Recruiter) -> None:
        r.close_branch(command.branch_id, command.reason)

    return _amend(office, context, country, command.recruiter_id, close)


def appoint_officer(
    office: Office, context: CommandContext, country: str, command: c.AppointOfficer
) -> Outcome:
    def appoint(r: Recruiter) -> str:
        return r.appoint_officer(command.name, command.position)

    return _amend(office, context, country, command.recruiter_id, appoint, "officer_id")


def remove_officer(
    office: Office, context: CommandContext, country: str, command: c.RemoveOfficer
) -> Outcome:
    def remove(r: Recruiter) -> None:
        r.remove_officer(command.officer_id)

    return _amend(office, context, country, command.recruiter_id, remove)


def declare_agent(
    office: Office, context: CommandContext, country: str, command: c.DeclareAgent
) -> Outcome:
    """An agent with a licence number the registry knows is that number's holder: it may
    not be the recruiter itself, nor lead back to it through the holders' own agents."""
    holder = None
    if command.licence_number:
        holder = _holder(office.writer, command.country, command.licence_number)
    loop = _path_back(office.writer, holder, command.recruiter_id) if holder else None

    def declare(r: Recruiter) -> str:
        when, now = command.effective_at, office.writer.clock()
        name, role, number = command.name, command.role, command.licence_number
        return r.declare_agent(name, command.country, role, number, now, when, holder, loop)

    return _amend(office, context, country, command.recruiter_id, declare, "agent_id")


def end_agent_link(
    office: Office, context: CommandContext, country: str, command: c.EndAgentLink
) -> Outcome:
    def end(r: Recruiter) -> None:
        r.end_agent(command.agent_id, office.writer.clock(), command.effective_at)

    return _amend(office, context, country, command.recruiter_id, end)


# How many recruiters a loop search visits at most: chains are short in practice, and a
# loop longer than this is caught on the read side, which never follows links blindly.
MAX_LOOP_SEARCH = 200


def _holder(writer: StreamWriter, country: str, licence_number: str) -> str | None:
    claim = writer.load_or_new(LicenceNumberClaim, claim_stream(country, licence_number))
    return claim.recruiter_id if claim.exists else None


def _path_back(writer: StreamWriter, start: str, target: str) -> list[str] | None:
    """The recruiters from ``start`` along current agent links to ``target``, if any."""
    came_from: dict[str, str | None] = {start: None}
    queue = [start]
    while queue and len(came_from) < MAX_LOOP_SEARCH:
        current = queue.pop(0)
        try:
            recruiter = writer.load(Recruiter, current)
        except NotFound:
            continue
        for agent in recruiter.linked_agents():
            if not agent["licence_number"]:
                continue
            nxt = _holder(writer, agent["country"], agent["licence_number"])
            if nxt == target:
                path = [current]
                while came_from[path[-1]] is not None:
                    path.append(came_from[path[-1]])
                return list(reversed(path))
            if nxt and nxt not in came_from:
                came_from[nxt] = current
                queue.append(nxt)
    return None


def move_deposit(
    office: Office,
    context: CommandContext,
    country: str,
    command: c.LodgeDeposit | c.DrawDeposit | c.TopUpDeposit | c.ForfeitDeposit,
) -> Outcome:
    """Lodge, draw on, top up or forfeit the recruiter's security deposit."""

    def move(r: Recruiter) -> None:
        if isinstance(command, c.ForfeitDeposit):
            r.move_deposit("forfeit", None, None, reason=command.reason)
        elif isinstance(command, c.DrawDeposit):
            reference = command.claim_reference
            r.move_deposit("draw", command.amount, command.currency, claim_reference=reference)
        else:
            kind = "lodge" if isinstance(command, c.LodgeDeposit) else "top_up"
            r.move_deposit(kind, command.amount, command.currency)

    return _amend(office, context, country, command.recruiter_id, move)


def _amend(
    office: Office,
    context: CommandContext,
    country: str,
    recruiter_id: str,
    change: Callable[[Recruiter], str | None],
    created: str | None = None,
) -> Outcome:
    """Record ``change`` on the recruiter; what it created is answered as ``created``."""
    recruiter = _load(office.writer, recruiter_id, context, country)
    made = change(recruiter)
    extra = {created: made} if created else {}
    status = 201 if created else 200
    return office.writer.save(recruiter, context, lambda r: recruiter_view(r) | extra, status)


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


def acknowledge_referral(
    office: Office, context: CommandContext, country: str, command: c.AcknowledgeReferral
) -> Outcome:
    referral = office.referral(command.referral_id)
    return _answer(office, context, country, referral, lambda r: r.acknowledge(referral))


def close_referral(
    office: Office, context: CommandContext, country: str, command: c.CloseReferral
) -> Outcome:
    referral = office.referral(command.referral_id)

    def close(answer: Referral) -> None:
        answer.close(referral, command.outcome, command.note)

    return _answer(office, context, country, referral, close)


def _answer(office: Office, context, country, referral, decide) -> Outcome:
    _same_country(country, referral["country"])
    answer = office.writer.load_or_new(Referral, referral_stream(referral["referral_id"]))
    office.writer.check_version(answer, context)
    decide(answer)
    # The recruiter is known from the inbox: the ministry's answer itself does not name it.
    answer.recruiter_id = referral.get("recruiter_id")
    return office.writer.save(answer, context, lambda r: referral_view(referral, r))


HANDLERS: dict[type, Callable[..., Outcome]] = {
    c.RegisterRecruiter: register_recruiter,
    c.ApplyForLicence: apply_for_licence,
    **{kind: decide_on_licence for kind in c.LicenceDecision.__subclasses__()},
    c.RecordViolation: record_violation,
    c.OpenBranch: open_branch,
    c.CloseBranch: close_branch,
    c.AppointOfficer: appoint_officer,
    c.RemoveOfficer: remove_officer,
    c.DeclareAgent: declare_agent,
    c.EndAgentLink: end_agent_link,
    c.LodgeDeposit: move_deposit,
    c.DrawDeposit: move_deposit,
    c.TopUpDeposit: move_deposit,
    c.ForfeitDeposit: move_deposit,
    c.AcknowledgeReferral: acknowledge_referral,
    c.CloseReferral: close_referral,
}


def handle(office: Office, context: CommandContext, country: str, command: object) -> Outcome:
    """Carry out a command as an officer of ``country``."""
    return HANDLERS[type(command)](office, context, country, command)
