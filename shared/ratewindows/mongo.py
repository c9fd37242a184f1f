"""Rate windows of the stack backend: one document per (client, window), ``$inc`` upserted."""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo import ASCENDING, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, OperationFailure

from shared.errors import Unavailable
from shared.mongo import ACKNOWLEDGED, unavailable_on_failure
from shared.ratewindows.base import RateWindows

COLLECTION = "rate_windows"
RACES = 5


class MongoRateWindows(RateWindows):
    def __init__(self, database: Database):
        # A count lost with the server only lets a client slightly further: no wait for
        # the journal on every public request.
        self._windows = database.get_collection(COLLECTION, write_concern=ACKNOWLEDGED)
        self._indexed = False

    def add(self, client: str, window: int, cost: int, expires_at: float) -> int:
        self._ensure_index()
        key = f"{window}:{client}"
        change = {
            "$inc": {"count": cost},
            "$setOnInsert": {"expires_at": datetime.fromtimestamp(expires_at, UTC)},
        }
        with unavailable_on_failure():
            # First requests racing to insert: the loser is told by a duplicate key and
            # increments again (MongoDB), or counted but answered with no document
            # (SecantusDB 0.7): the count is then read, with whatever came after it.
            for _ in range(RACES):
                try:
                    updated = self._windows.find_one_and_update(
                        {"_id": key}, change, upsert=True, return_document=ReturnDocument.AFTER
                    )
                except DuplicateKeyError:
                    continue
                updated = updated or self._windows.find_one({"_id": key})
                if updated is not None:
                    return int(updated["count"])
        raise Unavailable(f"rate window {key} could not be counted")

    def forget_before(self, now: float) -> None:
        # MongoDB's TTL monitor does this too; FerretDB 1.x keeps TTL indexes but never expires.
        self._ensure_index()
        with unavailable_on_failure():
            self._windows.delete_many({"expires_at": {"$lt": datetime.fromtimestamp(now, UTC)}})

    def _ensure_index(self) -> None:
        if self._indexed:
            return
        with unavailable_on_failure():
            try:
                self._windows.create_index([("expires_at", ASCENDING)], expireAfterSeconds=0)
            except OperationFailure:  # a server without TTL indexes: a plain one serves forget
                self._windows.create_index([("expires_at", ASCENDING)])
        self._indexed = True
