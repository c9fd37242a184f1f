"""Every write the stack backend relies on asks for write concern ``majority`` in the
journal (``j``), and each MongoDB-compatible server ``stack up --mongo`` offers accepts
it. A command's writes ahead of its commit may ask for less: the commit's acknowledgement
holds them, the journal being written in order."""

from __future__ import annotations

from pymongo import MongoClient, monitoring

from shared import mongo
from shared.eventstore.base import Idempotency
from shared.readmodels.base import Write
from tests.contract.helpers import notice_events

WRITES = {"insert", "update", "delete", "findAndModify"}


class _Writes(monitoring.CommandListener):
    def __init__(self):
        self.concerns: list[tuple[str, dict | None]] = []

    def started(self, event):
        if event.command_name in WRITES:
            collection = event.command[event.command_name]
            concern = event.command.get("writeConcern")
            self.concerns.append((event.command_name, collection, concern))

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def test_event_store_and_read_models_write_with_majority_in_the_journal(
    candidate_settings, open_backends, monkeypatch
):
    writes = _Writes()
    uri = candidate_settings.mongodb_uri
    watched = MongoClient(uri, event_listeners=[writes], tz_aware=True)
    monkeypatch.setitem(mongo._clients, uri, watched)
    try:
        backend = open_backends(candidate_settings)
        store = backend.event_store("testing")
        kept = Idempotency("wc-key", "hash", {"status": 201})
        store.append("wc-1", 0, notice_events("wc-1", 1, 2), kept)
        store.mark_published(store.unpublished(10))
        models = backend.read_models("testing")
        assert models.put("things", "a", {"n": 1}, 0)
        assert models.put("things", "a", {"n": 2}, 1)
        assert models.put_many([Write("things", "a", {"n": 3}, 2), Write("other", "b", {}, 0)])
        assert [e["streamversion"] for e in store.load("wc-1")] == [1, 2]
        assert models.get("things", "a").document == {"n": 3}
    finally:
        watched.close()
    assert writes.concerns, "no write was seen"
    assert {name for name, *_ in writes.concerns} >= {"insert", "update"}
    assert {collection for _, collection, _ in writes.concerns} >= {"outbox", "idempotency"}
    for n, (name, collection, concern) in enumerate(writes.concerns):
        # Anything else is in the majority's journal, or held by the command's commit
        # that follows it and is: the next write that is journaled is that commit.
        held_by = next(
            (later for _, later, wc in writes.concerns[n:] if journaled_in_majority(wc)), None
        )
        assert held_by == collection or held_by == "commits", (name, collection, concern)


def journaled_in_majority(concern: dict | None) -> bool:
    return concern is not None and concern.get("w") == "majority" and concern.get("j") is True
