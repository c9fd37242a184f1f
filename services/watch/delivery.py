"""Delivering status changes to subscribers' webhooks, in the watch worker (never in a
request), per Standard Webhooks: at least once, the same ``webhook-id`` on every attempt,
retried with exponential backoff and jitter; a subscription failing for 24 hours is
disabled and its watch-list's feed says so. A recruiter's changes reach a subscriber in
order: a delivery waits while an earlier one of the same recruiter is still owed.

Every connection goes to an address checked just before it (``check_address``), pinned:
the URL's host name is looked up once per attempt, the addresses checked, and the
connection made to a checked address with the host name kept for TLS and ``Host``.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import urllib3
from standardwebhooks import Webhook

from services.watch.collections import Deliveries, Feed, Subscriptions
from services.watch.domain import (
    Refused,
    check_address,
    cloudevent,
    derived_id,
    failed_for_too_long,
    instant,
    retry_delay,
)
from services.watch.handlers import resolve_host
from services.watch.projections import next_seq
from shared.clock import Clock
from shared.errors import Unavailable
from shared.readmodels.base import Query, ReadModelStore, due_by

log = logging.getLogger(__name__)
BATCH = 50
TIMEOUT = urllib3.Timeout(connect=3.0, read=5.0)
# Verification not answering is not the receiver's failure: look again soon.
RECEIPT_RETRY = timedelta(seconds=2)


class PinnedSender:
    """POSTs to a webhook URL over pooled connections, each pool pinned to one checked
    address: a name that resolves elsewhere later gets a new pool, after a new check."""

    def __init__(self, allow_local: bool, resolve=resolve_host):
        self.allow_local = allow_local
        self.resolve = resolve
        self._pools: dict[tuple[str, str, int, str], urllib3.HTTPConnectionPool] = {}
        self._lock = threading.Lock()

    def post(self, url: str, body: str, headers: dict[str, str]) -> int:
        host, port, addresses = check_address(url, self.allow_local, self.resolve)
        parts = urlsplit(url)
        pool = self._pool(parts.scheme, host, port, addresses[0])
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        response = pool.urlopen(
            "POST",
            target,
            body=body.encode(),
            headers={**headers, "Host": parts.netloc, "Content-Type": "application/json"},
            retries=False,
            redirect=False,
            preload_content=True,
        )
        return response.status

    def _pool(self, scheme: str, host: str, port: int, address: str) -> urllib3.HTTPConnectionPool:
        key = (scheme, host, port, address)
        with self._lock:
            if key not in self._pools:
                if len(self._pools) > 1000:
                    self._pools.clear()
                if scheme == "https":
                    self._pools[key] = urllib3.HTTPSConnectionPool(
                        address,
                        port,
                        timeout=TIMEOUT,
                        maxsize=2,
                        server_hostname=host,
                        assert_hostname=host,
                    )
                else:
                    self._pools[key] = urllib3.HTTPConnectionPool(
                        address, port, timeout=TIMEOUT, maxsize=2
                    )
            return self._pools[key]


class Receipts:
    """Verification's signed answer at the instant of the change, over pooled connections."""

    def __init__(self, verification_url: str):
        self.base = verification_url.rstrip("/")
        self.http = urllib3.PoolManager(maxsize=4, timeout=TIMEOUT, retries=False)

    def at(self, recruiter_id: str, changed_at: str) -> str:
        url = f"{self.base}/v1/recruiters/{quote(recruiter_id)}?as_of={quote(changed_at)}"
        try:
            response = self.http.request("GET", url)
        except urllib3.exceptions.HTTPError as error:
            raise Unavailable(f"verification unreachable: {type(error).__name__}") from None
        if response.status != 200:
            raise Unavailable(f"verification answered {response.status}")
        return json.loads(response.data)["receipt"]


def signed_headers(secrets: list[dict[str, Any]], webhook_id: str, at: datetime, body: str) -> dict:
    """Signed with every secret still valid: after a rotation, the new and the old."""
    live = [s["secret"] for s in secrets if s["until"] is None or s["until"] > instant(at)]
    signatures = " ".join(Webhook(secret).sign(webhook_id, at, body) for secret in live)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
    }


@dataclass
class Courier:
    store: ReadModelStore
    clock: Clock
    sender: PinnedSender
    receipts: Receipts
    retry_base: float = 5.0
    retry_cap: float = 3600.0
    rng: random.Random = field(default_factory=random.Random)

    def deliver_due(self) -> int:
        """Attempt the deliveries due by now, a batch at a time; how many were looked at."""
        now = self.clock()
        page = self.store.find(
            Deliveries.collection, due_by(instant(now), {"state": "pending"}, BATCH)
        )
        for delivery in page.items:
            self.attempt(delivery["delivery_id"], now)
        return len(page.items)

    def attempt(self, delivery_id: str, now: datetime) -> None:
        stored = self.store.get(Deliveries.collection, delivery_id)
        if stored is None or stored.document["state"] != "pending":
            return
        delivery, revision = stored.document, stored.revision
        subscription = self.store.get(Subscriptions.collection, delivery["subscription_id"])
        if subscription is None or subscription.document["state"] != "active":
            self._save(
                delivery,
                revision,
                state="failed",
                due=None,
                last_attempt={
                    "at": instant(now),
                    "status": None,
                    "error": "the subscription is disabled",
                },
            )
            return
        earlier = self._earlier(delivery)
        if earlier is not None:
            # In order per recruiter: after the earlier one, whenever it is tried.
            self._save(delivery, revision, due=earlier["due"] or instant(now + RECEIPT_RETRY))
            return
        body = delivery.get("body")
        if body is None:
            try:
                receipt = self.receipts.at(
                    delivery["recruiter_id"], delivery["change"]["changed_at"]
                )
            except Unavailable as error:
                log.warning("receipt waiting: %s", error)
                self._save(delivery, revision, due=instant(now + RECEIPT_RETRY))
                return
            change = {k: v for k, v in delivery["change"].items() if k != "event_id"}
            body = cloudevent(
                change, delivery["change"]["event_id"], receipt, delivery["watchlist_id"]
            )
        self._send(delivery, revision, subscription.document, body, now)

    def _send(
        self, delivery: dict, revision: int, subscription: dict, body: str, now: datetime
    ) -> None:
        headers = signed_headers(subscription["secrets"], delivery["delivery_id"], now, body)
        status, error = None, None
        try:
            status = self.sender.post(subscription["url"], body, headers)
        except Refused as refused:
            error = f"refused: {refused}"
        except (urllib3.exceptions.HTTPError, OSError) as failure:
            error = type(failure).__name__
        attempts = delivery["attempts"] + 1
        last = {"at": instant(now), "status": status, "error": error}
        if status is not None and 200 <= status < 300:
            self._save(
                delivery,
                revision,
                state="delivered",
                due=None,
                attempts=attempts,
                last_attempt=last,
                delivered_at=instant(now),
                body=body,
            )
            self._failing(subscription["subscription_id"], None, now)
            return
        last["error"] = error or f"the receiver answered {status}"
        failing = self._failing(subscription["subscription_id"], instant(now), now)
        if failing:
            self._save(
                delivery,
                revision,
                state="failed",
                due=None,
                attempts=attempts,
                last_attempt=last,
                body=body,
            )
            return
        retry = now + retry_delay(attempts, self.retry_base, self.retry_cap, self.rng)
        self._save(
            delivery, revision, due=instant(retry), attempts=attempts, last_attempt=last, body=body
        )

    def _earlier(self, delivery: dict) -> dict | None:
        query = Query(
            {
                "subscription_id": delivery["subscription_id"],
                "recruiter_id": delivery["recruiter_id"],
                "state": "pending",
            },
            below=("seq", delivery["seq"]),
            order_by="seq",
            limit=1,
        )
        found = self.store.find(Deliveries.collection, query).items
        return found[0] if found else None

    def _failing(self, subscription_id: str, since: str | None, now: datetime) -> bool:
        """Note the subscription failing since its first failed attempt (None: it works);
        True when it has now failed for 24 hours and is disabled."""
        for _ in range(20):
            stored = self.store.get(Subscriptions.collection, subscription_id)
            subscription = stored.document
            if since is None and subscription["failing_since"] is None:
                return False
            failing_since = None if since is None else subscription["failing_since"] or since
            disable = failed_for_too_long(failing_since, now)
            changed = {**subscription, "failing_since": failing_since}
            if disable:
                changed |= {"state": "disabled", "disabled_at": instant(now)}
            if self.store.put(Subscriptions.collection, subscription_id, changed, stored.revision):
                if disable:
                    self._announce_disabled(changed, now)
                return disable
        return False

    def _announce_disabled(self, subscription: dict, now: datetime) -> None:
        """The watch-list's feed says so, for the employer to see without a server."""
        key = derived_id("off", subscription["subscription_id"], subscription["disabled_at"])
        seq = next_seq(self.store, subscription["watchlist_id"])
        item = {
            "change_id": key,
            "watchlist_id": subscription["watchlist_id"],
            "seq": seq,
            "kind": "subscription_disabled",
            "subscription_id": subscription["subscription_id"],
            "at": instant(now),
            "reason": "every delivery failed for 24 hours",
        }
        self.store.put(Feed.collection, key, item, 0)
        log.warning(
            "subscription disabled", extra={"subscription_id": subscription["subscription_id"]}
        )

    def _save(self, delivery: dict, revision: int, **changes: Any) -> None:
        self.store.put(
            Deliveries.collection, delivery["delivery_id"], {**delivery, **changes}, revision
        )
