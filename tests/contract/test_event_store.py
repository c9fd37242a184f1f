"""The event store contract, held by every adapter (SPEC §9)."""

import threading

import pytest

from shared.errors import ConcurrencyError, IdempotencyKeyUsed, InvalidEvent
from shared.eventstore.base import Append, Idempotency
from tests.contract.helpers import notice_events


class EventStoreContract:
    @pytest.fixture
    def store(self):
        raise NotImplementedError

    def test_appended_events_load_in_version_order(self, store):
        store.append("s1", 0, notice_events("s1", 1, 2))
        store.append("s1", 2, notice_events("s1", 3, 1))
        assert [e["streamversion"] for e in store.load("s1")] == [1, 2, 3]
        assert store.stream_version("s1") == 3
        assert store.load("unknown") == [] and store.stream_version("unknown") == 0

    def test_stale_expected_version_is_refused(self, store):
        store.append("s1", 0, notice_events("s1"))
        with pytest.raises(ConcurrencyError):
            store.append("s1", 0, notice_events("s1"))
        assert len(store.load("s1")) == 1

    def test_an_expected_version_the_stream_has_not_reached_is_refused(self, store):
        store.append("s1", 0, notice_events("s1", 1, 2))
        with pytest.raises(ConcurrencyError):
            store.append("s1", 3, notice_events("s1", 4, 1))
        with pytest.raises(ConcurrencyError):
            store.append("s1", 1, notice_events("s1", 2, 1))
        assert [e["streamversion"] for e in store.load("s1")] == [1, 2]

    def test_racing_writers_exactly_one_wins(self, store):
        results, barrier = [], threading.Barrier(8)

        def write():
            barrier.wait()
            try:
                store.append("race", 0, notice_events("race", 1, 2))
                results.append("ok")
            except ConcurrencyError:
                results.append("conflict")

        threads = [threading.Thread(target=write) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results) == ["conflict"] * 7 + ["ok"]
        assert [e["streamversion"] for e in store.load("race")] == [1, 2]

    def test_appends_after_one_load_race_and_exactly_one_wins_unread(self, store, monkeypatch):
        """``loaded``: the version comes from ``load``, and the insert's clash decides."""
        store.append("s1", 0, notice_events("s1", 1, 2))
        version = len(store.load("s1"))
        reads: list[dict] = []
        monkeypatch.setattr(store, "_current_versions", reads.append)
        results, barrier = [], threading.Barrier(8)

        def write(size: int):
            barrier.wait()
            try:
                store.append("s1", version, notice_events("s1", 3, size), loaded=True)
                results.append(size)
            except ConcurrencyError:
                results.append("conflict")

        threads = [threading.Thread(target=write, args=(1 + n % 2,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        [won] = [result for result in results if result != "conflict"]
        assert results.count("conflict") == 7 and reads == []
        assert [e["streamversion"] for e in store.load("s1")] == list(range(1, 3 + won))
        assert [c.first_version for c in store.unpublished(100)] == [1, 3]

    def test_a_retry_that_loaded_before_its_first_attempt_landed_finds_the_key_used(self, store):
        store.append("s1", 0, notice_events("s1"))
        key = Idempotency("k1", "hash", {"status": 200})
        store.append("s1", 1, notice_events("s1", 2, 1), key, loaded=True)
        with pytest.raises(IdempotencyKeyUsed):
            store.append("s1", 1, notice_events("s1", 2, 1), key, loaded=True)
        assert [e["streamversion"] for e in store.load("s1")] == [1, 2]

    def test_an_invalid_event_stores_nothing_of_its_commit(self, store):
        events = notice_events("s1", 1, 3)
        events[2]["data"]["title"] = ""
        with pytest.raises(InvalidEvent):
            store.append("s1", 0, events)
        assert store.load("s1") == [] and store.unpublished(10) == []

    def test_misnumbered_events_are_refused(self, store):
        with pytest.raises(InvalidEvent):
            store.append("s1", 0, notice_events("s1", 2, 1))

    def test_idempotency_key_is_stored_with_the_commit_and_unique(self, store):
        outcome = {"status": 201, "body": {"ok": True}, "version": 1}
        store.append("s1", 0, notice_events("s1"), Idempotency("k1", "hash", outcome))
        found = store.find_idempotent("k1")
        assert found.idempotency.outcome == outcome and found.idempotency.request_hash == "hash"
        assert store.find_idempotent("k2") is None
        with pytest.raises(IdempotencyKeyUsed):
            store.append("s2", 0, notice_events("s2"), Idempotency("k1", "hash", outcome))
        assert store.load("s2") == []

    def test_outbox_lists_unpublished_commits_in_write_order_until_marked(self, store):
        store.append("b", 0, notice_events("b", 1, 2))
        store.append("a", 0, notice_events("a"))
        store.append("b", 2, notice_events("b", 3, 1))
        waiting = store.unpublished(10)
        assert [(c.stream_id, c.first_version, len(c.events)) for c in waiting] == [
            ("b", 1, 2),
            ("a", 1, 1),
            ("b", 3, 1),
        ]
        assert waiting[0].partition_key == "b"
        store.mark_published(waiting[:2])
        assert [(c.stream_id, c.first_version) for c in store.unpublished(10)] == [("b", 3)]
        assert len(store.unpublished(1)) == 1

    def test_append_each_stores_each_stream_at_its_version_and_only_those(self, store):
        store.append("at2", 0, notice_events("at2", 1, 2))
        # More existing streams than an adapter may ask for at once (shared.mongo.IN_SLICE).
        for stream in ("moved", "ahead", *(f"n{n}" for n in range(60))):
            store.append(stream, 0, notice_events(stream))
        store.mark_published(store.unpublished(100))
        appends = [
            Append("at2", 2, notice_events("at2", 3, 1)),
            Append("new", 0, notice_events("new", 1, 2)),
            Append("moved", 0, notice_events("moved")),  # another writer got there first
            Append("ahead", 3, notice_events("ahead", 4, 1)),
            *(Append(f"n{n}", 1, notice_events(f"n{n}", 2, 1)) for n in range(60)),
        ]
        stored = store.append_each(appends)
        assert [commit is not None for commit in stored[:4]] == [True, True, False, False]
        assert all(stored[4:])
        assert [e["streamversion"] for e in store.load("at2")] == [1, 2, 3]
        assert [e["streamversion"] for e in store.load("new")] == [1, 2]
        assert store.stream_version("moved") == 1 and store.stream_version("ahead") == 1
        waiting = store.unpublished(100)
        assert sorted(c.commit_id for c in waiting) == sorted(c.commit_id for c in stored if c)
        assert (stored[0].stream_id, stored[0].first_version) == ("at2", 3)
        assert store.append_each([]) == []
        with pytest.raises(ValueError):
            store.append_each([appends[1], appends[1]])

    def test_a_large_outbox_is_listed_and_marked_whole(self, store):
        # More commits than an adapter may ask for at once (shared.mongo.IN_SLICE).
        for n in range(120):
            store.append(f"s{n}", 0, notice_events(f"s{n}"))
        waiting = store.unpublished(500)
        assert sorted(c.stream_id for c in waiting) == sorted(f"s{n}" for n in range(120))
        store.mark_published(waiting)
        assert store.unpublished(500) == []

    def test_stored_events_are_returned_exactly(self, store):
        events = notice_events("s1", 1, 2)
        store.append("s1", 0, events)
        assert store.load("s1") == events


class TestSqliteEventStore(EventStoreContract):
    @pytest.fixture
    def store(self, embedded_settings):
        from shared.backend import open_backend
        from tests.fixtures.notices import schemas

        return open_backend(embedded_settings, schemas()).event_store("testing")


class TestMongoEventStore(EventStoreContract):
    @pytest.fixture
    def store(self, candidate_settings):
        from shared.backend import open_backend
        from tests.fixtures.notices import schemas

        return open_backend(candidate_settings, schemas()).event_store("testing")

    def test_append_each_leaves_no_entry_of_a_commit_that_lost_its_race(self, store):
        store.append("moved", 0, notice_events("moved"))
        store.mark_published(store.unpublished(10))
        [lost, stored] = store.append_each(
            [Append("moved", 0, notice_events("moved")), Append("new", 0, notice_events("new"))]
        )
        assert lost is None and stored is not None
        entries = [entry["_id"] for entry in store._outbox.find({})]
        assert entries == [stored.commit_id]


class TestInMemoryEventStore(EventStoreContract):
    """The fake unit tests use holds the same contract as the real adapters."""

    @pytest.fixture
    def store(self):
        from tests.fakes import InMemoryEventStore
        from tests.fixtures.notices import schemas

        return InMemoryEventStore(schemas())
