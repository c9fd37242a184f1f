"""The site's one HTTP client to the public APIs of verification and monitoring.

One connection pool per process, shared by every request, so that a page costs no new
TCP connection. Answers come back as JSON; what the APIs refuse becomes a typed error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import urllib3


class UpstreamError(Exception):
    """An answer the page cannot show as content."""


@dataclass
class NotKnown(UpstreamError):
    """404: the registry does not know what was asked for."""


@dataclass
class SignInRefused(UpstreamError):
    """401 or 403: the official's token is no longer accepted."""


@dataclass
class Refused(UpstreamError):
    """422 or 400: the API found the input wrong; ``errors`` per field."""

    errors: dict[str, Any] = field(default_factory=dict)


@dataclass
class Busy(UpstreamError):
    """429 or 503: try again after ``retry_after`` seconds."""

    status: int
    retry_after: str


@dataclass
class Broken(UpstreamError):
    """Anything else: the site cannot reach an API, or the API failed."""

    detail: str


def path(*parts: str) -> str:
    """A path whose parts are quoted: a licence number may hold spaces or slashes."""
    return "/" + "/".join(quote(part, safe="") for part in parts)


class Upstream:
    def __init__(self, verification_url: str, monitoring_url: str, timeout: float = 10.0):
        self.bases = {"verification": verification_url, "monitoring": monitoring_url}
        self.pool = urllib3.PoolManager(
            num_pools=4,
            maxsize=16,
            timeout=urllib3.Timeout(connect=2.0, read=timeout),
            retries=False,
        )

    def get(
        self,
        service: str,
        route: str,
        query: dict[str, str | list[str]] | None = None,
        token: str | None = None,
    ) -> dict[str, Any]:
        """A list in ``query`` repeats its parameter (``consistent_with`` may be repeated)."""
        url = self.bases[service] + route
        if query:
            url += "?" + urlencode({k: v for k, v in query.items() if v}, doseq=True)
        return self._call("GET", url, None, token)

    def post(
        self, service: str, route: str, body: dict[str, Any], token: str | None = None
    ) -> dict[str, Any]:
        return self._call("POST", self.bases[service] + route, body, token)

    def _call(
        self, method: str, url: str, body: dict[str, Any] | None, token: str | None
    ) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self.pool.request(
                method,
                url,
                body=json.dumps(body).encode() if body is not None else None,
                headers=headers,
            )
        except urllib3.exceptions.HTTPError as error:
            raise Busy(503, "5") from error
        return _answer(response.status, response.data, response.headers)

    def ping(self, service: str) -> None:
        """For readiness: the API answers its own health check."""
        from shared.errors import Unavailable

        try:
            self.get(service, "/healthz")
        except UpstreamError as error:
            raise Unavailable(f"{service} does not answer") from error

    def close(self) -> None:
        self.pool.clear()


def _answer(status: int, data: bytes, headers) -> dict[str, Any]:
    try:
        document = json.loads(data) if data else {}
    except ValueError:
        document = {}
    if 200 <= status < 300:
        return document
    if status == 404:
        raise NotKnown()
    if status in (401, 403):
        raise SignInRefused()
    if status in (400, 422):
        errors = document.get("errors") if isinstance(document, dict) else None
        raise Refused(errors if isinstance(errors, dict) else {})
    if status in (429, 503):
        retry_after = headers.get("Retry-After", "5")
        raise Busy(status, retry_after if retry_after.isdigit() else "5")
    raise Broken(f"{status}")
