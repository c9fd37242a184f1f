"""The port: one counter per (client, window), incremented atomically by whoever serves
the client, forgotten once its window is over."""

from __future__ import annotations

import abc


class RateWindows(abc.ABC):
    @abc.abstractmethod
    def add(self, client: str, window: int, cost: int, expires_at: float) -> int:
        """Add ``cost`` to the client's count in ``window`` (a number that names it) and
        return the count after; the count may be dropped after ``expires_at`` (unix)."""

    @abc.abstractmethod
    def forget_before(self, now: float) -> None:
        """Drop the counts of windows that have expired by ``now``."""
