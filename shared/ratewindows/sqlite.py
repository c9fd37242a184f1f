"""Rate windows of the embedded backend: a SQLite file every HTTP process of a service opens."""

from __future__ import annotations

from pathlib import Path

from shared.ratewindows.base import RateWindows
from shared.sqlite import SqliteFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS windows (
    client TEXT NOT NULL,
    window INTEGER NOT NULL,
    count INTEGER NOT NULL,
    expires_at REAL NOT NULL,
    PRIMARY KEY (client, window)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS windows_by_expiry ON windows (expires_at);
"""


class SqliteRateWindows(RateWindows):
    def __init__(self, path: Path):
        # A count lost to a power cut only lets a client a little further: no fsync per request.
        self._file = SqliteFile(path, SCHEMA, durable=False)

    def add(self, client: str, window: int, cost: int, expires_at: float) -> int:
        with self._file.transaction() as connection:
            row = connection.execute(
                "INSERT INTO windows (client, window, count, expires_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (client, window) DO UPDATE SET count = count + excluded.count "
                "RETURNING count",
                (client, window, cost, expires_at),
            ).fetchone()
        return int(row["count"])

    def forget_before(self, now: float) -> None:
        with self._file.transaction() as connection:
            connection.execute("DELETE FROM windows WHERE expires_at < ?", (now,))
