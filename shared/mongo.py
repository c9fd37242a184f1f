"""One MongoDB client per process and the translation of its failures (stack backend)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from pymongo import MongoClient
from pymongo.errors import ConnectionFailure, ExecutionTimeout, NetworkTimeout

from shared.errors import Unavailable

_clients: dict[str, MongoClient] = {}
_lock = threading.Lock()


def client_for(uri: str) -> MongoClient:
    """Shared per URI: pymongo pools connections, so one client serves every request."""
    with _lock:
        if uri not in _clients:
            _clients[uri] = MongoClient(
                uri, serverSelectionTimeoutMS=5000, connectTimeoutMS=5000, tz_aware=True
            )
        return _clients[uri]


@contextlib.contextmanager
def unavailable_on_failure() -> Iterator[None]:
    try:
        yield
    except (ConnectionFailure, ExecutionTimeout, NetworkTimeout) as error:
        raise Unavailable(
            f"MongoDB-compatible store unreachable: {type(error).__name__}"
        ) from error
