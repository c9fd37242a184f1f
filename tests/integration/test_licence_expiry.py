"""Automatic expiry is recorded once per licence, even with several schedulers racing."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from services.licensing.bootstrap import SERVICE
from services.licensing.expiry import expire_due_licences
from services.licensing.projections import LicenceRegister
from shared.commands import StreamWriter
from shared.consumer import ConsumerRunner
from tests.licensing_helpers import Ministry


@pytest.fixture(params=["embedded", "stack"])
def settings(request):
    return request.getfixturevalue(f"{request.param}_settings")


def test_racing_schedulers_record_one_expiry_per_licence(settings):
    app = SERVICE.create_app(settings)
    parts = app.extensions["registry"].parts
    kenya = Ministry(app.test_client(), settings)
    due = [kenya.licensed(f"C.{n}/2020", f"RA/{n}", valid_until="2026-06-30") for n in range(3)]
    current, _ = kenya.licensed("C.9/2020", "RA/9", valid_until="2027-06-30")
    relay = parts.backend.relay("licensing")
    if relay is not None:
        relay.relay_once()
    register = LicenceRegister(parts.read_models)
    register.create_indexes()
    source = parts.backend.source("licensing", "expiry-test", register.topics)
    runner = ConsumerRunner(source, register, parts.backend.schemas)
    while runner.run_once(timeout_ms=2000) or not source.caught_up():
        pass
    source.close()

    clock = lambda: datetime(2026, 11, 25, 9, tzinfo=UTC)  # noqa: E731
    barrier, counts = threading.Barrier(4), []

    def scheduler():
        writer = StreamWriter(parts.events, "licensing", clock)
        barrier.wait()
        counts.append(expire_due_licences(writer, parts.read_models, register.collection, clock))

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(counts) == 3
    for recruiter_id, licence_id in due:
        events = parts.events.load(recruiter_id)
        expiries = [e for e in events if e["type"] == "registry.licensing.licence_expired.v1"]
        assert len(expiries) == 1, licence_id
        assert expiries[0]["effectiveat"] == "2026-07-01T00:00:00.000Z"
        assert expiries[0]["actor"] == "system/licence-expiry"
    assert not any(e["type"].endswith("licence_expired.v1") for e in parts.events.load(current))
    shown = kenya.get(f"/v1/licences/{due[0][1]}")
    assert shown.json["status"] == "expired"
