"""Where the watch service keeps what employers set up and what it owes them. Plain
documents in its read-model store (no event stream: an organisation's watch-lists are
its own settings, not public facts, and nobody else reads them); every query is served
by an index declared here."""

from __future__ import annotations

from shared.readmodels.base import IndexedCollection, ReadModelStore


class Kept(IndexedCollection):
    def __init__(self, store: ReadModelStore):
        self.store = store


class Watchlists(Kept):
    """``{watchlist_id, org, name, created_at, feed_seq}``: ``feed_seq`` numbers its feed."""

    collection = "watchlists"


class Entries(Kept):
    """``{entry_id, watchlist_id, org, recruiter_id, country?, licence_number?, label,
    include_chain, added_at}``; one per recruiter and watch-list (the id says which)."""

    collection = "watch_entries"
    indexes = (("recruiter_id",), ("watchlist_id", "added_at"))


class Feed(Kept):
    """The changes of one watch-list's recruiters, numbered in the order they arrived:
    ``{watchlist_id, seq, kind, ...}``; the key is derived from the event, so a redelivery
    adds nothing."""

    collection = "watch_feed"
    indexes = (("watchlist_id", "seq"),)


class Statuses(Kept):
    """The latest status change of each recruiter, for the watch-list's current verdicts."""

    collection = "watch_statuses"


class Subscriptions(Kept):
    """``{subscription_id, watchlist_id, org, url, secrets, state, failing_since}``."""

    collection = "subscriptions"
    indexes = (("watchlist_id", "state"),)


class Deliveries(Kept):
    """One per (subscription, status change): ``{delivery_id, subscription_id, org,
    recruiter_id, seq, state: pending|delivered|failed, due, attempts, ...}``."""

    collection = "deliveries"
    indexes = (
        ("state", "due"),
        ("subscription_id", "recruiter_id", "state", "seq"),
        ("subscription_id", "seq"),
    )


KEPT = (Watchlists, Entries, Feed, Statuses, Subscriptions, Deliveries)
