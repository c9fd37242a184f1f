"""What an employer's watch-lists decide, without I/O: entries read from CSV rows, which
webhook addresses may be called, when a failed delivery is tried again, what a delivery
carries (SPEC §15)."""

from __future__ import annotations

import base64
import csv
import io
import ipaddress
import json
import random
import re
import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from shared.clock import rfc3339

MAX_IMPORT_ROWS = 10_000
ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
COUNTRY = re.compile(r"^[A-Za-z]{2}$")
NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./_-]{0,63}$")
MAX_LABEL = 200
# A subscription failing this long is disabled; retries never wait longer than the cap.
FAILING_FOR = timedelta(hours=24)
SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)
# Ids of entries, deliveries and feed items derived from what they are, so a redelivered
# event or a retried request never makes a second one.
NAMESPACE = uuid.UUID("0b8f7a4e-52d1-5c3e-9a40-7f1d2e6c8b95")
# Metadata services answer on link-local addresses; these others are named for the reader.
METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


def derived_id(prefix: str, *parts: str) -> str:
    return f"{prefix}-{uuid.uuid5(NAMESPACE, '|'.join(parts)).hex[:24]}"


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:24]}"


def new_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


@dataclass(frozen=True)
class Wanted:
    """An entry as asked for: by recruiter id, or by country and licence number."""

    recruiter_id: str | None = None
    country: str | None = None
    licence_number: str | None = None
    label: str | None = None
    include_chain: bool = False

    def by_licence(self) -> bool:
        return self.recruiter_id is None


@dataclass(frozen=True)
class RowAnswer:
    row: int
    taken: bool
    reason: str | None = None
    entry_id: str | None = None
    recruiter_id: str | None = None

    def as_dict(self) -> dict[str, object]:
        answer: dict[str, object] = {"row": self.row, "taken": self.taken}
        for name in ("reason", "entry_id", "recruiter_id"):
            if getattr(self, name) is not None:
                answer[name] = getattr(self, name)
        return answer


class BadImport(ValueError):
    """The file as a whole cannot be read (no header, too many rows)."""


def rows_of(text: str) -> list[tuple[int, Wanted | str]]:
    """Each data row (numbered from 1 after the header) as an entry wanted, or why not."""
    try:
        return _rows_of(text)
    except csv.Error as error:
        raise BadImport(f"the file is not CSV: {error}") from None


def _rows_of(text: str) -> list[tuple[int, Wanted | str]]:
    reader = csv.DictReader(io.StringIO(text))
    columns = {name.strip().lower() for name in reader.fieldnames or [] if name}
    if not columns & {"recruiter_id", "licence_number"}:
        raise BadImport(
            "the first line must name the columns: recruiter_id, or country and "
            "licence_number; optionally label and include_chain"
        )
    read: list[tuple[int, Wanted | str]] = []
    for number, row in enumerate(reader, start=1):
        if number > MAX_IMPORT_ROWS:
            raise BadImport(f"at most {MAX_IMPORT_ROWS} rows in one import")
        cells = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k}
        read.append((number, wanted_from(cells)))
    return read


def wanted_from(cells: dict[str, str]) -> Wanted | str:
    label = cells.get("label") or None
    if label and len(label) > MAX_LABEL:
        return f"label is longer than {MAX_LABEL} characters"
    chain = cells.get("include_chain", "").lower()
    if chain not in ("", "true", "false", "1", "0", "yes", "no"):
        return "include_chain must be true or false"
    include_chain = chain in ("true", "1", "yes")
    recruiter_id, country, number = (
        cells.get("recruiter_id"),
        cells.get("country"),
        cells.get("licence_number"),
    )
    if recruiter_id:
        if country or number:
            return "give recruiter_id, or country and licence_number, not both"
        if not ID.match(recruiter_id):
            return "recruiter_id is not a valid id"
        return Wanted(recruiter_id, label=label, include_chain=include_chain)
    if not (country and number):
        return "give recruiter_id, or country and licence_number"
    if not COUNTRY.match(country):
        return "country must be an ISO 3166-1 alpha-2 code"
    if not NUMBER.match(number):
        return "licence_number must be 1 to 64 letters, digits, spaces, . / _ -"
    return Wanted(None, country.upper(), number, label, include_chain)


class Refused(ValueError):
    """A webhook address that may not be called, and why (422)."""


def check_address(
    url: str, allow_local: bool, resolve: Callable[[str, int], Iterable[str]]
) -> tuple[str, int, list[str]]:
    """The host, port and resolved addresses of a webhook URL that may be called; raises
    ``Refused`` naming why not. Called when subscribing and again before every
    connection, which then goes to an address checked here (no second lookup)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (read to check it)
    except ValueError:
        raise Refused("the URL is not well formed, or its port is not 0 to 65535") from None
    if parts.scheme != "https" and not (allow_local and parts.scheme == "http"):
        raise Refused("the URL must use https")
    if not parts.hostname:
        raise Refused("the URL has no host")
    if parts.username or parts.password:
        raise Refused("the URL may not carry a user name or password")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = sorted(set(resolve(parts.hostname, port)))
    except (OSError, UnicodeError):
        raise Refused(f"the host {parts.hostname} does not resolve") from None
    if not addresses:
        raise Refused(f"the host {parts.hostname} does not resolve")
    if not allow_local:
        for address in addresses:
            why = forbidden(address)
            if why:
                raise Refused(f"the host {parts.hostname} resolves to {why} address {address}")
    return parts.hostname, port, addresses


def forbidden(address: str) -> str | None:
    """What kind of address no webhook may reach, or None."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip in METADATA:
        return "a cloud metadata"
    if ip.is_loopback:
        return "a loopback"
    if ip.is_link_local:
        return "a link-local"
    if ip.is_private or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
        return "a private"
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"):
        return "a private"
    return None


def retry_delay(attempts: int, base: float, cap: float, rng: random.Random) -> timedelta:
    """Exponential backoff with full jitter: up to base * 2^(attempts-1), at most ``cap``."""
    ceiling = min(cap, base * 2 ** min(attempts - 1, 40))
    return timedelta(seconds=max(base / 2, rng.uniform(0, ceiling)))


def failed_for_too_long(failing_since: str | None, now: datetime) -> bool:
    return (
        failing_since is not None
        and now - datetime.fromisoformat(failing_since.replace("Z", "+00:00")) >= FAILING_FOR
    )


def cloudevent(
    change: dict[str, object], event_id: str, receipt: str | None, watchlist: str
) -> str:
    """The delivery's body: a CloudEvent holding the new status facts and a receipt of
    them from verification, checkable offline with its JWKS."""
    return json.dumps(
        {
            "specversion": "1.0",
            "id": event_id,
            "source": "/verification",
            "type": "registry.verification.status_changed.v1",
            "subject": change["recruiter_id"],
            "time": change["changed_at"],
            "datacontenttype": "application/json",
            "data": {**change, "watchlist_id": watchlist, "receipt": receipt},
        },
        separators=(",", ":"),
        sort_keys=True,
    )


def instant(at: datetime) -> str:
    return rfc3339(at)
