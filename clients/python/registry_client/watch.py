"""Typed calls to the watch service (SPEC §15), as an employer holding its token."""

from __future__ import annotations

import urllib.parse
from typing import Any

from registry_client.fetch import fetch_json


def _part(value: str) -> str:
    return urllib.parse.quote(value, safe="")


class WatchClient:
    """``base_url`` is the watch service's root; ``token`` an employer's, naming its org."""

    def __init__(self, base_url: str, token: str):
        self.base_url, self.token = base_url, token

    def create_watchlist(self, name: str) -> str:
        return self._call("v1/watchlists", body={"name": name})["watchlist_id"]

    def watchlist(self, watchlist_id: str) -> dict[str, Any]:
        """The watch-list with its entries and their current verdicts."""
        return self._call(f"v1/watchlists/{_part(watchlist_id)}")

    def add_entry(
        self,
        watchlist_id: str,
        *,
        recruiter_id: str | None = None,
        country: str | None = None,
        licence_number: str | None = None,
        label: str | None = None,
        include_chain: bool = False,
    ) -> str:
        """By ``recruiter_id``, or by ``country`` and ``licence_number``; the entry's id."""
        named = {"recruiter_id": recruiter_id, "country": country, "licence_number": licence_number}
        body = {k: v for k, v in {**named, "label": label}.items() if v is not None}
        body["include_chain"] = include_chain
        return self._call(f"v1/watchlists/{_part(watchlist_id)}/entries", body=body)["entry_id"]

    def remove_entry(self, watchlist_id: str, entry_id: str) -> None:
        path = f"v1/watchlists/{_part(watchlist_id)}/entries/{_part(entry_id)}"
        self._call(path, method="DELETE")

    def import_csv(self, watchlist_id: str, text: str) -> dict[str, Any]:
        """Up to 10,000 rows; the answer says which rows were taken and why not the others."""
        return self._call(f"v1/watchlists/{_part(watchlist_id)}/entries/import", csv=text)

    def changes(self, watchlist_id: str, after: str | None = None) -> dict[str, Any]:
        """``{changes, next}``: the watched recruiters' status changes in order; pass
        ``next`` as ``after`` to read on."""
        query = {"after": after} if after else None
        return self._call(f"v1/watchlists/{_part(watchlist_id)}/changes", query)

    def subscribe(self, watchlist_id: str, url: str) -> dict[str, Any]:
        """``{subscription_id, secret}``: keep the secret, it is shown once."""
        return self._call(f"v1/watchlists/{_part(watchlist_id)}/subscriptions", body={"url": url})

    def rotate_secret(self, subscription_id: str) -> dict[str, Any]:
        return self._call(f"v1/subscriptions/{_part(subscription_id)}/rotate-secret", body={})

    def deliveries(self, subscription_id: str) -> dict[str, Any]:
        return self._call(f"v1/subscriptions/{_part(subscription_id)}/deliveries")

    def redeliver(self, subscription_id: str, delivery_id: str) -> dict[str, Any]:
        path = f"v1/subscriptions/{_part(subscription_id)}/deliveries/{_part(delivery_id)}"
        return self._call(f"{path}/redeliver", body={})

    def _call(self, path: str, query: dict[str, Any] | None = None, **how: Any) -> Any:
        return fetch_json(self.base_url, path, query, token=self.token, **how)
