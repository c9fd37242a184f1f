"""What a body and the scheme owner see of certifications and bodies."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from services.certification.domain import Certification, CertificationBody


def certification_view(certification: Certification) -> dict[str, Any]:
    return {
        "certification_id": certification.id,
        "recruiter_id": certification.recruiter_id,
        "cb_id": certification.cb_id,
        "status": certification.status,
        "certificate_number": certification.certificate_number,
        "valid_until": certification.valid_until,
        "open_major_findings": certification.open_major_findings,
        "findings": [asdict(finding) for finding in certification.findings.values()],
        "audits": [
            {k: v for k, v in audit.items() if k != "recorded_at"} for audit in certification.audits
        ],
        "surveillance_overdue_since": certification.overdue_since,
        "version": certification.next_version,
    }


def body_view(body: CertificationBody) -> dict[str, Any]:
    return {
        "cb_id": body.id,
        "name": body.name,
        "accreditation_number": body.accreditation_number,
        "status": body.status,
        "version": body.next_version,
    }
