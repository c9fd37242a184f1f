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
    declared = {}
    for service in SERVICES:
        definition = importlib.import_module(f"services.{service}.bootstrap").SERVICE
        for kept in (*definition.projections, *definition.collections):
            declared[kept.collection] = kept.indexes
    return declared


def unindexed(store: ReadModelStore, collection: str, query: Query) -> str | None:
    """What is wrong with the query's indexing, or None."""
    base = GENERATION.sub("", collection)
    if base not in declared_indexes():
        return None
    if not any(serves(index, query) for index in declared_indexes()[base]):
        return f"no index declared on {base} serves {query}"
    if isinstance(store, SqliteReadModelStore):
        scans = [step for step in store.plan(collection, query) if step.startswith("SCAN")]
        if scans:
            return f"SQLite scans {base} for {query}: {scans}"
    return None
