"""The certification service's read models.

- ``licence_status``: per recruiter, its licences' status from ``licensing.events``; an
  application needs an active licence here.
- ``certification_register``: per certification, what the policies and scheduler query.
"""

from __future__ import annotations

from typing import Any

from shared.events.certification import CERTIFICATE_STATUS_AFTER
from shared.events.envelope import event_name as kind
from shared.events.licensing import LICENCE_STATUS_AFTER
from shared.projection import Projection

LICENSING = "licensing.events"
CERTIFICATION = "certification.events"


class LicenceStatus(Projection):
    name = "licence_status"
    collection = "licence_status"
    topics = (LICENSING,)

    def key_for(self, event: dict[str, Any]) -> str | None:
        return event.get("recruiterid")

    def when(self, document: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        licences = licences_after(document.get("licences", {}), event)
        if licences is None:
            return {**document, "recruiter_id": event["recruiterid"]}
        return {
            **document,
            "recruiter_id": event["recruiterid"],
            "licences": licences,
            "licence_active": "active" in licences.values(),
        }


def licences_after(licences: dict[str, str], event: dict[str, Any]) -> dict[str, str] | None:
    """A recruiter's licences' statuses after a licensing event; None if it changes none."""
    status = LICENCE_STATUS_AFTER.get(kind(event))
    if status is None:
        return None
    return {**licences, event["data"]["licence_id"]: status}


def licence_active(document: dict[str, Any] | None) -> bool:
    return bool(document and document.get("licence_active"))


class CertificationRegister(Projection):
    name = "certification_register"
    collection = "certification_register"
    topics = (CERTIFICATION,)
    indexes = (("watch",),)

    def key_for(self, event: dict[str, Any]) -> str | None:
        return event["subject"] if event["subject"].startswith("cert-") else None

    def when(self, document: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        data, at = event["data"], event["effectiveat"]
        status = CERTIFICATE_STATUS_AFTER.get(kind(event), document.get("status"))
        document = {**document, "certification_id": event["subject"], "status": status}
        if kind(event) == "certification_applied":
            document |= {"recruiter_id": data["recruiter_id"], "cb_id": data["cb_id"]}
        if kind(event) in ("certificate_granted", "certificate_renewed"):
            document |= {"valid_until": data["valid_until"]}
        document["suspended_since"] = at if status == "suspended" else None
        # The scheduler's one question: is anything possibly due for this certification?
        document["watch"] = status in ("certified", "suspended")
        return document
