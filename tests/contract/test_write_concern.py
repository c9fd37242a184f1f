"""Every write the stack backend sends asks for write concern ``majority`` in the journal
(``j``), and each MongoDB-compatible server ``stack up --mongo`` offers accepts it."""

from __future__ import annotations

from pymongo import MongoClient, monitoring

from shared import mongo
from shared.readmodels.base import Write
from tests.contract.helpers import notice_events

WRITES = {"insert", "update", "delete", "findAndModify"}


class _Writes(monitoring.CommandListener):
    def __init__(self):
        self.concerns: list[tuple[str, dict | None]] = []

    def started(self, event):
        if event.command_name in WRITES:
            self.concerns.append((event.command_name, event.command.get("writeConcern")))

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
        store.append("wc-1", 0, notice_events("wc-1", 1, 2))
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
    assert {name for name, _ in writes.concerns} >= {"insert", "update"}
    for name, concern in writes.concerns:
        assert concern is not None and concern.get("w") == "majority", (name, concern)
        assert concern.get("j") is True, (name, concern)
