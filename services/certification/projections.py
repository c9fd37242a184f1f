"""The certification service's read models.

- ``licence_status``: per recruiter, its licences' status from ``licensing.events``; an
  application needs an active licence here.
- ``certification_register``: per certification, what the policies and scheduler query.
"""

from __future__ import annotations

from typing import Any

from shared.events.catalogue import DomainEvent, Received
from shared.events.certification import (
    CERTIFICATE_STATUS_AFTER,
    CertificateGranted,
    CertificateRenewed,
    CertificationApplied,
)
from shared.events.licensing import LicenceState
from shared.events.licensing import licences_after as licence_states_after
from shared.projection import Projection

LICENSING = "licensing.events"
CERTIFICATION = "certification.events"


class LicenceStatus(Projection):
    name = "licence_status"
    collection = "licence_status"
    topics = (LICENSING,)

    def key_for(self, event: Received) -> str | None:
        return event.recruiter_id

    def when(self, document: dict[str, Any], event: Received) -> dict[str, Any]:
        licences = licences_after(document.get("licences", {}), event.event)
        if licences is None:
            return {**document, "recruiter_id": event.recruiter_id}
        return {
            **document,
            "recruiter_id": event.recruiter_id,
            "licences": licences,
            "licence_active": "active" in licences.values(),
        }


def licences_after(licences: dict[str, str], event: DomainEvent) -> dict[str, str] | None:
    """A recruiter's licences' statuses after a licensing event; None if it changes none."""
    states = {lid: LicenceState(lid, status=status) for lid, status in licences.items()}
    after = licence_states_after(states, event)
    return None if after is None else {licence_id: s.status for licence_id, s in after.items()}


def licence_active(document: dict[str, Any] | None) -> bool:
    return bool(document and document.get("licence_active"))


class CertificationRegister(Projection):
    name = "certification_register"
    collection = "certification_register"
    topics = (CERTIFICATION,)
    indexes = (("watch",),)

    def key_for(self, event: Received) -> str | None:
        return event.subject if event.subject.startswith("cert-") else None

    def when(self, document: dict[str, Any], event: Received) -> dict[str, Any]:
        data, at = event.event, event.effective_at
        status = CERTIFICATE_STATUS_AFTER.get(type(data), document.get("status"))
        document = {**document, "certification_id": event.subject, "status": status}
        if isinstance(data, CertificationApplied):
            document |= {"recruiter_id": data.recruiter_id, "cb_id": data.cb_id}
        if isinstance(data, (CertificateGranted, CertificateRenewed)):
            document |= {"valid_until": data.valid_until}
        document["suspended_since"] = at if status == "suspended" else None
        # The scheduler's one question: is anything possibly due for this certification?
        document["watch"] = status in ("certified", "suspended")
        return document
