"""Per-client token buckets for public endpoints (429 with Retry-After)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, request

from shared.http.problems import Problem


class RateLimiter:
    """``per_minute`` requests per client, in bursts of up to ``per_minute`` / 6."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.rate = per_minute / 60.0
        self.burst = max(1.0, per_minute / 6.0)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def wait_needed(self, client: str, cost: float = 1.0) -> float:
        """0 when the request may pass (and is counted), else seconds to wait."""
        now = self._clock()
        with self._lock:
            tokens, seen = self._buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - seen) * self.rate)
            if tokens >= cost:
                self._buckets[client] = (tokens - cost, now)
                return 0.0
            self._buckets[client] = (tokens, now)
            if len(self._buckets) > 100_000:
                self._buckets.clear()
            return (cost - tokens) / self.rate


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
                headers={"Retry-After": str(math.ceil(wait))},
            )
        return view(*args, **kwargs)

    return limited
