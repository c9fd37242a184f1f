"""What the scheme owner and certification bodies ask of the certification service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar


@dataclass(frozen=True)
class AccreditBody:
    name: str
    accreditation_number: str


@dataclass(frozen=True)
class BodyDecision:
    """The scheme owner's decision on a body's accreditation, named by ``decision``."""

    decision: ClassVar[str]
    cb_id: str
    reason: str | None = None


@dataclass(frozen=True)
class SuspendBody(BodyDecision):
    decision = "suspend"


@dataclass(frozen=True)
class RestoreBody(BodyDecision):
    decision = "restore"


@dataclass(frozen=True)
class WithdrawBody(BodyDecision):
    decision = "withdraw"


@dataclass(frozen=True)
class ApplyForCertification:
    recruiter_id: str


@dataclass(frozen=True)
class RecordAudit:
    certification_id: str
    type: str
    conducted_on: date
    findings: list[dict[str, Any]]


@dataclass(frozen=True)
class RecordCorrectiveAction:
    certification_id: str
    finding_id: str
    description: str
    due_on: date | None = None


@dataclass(frozen=True)
class CloseFinding:
    certification_id: str
    finding_id: str
    verified_on: date


@dataclass(frozen=True)
class DecideOnCertificate:
    """grant, suspend, reinstate, withdraw or renew."""

    certification_id: str
    decision: str
    certificate_number: str | None = None
    valid_until: date | None = None
    reason: str | None = None

    def details(self) -> dict[str, Any]:
        given = {
            "certificate_number": self.certificate_number,
            "valid_until": self.valid_until,
            "reason": self.reason,
        }
        return {key: value for key, value in given.items() if value is not None}
