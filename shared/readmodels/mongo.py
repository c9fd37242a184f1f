"""Read models on a MongoDB-compatible server: ``{_id, revision, document}`` per key."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shared.mongo import unavailable_on_failure
from shared.readmodels.base import Page, Query, ReadModelStore, Stored, check_field, check_name


class MongoReadModelStore(ReadModelStore):
    def __init__(self, database: Database):
        self._db = database

    def get(self, collection: str, key: str) -> Stored | None:
        with unavailable_on_failure():
            found = self._db[check_name(collection)].find_one({"_id": str(key)})
        return Stored(found["_id"], found["revision"], found["document"]) if found else None

    def get_many(self, collection: str, keys: Sequence[str]) -> dict[str, Stored]:
        keys = list(dict.fromkeys(str(key) for key in keys))
        if not keys:
            return {}
        with unavailable_on_failure():
            found = self._db[check_name(collection)].find({"_id": {"$in": keys}})
            return {r["_id"]: Stored(r["_id"], r["revision"], r["document"]) for r in found}

    def put(self, collection: str, key: str, document: Mapping[str, Any], revision: int) -> bool:
        records = self._db[check_name(collection)]
        record = {"_id": str(key), "revision": revision + 1, "document": dict(document)}
        with unavailable_on_failure():
            if revision == 0:
                try:
                    records.insert_one(record)
                except DuplicateKeyError:
                    return False
                return True
            result = records.replace_one({"_id": str(key), "revision": revision}, record)
        return result.modified_count == 1

    def find(self, collection: str, query: Query) -> Page:
        criteria: dict[str, Any] = {f"document.{f}": v for f, v in query.where.items()}
        if query.contains:
            field, text = query.contains
            criteria[f"document.{field}"] = {"$regex": re.escape(text)}
        for bound, operator in ((query.below, "$lt"), (query.above, "$gt")):
            if bound:
                criteria.setdefault(f"document.{bound[0]}", {})[operator] = bound[1]
        records = self._db[check_name(collection)]
        with unavailable_on_failure():
            cursor = records.find(criteria, {"document": 1})
            if query.order_by:
                cursor = cursor.sort(
                    [(f"document.{query.order_by}", ASCENDING), ("_id", ASCENDING)]
                )
            else:
                cursor = cursor.sort("_id", ASCENDING)
            items = [r["document"] for r in cursor.skip(query.offset).limit(query.limit)]
            total = records.count_documents(criteria)
        return Page(items, total)

    def ensure_index(self, collection: str, fields: Sequence[str], unique: bool = False) -> None:
        keys = [(f"document.{check_field(f)}", ASCENDING) for f in fields]
        keys += [] if unique else [("_id", ASCENDING)]
        with unavailable_on_failure():
            self._db[check_name(collection)].create_index(keys, unique=unique)

    def delete(self, collection: str, key: str) -> None:
        with unavailable_on_failure():
            self._db[check_name(collection)].delete_one({"_id": str(key)})

    def drop(self, collection: str) -> None:
        with unavailable_on_failure():
            self._db.drop_collection(check_name(collection))

    def scrub(self) -> None:
        """Nothing to ask of the server: MongoDB and FerretDB reuse freed space themselves."""

    def ping(self) -> None:
        with unavailable_on_failure():
            self._db.command("ping")
