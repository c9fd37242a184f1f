"""One MongoDB client per process and the translation of its failures (stack backend)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence

from pymongo import MongoClient, WriteConcern
from pymongo.database import Database
from pymongo.errors import ConnectionFailure, ExecutionTimeout, NetworkTimeout, WriteConcernError

from shared.errors import Unavailable

# A write is acknowledged once a majority of the replica set holds it in its journal: one
# that only the primary held would be rolled back if it failed over, and one not yet in
# the journal is lost if the server is killed (j), with the command's events or the
# projection's change whose Kafka offset is committed next.
MAJORITY = WriteConcern(w="majority", j=True, wtimeout=10_000)
# Acknowledged by the server, not journaled: for what may be lost (rate windows' counts),
# and for a write that a MAJORITY write of the same command follows. The server keeps one
# journal (and a replica set one oplog) in order, so the later write's acknowledgement
# holds the earlier one too: one fsync per command, not four.
ACKNOWLEDGED = WriteConcern(w=1)
# SecantusDB matches every document an ``$in`` finds against the whole list again: a list
# of n keys costs n² comparisons (1,000 keys: 2.1 s; the same in slices of 50: 0.26 s).
IN_SLICE = 50
_clients: dict[str, MongoClient] = {}
_lock = threading.Lock()


def ids_in(keys: Sequence[str], field: str = "_id") -> Iterator[dict]:
    """Filters on ``field`` among ``keys``, a slice at a time (see ``IN_SLICE``)."""
    for start in range(0, len(keys), IN_SLICE):
        yield {field: {"$in": list(keys[start : start + IN_SLICE])}}


def client_for(uri: str) -> MongoClient:
    """Shared per URI: pymongo pools connections, so one client serves every request."""
    with _lock:
        if uri not in _clients:
            _clients[uri] = MongoClient(
                uri, serverSelectionTimeoutMS=5000, connectTimeoutMS=5000, tz_aware=True
            )
        return _clients[uri]


def database_for(uri: str, name: str) -> Database:
    """A database whose every write waits for the majority, whatever the URI says."""
    return client_for(uri).get_database(name, write_concern=MAJORITY)


@contextlib.contextmanager
def unavailable_on_failure() -> Iterator[None]:
    try:
        yield
    # A write concern not met in time may or may not have been applied: the client retries
    # with its Idempotency-Key, as after any outage.
    except (ConnectionFailure, ExecutionTimeout, NetworkTimeout, WriteConcernError) as error:
        raise Unavailable(
            f"MongoDB-compatible store unreachable: {type(error).__name__}"
        ) from error
