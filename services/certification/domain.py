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
    "grant": "certificate_granted",
    "suspend": "certificate_suspended",
    "reinstate": "certificate_reinstated",
    "withdraw": "certificate_withdrawn",
    "renew": "certificate_renewed",
    "expire": "certificate_expired",
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
        self.record(
            "body_accredited",
            {"cb_id": self.id, "name": name, "accreditation_number": accreditation_number},
        )

    def decide(self, command: str, reason: str | None) -> None:
        BODY.next_state(self.status, command)
        name = {
            "suspend": "body_suspended",
            "restore": "body_restored",
            "withdraw": "body_withdrawn",
        }
        self.record(name[command], {"cb_id": self.id, "reason": reason})

    def ensure_may_act(self) -> None:
        if self.status != "accredited":
            raise Forbidden(f"certification body {self.id} is {self.status}, not accredited")

    def on_body_accredited(self, data: dict, at: datetime | None) -> None:
        self.status, self.name = "accredited", data["name"]
        self.accreditation_number = data["accreditation_number"]

    def on_body_suspended(self, data: dict, at: datetime | None) -> None:
        self.status = BODY.next_state(self.status, "suspend")

    def on_body_restored(self, data: dict, at: datetime | None) -> None:
        self.status = BODY.next_state(self.status, "restore")

    def on_body_withdrawn(self, data: dict, at: datetime | None) -> None:
        self.status = BODY.next_state(self.status, "withdraw")


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
        self.record(
            "certification_applied",
            {"certification_id": self.id, "recruiter_id": recruiter_id, "cb_id": cb_id},
        )

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
        self.record(
            "audit_recorded",
            {
                "certification_id": self.id,
                "audit_id": audit_id,
                "type": type_,
                "conducted_on": conducted_on.isoformat(),
                "findings": numbered,
            },
        )
        return audit_id

    def record_corrective_action(
        self, finding_id: str, description: str, due_on: date | None
    ) -> None:
        self._open_finding(finding_id)
        self.record(
            "corrective_action_recorded",
            {
                "certification_id": self.id,
                "finding_id": finding_id,
                "description": description,
                "due_on": due_on.isoformat() if due_on else None,
            },
        )

    def close_finding(self, finding_id: str, verified_on: date, today: date | None = None) -> None:
        finding = self._open_finding(finding_id)
        _not_after(verified_on, today, "verified_on")
        audited = next(a["conducted_on"] for a in self.audits if a["audit_id"] == finding.audit_id)
        if verified_on.isoformat() < audited:
            raise Invalid(
                "a finding is verified after its audit", {"verified_on": [f"before {audited}"]}
            )
        self.record(
            "finding_closed",
            {
                "certification_id": self.id,
                "finding_id": finding_id,
                "verified_on": verified_on.isoformat(),
            },
        )

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
        self.record(RECORDS[command], {"certification_id": self.id, **data})

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
        self.record(
            "certificate_suspended",
            {
                "certification_id": self.id,
                "reason": "the recruiter's licence is no longer active",
                "cause": "licence",
            },
            when,
        )
        return True

    def withdraw_long_suspension(self, now: datetime) -> bool:
        if (
            self.status != "suspended"
            or not self.suspended_at
            or now - self.suspended_at < SUSPENSION_LIMIT
        ):
            return False
        self.record(
            "certificate_withdrawn",
            {
                "certification_id": self.id,
                "reason": "suspended for more than 180 days",
                "cause": "policy",
            },
        )
        return True

    def flag_overdue_surveillance(self, today: date) -> bool:
        if self.status not in ("certified", "suspended") or self.granted_at is None:
            return False
        last = max(filter(None, [self.last_audit_on, self.granted_at.date().isoformat()]))
        due = date.fromisoformat(last) + SURVEILLANCE_INTERVAL
        if today <= due or self.overdue_since == due.isoformat():
            return False
        self.record(
            "surveillance_overdue", {"certification_id": self.id, "due_since": due.isoformat()}
        )
        return True

    def expire_due(self, today: date) -> bool:
        if (
            self.status not in ("certified", "suspended")
            or not self.valid_until
            or date.fromisoformat(self.valid_until) >= today
        ):
            return False
        self.record(
            "certificate_expired", {"certification_id": self.id, "valid_until": self.valid_until}
        )
        return True

    # --- state changes ----------------------------------------------------------------

    def on_certification_applied(self, data: dict, at: datetime | None) -> None:
        self.status, self.recruiter_id, self.cb_id = "applied", data["recruiter_id"], data["cb_id"]

    def on_audit_recorded(self, data: dict, at: datetime | None) -> None:
        self.audits.append(
            {
                "audit_id": data["audit_id"],
                "type": data["type"],
                "conducted_on": data["conducted_on"],
                "recorded_at": at,
            }
        )
        if data["type"] in ("surveillance", "recertification", "initial"):
            self.last_audit_on = max(filter(None, [self.last_audit_on, data["conducted_on"]]))
        for finding in data["findings"]:
            self.findings[finding["finding_id"]] = Finding(audit_id=data["audit_id"], **finding)

    def on_corrective_action_recorded(self, data: dict, at: datetime | None) -> None:
        self.findings[data["finding_id"]].corrective_actions.append(
            {"description": data["description"], "due_on": data["due_on"]}
        )

    def on_finding_closed(self, data: dict, at: datetime | None) -> None:
        self.findings[data["finding_id"]].closed_on = data["verified_on"]

    def on_certificate_granted(self, data: dict, at: datetime | None) -> None:
        self.status = CERTIFICATION.next_state(self.status, "grant")
        self.certificate_number, self.valid_until = data["certificate_number"], data["valid_until"]
        self.granted_at = at

    def on_certificate_renewed(self, data: dict, at: datetime | None) -> None:
        self.certificate_number, self.valid_until = data["certificate_number"], data["valid_until"]
        self.granted_at = at

    def on_certificate_suspended(self, data: dict, at: datetime | None) -> None:
        self.status = CERTIFICATION.next_state(self.status, "suspend")
        self.suspended_at, self.suspension_cause = at, data["cause"]

    def on_certificate_reinstated(self, data: dict, at: datetime | None) -> None:
        self.status = CERTIFICATION.next_state(self.status, "reinstate")
        self.suspended_at = self.suspension_cause = None

    def on_certificate_withdrawn(self, data: dict, at: datetime | None) -> None:
        self.status = CERTIFICATION.next_state(self.status, "withdraw")

    def on_certificate_expired(self, data: dict, at: datetime | None) -> None:
        self.status = CERTIFICATION.next_state(self.status, "expire")

    def on_surveillance_overdue(self, data: dict, at: datetime | None) -> None:
        self.overdue_since = data["due_since"]


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
        self.record(
            "certificate_number_claimed",
            {"certificate_number": certificate_number, "certification_id": certification_id},
        )

    def on_certificate_number_claimed(self, data: dict, at: datetime | None) -> None:
        self.certification_id = data["certification_id"]


def certificate_number_stream(certificate_number: str) -> str:
    digest = hashlib.sha256(certificate_number.strip().upper().encode()).hexdigest()[:24]
    return f"certificate-number:{digest}"
