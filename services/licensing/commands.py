"""What a ministry officer asks of the licensing service: one typed command each.

A route builds one from the path and the validated body; a handler carries it out.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar


@dataclass(frozen=True)
class RegisterRecruiter:
    legal_name: str
    country: str
    registration_number: str
    trade_names: list[str] | None = None
    address: str | None = None


@dataclass(frozen=True)
class ApplyForLicence:
    recruiter_id: str
    licence_number: str


@dataclass(frozen=True, kw_only=True)
class LicenceDecision:
    """A decision of the licence lifecycle table, named by ``decision``; its other fields
    are what that decision's event records."""

    decision: ClassVar[str]
    licence_id: str
    effective_at: datetime | None = None

    def details(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in ("licence_id", "effective_at")
        }


@dataclass(frozen=True, kw_only=True)
class IssueLicence(LicenceDecision):
    decision = "issue"
    valid_from: date
    valid_until: date
    issuing_office: str | None = None


@dataclass(frozen=True, kw_only=True)
class DenyLicence(LicenceDecision):
    decision = "deny"
    reason: str


@dataclass(frozen=True, kw_only=True)
class RenewLicence(LicenceDecision):
    decision = "renew"
    valid_until: date


@dataclass(frozen=True, kw_only=True)
class SuspendLicence(LicenceDecision):
    decision = "suspend"
    reason: str


@dataclass(frozen=True, kw_only=True)
class ReinstateLicence(LicenceDecision):
    decision = "reinstate"
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class RevokeLicence(LicenceDecision):
    decision = "revoke"
    reason: str


@dataclass(frozen=True, kw_only=True)
class CancelLicence(LicenceDecision):
    decision = "cancel"
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class ImposeCondition(LicenceDecision):
    decision = "impose_condition"
    text: str


@dataclass(frozen=True, kw_only=True)
class LiftCondition(LicenceDecision):
    decision = "lift_condition"
    condition_id: str


@dataclass(frozen=True)
class RecordViolation:
    recruiter_id: str
    description: str
    decided_on: date
    penalty: dict[str, Any] | None = None


@dataclass(frozen=True)
class OpenBranch:
    recruiter_id: str
    name: str
    address: str
    country: str | None = None


@dataclass(frozen=True)
class CloseBranch:
    recruiter_id: str
    branch_id: str
    reason: str | None = None


@dataclass(frozen=True)
class AppointOfficer:
    recruiter_id: str
    name: str
    position: str


@dataclass(frozen=True)
class RemoveOfficer:
    recruiter_id: str
    officer_id: str


@dataclass(frozen=True)
class DeclareAgent:
    recruiter_id: str
    name: str
    country: str
    role: str
    licence_number: str | None = None
    effective_at: datetime | None = None


@dataclass(frozen=True)
class EndAgentLink:
    recruiter_id: str
    agent_id: str
    effective_at: datetime | None = None


@dataclass(frozen=True)
class LodgeDeposit:
    recruiter_id: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class DrawDeposit:
    recruiter_id: str
    amount: Decimal
    currency: str
    claim_reference: str


@dataclass(frozen=True)
class TopUpDeposit:
    recruiter_id: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class ForfeitDeposit:
    recruiter_id: str
    reason: str


@dataclass(frozen=True)
class AcknowledgeReferral:
    referral_id: str


@dataclass(frozen=True)
class CloseReferral:
    referral_id: str
    outcome: str
    note: str | None = None
