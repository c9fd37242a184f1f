"""The licensing service's own read models, built from the bus.

- ``licence_register``: per recruiter, its licences' status and the earliest day an active
  licence runs out, which the expiry scheduler queries.
- ``referral_inbox``: reports monitors referred to a ministry (``monitoring.events``) and
  the ministry's answers (``licensing.events``), one document per report. The monitoring
  service's report stream id is the report_id.
"""

from __future__ import annotations

from typing import Any

from shared.errors import NotFound
from shared.events.catalogue import Received
from shared.events.licensing import (
    LicenceState,
    RecruiterRegistered,
    ReferralAcknowledged,
    ReferralClosed,
    licences_after,
)
from shared.events.monitoring import ReportReferred
from shared.projection import Projection
from shared.readmodels.base import Query, ReadModelStore

LICENSING = "licensing.events"
MONITORING = "monitoring.events"


class LicenceRegister(Projection):
    name = "licence_register"
    collection = "licence_register"
    topics = (LICENSING,)
    indexes = (("next_expiry",),)

    def key_for(self, event: Received) -> str | None:
        if event.subject.startswith("referral-"):
            return None
        return event.recruiter_id

    def when(self, document: dict[str, Any], event: Received) -> dict[str, Any]:
        if isinstance(event.event, RecruiterRegistered):
            registered = event.event
            document = {
                **document,
                "recruiter_id": registered.recruiter_id,
                "country": registered.country,
            }
        held = {
            licence_id: LicenceState.from_document(licence_id, stored)
            for licence_id, stored in document.get("licences", {}).items()
        }
        folded = licences_after(held, event.event) or held
        licences = {licence_id: state.as_document() for licence_id, state in folded.items()}
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

    def key_for(self, event: Received) -> str | None:
        if event.source == "/monitoring":
            return event.subject
        if isinstance(event.event, (ReferralAcknowledged, ReferralClosed)):
            return event.event.report_id
        return None

    def when(self, document: dict[str, Any], event: Received) -> dict[str, Any]:
        data, at = event.event, event.effective_at
        if isinstance(data, ReportReferred):
            referred = {
                "referral_id": data.referral_id,
                "report_id": data.report_id,
                "country": data.country,
                "recruiter_id": data.recruiter_id,
                "categories": data.categories,
                "status": "referred",
                "outcome": None,
                "referred_at": at,
                "acknowledged_at": None,
                "closed_at": None,
            }
            # A replay may read the ministry's answer before the referral: keep it.
            answered = {key: document[key] for key in ANSWER_FIELDS if key in document}
            return {**document, **referred, **answered}
        if isinstance(data, ReferralAcknowledged):
            status = "closed" if document.get("status") == "closed" else "acknowledged"
            return {
                **document,
                "status": status,
                "acknowledged_at": at,
                "referral_id": data.referral_id,
                "country": data.country,
            }
        if isinstance(data, ReferralClosed):
            return {
                **document,
                "status": "closed",
                "outcome": data.outcome,
                "closed_at": at,
                "referral_id": data.referral_id,
                "country": data.country,
            }
        return document


def find_referral(store: ReadModelStore, collection: str, referral_id: str) -> dict[str, Any]:
    found = store.find(collection, Query({"referral_id": referral_id}, limit=1)).items
    if not found:
        raise NotFound(f"no referral {referral_id} in your inbox")
    return found[0]


def referrals_of(
    store: ReadModelStore, collection: str, country: str, query: dict[str, Any]
) -> dict[str, Any]:
    """A page of a country's inbox, optionally of one status, oldest referral first."""
    where = {"country": country, **({"status": query["status"]} if "status" in query else {})}
    page, per_page = query["page"], query["per_page"]
    search = Query(where, order_by="referred_at", limit=per_page, offset=(page - 1) * per_page)
    found = store.find(collection, search)
    return {"items": found.items, "total": found.total, "page": page, "per_page": per_page}
