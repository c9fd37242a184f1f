"""A consumer's batch written behind: one write per document, after every event of the
batch, over the revision first read; a conflict reads the batch again, written through."""

import pytest

from shared.consumer import ConsumerRunner
from shared.events.envelope import encode
from shared.readmodels.base import Query
from shared.readmodels.writebehind import Conflict, WriteBehind
from tests.fakes import InMemoryReadModelStore, ListSource
from tests.fixtures.notices import NoticeBoard, schemas
from tests.unit.test_projection_and_consumer import events, message


class CountingStore(InMemoryReadModelStore):
    def __init__(self):
        super().__init__()
        self.writes: list[tuple[str, str]] = []
        self.round_trips: list[str] = []

    def get(self, collection, key):
        self.round_trips.append("get")
        return super().get(collection, key)

    def get_many(self, collection, keys):
        self.round_trips.append("get_many")
        found = {key: InMemoryReadModelStore.get(self, collection, key) for key in keys}
        return {key: stored for key, stored in found.items() if stored}

    def put(self, collection, key, document, revision):
        self.writes.append((collection, key))
        return super().put(collection, key, document, revision)

    def put_many(self, writes):
        self.round_trips.append("put_many")
        return super().put_many(writes)

    def put_each(self, writes):
        self.round_trips.append("put_each")
        return super().put_each(writes)


def test_a_batch_reads_and_writes_each_document_once():
    store = CountingStore()
    source = ListSource([message(n, encode(e)) for n, e in enumerate(events())])
    board = NoticeBoard(WriteBehind(store))
    assert ConsumerRunner(source, board, schemas()).run_once() == 3
    assert store.writes == [("notices", "n1")]
    assert store.round_trips == ["get_many", "put_many"]
    document = store.get("notices", "n1")
    assert (document.revision, document.document["amendments"]) == (1, 2)
    assert source.committed == 3


def test_a_batch_reads_every_document_it_needs_in_one_round_trip():
    store = CountingStore()
    store.put("notices", "n2", {"notice_id": "n2", "_applied": {}}, 0)
    streams = [events(stream) for stream in ("n1", "n2", "n3")]
    mixed = [e for batch in zip(*streams, strict=True) for e in batch]
    source = ListSource([message(n, encode(e)) for n, e in enumerate(mixed)])
    assert ConsumerRunner(source, NoticeBoard(WriteBehind(store)), schemas()).run_once() == 9
    assert store.round_trips == ["get_many", "put_many"]
    assert [store.get("notices", k).document["amendments"] for k in ("n1", "n3")] == [2, 2]


def test_nothing_is_written_before_the_batch_ends_nor_after_it_fails():
    store = CountingStore()
    behind = WriteBehind(store)
    board = NoticeBoard(behind)
    posted, amended, _ = events()
    board.apply(posted)
    board.apply(amended)
    assert store.writes == [] and store.get("notices", "n1") is None
    assert behind.get("notices", "n1").document["amendments"] == 1
    behind.forget()
    assert behind.get("notices", "n1") is None


def test_a_query_in_a_batch_sees_what_the_batch_wrote():
    behind = WriteBehind(InMemoryReadModelStore())
    NoticeBoard(behind).apply(events()[0])
    page = behind.find("notices", Query({"country": "KE"}))
    assert [d["notice_id"] for d in page.items] == ["n1"]
    assert behind.get("notices", "n1").revision == 1
    assert behind.put("notices", "n1", {"again": True}, 1)
    behind.flush()
    assert behind.store.get("notices", "n1").document == {"again": True}


def test_writes_go_in_the_order_of_each_ones_last_change():
    store = CountingStore()
    behind = WriteBehind(store)
    behind.put("a", "1", {"n": 1}, 0)
    behind.put("b", "1", {"n": 1}, 0)
    behind.put("a", "1", {"n": 2}, 1)  # changed again: written after b
    behind.flush()
    assert store.writes == [("b", "1"), ("a", "1")]
    assert store.get("a", "1").revision == 1


def test_a_document_someone_else_wrote_meanwhile_fails_the_batch():
    store = InMemoryReadModelStore()
    store.put("things", "k", {"n": 0}, 0)
    behind = WriteBehind(store)
    assert behind.put("things", "k", {"n": 1}, 1)
    assert behind.put("things", "new", {"n": 1}, 0)
    assert store.put("things", "k", {"n": "theirs"}, 1)
    with pytest.raises(Conflict):
        behind.flush()
    assert store.get("things", "k").document == {"n": "theirs"}
    assert behind.get("things", "k").document == {"n": "theirs"}  # nothing remembered


def test_on_a_conflict_the_batch_is_read_again_and_written_through():
    class Interfering(InMemoryReadModelStore):
        """Another writer changes the document while the first batch is being applied."""

        interfered = False

        def put_many(self, writes):
            if not self.interfered:
                self.interfered = True
                stored = self.get("notices", "n1")
                self.put("notices", "n1", {**stored.document, "touched": True}, stored.revision)
            return super().put_many(writes)

    store = Interfering()
    store.put("notices", "n1", {"notice_id": "n1"}, 0)
    source = ListSource([message(n, encode(e)) for n, e in enumerate(events())])
    board = NoticeBoard(WriteBehind(store))
    runner = ConsumerRunner(source, board, schemas())
    assert runner.run_once() == 3  # lost to the other writer, then again, written through
    assert source.committed == 3
    document = store.get("notices", "n1").document
    assert document["touched"] and document["amendments"] == 2
    assert document["_applied"] == {"n1": 3}
    assert board.store.buffering  # the next batch is written behind again


def test_a_write_the_store_refuses_is_pinned_on_its_event_and_set_aside():
    class Refusing(InMemoryReadModelStore):
        """Refuses the document once its title is "c" (grown too large, say)."""

        def put(self, collection, key, document, revision):
            if document.get("title") == "c":
                raise ValueError("document too large")
            return super().put(collection, key, document, revision)

    store = Refusing()
    source = ListSource([message(n, encode(e)) for n, e in enumerate(events())])
    runner = ConsumerRunner(source, NoticeBoard(WriteBehind(store)), schemas())
    assert runner.run_once() == 3
    assert [(m.offset, reason) for m, reason in source.dead] == [
        (2, "projection failed: ValueError")
    ]
    assert store.get("notices", "n1").document["amendments"] == 1
    assert source.committed == 3


def test_changes_are_made_after_the_documents_on_a_fresh_read():
    store = CountingStore()
    store.put("marks", "m", {"due": "later", "kept": True}, 0)
    behind = WriteBehind(store)
    behind.change("marks", "m", lambda document: {**document, "due": ""})
    behind.put("things", "t", {"n": 1}, 0)
    behind.change("marks", "m", lambda document: {**document, "seen": 1})
    behind.change("marks", "new", lambda document: {**(document or {}), "due": ""})
    assert store.put("marks", "m", {"due": "later", "kept": "theirs"}, 1)  # someone else
    store.writes.clear()
    behind.flush()
    assert store.writes == [("things", "t"), ("marks", "m"), ("marks", "new")]
    assert store.get("marks", "m").document == {"due": "", "kept": "theirs", "seen": 1}
    assert store.get("marks", "new").document == {"due": ""}


def test_a_batchs_changes_are_read_and_written_in_one_round_trip_each():
    store = CountingStore()
    behind = WriteBehind(store)
    for key in ("a", "b", "c"):
        behind.change("marks", key, lambda document: {**(document or {}), "due": ""})
    behind.flush()
    assert store.round_trips == ["get_many", "put_each"]
    assert [store.get("marks", key).document for key in "abc"] == [{"due": ""}] * 3


def test_a_batch_that_cannot_be_read_ahead_is_applied_all_the_same():
    class Unnamed(NoticeBoard):
        def reads(self, event):
            raise ValueError("a bug in naming the documents")

    store = CountingStore()
    source = ListSource([message(n, encode(e)) for n, e in enumerate(events())])
    assert ConsumerRunner(source, Unnamed(WriteBehind(store)), schemas()).run_once() == 3
    assert store.get("notices", "n1").document["amendments"] == 2
    assert source.committed == 3
