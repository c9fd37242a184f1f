"""The MongoDB event store after a writer died half-way (SPEC §9: a crash loses nothing)."""

import time

import pytest

from shared.backend import open_backend
from tests.contract.helpers import notice_events
from tests.fixtures.notices import SERVICE, schemas


@pytest.fixture
def store(stack_settings):
    return open_backend(stack_settings, schemas()).event_store(SERVICE)


def database(store):
    return store._commits.database


def test_an_outbox_entry_is_published_only_with_its_own_commit(store):
    store.append("s", 0, notice_events("s", 1, 1))
    outbox = database(store)["outbox"]
    entries = {
        # a writer still on its way, or dead before its commit: kept, never published
        "slow": ("slow@1", "slow", time.time() - 3600),
        # a writer that lost the race for s@1 and died before cleaning up: dropped
        "loser": ("s@1", "s", time.time()),
    }
    for name, (commit, stream, written) in entries.items():
        outbox.insert_one(
            {
                "_id": name,
                "commit": commit,
                "stream_id": stream,
                "first_version": 1,
                "events": notice_events(stream, 1, 1),
                "written": written,
            }
        )
    assert [c.stream_id for c in store.unpublished(10)] == ["s"]
    # The entry left behind is the oldest, yet it does not take the only place in a batch.
    assert [c.stream_id for c in store.unpublished(1)] == ["s"]
    assert {e["_id"] for e in outbox.find({})} - {c.commit_id for c in store.unpublished(10)} == {
        "slow"
    }


def test_publish_order_follows_write_time_but_never_breaks_stream_order():
    from shared.eventstore.mongo import in_publish_order

    entries = [
        {"stream_id": "licence-1", "first_version": 2, "written": 1.0},  # clock went back
        {"stream_id": "recruiter-1", "first_version": 1, "written": 2.0},
        {"stream_id": "licence-1", "first_version": 1, "written": 3.0},
        {"stream_id": "licence-1", "first_version": 3, "written": 4.0},
    ]
    ordered = [(e["stream_id"], e["first_version"]) for e in in_publish_order(entries)]
    assert ordered == [("licence-1", 1), ("recruiter-1", 1), ("licence-1", 2), ("licence-1", 3)]


def test_an_idempotency_pointer_from_a_failed_attempt_does_not_hide_the_real_commit(store):
    from shared.eventstore.base import Idempotency

    outcome = {"status": 200, "body": {}, "version": 1}
    store.append("s", 0, notice_events("s", 1, 1), Idempotency("key", "h", outcome))
    database(store)["idempotency"].replace_one(
        {"_id": "key"}, {"commit": "s@9", "commit_id": "lost"}
    )
    assert store.find_idempotent("key").idempotency.outcome == outcome
    assert database(store)["idempotency"].find_one({"_id": "key"})["commit"] == "s@1"
