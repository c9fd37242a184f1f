"""The certification domain (IRIS-style): bodies, certifications, audits, certificates.

Pure: no I/O. A certification body is accredited by the scheme owner; only a body
accredited at the time may act, and only on its own certifications. A certificate is
granted with no open major finding, an active licence and at most three years' validity.
The policies the service runs itself are functions of a certification and a clock.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from shared.aggregate import Aggregate
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events.certification import (
    CERTIFICATE_STATUS_AFTER,
    AuditRecorded,
    BodyAccredited,
    BodyRestored,
    BodySuspended,
    BodyWithdrawn,
    CertificateExpired,
    CertificateGranted,
    CertificateNumberClaimed,
    CertificateReinstated,
    CertificateRenewed,
    CertificateSuspended,
    CertificateWithdrawn,
    CertificationApplied,
    CorrectiveActionRecorded,
    FindingClosed,
    SurveillanceOverdue,
)
from shared.lifecycle import Lifecycle

BODY = Lifecycle(
    "certification body",
    {
        ("accredited", "suspend"): "suspended",
        ("suspended", "restore"): "accredited",
        ("accredited", "withdraw"): "withdrawn",
        ("suspended", "withdraw"): "withdrawn",
    },
)
CERTIFICATION = Lifecycle(
    "certification",
    {
        ("applied", "audit"): "applied",
        ("certified", "audit"): "certified",
        ("suspended", "audit"): "suspended",
        ("applied", "grant"): "certified",
        ("certified", "suspend"): "suspended",
        ("suspended", "reinstate"): "certified",
        ("certified", "withdraw"): "withdrawn",
        ("suspended", "withdraw"): "withdrawn",
        ("applied", "withdraw"): "withdrawn",
        ("certified", "renew"): "certified",
        ("certified", "expire"): "expired",
        ("suspended", "expire"): "expired",
    },
)
RECORDS = {
    "grant": CertificateGranted,
    "suspend": CertificateSuspended,
    "reinstate": CertificateReinstated,
    "withdraw": CertificateWithdrawn,
    "renew": CertificateRenewed,
    "expire": CertificateExpired,
}
BODY_RECORDS = {"suspend": BodySuspended, "restore": BodyRestored, "withdraw": BodyWithdrawn}
# What each body decision's event makes of the body, applied without re-checking the table.
BODY_STATUS_AFTER = {
    BODY_RECORDS[command]: after for (_, command), after in BODY.transitions.items()
}
VALIDITY_YEARS = 3
SUSPENSION_LIMIT = timedelta(days=180)
SURVEILLANCE_INTERVAL = timedelta(days=365)


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


class CertificationBody(Aggregate):
    status = "none"
    name = ""
    accreditation_number = ""

    def accredit(self, name: str, accreditation_number: str) -> None:
        if self.exists:
            raise Conflict(f"certification body {self.id} already exists")
        self.record(BodyAccredited(self.id, name, accreditation_number))

    def decide(self, command: str, reason: str | None) -> None:
        BODY.next_state(self.status, command)
        self.record(BODY_RECORDS[command](self.id, reason))

    def ensure_may_act(self) -> None:
        if self.status != "accredited":
            raise Forbidden(f"certification body {self.id} is {self.status}, not accredited")

    def on_body_accredited(self, event: BodyAccredited, at: datetime | None) -> None:
        self.status, self.name = "accredited", event.name
        self.accreditation_number = event.accreditation_number

    def _decided(self, event, at: datetime | None) -> None:
        self.status = BODY_STATUS_AFTER[type(event)]

    on_body_suspended = on_body_restored = on_body_withdrawn = _decided


@dataclass
class Finding:
    finding_id: str
    principle: str
    severity: str
    description: str
    audit_id: str
    closed_on: str | None = None
    corrective_actions: list[dict[str, Any]] = field(default_factory=list)


class Certification(Aggregate):
    def __init__(self, stream_id: str):
        super().__init__(stream_id)
        self.status = "none"
        self.recruiter_id = ""
        self.cb_id = ""
        self.certificate_number: str | None = None
        self.valid_until: str | None = None
        self.findings: dict[str, Finding] = {}
        self.audits: list[dict[str, Any]] = []
        self.granted_at: datetime | None = None
        self.last_audit_on: str | None = None
        self.suspended_at: datetime | None = None
        self.suspension_cause: str | None = None
        self.overdue_since: str | None = None

    @property
    def open_major_findings(self) -> int:
        return sum(1 for f in self.findings.values() if f.severity == "major" and not f.closed_on)

    # --- commands ---------------------------------------------------------------------

    def apply(self, recruiter_id: str, cb_id: str, licence_active: bool) -> None:
        if not licence_active:
            raise Conflict(f"recruiter {recruiter_id} has no active licence to certify")
        self.record(CertificationApplied(self.id, recruiter_id, cb_id))

    def ensure_owned_by(self, cb_id: str) -> None:
        if self.cb_id != cb_id:
            raise Forbidden(f"certification {self.id} belongs to another body")

    def record_audit(
        self, type_: str, conducted_on: date, findings: list[dict], today: date | None = None
    ) -> str:
        CERTIFICATION.next_state(self.status, "audit")
        _not_after(conducted_on, today, "conducted_on")
        audit_id = new_id("aud")
        numbered = [
            {
                "finding_id": f"{audit_id}-f{n}",
                "principle": finding["principle"],
                "severity": finding["severity"],
                "description": finding["description"],
            }
            for n, finding in enumerate(findings, start=1)
        ]
        self.record(AuditRecorded(self.id, audit_id, type_, conducted_on.isoformat(), numbered))
        return audit_id

    def record_corrective_action(
        self, finding_id: str, description: str, due_on: date | None
    ) -> None:
        self._open_finding(finding_id)
        due = due_on.isoformat() if due_on else None
        self.record(CorrectiveActionRecorded(self.id, finding_id, description, due))

    def close_finding(self, finding_id: str, verified_on: date, today: date | None = None) -> None:
        finding = self._open_finding(finding_id)
        _not_after(verified_on, today, "verified_on")
        audited = next(a["conducted_on"] for a in self.audits if a["audit_id"] == finding.audit_id)
        if verified_on.isoformat() < audited:
            raise Invalid(
                "a finding is verified after its audit", {"verified_on": [f"before {audited}"]}
            )
        self.record(FindingClosed(self.id, finding_id, verified_on.isoformat()))

    def decide(self, command: str, today: date, licence_active: bool, **data: Any) -> None:
        """grant, suspend, reinstate, withdraw or renew, with the rules each needs."""
        CERTIFICATION.next_state(self.status, command)
        if command in ("suspend", "withdraw") and not data.get("reason"):
            raise Invalid(f"a reason is needed to {command}", {"reason": ["required"]})
        if command in ("grant", "renew"):
            self._check_grant(command, today, licence_active, data)
            data = {
                "certificate_number": data["certificate_number"],
                "valid_until": data["valid_until"].isoformat(),
            }
        if command == "suspend":
            data = {"reason": data["reason"], "cause": data.get("cause", "body")}
        if command == "withdraw":
            data = {"reason": data["reason"], "cause": data.get("cause", "body")}
        if command == "reinstate":
            if not licence_active:
                raise Conflict(f"recruiter {self.recruiter_id} has no active licence")
            data = {"reason": data.get("reason")}
        self.record(RECORDS[command].from_data({"certification_id": self.id, **data}))

    def _check_grant(self, command: str, today: date, licence_active: bool, data: dict) -> None:
        problems = {}
        valid_until = data.get("valid_until")
        if valid_until is None:
            problems["valid_until"] = ["required to grant or renew"]
        elif valid_until <= today:
            problems["valid_until"] = ["must be in the future"]
        elif valid_until > _years_after(today, VALIDITY_YEARS):
            problems["valid_until"] = ["at most 3 years ahead"]
        if not data.get("certificate_number"):
            problems["certificate_number"] = ["required to grant or renew"]
        if problems:
            raise Invalid(f"cannot {command} the certificate", problems)
        if not self.audits:
            raise Conflict("a certificate is granted after an audit")
        if self.open_major_findings:
            raise Conflict(f"{self.open_major_findings} major finding(s) still open")
        if not licence_active:
            raise Conflict(f"recruiter {self.recruiter_id} has no active licence")
        if command == "renew" and not any(
            a["type"] == "recertification" for a in self.audits_since_grant
        ):
            raise Conflict("a renewal needs a recertification audit since the last grant")

    @property
    def audits_since_grant(self) -> list[dict[str, Any]]:
        granted = self.granted_at
        return [
            a
            for a in self.audits
            if granted is None or (a["recorded_at"] and a["recorded_at"] > granted)
        ]

    def _open_finding(self, finding_id: str) -> Finding:
        finding = self.findings.get(finding_id)
        if finding is None:
            raise NotFound(f"no finding {finding_id} on certification {self.id}")
        if finding.closed_on:
            raise Conflict(f"finding {finding_id} was closed on {finding.closed_on}")
        return finding

    # --- policies (clock-driven) --------------------------------------------------------

    def suspend_for_licence(self, effective_at: datetime | None = None) -> bool:
        """The recruiter's licence left active: a granted certificate is suspended, taking
        effect when the licence's decision did, though never before the grant."""
        if self.status != "certified":
            return False
        when = max(filter(None, [effective_at, self.granted_at]), default=None)
        reason = "the recruiter's licence is no longer active"
        self.record(CertificateSuspended(self.id, reason, cause="licence"), when)
        return True

    def withdraw_long_suspension(self, now: datetime) -> bool:
        if (
            self.status != "suspended"
            or not self.suspended_at
            or now - self.suspended_at < SUSPENSION_LIMIT
        ):
            return False
        reason = "suspended for more than 180 days"
        self.record(CertificateWithdrawn(self.id, reason, cause="policy"))
        return True

    def flag_overdue_surveillance(self, today: date) -> bool:
        if self.status not in ("certified", "suspended") or self.granted_at is None:
            return False
        last = max(filter(None, [self.last_audit_on, self.granted_at.date().isoformat()]))
        due = date.fromisoformat(last) + SURVEILLANCE_INTERVAL
        if today <= due or self.overdue_since == due.isoformat():
            return False
        self.record(SurveillanceOverdue(self.id, due.isoformat()))
        return True

    def expire_due(self, today: date) -> bool:
        if (
            self.status not in ("certified", "suspended")
            or not self.valid_until
            or date.fromisoformat(self.valid_until) >= today
        ):
            return False
        self.record(CertificateExpired(self.id, self.valid_until))
        return True

    # --- state changes ----------------------------------------------------------------

    def on_certification_applied(self, event: CertificationApplied, at: datetime | None) -> None:
        self.status, self.recruiter_id, self.cb_id = "applied", event.recruiter_id, event.cb_id

    def on_audit_recorded(self, event: AuditRecorded, at: datetime | None) -> None:
        self.audits.append(
            {
                "audit_id": event.audit_id,
                "type": event.type,
                "conducted_on": event.conducted_on,
                "recorded_at": at,
            }
        )
        if event.type in ("surveillance", "recertification", "initial"):
            self.last_audit_on = max(filter(None, [self.last_audit_on, event.conducted_on]))
        for finding in event.findings:
            self.findings[finding["finding_id"]] = Finding(audit_id=event.audit_id, **finding)

    def on_corrective_action_recorded(
        self, event: CorrectiveActionRecorded, at: datetime | None
    ) -> None:
        self.findings[event.finding_id].corrective_actions.append(
            {"description": event.description, "due_on": event.due_on}
        )

    def on_finding_closed(self, event: FindingClosed, at: datetime | None) -> None:
        self.findings[event.finding_id].closed_on = event.verified_on

    def _status_changed(self, event, at: datetime | None) -> None:
        self.status = CERTIFICATE_STATUS_AFTER[type(event)]

    on_certificate_withdrawn = on_certificate_expired = _status_changed

    def on_certificate_granted(self, event: CertificateGranted, at: datetime | None) -> None:
        self._status_changed(event, at)
        self.certificate_number, self.valid_until = event.certificate_number, event.valid_until
        self.granted_at = at

    on_certificate_renewed = on_certificate_granted

    def on_certificate_suspended(self, event: CertificateSuspended, at: datetime | None) -> None:
        self._status_changed(event, at)
        self.suspended_at, self.suspension_cause = at, event.cause

    def on_certificate_reinstated(self, event: CertificateReinstated, at: datetime | None) -> None:
        self._status_changed(event, at)
        self.suspended_at = self.suspension_cause = None

    def on_surveillance_overdue(self, event: SurveillanceOverdue, at: datetime | None) -> None:
        self.overdue_since = event.due_since


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def _not_after(day: date, today: date | None, field: str) -> None:
    if today is not None and day > today:
        raise Invalid(f"{field} cannot be in the future", {field: ["after today"]})


class CertificateNumberClaim(Aggregate):
    """Holds a certificate number for one certification: numbers are unique (SPEC §3)."""

    certification_id: str | None = None

    def claim(self, certificate_number: str, certification_id: str) -> None:
        self.record(CertificateNumberClaimed(certificate_number, certification_id))

    def on_certificate_number_claimed(
        self, event: CertificateNumberClaimed, at: datetime | None
    ) -> None:
        self.certification_id = event.certification_id


def certificate_number_stream(certificate_number: str) -> str:
    digest = hashlib.sha256(certificate_number.strip().upper().encode()).hexdigest()[:24]
    return f"certificate-number:{digest}"
