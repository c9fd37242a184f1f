"""Reading your own writes (SPEC §13): an answer waits for the writes its caller names,
and says 503 when the projection has not read them in time (in-memory store, no I/O)."""

from __future__ import annotations

import pytest

from services.verification.consistency import await_writes
from services.verification.handlers import Registry
from services.verification.projections import RecruiterStatus, number_key
from services.verification.receipts import ReceiptSigner
from shared.consistency import Written
from shared.errors import CatchingUp, Invalid
from tests.fakes import InMemoryReadModelStore
from tests.unit.test_verification_projection import JAN, RECRUITER, story


class Clock:
    """Time that moves only when the waiter sleeps, and applies an event when it does."""

    def __init__(self, arriving=()):
        self.now = 0.0
        self.arriving = list(arriving)

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        if self.arriving:
            self.arriving.pop(0)()


@pytest.fixture
def world(tmp_path):
    store = InMemoryReadModelStore()
    registry = Registry(store, ReceiptSigner(tmp_path, "registry"), lambda: JAN)
    return registry, RecruiterStatus(store, registry.recruiters()), story()


def token(service: str, stream: str, version: int, recruiter: str | None = RECRUITER) -> str:
    return Written(service, stream, version, recruiter).token()


def test_a_write_already_read_answers_at_once(world):
    registry, projection, events = world
    for event in events[:3]:
        projection.apply(event)
    clock = Clock()
    await_writes(registry, [token("licensing", RECRUITER, 3)], 5, clock.sleep, lambda: clock.now)
    assert clock.now == 0


def test_the_answer_waits_for_the_write_to_arrive(world):
    registry, projection, events = world
    for event in events[:2]:
        projection.apply(event)
    clock = Clock(arriving=[lambda: None, lambda: projection.apply(events[2])])
    await_writes(registry, [token("licensing", RECRUITER, 3)], 5, clock.sleep, lambda: clock.now)
    assert 0 < clock.now < 5


def test_a_write_not_read_in_time_is_503_with_retry_after(world):
    registry, projection, events = world
    for event in events[:2]:
        projection.apply(event)
    clock = Clock()
    with pytest.raises(CatchingUp) as caught:
        await_writes(
            registry, [token("licensing", RECRUITER, 3)], 0.5, clock.sleep, lambda: clock.now
        )
    assert caught.value.retry_after >= 1 and clock.now >= 0.5


def test_every_token_counts_and_a_gap_is_not_caught_up(world):
    registry, projection, events = world
    projection.apply(events[0])
    projection.apply(events[2])
    clock = Clock()
    with pytest.raises(CatchingUp):
        await_writes(
            registry, [token("licensing", RECRUITER, 3)], 0.2, clock.sleep, lambda: clock.now
        )


def test_a_licence_number_applied_for_is_waited_for_in_its_own_document(world):
    registry, projection, events = world
    for event in events[:3]:
        projection.apply(event)
    # A store without transactions may show the record before the number's document.
    store, collection, key = registry.store, registry.recruiters(), number_key("KE", "RA/1")
    held = store.get(collection, key).document
    store.delete(collection, key)
    clock = Clock(arriving=[lambda: None, lambda: store.put(collection, key, held, 0)])
    await_writes(registry, [token("licensing", RECRUITER, 3)], 5, clock.sleep, lambda: clock.now)
    assert 0 < clock.now < 5 and registry.holders([("KE", "RA/1")])


def test_streams_verification_does_not_follow_are_not_waited_for(world):
    registry, _, _ = world
    clock = Clock()
    body = token("certification", "cb-1", 4, None)
    await_writes(registry, [body], 5, clock.sleep, lambda: clock.now)
    assert clock.now == 0


@pytest.mark.parametrize(
    "bad", ["", "not-a-token", "e30", Written("licensing", "s", 1).token() + "!!", "x" * 600]
)
def test_a_malformed_token_is_invalid(world, bad):
    registry, _, _ = world
    with pytest.raises(Invalid):
        await_writes(registry, [bad], 5)


def test_a_token_names_what_the_write_produced():
    written = Written("licensing", RECRUITER, 7, RECRUITER)
    assert Written.from_token(written.token()) == written
