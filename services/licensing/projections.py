"""The licensing service's own read models, built from the bus.

- ``licence_register``: per recruiter, its licences' status and the earliest day an active
  licence runs out, which the expiry scheduler queries.
- ``referral_inbox``: reports monitors referred to a ministry (``monitoring.events``) and
  the ministry's answers (``licensing.events``), one document per report. The monitoring
  service's report stream id is the report_id.
"""

from __future__ import annotations

from typing import Any

from shared.events.envelope import event_name
from shared.events.licensing import LICENCE_STATUS_AFTER
from shared.projection import Projection

LICENSING = "licensing.events"
MONITORING = "monitoring.events"


class LicenceRegister(Projection):
    name = "licence_register"
    collection = "licence_register"
    topics = (LICENSING,)
    indexes = (("next_expiry",),)

    def key_for(self, event: dict[str, Any]) -> str | None:
        if event["subject"].startswith("referral-"):
            return None
        return event.get("recruiterid")

    def when(self, document: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        data, kind = event["data"], event_name(event)
        licences = dict(document.get("licences", {}))
        if kind == "recruiter_registered":
            document = {
                **document,
                "recruiter_id": data["recruiter_id"],
                "country": data["country"],
            }
        elif kind == "licence_applied":
            licences[data["licence_id"]] = {"status": "applied", "valid_until": None}
        elif kind.startswith("licence_") and data.get("licence_id") in licences:
            licence = dict(licences[data["licence_id"]])
            licence["status"] = LICENCE_STATUS_AFTER.get(kind, licence["status"])
            licence["valid_until"] = data.get("valid_until", licence["valid_until"])
            licences[data["licence_id"]] = licence
        due = [
            lic["valid_until"]
            for lic in licences.values()
            if lic["status"] == "active" and lic["valid_until"]
        ]
        return {**document, "licences": licences, "next_expiry": min(due) if due else None}


ANSWER_FIELDS = ("status", "outcome", "acknowledged_at", "closed_at")


class ReferralInbox(Projection):
    name = "referral_inbox"
    collection = "referral_inbox"
    topics = (MONITORING, LICENSING)
    indexes = (("country", "referred_at"), ("country", "status", "referred_at"), ("referral_id",))

    def key_for(self, event: dict[str, Any]) -> str | None:
        if event["source"] == "/monitoring":
            return event["subject"]
        if event["subject"].startswith("referral-"):
            return event["data"]["report_id"]
        return None

    def when(self, document: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
        data, kind, at = event["data"], event_name(event), event["effectiveat"]
        if kind == "report_referred":
            referred = {
                "referral_id": data["referral_id"],
                "report_id": data["report_id"],
                "country": data["country"],
                "recruiter_id": data["recruiter_id"],
                "categories": data["categories"],
                "status": "referred",
                "outcome": None,
                "referred_at": at,
                "acknowledged_at": None,
                "closed_at": None,
            }
            # A replay may read the ministry's answer before the referral: keep it.
            answered = {key: document[key] for key in ANSWER_FIELDS if key in document}
            return {**document, **referred, **answered}
        if kind == "referral_acknowledged":
            status = "closed" if document.get("status") == "closed" else "acknowledged"
            return {
                **document,
                "status": status,
                "acknowledged_at": at,
                "referral_id": data["referral_id"],
                "country": data["country"],
            }
        if kind == "referral_closed":
            return {
                **document,
                "status": "closed",
                "outcome": data["outcome"],
                "closed_at": at,
                "referral_id": data["referral_id"],
                "country": data["country"],
            }
        return document
