"""What an employer asks of the watch service: one typed command each. ``org`` is the
organisation of the caller's token: everything it names must be that organisation's."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CreateWatchlist:
    org: str
    name: str


@dataclass(frozen=True)
class AddEntry:
    org: str
    watchlist_id: str
    recruiter_id: str | None = None
    country: str | None = None
    licence_number: str | None = None
    label: str | None = None
    include_chain: bool = False


@dataclass(frozen=True)
class RemoveEntry:
    org: str
    watchlist_id: str
    entry_id: str


@dataclass(frozen=True)
class ImportEntries:
    org: str
    watchlist_id: str
    csv_text: str


@dataclass(frozen=True)
class Subscribe:
    org: str
    watchlist_id: str
    url: str


@dataclass(frozen=True)
class RotateSecret:
    org: str
    subscription_id: str


@dataclass(frozen=True)
class Redeliver:
    org: str
    subscription_id: str
    delivery_id: str
