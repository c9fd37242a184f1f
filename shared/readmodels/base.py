"""The read-model store port.

Documents carry a revision; ``put`` writes only over the revision that was read, so a
projection's read-apply-write is one atomic single-document step on every backend.
Queries take plain equality filters on named fields: values are checked to be scalars,
so text from a query string can never act as a store operator. Every query a service
makes is served by an index its projection declares (``Index``, ``serves``).
"""

from __future__ import annotations

import abc
import dataclasses
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Scalar = str | int | float | bool | None
# Fields, in order: a query's equality fields first, then the one it bounds or sorts by.
# Adapters end every non-unique index with the key, the order that breaks ties.
Index = tuple[str, ...]
NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
FIELD = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")


@dataclass(frozen=True)
class Stored:
    key: str
    revision: int
    document: dict[str, Any]


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int


@dataclass(frozen=True)
class Query:
    """Equality on fields, optionally a case-sensitive substring on one (normalise first)
    and an upper or lower bound (exclusive) on one; a missing or null field is never
    below, nor above."""

    where: Mapping[str, Scalar]
    contains: tuple[str, str] | None = None
    below: tuple[str, str | int | float] | None = None
    above: tuple[str, str | int | float] | None = None
    order_by: str | None = None
    limit: int = 50
    offset: int = 0

    def __post_init__(self) -> None:
        for field, value in self.where.items():
            check_field(field)
            if not isinstance(value, Scalar):
                raise TypeError(f"filter on {field} must be a scalar, not {type(value).__name__}")
        if self.contains is not None:
            check_field(self.contains[0])
            if not isinstance(self.contains[1], str):
                raise TypeError("contains needs a string")
        for bound in (self.below, self.above):
            if bound is not None:
                check_field(bound[0])
                if not isinstance(bound[1], str | int | float):
                    raise TypeError("a bound needs a string or a number")
        if self.below and self.above and self.below[0] != self.above[0]:
            raise ValueError("both bounds must be on one field")
        if self.order_by is not None:
            check_field(self.order_by)
        if not (0 < self.limit <= 1000 and self.offset >= 0):
            raise ValueError("limit must be 1..1000 and offset not negative")


def due_by(instant: str, where: Mapping[str, Scalar] | None = None, limit: int = 100) -> Query:
    """Documents whose ``due`` (an RFC 3339 instant, or "" for at once; null: never) is
    at or before ``instant``, earliest first: "~" sorts after every character of one."""
    return Query(dict(where or {}), below=("due", instant + "~"), order_by="due", limit=limit)


def serves(index: Index, query: Query) -> bool:
    """Whether the index finds the query's documents without reading any others, and
    (given ``order_by``) in order: its leading fields are the equality fields, the next
    one the bounded or sort field. A substring is checked on the entries found."""
    equal = set(query.where)
    if set(index[: len(equal)]) != equal:
        return False
    after = index[len(equal)] if len(index) > len(equal) else None
    for bound in (query.below, query.above):
        if bound is not None and bound[0] != after:
            return False
    if query.order_by is not None and query.order_by != after:
        return False
    return bool(equal or query.below or query.above or query.order_by)


class ReadModelStore(abc.ABC):
    @abc.abstractmethod
    def get(self, collection: str, key: str) -> Stored | None:
        pass

    @abc.abstractmethod
    def get_many(self, collection: str, keys: Sequence[str]) -> dict[str, Stored]:
        """The documents of those keys that exist, in one round trip."""

    @abc.abstractmethod
    def put(self, collection: str, key: str, document: Mapping[str, Any], revision: int) -> bool:
        """Write over ``revision`` (0: the key must be new). False when someone else won."""

    @abc.abstractmethod
    def find(self, collection: str, query: Query) -> Page:
        pass

    @abc.abstractmethod
    def ensure_index(self, collection: str, fields: Sequence[str], unique: bool = False) -> None:
        """Create it unless it exists; a non-unique index ends with the key (see ``Index``)."""

    @abc.abstractmethod
    def delete(self, collection: str, key: str) -> None:
        """Remove one document; nothing happens when it is not there."""

    @abc.abstractmethod
    def drop(self, collection: str) -> None:
        pass

    @abc.abstractmethod
    def scrub(self) -> None:
        """Make overwritten content unrecoverable from the store's files where the
        adapter can (after an erasure)."""

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise ``Unavailable`` when the store cannot be reached."""


def check_name(collection: str) -> str:
    if not NAME.match(collection):
        raise ValueError(f"bad collection name {collection!r}")
    return collection


def check_field(field: str) -> str:
    if not FIELD.match(field):
        raise ValueError(f"bad field name {field!r}")
    return field


class IndexedCollection:
    """What keeps its documents in one read-model collection (a projection, a process
    manager's memory) declares the indexes that serve every query on it."""

    store: ReadModelStore
    collection: str
    # What every query on the collection is served by (see ``serves``).
    indexes: tuple[Index, ...] = ()

    def create_indexes(self) -> None:
        """Declare the indexes on the collection in use (each generation has its own)."""
        for fields in self.indexes:
            self.store.ensure_index(self.collection, fields)

    def discard(self) -> None:
        """Remove what was written to the collection (an unfinished rebuild)."""
        self.store.drop(self.collection)


def every(store: ReadModelStore, collection: str, query: Query, page: int = 200) -> Iterator[dict]:
    """Every document ``query`` matches, a page at a time: for workers walking a register."""
    offset = 0
    while True:
        found = store.find(collection, dataclasses.replace(query, limit=page, offset=offset))
        yield from found.items
        offset += len(found.items)
        if offset >= found.total or not found.items:
            return
