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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Scalar = str | int | float | bool | None
# Fields, in order: a query's equality fields first, then the one it bounds or sorts by.
# Adapters end every non-unique index with the key, the order that breaks ties.
Index = tuple[str, ...]
# The document after a change, given the one stored (None: there is none yet).
Change = Callable[[dict[str, Any] | None], Mapping[str, Any]]
CHANGE_ATTEMPTS = 20
NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
FIELD = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")


@dataclass(frozen=True)
class Stored:
    key: str
    revision: int
    document: dict[str, Any]


@dataclass(frozen=True)
class Write:
    """One compare-and-set of ``put_many``: the document over ``revision`` (0: new)."""

    collection: str
    key: str
    document: Mapping[str, Any]
    revision: int


@dataclass(frozen=True)
class Page:
    items: list[dict[str, Any]]
    total: int


@dataclass(frozen=True)
class Query:
    """Equality on fields, optionally a case-sensitive substring on one (normalise first),
    words on one (each word given starts a word of the field; normalise first, see
    ``shared.text.words``) and an upper or lower bound (exclusive) on one; a missing or
    null field is never below, nor above."""

    where: Mapping[str, Scalar]
    contains: tuple[str, str] | None = None
    words: tuple[str, tuple[str, ...]] | None = None
    below: tuple[str, str | int | float] | None = None
    above: tuple[str, str | int | float] | None = None
    order_by: str | None = None
    limit: int = 50
    offset: int = 0
    # Count the total only up to this many (None: exactly): what a page shows a person
    # need not cost time in proportion to everything that matched.
    count_up_to: int | None = None
    # False: no total is worked out, and the page's total is what it holds (offset and
    # items): for a reader that takes the first page, where a count would cost a server
    # that counts by reading (SecantusDB) the whole collection.
    counted: bool = True

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
        if self.words is not None:
            check_field(self.words[0])
            if not self.words[1] or not all(isinstance(w, str) and w for w in self.words[1]):
                raise TypeError("words needs one or more non-empty strings")
        if self.order_by is not None:
            check_field(self.order_by)
        if self.count_up_to is not None and self.count_up_to < 1:
            raise ValueError("count_up_to must be positive")
        if not (0 < self.limit <= 1000 and self.offset >= 0):
            raise ValueError("limit must be 1..1000 and offset not negative")


def total_shown(query: Query, found: int) -> int | None:
    """The total a page shows by itself, so no count is needed: one that is not full
    holds the last match (unless it starts past the end); one not counted, what it holds.
    None when it may not."""
    if not query.counted:
        return query.offset + found
    if found >= query.limit or (found == 0 and query.offset > 0):
        return None
    total = query.offset + found
    return min(total, query.count_up_to) if query.count_up_to else total


def due_by(instant: str, where: Mapping[str, Scalar] | None = None, limit: int = 100) -> Query:
    """The first page of documents whose ``due`` (an RFC 3339 instant, or "" for at once;
    null: never) is at or before ``instant``, earliest first: "~" sorts after every
    character of one. Not counted: a worker takes the page, then asks again."""
    return Query(
        dict(where or {}), below=("due", instant + "~"), order_by="due", limit=limit, counted=False
    )


def serves(index: Index, query: Query, word_indexes: Sequence[str] = ()) -> bool:
    """Whether the index finds the query's documents without reading any others, and
    (given ``order_by``) in order: its leading fields are the equality fields, the next
    one the bounded or sort field. A substring is checked on the entries found. A query
    by words is served by the word index of its field (``word_indexes``) instead: it
    reads only the documents holding the words, and sorts those."""
    if query.words is not None:
        return query.words[0] in word_indexes
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


def matches(document: Mapping[str, Any], query: Query, held_words: Sequence[str] = ()) -> bool:
    """Whether a document meets the query, checked in Python on documents an index
    found (``held_words``: the starts of words the document's word field holds)."""
    if any(field_of(document, f) != v for f, v in query.where.items()):
        return False
    if query.below:
        value = field_of(document, query.below[0])
        if value is None or not value < query.below[1]:
            return False
    if query.above:
        value = field_of(document, query.above[0])
        if value is None or not value > query.above[1]:
            return False
    if query.words and not set(query.words[1]) <= set(held_words):
        return False
    if query.contains:
        value = field_of(document, query.contains[0])
        return isinstance(value, str) and query.contains[1] in value
    return True


def in_order(found: list[tuple[str, Mapping[str, Any]]], query: Query) -> list[Mapping[str, Any]]:
    """(key, document) pairs in the query's order: missing and null first, as in SQLite
    and MongoDB, then the key."""

    def order(item: tuple[str, Mapping[str, Any]]) -> tuple:
        value = field_of(item[1], query.order_by) if query.order_by else None
        return (value is not None, value if value is not None else 0, item[0])

    return [document for _, document in sorted(found, key=order)]


def field_of(document: Mapping[str, Any], path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


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

    def put_many(self, writes: Sequence[Write]) -> bool:
        """Every write, in order, each over its revision; False when any lost. Adapters
        write all or nothing where they can; where they cannot (MongoDB), some may stand,
        and the caller reads again before deciding anything."""
        return all(self.put(w.collection, w.key, w.document, w.revision) for w in writes)

    def put_each(self, writes: Sequence[Write]) -> list[bool]:
        """Every write, each over its revision and on its own; which of them stand.
        Adapters make them in fewer round trips."""
        return [self.put(w.collection, w.key, w.document, w.revision) for w in writes]

    def change(self, collection: str, key: str, change: Change) -> None:
        """Write ``change`` of the document (None: there is none yet) over what is read,
        reading again while someone else wins: for marks others also write."""
        for _ in range(CHANGE_ATTEMPTS):
            if self._changed(collection, key, change, self.get(collection, key)):
                return
        raise RuntimeError(f"document {key} of {collection} kept changing")

    def change_many(self, collection: str, changes: Mapping[str, Change]) -> None:
        """``change`` of each key: their first reads in one round trip, and their writes
        in one (``put_many``). Where some write lost, what stands is read again: each
        change not written as made is made again on a fresh read (``change``). A change
        may then be made over a document it already changed (its write stood, and was
        overwritten before the second read), so each must be a mark: made twice, the
        same as once."""
        found = self.get_many(collection, list(changes))
        writes = {
            str(key): Write(collection, str(key), change(_copy(stored)), _revision(stored))
            for key, change in changes.items()
            for stored in [found.get(str(key))]
        }
        stood = dict(zip(writes, self.put_each(list(writes.values())), strict=True))
        for key, change in changes.items():
            if not stood[str(key)]:
                self.change(collection, key, change)

    def _changed(self, collection: str, key: str, change: Change, stored: Stored | None) -> bool:
        """``change`` written over ``stored``, as read; False when someone else won."""
        return self.put(collection, key, change(_copy(stored)), _revision(stored))

    @abc.abstractmethod
    def find(self, collection: str, query: Query) -> Page:
        pass

    @abc.abstractmethod
    def ensure_index(self, collection: str, fields: Sequence[str], unique: bool = False) -> None:
        """Create it unless it exists; a non-unique index ends with the key (see ``Index``)."""

    @abc.abstractmethod
    def ensure_word_index(self, collection: str, field: str) -> None:
        """Create, unless it exists, the index that finds documents by the words of a
        text field (``Query.words``), and fill it from the documents already there."""

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


def _copy(stored: Stored | None) -> dict[str, Any] | None:
    return dict(stored.document) if stored else None


def _revision(stored: Stored | None) -> int:
    return stored.revision if stored else 0


def written(stored: Stored, write: Write) -> bool:
    """Whether what is stored is that write, standing: its revision and its document."""
    return stored.revision == write.revision + 1 and stored.document == dict(write.document)


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
    # Text fields found by their words (``Query.words``).
    word_indexes: tuple[str, ...] = ()

    def create_indexes(self) -> None:
        """Declare the indexes on the collection in use (each generation has its own)."""
        for fields in self.indexes:
            self.store.ensure_index(self.collection, fields)
        for field in self.word_indexes:
            self.store.ensure_word_index(self.collection, field)

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
