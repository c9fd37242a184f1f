"""Read models in a SQLite file (embedded backend): a table per collection, JSON documents.

A text field with a word index has an FTS5 table of its own beside the collection's
(one row per document, by rowid), kept up to date by triggers on the collection's
table whoever writes it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from shared.readmodels.base import (
    Page,
    Query,
    ReadModelStore,
    Stored,
    Write,
    check_field,
    check_name,
    total_shown,
)
from shared.sqlite import SqliteFile

BATCH = 500  # well under SQLite's limit on bound parameters


class SqliteReadModelStore(ReadModelStore):
    def __init__(self, path: Path):
        # Read models are rebuilt from the bus, and their checkpoints live in the same
        # file: a power cut rolls both back together, and the consumer reads again from
        # there. So no fsync per commit, which bounded a projection to ~200 events/s.
        self.file = SqliteFile(path, durable=False)
        self._created: set[str] = set()

    def get(self, collection: str, key: str) -> Stored | None:
        table = self._table(collection)
        rows = self.file.query(f"SELECT * FROM {table} WHERE key = ?", (str(key),))  # noqa: S608
        if not rows:
            return None
        return Stored(rows[0]["key"], rows[0]["revision"], json.loads(rows[0]["document"]))

    def get_many(self, collection: str, keys: Sequence[str]) -> dict[str, Stored]:
        table = self._table(collection)
        found: dict[str, Stored] = {}
        keys = [str(key) for key in keys]
        for start in range(0, len(keys), BATCH):
            chunk = keys[start : start + BATCH]
            marks = ", ".join("?" for _ in chunk)
            rows = self.file.query(f"SELECT * FROM {table} WHERE key IN ({marks})", tuple(chunk))  # noqa: S608
            for row in rows:
                found[row["key"]] = Stored(row["key"], row["revision"], json.loads(row["document"]))
        return found

    def put(self, collection: str, key: str, document: Mapping[str, Any], revision: int) -> bool:
        return self.put_many([Write(collection, key, document, revision)])

    def put_many(self, writes: Sequence[Write]) -> bool:
        """In one transaction, rolled back whole when one write loses."""
        rows = self._rows(writes)
        try:
            with self.file.transaction() as connection:
                for table, key, body, revision in rows:
                    if not _written(connection, table, key, body, revision):
                        raise _Lost
        except _Lost:
            return False
        return True

    def _rows(self, writes: Sequence[Write]) -> list[tuple[str, str, str, int]]:
        """Each write as ``_written`` takes it; tables made before any transaction."""
        return [(self._table(w.collection), str(w.key), json.dumps(w.document), w.revision)
                for w in writes]  # fmt: skip

    def put_each(self, writes: Sequence[Write]) -> list[bool]:
        """In one transaction; a write that loses leaves the others standing."""
        rows = self._rows(writes)
        with self.file.transaction() as connection:
            return [_written(connection, *row) for row in rows]

    def find(self, collection: str, query: Query) -> Page:
        select, count, parameters = self._select(collection, query)
        rows = self.file.query(select, (*parameters, query.limit, query.offset))
        items = [json.loads(row["document"]) for row in rows]
        if not query.counted:
            return Page(items, total_shown(query, len(items)))
        return Page(items, self.file.query(count, tuple(parameters))[0]["n"])

    def plan(self, collection: str, query: Query) -> list[str]:
        """SQLite's plan for the query's two statements (EXPLAIN QUERY PLAN), one line a step."""
        select, count, parameters = self._select(collection, query)
        steps = self.file.query(f"EXPLAIN QUERY PLAN {select}", (*parameters, 1, 0))
        steps += self.file.query(f"EXPLAIN QUERY PLAN {count}", tuple(parameters))
        return [step["detail"] for step in steps]

    def _select(self, collection: str, query: Query) -> tuple[str, str, list]:
        """The page's SELECT (limit and offset bound last), the COUNT, the parameters."""
        table = self._table(collection)
        clauses, parameters = [], []
        for field, value in query.where.items():
            if value is None:
                clauses.append(f"json_extract(document, '{_path(field)}') IS NULL")
            else:
                clauses.append(f"json_extract(document, '{_path(field)}') = ?")
                parameters.append(value)
        if query.contains:
            field, text = query.contains
            clauses.append(f"instr(json_extract(document, '{_path(field)}'), ?) > 0")
            parameters.append(text)
        for bound, operator in ((query.below, "<"), (query.above, ">")):
            if bound:
                clauses.append(f"json_extract(document, '{_path(bound[0])}') {operator} ?")
                parameters.append(bound[1])
        if query.words:
            field, wanted = query.words
            words = _words_table(table, field)
            clauses.append(f"rowid IN (SELECT rowid FROM {words} WHERE {words} MATCH ?)")  # noqa: S608
            # Each word a quoted prefix: quoting makes any text a plain word to FTS5.
            parameters.append(" ".join('"' + w.replace('"', '""') + '"*' for w in wanted))
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        order = (
            f"json_extract(document, '{_path(query.order_by)}'), key" if query.order_by else "key"
        )
        select = f"SELECT document FROM {table} {where} ORDER BY {order} LIMIT ? OFFSET ?"  # noqa: S608
        count = f"SELECT COUNT(*) AS n FROM {table} {where}"  # noqa: S608
        if query.count_up_to:
            bound = int(query.count_up_to)
            count = f"SELECT COUNT(*) AS n FROM (SELECT 1 FROM {table} {where} LIMIT {bound})"  # noqa: S608
        return select, count, parameters

    def ensure_index(self, collection: str, fields: Sequence[str], unique: bool = False) -> None:
        table = self._table(collection)
        name = f"{table}_{'_'.join(f.replace('.', '_') for f in fields)}"
        columns = ", ".join(f"json_extract(document, '{_path(f)}')" for f in fields)
        columns += "" if unique else ", key"
        kind = "UNIQUE INDEX" if unique else "INDEX"
        with self.file.transaction() as connection:
            connection.execute(f"CREATE {kind} IF NOT EXISTS {name} ON {table} ({columns})")

    def ensure_word_index(self, collection: str, field: str) -> None:
        table = self._table(collection)
        words, text = _words_table(table, field), f"json_extract(document, '{_path(field)}')"
        new, old = (
            text.replace("document", "new.document"),
            text.replace("document", "old.document"),
        )
        forget = f"INSERT INTO {words} ({words}, rowid, text) VALUES ('delete', old.rowid, {old})"  # noqa: S608
        learn = f"INSERT INTO {words} (rowid, text) VALUES (new.rowid, {new})"  # noqa: S608
        # The text is folded already: the tokenizer only splits it into words; prefix
        # indexes make a short prefix as quick to find as a whole word. Contentless: the
        # text stays in the collection's table, the words table holds only its index.
        statements = [
            f"CREATE VIRTUAL TABLE {words} USING fts5(text, content='',"
            " tokenize='unicode61 remove_diacritics 0', prefix='1 2 3')",
            f"INSERT INTO {words} (rowid, text) SELECT rowid, {text} FROM {table}",  # noqa: S608
            f"CREATE TRIGGER {words}_insert AFTER INSERT ON {table} BEGIN {learn}; END",
            f"CREATE TRIGGER {words}_update AFTER UPDATE OF document ON {table}"
            f" WHEN {old} IS NOT {new} BEGIN {forget}; {learn}; END",
            f"CREATE TRIGGER {words}_delete AFTER DELETE ON {table} BEGIN {forget}; END",
        ]
        with self.file.transaction() as connection:
            exists = connection.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (words,))
            if not exists.fetchall():
                for statement in statements:
                    connection.execute(statement)

    def delete(self, collection: str, key: str) -> None:
        table = self._table(collection)
        with self.file.transaction() as connection:
            connection.execute(f"DELETE FROM {table} WHERE key = ?", (str(key),))  # noqa: S608

    def drop(self, collection: str) -> None:
        table = f"rm_{check_name(collection)}"
        with self.file.transaction() as connection:
            words = connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ?",
                (_words_table(table, "%"),),
            ).fetchall()
            for (name,) in words:
                connection.execute(f"DROP TABLE IF EXISTS {name}")
            connection.execute(f"DROP TABLE IF EXISTS {table}")
        self._created.discard(table)

    def ping(self) -> None:
        self.file.query("SELECT 1")

    def scrub(self) -> None:
        # Old page versions live on in the write-ahead log until it is checkpointed.
        self.file.query("PRAGMA wal_checkpoint(TRUNCATE)")

    def _table(self, collection: str) -> str:
        table = f"rm_{check_name(collection)}"
        if table not in self._created:
            with self.file.transaction() as connection:
                connection.execute(
                    f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY,"
                    " revision INTEGER NOT NULL, document TEXT NOT NULL)"
                )
            self._created.add(table)
        return table


class _Lost(Exception):
    """A write of a transaction lost its compare-and-set: roll the transaction back."""


def _written(
    connection: sqlite3.Connection, table: str, key: str, body: str, revision: int
) -> bool:
    if revision == 0:
        try:
            connection.execute(
                f"INSERT INTO {table} (key, revision, document) VALUES (?, 1, ?)",  # noqa: S608
                (key, body),
            )
        except sqlite3.IntegrityError:
            return False
        return True
    cursor = connection.execute(
        f"UPDATE {table} SET revision = revision + 1, document = ?"  # noqa: S608
        " WHERE key = ? AND revision = ?",
        (body, key, revision),
    )
    return cursor.rowcount == 1


def _path(field: str) -> str:
    # Field names are checked against a strict pattern, so quoting them in SQL is safe.
    return "$." + check_field(field)


def _words_table(table: str, field: str) -> str:
    return f"{table}__words_{field.replace('.', '_')}"
