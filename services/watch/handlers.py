"""The watch service's commands carried out, and its questions answered.

Another organisation's watch-list, subscription or delivery is not found (404), never
forbidden: its existence is not the caller's business.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import singledispatch
from typing import Any

from services.watch import commands as c
from services.watch.collections import (
    Deliveries,
    Entries,
    Feed,
    Statuses,
    Subscriptions,
    Watchlists,
)
from services.watch.domain import (
    FAILING_FOR,
    BadImport,
    Refused,
    RowAnswer,
    Wanted,
    check_address,
    derived_id,
    instant,
    new_id,
    new_secret,
    rows_of,
)
from services.watch.projections import KnownRecruiters
from shared.clock import Clock
from shared.errors import Conflict, Invalid, NotFound
from shared.readmodels.base import Query, ReadModelStore
from shared.replay import CurrentCollection
from shared.text import licence_key

PAGE = 1000


def resolve_host(host: str, port: int) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


@dataclass
class Watch:
    """What the handlers work with: the store, the clock, and the webhook address rules."""

    store: ReadModelStore
    clock: Clock
    allow_local: bool = False
    resolve: Callable[[str, int], Iterable[str]] = resolve_host

    def __post_init__(self) -> None:
        self.known = CurrentCollection(self.store, KnownRecruiters.name, KnownRecruiters.collection)

    def owned(self, collection: str, key: str, org: str, what: str) -> tuple[int, dict[str, Any]]:
        stored = self.store.get(collection, key)
        if stored is None or stored.document.get("org") != org:
            raise NotFound(f"no {what} {key}")
        return stored.revision, stored.document


@singledispatch
def handle(command: object, watch: Watch) -> dict[str, Any]:
    raise TypeError(f"no handler for {type(command).__name__}")


@handle.register
def create_watchlist(command: c.CreateWatchlist, watch: Watch) -> dict[str, Any]:
    watchlist = {
        "watchlist_id": new_id("wl"),
        "org": command.org,
        "name": command.name,
        "created_at": instant(watch.clock()),
        "feed_seq": 0,
    }
    watch.store.put(Watchlists.collection, watchlist["watchlist_id"], watchlist, 0)
    return public(watchlist)


@handle.register
def add_entry(command: c.AddEntry, watch: Watch) -> dict[str, Any]:
    watch.owned(Watchlists.collection, command.watchlist_id, command.org, "watch-list")
    fields = ("recruiter_id", "country", "licence_number", "label", "include_chain")
    wanted = Wanted(**{name: getattr(command, name) for name in fields})
    answer = take(watch, command.org, command.watchlist_id, [(1, wanted)])[0]
    if not answer.taken:
        if answer.entry_id:
            raise Conflict(answer.reason)  # already watched
        # Unknown: 422 naming the field (a 404 would say the watch-list is not found).
        field = "licence_number" if wanted.by_licence() else "recruiter_id"
        raise Invalid(answer.reason, {field: [answer.reason]})
    return {"entry_id": answer.entry_id, "recruiter_id": answer.recruiter_id}


@handle.register
def import_entries(command: c.ImportEntries, watch: Watch) -> dict[str, Any]:
    watch.owned(Watchlists.collection, command.watchlist_id, command.org, "watch-list")
    try:
        rows = rows_of(command.csv_text)
    except BadImport as error:
        raise Invalid(str(error), {"file": [str(error)]}) from None
    answers = take(watch, command.org, command.watchlist_id, rows)
    return {
        "rows": [answer.as_dict() for answer in answers],
        "taken": sum(answer.taken for answer in answers),
        "refused": sum(not answer.taken for answer in answers),
    }


def take(
    watch: Watch, org: str, watchlist_id: str, rows: list[tuple[int, Wanted | str]]
) -> list[RowAnswer]:
    """Each row answered: taken as an entry, or why not (unknown, already watched...)."""
    wanted = [w for _, w in rows if isinstance(w, Wanted)]
    known = watch.known()
    keys = {w.recruiter_id for w in wanted if w.recruiter_id}
    keys |= {licence_key(w.country, w.licence_number) for w in wanted if w.by_licence()}
    found = {}
    listed = sorted(keys)
    for start in range(0, len(listed), PAGE):
        found |= watch.store.get_many(known, listed[start : start + PAGE])
    answers, now = [], instant(watch.clock())
    for number, row in rows:
        if isinstance(row, str):
            answers.append(RowAnswer(number, False, row))
            continue
        key = row.recruiter_id or licence_key(row.country, row.licence_number)
        holder = found.get(key)
        if holder is None:
            answers.append(RowAnswer(number, False, unknown(row)))
            continue
        recruiter_id = holder.document["recruiter_id"]
        entry_id = derived_id("ent", watchlist_id, recruiter_id)
        entry = {
            "entry_id": entry_id,
            "watchlist_id": watchlist_id,
            "org": org,
            "recruiter_id": recruiter_id,
            "country": row.country,
            "licence_number": row.licence_number,
            "label": row.label,
            "include_chain": row.include_chain,
            "added_at": now,
        }
        if watch.store.put(Entries.collection, entry_id, entry, 0):
            answers.append(RowAnswer(number, True, None, entry_id, recruiter_id))
        else:
            reason = f"recruiter {recruiter_id} is already on this watch-list"
            answers.append(RowAnswer(number, False, reason, entry_id, recruiter_id))
    return answers


def unknown(row: Wanted) -> str:
    if row.by_licence():
        return (
            f"no recruiter with licence number {row.licence_number} in country {row.country} "
            "is known to this registry"
        )
    return f"no recruiter with id {row.recruiter_id} is known to this registry"


@handle.register
def remove_entry(command: c.RemoveEntry, watch: Watch) -> dict[str, Any]:
    watch.owned(Watchlists.collection, command.watchlist_id, command.org, "watch-list")
    _, entry = watch.owned(Entries.collection, command.entry_id, command.org, "entry")
    if entry["watchlist_id"] != command.watchlist_id:
        raise NotFound(f"no entry {command.entry_id}")
    watch.store.delete(Entries.collection, command.entry_id)
    return {}


@handle.register
def subscribe(command: c.Subscribe, watch: Watch) -> dict[str, Any]:
    watch.owned(Watchlists.collection, command.watchlist_id, command.org, "watch-list")
    allowed(watch, command.url)
    secret = new_secret()
    subscription = {
        "subscription_id": new_id("sub"),
        "watchlist_id": command.watchlist_id,
        "org": command.org,
        "url": command.url,
        "secrets": [{"secret": secret, "until": None}],
        "state": "active",
        "failing_since": None,
        "created_at": instant(watch.clock()),
    }
    watch.store.put(Subscriptions.collection, subscription["subscription_id"], subscription, 0)
    return {**subscription_view(subscription), "secret": secret}


def allowed(watch: Watch, url: str) -> None:
    try:
        check_address(url, watch.allow_local, watch.resolve)
    except Refused as error:
        raise Invalid(
            f"this URL may not receive webhooks: {error}", {"url": [str(error)]}
        ) from None


@handle.register
def rotate_secret(command: c.RotateSecret, watch: Watch) -> dict[str, Any]:
    """A new secret, shown once; the old one keeps signing beside it for a day, so a
    receiver has time to switch."""
    secret, now = new_secret(), watch.clock()
    for _ in range(20):
        revision, subscription = watch.owned(
            Subscriptions.collection, command.subscription_id, command.org, "subscription"
        )
        kept = [
            s for s in subscription["secrets"] if s["until"] is None or s["until"] > instant(now)
        ]
        retiring = [{**s, "until": s["until"] or instant(now + FAILING_FOR)} for s in kept]
        changed = {**subscription, "secrets": [{"secret": secret, "until": None}, *retiring]}
        if watch.store.put(Subscriptions.collection, command.subscription_id, changed, revision):
            return {**subscription_view(changed), "secret": secret}
    raise Conflict("the subscription kept changing; try again")


@handle.register
def redeliver(command: c.Redeliver, watch: Watch) -> dict[str, Any]:
    """Owe the delivery again, at once, under the same webhook-id."""
    watch.owned(Subscriptions.collection, command.subscription_id, command.org, "subscription")
    for _ in range(20):
        revision, delivery = watch.owned(
            Deliveries.collection, command.delivery_id, command.org, "delivery"
        )
        if delivery["subscription_id"] != command.subscription_id:
            raise NotFound(f"no delivery {command.delivery_id}")
        again = {**delivery, "state": "pending", "due": "", "attempts": 0, "failing_since": None}
        if watch.store.put(Deliveries.collection, command.delivery_id, again, revision):
            return delivery_view(again)
    raise Conflict("the delivery kept changing; try again")


def show_watchlist(watch: Watch, org: str, watchlist_id: str, limit: int, offset: int) -> dict:
    _, watchlist = watch.owned(Watchlists.collection, watchlist_id, org, "watch-list")
    query = Query({"watchlist_id": watchlist_id}, order_by="added_at", limit=limit, offset=offset)
    page = watch.store.find(Entries.collection, query)
    statuses = watch.store.get_many(Statuses.collection, [e["recruiter_id"] for e in page.items])
    subscriptions = (
        watch.store.find(
            Subscriptions.collection,
            Query({"watchlist_id": watchlist_id, "state": "active"}, limit=PAGE),
        ).items
        + watch.store.find(
            Subscriptions.collection,
            Query({"watchlist_id": watchlist_id, "state": "disabled"}, limit=PAGE),
        ).items
    )
    return {
        **public(watchlist),
        "entries": [entry_view(e, statuses.get(e["recruiter_id"])) for e in page.items],
        "entries_total": page.total,
        "limit": limit,
        "offset": offset,
        "subscriptions": [subscription_view(s) for s in subscriptions],
    }


def changes(watch: Watch, org: str, watchlist_id: str, after: int, limit: int) -> dict:
    watch.owned(Watchlists.collection, watchlist_id, org, "watch-list")
    query = Query({"watchlist_id": watchlist_id}, above=("seq", after), order_by="seq", limit=limit)
    items = watch.store.find(Feed.collection, query).items
    return {
        "changes": [feed_view(item) for item in items],
        "next": str(items[-1]["seq"] if items else after),
    }


def deliveries(watch: Watch, org: str, subscription_id: str, after: int, limit: int) -> dict:
    watch.owned(Subscriptions.collection, subscription_id, org, "subscription")
    query = Query(
        {"subscription_id": subscription_id}, above=("seq", after), order_by="seq", limit=limit
    )
    items = watch.store.find(Deliveries.collection, query).items
    return {
        "deliveries": [delivery_view(item) for item in items],
        "next": str(items[-1]["seq"] if items else after),
    }


def public(watchlist: dict[str, Any]) -> dict[str, Any]:
    return {k: watchlist[k] for k in ("watchlist_id", "name", "created_at")}


def entry_view(entry: dict[str, Any], status) -> dict[str, Any]:
    shown = {
        k: entry[k]
        for k in ("entry_id", "recruiter_id", "country", "licence_number", "label", "include_chain")
    }
    latest = status.document if status else None
    return {
        **shown,
        "verdict": latest["verdict"] if latest else "unknown",
        "status": {k: latest[k] for k in STATUS_FACTS} if latest else None,
    }


STATUS_FACTS = ("verdict", "reasons", "licence_status", "certificate_status", "changed_at")


def subscription_view(subscription: dict[str, Any]) -> dict[str, Any]:
    return {
        k: subscription[k]
        for k in ("subscription_id", "watchlist_id", "url", "state", "failing_since", "created_at")
    } | {"disabled_at": subscription.get("disabled_at")}


def feed_view(item: dict[str, Any]) -> dict[str, Any]:
    shown = {"cursor": str(item["seq"]), "kind": item["kind"]}
    if item["kind"] == "status_changed":
        change = item["change"]
        return (
            shown
            | {"event_id": change["event_id"], "recruiter_id": change["recruiter_id"]}
            | {k: change[k] for k in (*STATUS_FACTS, "previous_verdict")}
        )
    return shown | {k: item[k] for k in ("subscription_id", "at", "reason")}


def delivery_view(delivery: dict[str, Any]) -> dict[str, Any]:
    change = delivery["change"]
    return {
        "delivery_id": delivery["delivery_id"],
        "webhook_id": delivery["delivery_id"],
        "event_id": change["event_id"],
        "recruiter_id": delivery["recruiter_id"],
        "verdict": change["verdict"],
        "changed_at": change["changed_at"],
        "state": delivery["state"],
        "attempts": delivery["attempts"],
        "next_attempt_at": delivery["due"] or None if delivery["state"] == "pending" else None,
        "last_attempt": delivery.get("last_attempt"),
        "delivered_at": delivery.get("delivered_at"),
    }
