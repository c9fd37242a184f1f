"""Per-client limits on public endpoints (429 with Retry-After), counted in fixed one-minute
windows kept in the service's shared store, so that they hold in total across every HTTP
process and host rather than once per process.

A process does not tell the store of every request: that was a write per public answer,
as dear as the answer's own read. It holds a client's requests back while they are few
beside what it believes the client has left (at most an eighth of it), and adds them to
the store's count with the client's first request a second or more after it last did;
near the limit every request is added as it comes, and past it (refused) once a second
again. So a busy client far from its limit costs the store one write a second per
process. The limit holds to within what the other processes hold back: with P processes
a client may pass it by up to (P - 1) / 8 of it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import current_app, request

from shared.http.problems import Problem
from shared.ratewindows.base import RateWindows

WINDOW_SECONDS = 60
SEND_EVERY_SECONDS = 1.0
HELD_SHARE = 8  # a process holds back at most 1/HELD_SHARE of what a client has left


@dataclass
class _Client:
    """One client in the current window, as this process knows it."""

    counted: int = 0  # the store's count, as last told
    held: int = 0  # requests not yet sent to the store
    sent_at: float = -math.inf


class RateLimiter:
    """``per_minute`` requests per client in each clock minute."""

    def __init__(
        self, per_minute: int, windows: RateWindows, clock: Callable[[], float] = time.time
    ):
        self.limit = per_minute
        self._windows = windows
        self._clock = clock
        self._window = -1
        self._clients: dict[str, _Client] = {}
        self._lock = threading.Lock()

    def wait_needed(self, client: str, cost: int = 1) -> float:
        """0 when the request may pass (it is counted either way), else seconds to wait."""
        with self._lock:
            # The clock read under the lock: no request of a window comes after the next.
            now = self._clock()
            window = int(now // WINDOW_SECONDS)
            new_window = window != self._window
            if new_window:
                # What was held for the last window no longer limits anyone.
                self._window, self._clients = window, {}
            known = self._clients.setdefault(client, _Client())
            known.held += cost
            sending = self._sending(known, now)
            if sending:
                known.held, known.sent_at = 0, now
        count = (
            self._send(known, client, window, sending) if sending else known.counted + known.held
        )
        if new_window:
            # Once a window per process: the expired windows go, found through their index.
            self._windows.forget_before(now)
        ends = (window + 1) * WINDOW_SECONDS
        return 0.0 if count <= self.limit else ends - now

    def _sending(self, known: _Client, now: float) -> int:
        """How many held requests go to the store now: all of them, or none yet."""
        left = self.limit - known.counted
        if now - known.sent_at >= SEND_EVERY_SECONDS or 0 < left <= known.held * HELD_SHARE:
            return known.held
        return 0

    def _send(self, known: _Client, client: str, window: int, held: int) -> int:
        try:
            count = self._windows.add(
                client, window, held, expires_at=(window + 2) * WINDOW_SECONDS
            )
        except Exception:
            with self._lock:
                known.held += held  # told next time
            raise
        with self._lock:
            known.counted = max(known.counted, count)
            return known.counted + known.held


def rate_limited(view: Callable) -> Callable:
    @wraps(view)
    def limited(*args: Any, **kwargs: Any) -> Any:
        limiter: RateLimiter = current_app.extensions["registry"].rate_limiter
        wait = limiter.wait_needed(request.remote_addr or "unknown")
        if wait > 0:
            raise Problem(
                429,
                "Too many requests",
                "slow down and retry later",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        return view(*args, **kwargs)

    return limited
