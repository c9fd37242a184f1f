"""Every query a service makes during the tests is checked: an index its projection
declares serves it (``shared.readmodels.base.serves``), and on SQLite the plan has no
full scan (EXPLAIN QUERY PLAN). Collections no service declares (test fixtures') are
left alone."""

from __future__ import annotations

import functools
import importlib
import re

from shared.config import SERVICES
from shared.readmodels.base import Index, Query, ReadModelStore, serves
from shared.readmodels.sqlite import SqliteReadModelStore

# A generation's collection is its projection's with "_g<number>[_<attempt>]" added.
GENERATION = re.compile(r"_g\d+(_[0-9a-f]{8})?$")


@functools.cache
def declared_indexes() -> dict[str, tuple[Index, ...]]:
    return {projection.collection: projection.indexes for projection in _projections()}


@functools.cache
def declared_word_indexes() -> dict[str, tuple[str, ...]]:
    return {projection.collection: projection.word_indexes for projection in _projections()}


def _projections() -> list:
    found = []
    for service in SERVICES:
        definition = importlib.import_module(f"services.{service}.bootstrap").SERVICE
        found.extend((*definition.projections, *definition.collections))
    return found


def unindexed(store: ReadModelStore, collection: str, query: Query) -> str | None:
    """What is wrong with the query's indexing, or None."""
    base = GENERATION.sub("", collection)
    if base not in declared_indexes():
        return None
    word_indexes = declared_word_indexes()[base]
    if not any(serves(index, query, word_indexes) for index in declared_indexes()[base]):
        return f"no index declared on {base} serves {query}"
    if isinstance(store, SqliteReadModelStore):
        # FTS5 answers a word query from its own index: SQLite calls that a scan of the
        # virtual table "INDEX n", never of the documents; a count bounded by
        # count_up_to scans its subquery's rows, at most that many.
        scans = [
            step
            for step in store.plan(collection, query)
            if step.startswith("SCAN")
            and "VIRTUAL TABLE INDEX" not in step
            and not step.startswith("SCAN (subquery-")
        ]
        if scans:
            return f"SQLite scans {base} for {query}: {scans}"
    return None
