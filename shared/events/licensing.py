"""The licensing service's events, one typed definition per type and version, and the
one reading of what they mean for a licence's status, which every consumer shares."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from shared.events.catalogue import DomainEvent, define, upcaster
from shared.text import licence_key

licensing = define("licensing")


@licensing
@dataclass(frozen=True)
class RecruiterRegistered(DomainEvent):
    event_name = "recruiter_registered"
    recruiter_id: str
    legal_name: str
    country: str
    registration_number: str
    trade_names: list[str]
    address: str | None


@licensing
@dataclass(frozen=True)
class LicenceApplied(DomainEvent):
    event_name = "licence_applied"
    licence_id: str
    recruiter_id: str
    country: str
    licence_number: str


@licensing
@dataclass(frozen=True)
class LicenceIssuedV1(DomainEvent):
    event_name = "licence_issued"
    licence_id: str
    valid_from: str
    valid_until: str


@licensing
@dataclass(frozen=True)
class LicenceIssued(DomainEvent):
    """v2: ministries record which of their offices issued the licence."""

    event_name = "licence_issued"
    event_version = 2
    licence_id: str
    valid_from: str
    valid_until: str
    issuing_office: str | None


@upcaster("licensing", "licence_issued", 1)
def _office_not_recorded(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "issuing_office": None}


@licensing
@dataclass(frozen=True)
class LicenceDenied(DomainEvent):
    event_name = "licence_denied"
    licence_id: str
    reason: str


@licensing
@dataclass(frozen=True)
class LicenceRenewed(DomainEvent):
    event_name = "licence_renewed"
    licence_id: str
    valid_until: str


@licensing
@dataclass(frozen=True)
class LicenceSuspended(DomainEvent):
    event_name = "licence_suspended"
    licence_id: str
    reason: str


@licensing
@dataclass(frozen=True)
class LicenceReinstated(DomainEvent):
    event_name = "licence_reinstated"
    licence_id: str
    reason: str | None


@licensing
@dataclass(frozen=True)
class LicenceRevoked(DomainEvent):
    event_name = "licence_revoked"
    licence_id: str
    reason: str


@licensing
@dataclass(frozen=True)
class LicenceCancelled(DomainEvent):
    event_name = "licence_cancelled"
    licence_id: str
    reason: str | None


@licensing
@dataclass(frozen=True)
class LicenceExpired(DomainEvent):
    event_name = "licence_expired"
    licence_id: str
    valid_until: str


@licensing
@dataclass(frozen=True)
class ConditionImposed(DomainEvent):
    event_name = "condition_imposed"
    licence_id: str
    condition_id: str
    text: str


@licensing
@dataclass(frozen=True)
class ConditionLifted(DomainEvent):
    event_name = "condition_lifted"
    licence_id: str
    condition_id: str


@licensing
@dataclass(frozen=True)
class LicenceNumberClaimed(DomainEvent):
    event_name = "licence_number_claimed"
    country: str
    licence_number: str
    recruiter_id: str
    licence_id: str


@licensing
@dataclass(frozen=True)
class ViolationRecorded(DomainEvent):
    event_name = "violation_recorded"
    violation_id: str
    description: str
    decided_on: str
    penalty: dict[str, Any] | None


@licensing
@dataclass(frozen=True)
class BranchOpened(DomainEvent):
    event_name = "branch_opened"
    branch_id: str
    name: str
    address: str
    country: str


@licensing
@dataclass(frozen=True)
class BranchClosed(DomainEvent):
    event_name = "branch_closed"
    branch_id: str
    reason: str | None


@licensing
@dataclass(frozen=True)
class OfficerAppointed(DomainEvent):
    event_name = "officer_appointed"
    officer_id: str
    name: str
    position: str


@licensing
@dataclass(frozen=True)
class OfficerRemoved(DomainEvent):
    event_name = "officer_removed"
    officer_id: str


@licensing
@dataclass(frozen=True)
class DepositLodged(DomainEvent):
    event_name = "deposit_lodged"
    amount: str
    currency: str


@licensing
@dataclass(frozen=True)
class DepositDrawn(DomainEvent):
    event_name = "deposit_drawn"
    amount: str
    currency: str
    claim_reference: str


@licensing
@dataclass(frozen=True)
class DepositToppedUp(DomainEvent):
    event_name = "deposit_topped_up"
    amount: str
    currency: str


@licensing
@dataclass(frozen=True)
class DepositForfeited(DomainEvent):
    event_name = "deposit_forfeited"
    amount: str
    currency: str
    reason: str


@licensing
@dataclass(frozen=True)
class ReferralAcknowledged(DomainEvent):
    event_name = "referral_acknowledged"
    referral_id: str
    report_id: str
    country: str


@licensing
@dataclass(frozen=True)
class ReferralClosed(DomainEvent):
    event_name = "referral_closed"
    referral_id: str
    report_id: str
    country: str
    outcome: str
    note: str | None


# The kinds of link a ministry records between a recruiter and an agent (SPEC §16).
AGENT_ROLES = ("sub_agent", "foreign_partner", "branch_agent")


@licensing
@dataclass(frozen=True)
class AgentDeclared(DomainEvent):
    """A recruiter works through an agent. The agent's name is a business fact the ministry
    records, public like the recruiter's own name; its licence number, when it has one,
    resolves the agent to the recruiter holding that number in ``country``."""

    event_name = "agent_declared"
    agent_id: str
    name: str
    country: str
    role: str
    licence_number: str | None


@licensing
@dataclass(frozen=True)
class AgentLinkEnded(DomainEvent):
    event_name = "agent_link_ended"
    agent_id: str


# What each licensing event makes of the licence it names.
LICENCE_STATUS_AFTER: dict[type[DomainEvent], str] = {
    LicenceApplied: "applied",
    LicenceIssued: "active",
    LicenceDenied: "denied",
    LicenceRenewed: "active",
    LicenceSuspended: "suspended",
    LicenceReinstated: "active",
    LicenceRevoked: "revoked",
    LicenceCancelled: "cancelled",
    LicenceExpired: "expired",
}
LICENCE_STATUSES = sorted(set(LICENCE_STATUS_AFTER.values()))
LEAVES_ACTIVE = (LicenceSuspended, LicenceRevoked, LicenceCancelled, LicenceExpired)
SETS_VALIDITY = (LicenceIssued, LicenceRenewed)


@dataclass(frozen=True)
class LicenceState:
    """What every reader of ``licensing.events`` knows of one licence."""

    licence_id: str
    # Readers that need only the status may not keep the number.
    licence_number: str | None = None
    status: str = "applied"
    valid_from: str | None = None
    valid_until: str | None = None
    issuing_office: str | None = None

    @classmethod
    def from_document(cls, licence_id: str, stored: dict[str, Any]) -> LicenceState:
        """As a read model keeps it (see ``as_document``)."""
        return cls(
            licence_id,
            stored.get("licence_number"),
            stored["status"],
            stored.get("valid_from"),
            stored.get("valid_until"),
            stored.get("issuing_office"),
        )

    def as_document(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if key != "licence_id"}

    def after(self, event: DomainEvent) -> LicenceState:
        """The licence once ``event`` is applied; applying never re-checks a rule."""
        state = replace(self, status=LICENCE_STATUS_AFTER.get(type(event), self.status))
        if isinstance(event, LicenceIssued):
            state = replace(state, valid_from=event.valid_from, issuing_office=event.issuing_office)
        if isinstance(event, SETS_VALIDITY):
            state = replace(state, valid_until=event.valid_until)
        return state


def licences_after(
    licences: dict[str, LicenceState], event: DomainEvent
) -> dict[str, LicenceState] | None:
    """A recruiter's licences after one of its events; None when the event changes none."""
    if isinstance(event, LicenceApplied):
        return {**licences, event.licence_id: LicenceState(event.licence_id, event.licence_number)}
    if type(event) not in LICENCE_STATUS_AFTER:
        return None
    licence = licences.get(event.licence_id) or LicenceState(event.licence_id)
    return {**licences, licence.licence_id: licence.after(event)}


def link_key(recruiter_id: str, agent_id: str) -> str:
    return f"agent-link:{recruiter_id}:{agent_id}"


def link_after(
    document: dict[str, Any], recruiter_id: str, event: AgentDeclared | AgentLinkEnded
) -> dict[str, Any] | None:
    """A recruiter's link to one agent, as every consumer that follows links keeps it;
    None when it says so already. An agent with no licence number links to no licence
    (``licence`` null); with one, ``licence`` is the key its holder is found by."""
    if isinstance(event, AgentDeclared):
        number = event.licence_number
        linked = {
            "kind": "agent_link",
            "recruiter_id": recruiter_id,
            "agent_id": event.agent_id,
            "licence": licence_key(event.country, number) if number else None,
            "ended": document.get("ended", False),
        }
    else:
        linked = {**document, "ended": True}
    return None if linked == document else linked
