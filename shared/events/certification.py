"""The certification service's events, one typed definition per type and version, and
what they mean for a certificate's status, read the same way by every consumer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.events.catalogue import DomainEvent, define

certification = define("certification")


@certification
@dataclass(frozen=True)
class BodyAccredited(DomainEvent):
    event_name = "body_accredited"
    cb_id: str
    name: str
    accreditation_number: str


@certification
@dataclass(frozen=True)
class BodySuspended(DomainEvent):
    event_name = "body_suspended"
    cb_id: str
    reason: str


@certification
@dataclass(frozen=True)
class BodyRestored(DomainEvent):
    event_name = "body_restored"
    cb_id: str
    reason: str | None


@certification
@dataclass(frozen=True)
class BodyWithdrawn(DomainEvent):
    event_name = "body_withdrawn"
    cb_id: str
    reason: str


@certification
@dataclass(frozen=True)
class CertificationApplied(DomainEvent):
    event_name = "certification_applied"
    certification_id: str
    recruiter_id: str
    cb_id: str


@certification
@dataclass(frozen=True)
class AuditRecorded(DomainEvent):
    event_name = "audit_recorded"
    certification_id: str
    audit_id: str
    type: str
    conducted_on: str
    findings: list[dict[str, Any]]


@certification
@dataclass(frozen=True)
class CorrectiveActionRecorded(DomainEvent):
    event_name = "corrective_action_recorded"
    certification_id: str
    finding_id: str
    description: str
    due_on: str | None


@certification
@dataclass(frozen=True)
class FindingClosed(DomainEvent):
    event_name = "finding_closed"
    certification_id: str
    finding_id: str
    verified_on: str


@certification
@dataclass(frozen=True)
class CertificateNumberClaimed(DomainEvent):
    event_name = "certificate_number_claimed"
    certificate_number: str
    certification_id: str


@certification
@dataclass(frozen=True)
class CertificateGranted(DomainEvent):
    event_name = "certificate_granted"
    certification_id: str
    certificate_number: str
    valid_until: str


@certification
@dataclass(frozen=True)
class CertificateRenewed(DomainEvent):
    event_name = "certificate_renewed"
    certification_id: str
    certificate_number: str
    valid_until: str


@certification
@dataclass(frozen=True)
class CertificateSuspended(DomainEvent):
    event_name = "certificate_suspended"
    certification_id: str
    reason: str
    cause: str


@certification
@dataclass(frozen=True)
class CertificateReinstated(DomainEvent):
    event_name = "certificate_reinstated"
    certification_id: str
    reason: str | None


@certification
@dataclass(frozen=True)
class CertificateWithdrawn(DomainEvent):
    event_name = "certificate_withdrawn"
    certification_id: str
    reason: str
    cause: str


@certification
@dataclass(frozen=True)
class CertificateExpired(DomainEvent):
    event_name = "certificate_expired"
    certification_id: str
    valid_until: str


@certification
@dataclass(frozen=True)
class SurveillanceOverdue(DomainEvent):
    event_name = "surveillance_overdue"
    certification_id: str
    due_since: str


# What each certification event makes of the certificate's status.
CERTIFICATE_STATUS_AFTER: dict[type[DomainEvent], str] = {
    CertificationApplied: "applied",
    CertificateGranted: "certified",
    CertificateRenewed: "certified",
    CertificateSuspended: "suspended",
    CertificateReinstated: "certified",
    CertificateWithdrawn: "withdrawn",
    CertificateExpired: "expired",
}
