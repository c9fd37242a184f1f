"""What the watch service reads from the bus.

- ``known_recruiters`` (licensing.events): each recruiter id registered, and per (country,
  licence number) its holder, to take entries by id or by the number on workers' papers.
- ``ChangeFanOut`` (verification.events): each status change goes into the feed of every
  watch-list watching its recruiter and becomes a delivery for each of their active
  subscriptions. Keys derived from the event make a redelivered message a no-op. It acts
  (it owes deliveries), so it is a reaction, never rebuilt by a replay.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.watch.collections import (
    Deliveries,
    Entries,
    Feed,
    Statuses,
    Subscriptions,
    Watchlists,
)
from services.watch.domain import derived_id
from shared.bus.base import Message
from shared.events.catalogue import Received
from shared.events.licensing import (
    AgentDeclared,
    AgentLinkEnded,
    LicenceApplied,
    RecruiterRegistered,
    link_after,
    link_key,
)
from shared.events.reading import read
from shared.events.verification import StatusChanged
from shared.projection import Projection
from shared.readmodels.base import Query, ReadModelStore, every
from shared.text import licence_key

PAGE = 1000
DUE_NOW = ""  # sorts before every instant


class KnownRecruiters(Projection):
    name = "known_recruiters"
    collection = "known_recruiters"
    topics = ("licensing.events",)

    def key_for(self, event: Received) -> str | None:
        if isinstance(event.event, RecruiterRegistered):
            return event.event.recruiter_id
        if isinstance(event.event, LicenceApplied):
            return licence_key(event.event.country, event.event.licence_number)
        return None

    def fold(self, document: dict[str, Any], event: Received) -> dict[str, Any] | None:
        # One event makes each document; there is no stream order to keep.
        held = {"recruiter_id": event.event.recruiter_id}
        return None if document == held else held

    def when(self, document: dict[str, Any], event: Received) -> dict[str, Any]:
        return document


def no_chain(agent_recruiter_id: str) -> list[str]:
    """Where no links are followed: nobody acts for anyone."""
    return []


class AgentLinks(Projection):
    """Who works through whom (SPEC §16), for ``include_chain``: each recruiter's links to
    its agents, and each licence's holder, so that an agent that is itself a registered
    recruiter is found by the licence number the link names."""

    name = "agent_links"
    collection = "agent_links"
    topics = ("licensing.events",)
    indexes = (("kind", "recruiter_id"), ("kind", "licence", "ended"))

    def key_for(self, event: Received) -> str | None:
        kind = event.event
        if isinstance(kind, AgentDeclared | AgentLinkEnded):
            return link_key(event.recruiter_id, kind.agent_id)
        if isinstance(kind, LicenceApplied):
            return f"holder:{licence_key(kind.country, kind.licence_number)}"
        return None

    def fold(self, document: dict[str, Any], event: Received) -> dict[str, Any] | None:
        # Each document follows one link or one licence: no stream order to keep.
        kind = event.event
        if isinstance(kind, LicenceApplied):
            licence = licence_key(kind.country, kind.licence_number)
            held = {"kind": "holder", "recruiter_id": kind.recruiter_id, "licence": licence}
            return None if document == held else held
        return link_after(document, event.recruiter_id, kind)

    def when(self, document: dict[str, Any], event: Received) -> dict[str, Any]:
        return document


def principals_of(store: ReadModelStore, collection: str, agent_recruiter_id: str) -> list[str]:
    """The recruiters with a link in force to a licence of this one (``AgentLinks``)."""
    held = Query({"kind": "holder", "recruiter_id": agent_recruiter_id}, limit=PAGE)
    principals: set[str] = set()
    for holder in store.find(collection, held).items:
        linked = {"kind": "agent_link", "licence": holder["licence"], "ended": False}
        links = store.find(collection, Query(linked, limit=PAGE)).items
        principals |= {link["recruiter_id"] for link in links}
    return sorted(principals - {agent_recruiter_id})


class ChangeFanOut:
    name = "change_fan_out"
    topics = ("verification.events",)
    collection = Feed.collection
    indexes = Feed.indexes

    def __init__(self, store: ReadModelStore, principals_of: Callable[[str], list[str]] = no_chain):
        self.store = store
        self.principals_of = principals_of

    def create_indexes(self) -> None:
        for kept in (Entries, Feed, Subscriptions, Deliveries):
            kept(self.store).create_indexes()

    def apply(self, envelope: dict[str, Any]) -> bool:
        return self.apply_received(read(envelope))

    def apply_received(self, event: Received) -> bool:
        if not isinstance(event.event, StatusChanged):
            return False
        change = {**event.event.to_data(), "event_id": event.id}
        recruiter = event.event.recruiter_id
        for watchlist_id in sorted(self.watching(recruiter)):
            seq = self._into_feed(watchlist_id, change)
            if seq is not None:
                self._owe_deliveries(watchlist_id, seq, change)
        # Last: whoever sees the recruiter's new status finds the change in the feeds too.
        self._remember(recruiter, change, event.stream_version)
        return True

    def watching(self, recruiter_id: str) -> set[str]:
        """The watch-lists with an entry for the recruiter, or with ``include_chain`` on an
        entry for a recruiter it acts for."""
        found = {e["watchlist_id"] for e in self._entries_of(recruiter_id)}
        for principal in self.principals_of(recruiter_id):
            found |= {e["watchlist_id"] for e in self._entries_of(principal) if e["include_chain"]}
        return found

    def _entries_of(self, recruiter_id: str) -> list[dict[str, Any]]:
        return list(
            every(self.store, Entries.collection, Query({"recruiter_id": recruiter_id}), PAGE)
        )

    def _remember(self, recruiter_id: str, change: dict[str, Any], version: int) -> None:
        for _ in range(20):
            stored = self.store.get(Statuses.collection, recruiter_id)
            if stored and stored.document["version"] >= version:
                return
            latest = {**change, "version": version}
            if self.store.put(
                Statuses.collection, recruiter_id, latest, stored.revision if stored else 0
            ):
                return

    def _into_feed(self, watchlist_id: str, change: dict[str, Any]) -> int | None:
        """The change's number in the watch-list's feed (taken once per event)."""
        key = derived_id("chg", watchlist_id, change["event_id"])
        existing = self.store.get(Feed.collection, key)
        if existing is not None:
            return existing.document["seq"]
        seq = next_seq(self.store, watchlist_id)
        if seq is None:
            return None  # the watch-list is gone
        item = {
            "change_id": key,
            "watchlist_id": watchlist_id,
            "seq": seq,
            "kind": "status_changed",
            "change": change,
        }
        if not self.store.put(Feed.collection, key, item, 0):
            return self.store.get(Feed.collection, key).document["seq"]
        return seq

    def _owe_deliveries(self, watchlist_id: str, seq: int, change: dict[str, Any]) -> None:
        active = Query({"watchlist_id": watchlist_id, "state": "active"}, limit=PAGE)
        for subscription in self.store.find(Subscriptions.collection, active).items:
            owe(self.store, subscription, seq, change)

    def record_dead_letter(self, message: Message, reason: str) -> None:
        """A status change that cannot be read is kept on the dead-letter topic."""

    def record_progress(self, positions: dict[str, dict[str, int]]) -> None:
        return None


def next_seq(store: ReadModelStore, watchlist_id: str) -> int | None:
    for _ in range(50):
        stored = store.get(Watchlists.collection, watchlist_id)
        if stored is None:
            return None
        seq = stored.document.get("feed_seq", 0) + 1
        if store.put(
            Watchlists.collection,
            watchlist_id,
            {**stored.document, "feed_seq": seq},
            stored.revision,
        ):
            return seq
    raise RuntimeError(f"the feed of {watchlist_id} kept changing")


def owe(
    store: ReadModelStore, subscription: dict[str, Any], seq: int, change: dict[str, Any]
) -> None:
    """A pending delivery of the change to the subscription, due at once; its id is the
    ``webhook-id`` of every attempt."""
    delivery_id = derived_id("dlv", subscription["subscription_id"], change["event_id"])
    delivery = {
        "delivery_id": delivery_id,
        "subscription_id": subscription["subscription_id"],
        "org": subscription["org"],
        "watchlist_id": subscription["watchlist_id"],
        "recruiter_id": change["recruiter_id"],
        "seq": seq,
        "change": change,
        "state": "pending",
        "due": DUE_NOW,
        "attempts": 0,
    }
    store.put(Deliveries.collection, delivery_id, delivery, 0)
