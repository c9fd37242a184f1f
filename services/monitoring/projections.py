"""The monitoring service's own view of the recruiters licensing knows.

Built from ``licensing.events``: names (folded for case- and accent-insensitive search),
country and licence numbers, so a report naming a recruiter by licence number is matched
at intake and one naming it by name gets suggestions; and the ids of the agents its
ministry declared, which a monitor may link an intermediary to.
"""

from __future__ import annotations

from typing import Any

from shared.events.catalogue import Received
from shared.events.licensing import AgentDeclared, LicenceApplied, RecruiterRegistered
from shared.projection import Projection
from shared.readmodels.base import Query, ReadModelStore
from shared.text import folded, licence_key


class RecruiterDirectory(Projection):
    name = "recruiter_directory"
    collection = "recruiter_directory"
    topics = ("licensing.events",)
    indexes = (("country",),)

    def key_for(self, event: Received) -> str | None:
        return event.recruiter_id if not event.subject.startswith("referral-") else None

    def when(self, document: dict[str, Any], event: Received) -> dict[str, Any]:
        data = event.event
        if isinstance(data, RecruiterRegistered):
            names = [data.legal_name, *data.trade_names]
            return {
                **document,
                "recruiter_id": data.recruiter_id,
                "legal_name": data.legal_name,
                "country": data.country,
                "search": " | ".join(folded(name) for name in names),
            }
        if isinstance(data, LicenceApplied):
            numbers = sorted(
                {
                    *document.get("licence_numbers", []),
                    licence_key(data.country, data.licence_number),
                }
            )
            # Delimited in one string, so an exact number is a substring query (no arrays).
            return {
                **document,
                "licence_numbers": numbers,
                "licence_keys": f"|{'|'.join(numbers)}|",
            }
        if isinstance(data, AgentDeclared):
            # Every agent ever declared: a report may tell of a link that has since ended.
            return {**document, "agents": sorted({*document.get("agents", []), data.agent_id})}
        return document


def agent_declared(
    store: ReadModelStore, collection: str, recruiter_id: str, agent_id: str
) -> bool:
    stored = store.get(collection, recruiter_id)
    return stored is not None and agent_id in stored.document.get("agents", [])


def recruiter_by_licence(
    store: ReadModelStore, collection: str, country: str, number: str
) -> str | None:
    key = f"|{licence_key(country, number)}|"
    found = store.find(
        collection, Query({"country": country}, contains=("licence_keys", key), limit=1)
    )
    return found.items[0]["recruiter_id"] if found.items else None


def suggestions(
    store: ReadModelStore, collection: str, name: str, country: str
) -> list[dict[str, Any]]:
    page = store.find(
        collection, Query({"country": country}, contains=("search", folded(name)), limit=10)
    )
    return [{"recruiter_id": d["recruiter_id"], "legal_name": d["legal_name"]} for d in page.items]
