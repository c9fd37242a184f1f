"""Per-client token buckets for public endpoints (429 with Retry-After)."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, request

from shared.http.problems import Problem

MAX_CLIENTS = 100_000


class RateLimiter:
    """``per_minute`` requests per client, in bursts of up to ``per_minute`` / 6."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.rate = per_minute / 60.0
        self.burst = max(1.0, per_minute / 6.0)
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait_needed(self, client: str, cost: float = 1.0) -> float:
        """0 when the request may pass (and is counted), else seconds to wait."""
        now = self._clock()
        with self._lock:
            tokens, seen = self._buckets.pop(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - seen) * self.rate)
            allowed = tokens >= cost
            self._buckets[client] = (tokens - cost if allowed else tokens, now)
            if len(self._buckets) > MAX_CLIENTS:
                # The least recently seen client goes first; a bucket that old is full anyway.
                self._buckets.popitem(last=False)
            return 0.0 if allowed else (cost - tokens) / self.rate


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
