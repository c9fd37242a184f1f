"""Per-client limits on public endpoints (429 with Retry-After), counted in fixed one-minute
windows kept in the service's shared store, so that they hold in total across every HTTP
process and host rather than once per process."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, request

from shared.http.problems import Problem
from shared.ratewindows.base import RateWindows

WINDOW_SECONDS = 60


class RateLimiter:
    """``per_minute`` requests per client in each clock minute."""

    def __init__(
        self, per_minute: int, windows: RateWindows, clock: Callable[[], float] = time.time
    ):
        self.limit = per_minute
        self._windows = windows
        self._clock = clock
        self._forgotten_before = -1

    def wait_needed(self, client: str, cost: int = 1) -> float:
        """0 when the request may pass (it is counted either way), else seconds to wait."""
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        ends = (window + 1) * WINDOW_SECONDS
        if window != self._forgotten_before:
            # Once a window per process: the expired windows go, found through their index.
            self._forgotten_before = window
            self._windows.forget_before(now)
        count = self._windows.add(client, window, cost, expires_at=ends + WINDOW_SECONDS)
        return 0.0 if count <= self.limit else ends - now


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
