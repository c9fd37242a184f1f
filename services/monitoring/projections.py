"""The monitoring service's own view of the recruiters licensing knows.

Built from ``licensing.events``: names (folded for case- and accent-insensitive search),
country and licence numbers, so a report naming a recruiter by licence number is matched
at intake and one naming it by name gets suggestions.
"""

from __future__ import annotations

from typing import Any

from shared.events.catalogue import Received
from shared.events.licensing import LicenceApplied, RecruiterRegistered
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
        return document


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
