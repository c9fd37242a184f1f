"""The licensing domain: recruiters, their licences and what a ministry records on them.

Pure: no I/O. A recruiter is one aggregate holding its licences, so that "at most one
licence that is not terminal" is checked inside one stream. Every decision on a licence
carries ``effective_at``: it may be backdated, may not be more than a year ahead, and may
not precede the licence's previous decision, so the recorded order is the legal order.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from shared.aggregate import Aggregate
from shared.clock import parse_instant, rfc3339
from shared.errors import Conflict, Invalid, NotFound
from shared.events.licensing import (
    AgentDeclared,
    AgentLinkEnded,
    BranchClosed,
    BranchOpened,
    ConditionImposed,
    ConditionLifted,
    DepositDrawn,
    DepositForfeited,
    DepositLodged,
    DepositToppedUp,
    LicenceApplied,
    LicenceCancelled,
    LicenceDenied,
    LicenceExpired,
    LicenceIssued,
    LicenceNumberClaimed,
    LicenceReinstated,
    LicenceRenewed,
    LicenceRevoked,
    LicenceState,
    LicenceSuspended,
    OfficerAppointed,
    OfficerRemoved,
    RecruiterRegistered,
    ReferralAcknowledged,
    ReferralClosed,
    ViolationRecorded,
)
from shared.lifecycle import Lifecycle

LICENCE = Lifecycle(
    "licence",
    {
        ("applied", "issue"): "active",
        ("applied", "deny"): "denied",
        ("active", "suspend"): "suspended",
        ("suspended", "reinstate"): "active",
        ("active", "renew"): "active",
        ("expired", "renew"): "active",
        ("active", "expire"): "expired",
        ("active", "revoke"): "revoked",
        ("suspended", "revoke"): "revoked",
        ("active", "cancel"): "cancelled",
        ("suspended", "cancel"): "cancelled",
        ("active", "impose_condition"): "active",
        ("suspended", "impose_condition"): "suspended",
        ("active", "lift_condition"): "active",
        ("suspended", "lift_condition"): "suspended",
    },
)
TERMINAL = frozenset({"denied", "revoked", "cancelled"})
# The event each licence command records.
RECORDS = {
    "issue": LicenceIssued,
    "deny": LicenceDenied,
    "suspend": LicenceSuspended,
    "reinstate": LicenceReinstated,
    "renew": LicenceRenewed,
    "expire": LicenceExpired,
    "revoke": LicenceRevoked,
    "cancel": LicenceCancelled,
    "impose_condition": ConditionImposed,
    "lift_condition": ConditionLifted,
}
# Fields a command may leave out, which its event still states (as null).
OPTIONAL = {
    "issue": {"issuing_office": None},
    "reinstate": {"reason": None},
    "cancel": {"reason": None},
}
DEPOSIT = Lifecycle(
    "security deposit",
    {
        ("none", "lodge"): "held",
        ("held", "draw"): "held",
        ("held", "top_up"): "held",
        ("held", "forfeit"): "forfeited",
    },
)
MAX_AHEAD = timedelta(days=366)


def recruiter_id_for(country: str, registration_number: str) -> str:
    """Opaque, URL-safe, and the same for the same registration: a second registration of
    one (country, number) lands on the same stream and is refused there."""
    return "rec-" + _digest(f"{country}:{registration_number.strip().upper()}")


def claim_stream(country: str, licence_number: str) -> str:
    return f"licence-number:{country}:{_digest(licence_number.strip().upper())}"


def recruiter_of(licence_id: str) -> str:
    recruiter_id, separator, number = licence_id.rpartition("-l")
    if not separator or not number.isdigit() or not recruiter_id.startswith("rec-"):
        raise NotFound(f"no licence {licence_id}")
    return recruiter_id


def _digest(text: str) -> str:
    return base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()[:20].lower()


@dataclass
class Licence:
    """A licence as the ministry keeps it: the status every reader folds the same way,
    with the conditions and dates only the ministry needs."""

    state: LicenceState
    conditions: dict[str, dict[str, Any]] = field(default_factory=dict)
    last_effective_at: datetime | None = None
    applied_at: datetime | None = None

    licence_id = property(lambda self: self.state.licence_id)
    licence_number = property(lambda self: self.state.licence_number)
    status = property(lambda self: self.state.status)
    valid_from = property(lambda self: self.state.valid_from)
    valid_until = property(lambda self: self.state.valid_until)
    issuing_office = property(lambda self: self.state.issuing_office)

    @property
    def conditions_in_force(self) -> list[dict[str, Any]]:
        return [c for c in self.conditions.values() if c["lifted_at"] is None]


class Recruiter(Aggregate):
    def __init__(self, stream_id: str):
        super().__init__(stream_id)
        self.recruiter_id = stream_id
        self.legal_name = ""
        self.country = ""
        self.registration_number = ""
        self.trade_names: list[str] = []
        self.address: str | None = None
        self.registered_at: datetime | None = None
        self.licences: dict[str, Licence] = {}
        self.violations: list[dict[str, Any]] = []
        self.branches: dict[str, dict[str, Any]] = {}
        self.officers: dict[str, dict[str, Any]] = {}
        self.deposit_status = "none"
        self.deposit_currency: str | None = None
        self.deposit_balance = Decimal(0)
        self.agents: dict[str, dict[str, Any]] = {}

    # --- commands ---------------------------------------------------------------------

    def register(
        self,
        legal_name: str,
        country: str,
        registration_number: str,
        trade_names: list[str],
        address: str | None,
    ) -> None:
        if self.exists:
            raise Conflict(
                f"a recruiter with registration number {registration_number} in {country} "
                "is already registered"
            )
        self.record(
            RecruiterRegistered(
                self.id, legal_name, country, registration_number, list(trade_names), address
            )
        )

    def next_licence_id(self) -> str:
        return f"{self.id}-l{len(self.licences) + 1}"

    def apply_for_licence(self, licence_id: str, licence_number: str) -> None:
        current = [lic for lic in self.licences.values() if lic.status not in TERMINAL]
        if current:
            raise Conflict(
                f"recruiter already holds licence {current[0].licence_id}, which is "
                f"{current[0].status}; renew or close it first"
            )
        self.record(LicenceApplied(licence_id, self.id, self.country, licence_number))

    def decide(
        self,
        licence_id: str,
        command: str,
        now: datetime,
        effective_at: datetime | None = None,
        **data: Any,
    ) -> str | None:
        """Any licence decision of the lifecycle table, checked and recorded; the id of
        the condition it imposed, if it imposed one."""
        data = {**OPTIONAL.get(command, {}), **data}
        data = {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}
        licence = self.licence(licence_id)
        LICENCE.next_state(licence.status, command)
        when = self._effective(licence, effective_at, now)
        if command == "issue":
            _ordered(data["valid_from"], data["valid_until"])
        if command == "renew":
            _ordered(licence.valid_until, data["valid_until"])
        if command == "lift_condition":
            condition = licence.conditions.get(data["condition_id"])
            if condition is None or condition["lifted_at"] is not None:
                raise NotFound(f"no condition {data['condition_id']} in force on {licence_id}")
        imposed = f"c{len(licence.conditions) + 1}" if command == "impose_condition" else None
        if imposed:
            data = {"condition_id": imposed, **data}
        self.record(RECORDS[command].from_data({"licence_id": licence_id, **data}), when)
        return imposed

    def expire_due(self, today: date) -> list[str]:
        """Record the expiry of every active licence whose last valid day has passed."""
        expired = []
        for licence in self.licences.values():
            if (
                licence.status == "active"
                and licence.valid_until
                and date.fromisoformat(licence.valid_until) < today
            ):
                lapsed = datetime.combine(
                    date.fromisoformat(licence.valid_until) + timedelta(days=1), time(), UTC
                )
                # Never before the licence's previous decision: recorded order is legal order.
                last = licence.last_effective_at
                at = max(lapsed, last) if last else lapsed
                self.record(LicenceExpired(licence.licence_id, licence.valid_until), at)
                expired.append(licence.licence_id)
        return expired

    def record_violation(self, description: str, decided_on: date, penalty: dict | None) -> str:
        violation_id = f"v{len(self.violations) + 1}"
        if penalty is not None:
            amount = penalty.get("amount")
            penalty = {
                "description": penalty["description"],
                "amount": amount_text(amount) if amount is not None else None,
                "currency": penalty.get("currency"),
            }
        self.record(ViolationRecorded(violation_id, description, decided_on.isoformat(), penalty))
        return violation_id

    def open_branch(self, name: str, address: str, country: str) -> str:
        branch_id = f"b{len(self.branches) + 1}"
        self.record(BranchOpened(branch_id, name, address, country))
        return branch_id

    def close_branch(self, branch_id: str, reason: str | None) -> None:
        branch = self.branches.get(branch_id)
        if branch is None or branch["closed_at"] is not None:
            raise NotFound(f"no open branch {branch_id}")
        self.record(BranchClosed(branch_id, reason))

    def appoint_officer(self, name: str, position: str) -> str:
        officer_id = f"o{len(self.officers) + 1}"
        self.record(OfficerAppointed(officer_id, name, position))
        return officer_id

    def remove_officer(self, officer_id: str) -> None:
        officer = self.officers.get(officer_id)
        if officer is None or officer["removed_at"] is not None:
            raise NotFound(f"no serving officer {officer_id}")
        self.record(OfficerRemoved(officer_id))

    def declare_agent(
        self,
        name: str,
        country: str,
        role: str,
        licence_number: str | None,
        now: datetime,
        effective_at: datetime | None = None,
        holder: str | None = None,
        loop: list[str] | None = None,
    ) -> str:
        """``holder``: the recruiter the agent's licence number belongs to, if the registry
        knows one; ``loop``: the links from that holder back to this recruiter, if any."""
        if holder == self.id:
            raise Invalid(
                "a recruiter cannot be its own agent",
                {"licence_number": [f"is this recruiter's own licence in {country}"]},
            )
        if loop:
            raise Conflict(
                "declaring this agent would close a loop of links: "
                + " -> ".join([self.id, *loop, self.id])
            )
        if licence_number is not None:
            wanted = licence_number.strip().upper()
            for agent in self.agents.values():
                same = (agent["licence_number"] or "").strip().upper() == wanted
                if same and agent["country"] == country and agent["ended_at"] is None:
                    raise Conflict(
                        f"licence {licence_number} in {country} is already declared as agent "
                        f"{agent['agent_id']}"
                    )
        agent_id = f"a{len(self.agents) + 1}"
        when = _not_too_far(effective_at or now, now)
        self.record(AgentDeclared(agent_id, name, country, role, licence_number), when)
        return agent_id

    def end_agent(self, agent_id: str, now: datetime, effective_at: datetime | None = None) -> None:
        agent = self.agents.get(agent_id)
        if agent is None:
            raise NotFound(f"no agent {agent_id} of recruiter {self.id}")
        if agent["ended_at"] is not None:
            raise Conflict(f"the link to agent {agent_id} already ended at {agent['ended_at']}")
        when = _not_too_far(effective_at or now, now)
        if when < parse_instant(agent["declared_at"]):
            raise Invalid(
                "a link cannot end before it began",
                {"effective_at": [f"before {agent['declared_at']}"]},
            )
        self.record(AgentLinkEnded(agent_id), when)

    def linked_agents(self) -> list[dict[str, Any]]:
        """The agents whose link has not ended."""
        return [agent for agent in self.agents.values() if agent["ended_at"] is None]

    def move_deposit(
        self, command: str, amount: Decimal | None, currency: str | None, **data: Any
    ) -> None:
        DEPOSIT.next_state(self.deposit_status, command)
        if command != "forfeit":
            if self.deposit_currency and currency != self.deposit_currency:
                raise Invalid(
                    "the deposit is held in another currency",
                    {"currency": [f"must be {self.deposit_currency}"]},
                )
            if command == "draw" and amount > self.deposit_balance:
                raise Invalid(
                    "cannot draw more than the deposit holds",
                    {"amount": [f"at most {self.deposit_balance}"]},
                )
        kind = {
            "lodge": DepositLodged,
            "draw": DepositDrawn,
            "top_up": DepositToppedUp,
            "forfeit": DepositForfeited,
        }[command]
        if command == "forfeit":
            amount, currency = self.deposit_balance, self.deposit_currency
        self.record(kind.from_data({"amount": amount_text(amount), "currency": currency, **data}))

    def licence(self, licence_id: str) -> Licence:
        try:
            return self.licences[licence_id]
        except KeyError:
            raise NotFound(f"no licence {licence_id}") from None

    def _effective(
        self, licence: Licence, effective_at: datetime | None, now: datetime
    ) -> datetime:
        when = _not_too_far(effective_at or now, now)
        if licence.last_effective_at and when < licence.last_effective_at:
            raise Invalid(
                "effective_at may not precede the licence's previous decision",
                {"effective_at": [f"before {rfc3339(licence.last_effective_at)}"]},
            )
        return when

    # --- state changes ----------------------------------------------------------------

    def on_recruiter_registered(self, event: RecruiterRegistered, at: datetime | None) -> None:
        self.legal_name, self.country = event.legal_name, event.country
        self.registration_number = event.registration_number
        self.trade_names, self.address = event.trade_names, event.address
        self.registered_at = at

    def on_licence_applied(self, event: LicenceApplied, at: datetime | None) -> None:
        state = LicenceState(event.licence_id, event.licence_number)
        self.licences[event.licence_id] = Licence(state, applied_at=at)

    def _decided(self, event, at: datetime | None) -> Licence:
        licence = self.licences[event.licence_id]
        licence.state = licence.state.after(event)
        licence.last_effective_at = at
        return licence

    on_licence_issued = on_licence_renewed = on_licence_denied = _decided
    on_licence_suspended = on_licence_reinstated = on_licence_revoked = _decided
    on_licence_cancelled = on_licence_expired = _decided

    def on_condition_imposed(self, event: ConditionImposed, at: datetime | None) -> None:
        self._decided(event, at).conditions[event.condition_id] = {
            "condition_id": event.condition_id,
            "text": event.text,
            "imposed_at": _instant(at),
            "lifted_at": None,
        }

    def on_condition_lifted(self, event: ConditionLifted, at: datetime | None) -> None:
        self._decided(event, at).conditions[event.condition_id]["lifted_at"] = _instant(at)

    def on_violation_recorded(self, event: ViolationRecorded, at: datetime | None) -> None:
        self.violations.append({**event.to_data(), "recorded_at": _instant(at)})

    def on_branch_opened(self, event: BranchOpened, at: datetime | None) -> None:
        opened = {**event.to_data(), "opened_at": _instant(at), "closed_at": None}
        self.branches[event.branch_id] = opened

    def on_branch_closed(self, event: BranchClosed, at: datetime | None) -> None:
        self.branches[event.branch_id]["closed_at"] = _instant(at)

    def on_officer_appointed(self, event: OfficerAppointed, at: datetime | None) -> None:
        appointed = {**event.to_data(), "appointed_at": _instant(at), "removed_at": None}
        self.officers[event.officer_id] = appointed

    def on_officer_removed(self, event: OfficerRemoved, at: datetime | None) -> None:
        self.officers[event.officer_id]["removed_at"] = _instant(at)

    def on_agent_declared(self, event: AgentDeclared, at: datetime | None) -> None:
        declared = {**event.to_data(), "declared_at": _instant(at), "ended_at": None}
        self.agents[event.agent_id] = declared

    def on_agent_link_ended(self, event: AgentLinkEnded, at: datetime | None) -> None:
        self.agents[event.agent_id]["ended_at"] = _instant(at)

    def on_deposit_lodged(self, event: DepositLodged, at: datetime | None) -> None:
        self.deposit_status = "held"
        self.deposit_currency, self.deposit_balance = event.currency, Decimal(event.amount)

    def on_deposit_drawn(self, event: DepositDrawn, at: datetime | None) -> None:
        self.deposit_balance -= Decimal(event.amount)

    def on_deposit_topped_up(self, event: DepositToppedUp, at: datetime | None) -> None:
        self.deposit_balance += Decimal(event.amount)

    def on_deposit_forfeited(self, event: DepositForfeited, at: datetime | None) -> None:
        self.deposit_status = "forfeited"
        self.deposit_balance = Decimal(0)


class LicenceNumberClaim(Aggregate):
    """Holds a licence number for one licence, so that no two share it in a country."""

    licence_id: str | None = None

    def claim(self, country: str, licence_number: str, recruiter_id: str, licence_id: str) -> None:
        self.record(LicenceNumberClaimed(country, licence_number, recruiter_id, licence_id))

    def on_licence_number_claimed(self, event: LicenceNumberClaimed, at: datetime | None) -> None:
        self.recruiter_id, self.licence_id = event.recruiter_id, event.licence_id


def _not_too_far(when: datetime, now: datetime) -> datetime:
    if when > now + MAX_AHEAD:
        raise Invalid(
            "effective_at may be at most a year ahead",
            {"effective_at": ["more than a year ahead"]},
        )
    return when


def _ordered(first: str, last: str) -> None:
    if last <= first:
        raise Invalid(
            "valid_until must come after the licence's start or current end",
            {"valid_until": [f"must be after {first}"]},
        )


def amount_text(amount: Decimal | None) -> str:
    """An exact decimal as plain text: 1500, not 1.5E+3."""
    return format(amount.normalize(), "f") if amount is not None else "0"


def _instant(at: datetime | None) -> str | None:
    return rfc3339(at) if at else None


REFERRAL = Lifecycle(
    "referral",
    {
        ("referred", "acknowledge"): "acknowledged",
        ("referred", "close"): "closed",
        ("acknowledged", "close"): "closed",
    },
)


class Referral(Aggregate):
    """A worker's report a monitor referred to this ministry: the ministry's side of it.

    Its stream starts with the ministry's first answer; until then it is ``referred``."""

    status = "referred"
    report_id = ""
    outcome: str | None = None
    acknowledged_at: str | None = None
    closed_at: str | None = None

    @property
    def partition_key(self) -> str:
        """With its report's events, when the report names no recruiter (SPEC §8)."""
        return self.recruiter_id or self.report_id

    def acknowledge(self, referral: dict[str, Any]) -> None:
        REFERRAL.next_state(self.status, "acknowledge")
        self.record(ReferralAcknowledged(**_referral_ids(referral)))

    def close(self, referral: dict[str, Any], outcome: str, note: str | None) -> None:
        REFERRAL.next_state(self.status, "close")
        self.record(ReferralClosed(**_referral_ids(referral), outcome=outcome, note=note))

    def on_referral_acknowledged(self, event: ReferralAcknowledged, at: datetime | None) -> None:
        # A late acknowledgement never reopens a closed referral.
        self.status = "closed" if self.status == "closed" else "acknowledged"
        self.report_id, self.acknowledged_at = event.report_id, _instant(at)

    def on_referral_closed(self, event: ReferralClosed, at: datetime | None) -> None:
        self.status = "closed"
        self.report_id, self.closed_at = event.report_id, _instant(at)
        self.outcome = event.outcome


def referral_stream(referral_id: str) -> str:
    return f"referral-{referral_id}"


def _referral_ids(referral: dict[str, Any]) -> dict[str, Any]:
    return {key: referral[key] for key in ("referral_id", "report_id", "country")}
