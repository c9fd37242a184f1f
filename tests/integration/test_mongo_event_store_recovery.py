"""The MongoDB event store after a writer died half-way (SPEC §9: a crash loses nothing)."""

import time

import pytest

from shared.backend import open_backend
from shared.errors import ConcurrencyError
from tests.contract.helpers import notice_events
from tests.fixtures.notices import SERVICE, schemas


@pytest.fixture
def store(stack_settings):
    return open_backend(stack_settings, schemas()).event_store(SERVICE)


def database(store):
    return store._commits.database


def test_a_head_hint_left_behind_by_a_crash_is_repaired_not_trusted(store):
    store.append("s", 0, notice_events("s", 1, 2))
    database(store)["stream_heads"].update_one({"_id": "s"}, {"$set": {"version": 0}})
    with pytest.raises(ConcurrencyError):
        store.append("s", 0, notice_events("s", 1, 1))
    store.append("s", 2, notice_events("s", 3, 1))
    assert [e["streamversion"] for e in store.load("s")] == [1, 2, 3]
    assert database(store)["stream_heads"].find_one({"_id": "s"})["version"] == 3


def test_an_outbox_entry_whose_commit_never_landed_is_never_published(store):
    store.append("s", 0, notice_events("s", 1, 1))
    outbox = database(store)["outbox"]
    for name, written in (("abandoned", time.time() - 3600), ("in-flight", time.time())):
        outbox.insert_one(
            {
                "_id": name,
                "commit": f"{name}@1",
                "stream_id": name,
                "first_version": 1,
                "events": notice_events(name, 1, 1),
                "written": written,
            }
        )
    assert [c.stream_id for c in store.unpublished(10)] == ["s"]
    assert {e["_id"] for e in outbox.find({})} - {c.commit_id for c in store.unpublished(10)} == {
        "in-flight"
    }


def test_an_idempotency_pointer_from_a_failed_attempt_does_not_hide_the_real_commit(store):
    from shared.eventstore.base import Idempotency

    outcome = {"status": 200, "body": {}, "version": 1}
    store.append("s", 0, notice_events("s", 1, 1), Idempotency("key", "h", outcome))
    database(store)["idempotency"].replace_one(
        {"_id": "key"}, {"commit": "s@9", "commit_id": "lost"}
    )
    assert store.find_idempotent("key").idempotency.outcome == outcome
    assert database(store)["idempotency"].find_one({"_id": "key"})["commit"] == "s@1"
