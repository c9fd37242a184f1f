"""SQLite files of the embedded backend: one connection per thread, WAL, failures as 503."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from shared.errors import Unavailable


class SqliteFile:
    """A database file shared by the threads of one process, each with its own connection."""

    def __init__(self, path: Path, schema: str = "", read_only: bool = False, durable: bool = True):
        """``durable=False``: a commit survives the process, not the machine, losing
        power (WAL's synchronous=NORMAL: no fsync per commit, and the file is never
        corrupted); for what can be rebuilt from elsewhere."""
        self.path = Path(path)
        self._durable = durable
        self._schema = schema
        self._read_only = read_only
        self._local = threading.local()
        self._prepared = threading.Lock()
        self._ready = read_only

    def connection(self) -> sqlite3.Connection:
        """This thread's connection; the first one of the process also creates the schema,
        so that a service starts (and reports not ready) when its file cannot be opened."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            if self._read_only:
                target, uri = f"file:{self.path}?mode=ro", True
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                target, uri = str(self.path), False
            # isolation_level=None: transactions are opened explicitly with BEGIN IMMEDIATE.
            connection = sqlite3.connect(target, uri=uri, timeout=10, isolation_level=None)
            connection.row_factory = sqlite3.Row
            if not self._read_only:
                connection.execute("PRAGMA journal_mode=WAL")
                if not self._durable:
                    connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA busy_timeout=10000")
            # Deleted and overwritten content is zeroed, not left in free pages.
            connection.execute("PRAGMA secure_delete=ON")
            with self._prepared:
                if not self._ready:
                    connection.executescript(self._schema)
                    self._ready = True
            self._local.connection = connection
        return connection

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with unavailable_on_failure():
            connection = self.connection()
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def query(self, sql: str, parameters: tuple = ()) -> list[sqlite3.Row]:
        with unavailable_on_failure():
            try:
                return self.connection().execute(sql, parameters).fetchall()
            except sqlite3.OperationalError:
                # A reader that opened a file before its writer made it: open afresh next time.
                if self._read_only:
                    self._local.connection.close()
                    self._local.connection = None
                raise

    def exists(self) -> bool:
        return self.path.is_file()


@contextlib.contextmanager
def unavailable_on_failure() -> Iterator[None]:
    try:
        yield
    except sqlite3.OperationalError as error:
        raise Unavailable(f"SQLite store unavailable: {error}") from error
