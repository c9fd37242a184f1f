"""What every service's demo data (``./registry seed``) is written with: JSON over HTTP to
a service's public API, as one caller, each write keyed so that a second run replays it."""

from __future__ import annotations

import hashlib
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import NoReturn, TypeVar

from shared.config import Settings

T = TypeVar("T")


class ApiError(Exception):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class Api:
    """JSON over HTTP to one service, as one caller; counts writes made and replayed."""

    def __init__(self, base: str, token: str | None = None):
        self.base, self.token = base, token
        self.made = self.replayed = 0

    @classmethod
    def to(cls, settings: Settings, service: str, token: str | None = None) -> Api:
        return cls(f"http://127.0.0.1:{settings.ports[service]}", token)

    def get(self, path: str) -> dict:
        return self._call("GET", path)

    def post(
        self, path: str, body: dict, conflict_ok: bool = False, idempotent: bool = True
    ) -> dict | None:
        """The response body; None for a 409 when conflict_ok. ``idempotent=False`` for the
        few writes that refuse an Idempotency-Key (each worker's report is new)."""
        return self._call("POST", path, body, conflict_ok, idempotent)

    def _call(
        self, method: str, path: str, body=None, conflict_ok: bool = False, idempotent=True
    ) -> dict | None:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body, sort_keys=True).encode()
            headers["Content-Type"] = "application/json"
            if idempotent:
                digest = hashlib.sha256(path.encode() + b"\n" + data).hexdigest()[:24]
                headers["Idempotency-Key"] = f"seed-{digest}"
        # The base is always http://127.0.0.1:<port>, from the settings.
        request = urllib.request.Request(self.base + path, data, headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                if method == "POST":
                    replayed = response.headers.get("Idempotent-Replayed") == "true"
                    self.replayed += replayed
                    self.made += not replayed
                return json.load(response)
        except urllib.error.HTTPError as error:
            if error.code == 409 and conflict_ok:
                return None
            message = f"{method} {path} answered {error.code}: {_problem(error)}"
            raise ApiError(message, error.code) from None

    def ready(self, service: str) -> None:
        try:
            self.get("/readyz")
        except (ApiError, OSError) as error:
            reason = getattr(error, "reason", error)
            fail(service, f"the service at {self.base} is not ready ({reason}); ./registry up")


def _problem(error: urllib.error.HTTPError) -> str:
    try:
        problem = json.load(error)
    except ValueError:
        return error.reason
    detail = f"{problem.get('title', error.reason)}: {problem.get('detail', '')}"
    return detail + (f" {json.dumps(problem['errors'])}" if problem.get("errors") else "")


def eventually(attempt: Callable[[], T], timeout: float = 60.0) -> T:
    """``attempt`` once its service has read what another service wrote: retried while
    it answers 404, 409, 422 or 503, which a projection that lags can give."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return attempt()
        except ApiError as error:
            if error.status not in (404, 409, 422, 503) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def holder(verification: Api, country: str, licence_number: str) -> str:
    """The recruiter holding a licence number, as the public verification API says."""
    number = urllib.parse.quote(licence_number, safe="")
    path = f"/v1/licences/{country}/{number}"
    return eventually(lambda: verification.get(path))["recruiter_id"]


def fail(service: str, message: str) -> NoReturn:
    print(f"registry seed: {service}: {message}", file=sys.stderr)
    raise SystemExit(1)
