"""What the benchmarks share: a kept-alive client, readiness, and licensed recruiters."""

from __future__ import annotations

import http.client
import json
import math
import statistics
import time
import uuid
from datetime import date, timedelta
from typing import Any

# gunicorn closes a kept-alive connection idle for its keepalive (2 s by default).
IDLE_REOPEN_SECONDS = 1.0
# Far enough ahead that no licence made here is ever "expiring within 30 days".
FAR = (date.today() + timedelta(days=3 * 365)).isoformat()


class Client:
    """One kept-alive connection to one service."""

    def __init__(self, port: int, token: str | None = None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Content-Type": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.used = time.monotonic()

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        if time.monotonic() - self.used > IDLE_REOPEN_SECONDS:
            self.connection.close()
        sent = None if body is None else json.dumps(body)
        self.connection.request(method, path, sent, self.headers)
        response = self.connection.getresponse()
        data = response.read()
        self.used = time.monotonic()
        return response.status, data

    def get(self, path: str) -> tuple[int, dict[str, Any]]:
        status, data = self.call("GET", path)
        return status, json.loads(data)

    def post(self, path: str, body: dict) -> tuple[int, dict[str, Any]]:
        status, data = self.call("POST", path, body)
        return status, json.loads(data)


def ready(port: int, path: str = "/readyz") -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def licensed_recruiters(client: Client, count: int) -> list[tuple[str, str]]:
    """``count`` recruiters in KE, each with an issued licence: (recruiter id, licence id)."""
    made = []
    for n in range(count):
        status, recruiter = client.post(
            "/v1/recruiters",
            {
                "legal_name": f"Bench Agency {n}",
                "country": "KE",
                "registration_number": f"B-{uuid.uuid4().hex[:10]}",
            },
        )
        assert status == 201, recruiter
        status, licence = client.post(
            "/v1/licences",
            {
                "recruiter_id": recruiter["recruiter_id"],
                "licence_number": f"RA-{uuid.uuid4().hex[:10]}",
            },
        )
        assert status == 201, licence
        status, issued = client.post(
            f"/v1/licences/{licence['licence_id']}/issue",
            {"valid_from": "2026-01-01", "valid_until": FAR},
        )
        assert status == 200, issued
        made.append((recruiter["recruiter_id"], licence["licence_id"]))
    return made


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest rank: the smallest value with at least ``fraction`` of all at or below it."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def report_load(label: str, elapsed: float, latencies: list[float]) -> None:
    ordered = sorted(latencies)
    print(
        f"{label:<37} {len(ordered) / elapsed:7.1f} requests/s, "
        f"latency p50 {statistics.median(ordered) * 1000:6.1f} ms, "
        f"p99 {percentile(ordered, 0.99) * 1000:6.1f} ms"
    )
