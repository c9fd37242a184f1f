"""Read models on a MongoDB-compatible server: ``{_id, revision, document}`` per key.

A text field with a word index also gets, beside the document, every start of every
word of it (``words.<field>``), indexed: a query by words is then equality on that
array, which MongoDB and the servers standing in for it all serve from an index."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ASCENDING, InsertOne, ReplaceOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared.errors import Unavailable
from shared.mongo import ids_in, unavailable_on_failure
from shared.readmodels.base import (
    Page,
    Query,
    ReadModelStore,
    Stored,
    Write,
    check_field,
    check_name,
    in_order,
    matches,
    total_shown,
    written,
)
from shared.text import word_prefixes

WORDS = "words"
WORDS_REMEMBERED = 10_000
# What a word no search has asked for yet is taken to hold: a word known to be rarer goes
# first, one known to be commoner after it.
UNKNOWN_HOLDERS = 20


class MongoReadModelStore(ReadModelStore):
    def __init__(self, database: Database):
        self._db = database
        # Per collection, its word-indexed fields, as the server's index list says.
        self._word_fields: dict[str, tuple[str, ...]] = {}
        # Per collection and word, the documents holding it when last searched for.
        self._matches: dict[tuple[str, str], int] = {}

    def get(self, collection: str, key: str) -> Stored | None:
        with unavailable_on_failure():
            found = self._db[check_name(collection)].find_one({"_id": str(key)})
        return Stored(found["_id"], found["revision"], found["document"]) if found else None

    def get_many(self, collection: str, keys: Sequence[str]) -> dict[str, Stored]:
        keys = list(dict.fromkeys(str(key) for key in keys))
        if not keys:
            return {}
        records = self._db[check_name(collection)]
        with unavailable_on_failure():
            return {
                r["_id"]: Stored(r["_id"], r["revision"], r["document"])
                for criteria in ids_in(keys)
                for r in records.find(criteria)
            }

    def put(self, collection: str, key: str, document: Mapping[str, Any], revision: int) -> bool:
        records = self._db[check_name(collection)]
        record = self._record(collection, key, document, revision)
        with unavailable_on_failure():
            if revision == 0:
                try:
                    records.insert_one(record)
                except DuplicateKeyError:
                    return False
                return True
            result = records.replace_one({"_id": str(key), "revision": revision}, record)
        return result.modified_count == 1

    def put_many(self, writes: Sequence[Write]) -> bool:
        """In order: one ordered bulk write per run of writes to one collection. A refused
        insert stops it; a replace that matched nothing loses, though later ones stand."""
        return all(self._bulk(collection, run, ordered=True) for collection, run in _runs(writes))

    def put_each(self, writes: Sequence[Write]) -> list[bool]:
        """One unordered bulk write per run of writes to one collection; where any lost,
        what stands is read again, a read per collection."""
        if all([self._bulk(collection, run, ordered=False) for collection, run in _runs(writes)]):
            return [True] * len(writes)
        standing: dict[str, dict[str, Stored]] = {}
        for collection in dict.fromkeys(write.collection for write in writes):
            keys = [write.key for write in writes if write.collection == collection]
            standing[collection] = self.get_many(collection, keys)
        return [
            stored is not None and written(stored, write)
            for write in writes
            for stored in [standing[write.collection].get(str(write.key))]
        ]

    def _bulk(self, collection: str, run: Sequence[Write], ordered: bool) -> bool:
        """The run written; False when any of it lost."""
        operations = [
            ReplaceOne({"_id": str(w.key), "revision": w.revision}, record)
            if w.revision
            else InsertOne(record)
            for w in run
            for record in [self._record(w.collection, w.key, w.document, w.revision)]
        ]
        replaces = sum(isinstance(o, ReplaceOne) for o in operations)
        with unavailable_on_failure():
            try:
                result = self._db[collection].bulk_write(operations, ordered=ordered)
            except BulkWriteError as error:
                if error.details.get("writeConcernErrors"):
                    raise Unavailable("MongoDB-compatible store: write concern not met") from error
                return False
        return result.modified_count == replaces

    def _record(
        self, collection: str, key: str, document: Mapping[str, Any], revision: int
    ) -> dict:
        record = {"_id": str(key), "revision": revision + 1, "document": dict(document)}
        indexed = self._words_of(collection)
        if indexed:
            record[WORDS] = {f: word_prefixes(str(document.get(f) or "")) for f in indexed}
        return record

    def find(self, collection: str, query: Query) -> Page:
        if query.words:
            return self._find_by_words(collection, query)
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
            total = total_shown(query, len(items))
            if total is None:
                bounded = {"limit": query.count_up_to} if query.count_up_to else {}
                total = records.count_documents(criteria, **bounded)
        return Page(items, total)

    def _find_by_words(self, collection: str, query: Query) -> Page:
        """The documents holding one of the words, from the index on that field alone
        (the one filter SecantusDB serves from an index), each read once; the other
        words, the fields and the order checked here. The word asked for is the one
        that held the fewest documents when this process last asked for it (a word
        never asked for counts as ``UNKNOWN_HOLDERS``; ties go to the longest):
        SecantusDB reads every document an index finds, whatever the limit, so a search
        costs the matches of the word chosen, never the collection's."""
        field, wanted = query.words

        def holders(word: str) -> tuple[int, int, str]:
            return (self._matches.get((collection, word), UNKNOWN_HOLDERS), -len(word), word)

        word = min(set(wanted), key=holders)
        path = f"{WORDS}.{field}"
        records = self._db[check_name(collection)]
        with unavailable_on_failure():
            found = list(records.find({path: word}, {"document": 1, path: 1}))
        self._matched(collection, word, len(found))
        chosen = [
            (r["_id"], r["document"])
            for r in found
            if matches(r["document"], query, r.get(WORDS, {}).get(field, ()))
        ]
        ordered = in_order(chosen, query)
        page = ordered[query.offset : query.offset + query.limit]
        if not query.counted:
            return Page(page, total_shown(query, len(page)))
        return Page(page, min(len(ordered), query.count_up_to or len(ordered)))

    def _matched(self, collection: str, word: str, count: int) -> None:
        """Remember how many documents held the word, for the next search to ask for a
        rarer word first; past ``WORDS_REMEMBERED`` words, start again (threads share
        the store: one new dictionary, never a deletion another thread may race)."""
        if len(self._matches) >= WORDS_REMEMBERED:
            self._matches = {}
        self._matches[(collection, word)] = count

    def ensure_index(self, collection: str, fields: Sequence[str], unique: bool = False) -> None:
        keys = [(f"document.{check_field(f)}", ASCENDING) for f in fields]
        keys += [] if unique else [("_id", ASCENDING)]
        with unavailable_on_failure():
            self._db[check_name(collection)].create_index(keys, unique=unique)

    def ensure_word_index(self, collection: str, field: str) -> None:
        path = f"{WORDS}.{check_field(field)}"
        records = self._db[check_name(collection)]
        with unavailable_on_failure():
            if field not in self._words_of(collection):
                for record in records.find({}, {"document": 1}):
                    text = str(record["document"].get(field) or "")
                    records.update_one(
                        {"_id": record["_id"]}, {"$set": {path: word_prefixes(text)}}
                    )
            records.create_index([(path, ASCENDING), ("_id", ASCENDING)])
        self._word_fields[collection] = (*self._words_of(collection), field)

    def _words_of(self, collection: str) -> tuple[str, ...]:
        """The collection's word-indexed fields, looked up once per process: a writer that
        never declared them keeps the words of every document up to date all the same."""
        if collection not in self._word_fields:
            with unavailable_on_failure():
                keys = [k for index in self._db[collection].list_indexes() for k in index["key"]]
            prefix = f"{WORDS}."
            fields = tuple(dict.fromkeys(k[len(prefix) :] for k in keys if k.startswith(prefix)))
            self._word_fields[collection] = fields
        return self._word_fields[collection]

    def delete(self, collection: str, key: str) -> None:
        with unavailable_on_failure():
            self._db[check_name(collection)].delete_one({"_id": str(key)})

    def drop(self, collection: str) -> None:
        with unavailable_on_failure():
            self._db.drop_collection(check_name(collection))
        self._word_fields.pop(collection, None)
        self._matches = {k: n for k, n in self._matches.items() if k[0] != collection}

    def scrub(self) -> None:
        """Nothing to ask of the server: MongoDB and FerretDB reuse freed space themselves."""

    def ping(self) -> None:
        with unavailable_on_failure():
            self._db.command("ping")


def _runs(writes: Sequence[Write]) -> list[tuple[str, list[Write]]]:
    """The writes in runs to one collection each, in order."""
    grouped = itertools.groupby(writes, key=lambda w: check_name(w.collection))
    return [(collection, list(run)) for collection, run in grouped]
