"""The public log follows the published status changes once each, in order, through a crash
and a redelivery; an answer carries the proof of the leaf that states it (SPEC §17)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from registry_client.proofs import verify_answer_in_log
from registry_client.tlog.checkpoint import open_checkpoint
from registry_client.tlog.merkle import ProofError
from registry_client.tlog.note import NoteSigner
from services.verification.announcements import envelope
from services.verification.log.appender import LogAppender, LogLeaves
from services.verification.log.proofs import AnswerProofs
from services.verification.log.public_log import PublicLog
from services.verification.log.store import ReadModelLogStore
from shared.events.envelope import encode
from shared.events.verification import StatusChanged
from tests.fakes import InMemoryBus, InMemoryReadModelStore

ORIGIN = "registry.test/log"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def change(recruiter: str, day: int, verdict: str, previous: str | None) -> StatusChanged:
    reasons = {"green": ["licence_active"], "red": ["licence_not_active"]}[verdict]
    return StatusChanged(
        recruiter_id=recruiter,
        changed_at=f"2026-03-{day:02d}T00:00:00.000Z",
        verdict=verdict,
        reasons=reasons,
        licence_status="active" if verdict == "green" else "suspended",
        certificate_status=None,
        previous_verdict=previous,
    )


STORY = [
    change("rec-a", 1, "green", None),
    change("rec-b", 2, "green", None),
    change("rec-a", 9, "red", "green"),
    change("rec-a", 20, "green", "red"),
]


@pytest.fixture
def world():
    store, bus = InMemoryReadModelStore(), InMemoryBus()
    signer = NoteSigner(ORIGIN, ed25519.Ed25519PrivateKey.generate())
    log = PublicLog(ReadModelLogStore(store), lambda: signer)
    leaves = LogLeaves(store)
    versions: dict[str, int] = {}
    for made in STORY:
        version = versions.get(made.recruiter_id, 0)
        versions[made.recruiter_id] = version + 1
        bus.publish(
            "verification.events", [(made.recruiter_id, encode(envelope(made, version, NOW)))]
        )
    return bus, log, leaves, signer


def follow(bus, log, leaves) -> int:
    source = bus.source("public-log", "verification.events")
    appended = LogAppender(log, leaves).append(source, source.poll())
    source.commit()
    return appended


def answer(made: StatusChanged, as_of: str) -> dict:
    """A status answer stating the change's facts, as verification's document shows them."""
    return {
        "recruiter_id": made.recruiter_id,
        "verdict": made.verdict,
        "reasons": [{"code": code, "message": "…", "event_id": "e"} for code in made.reasons],
        "licence": {"status": made.licence_status},
        "certification": None,
        "as_of": as_of,
    }


def test_each_change_is_one_leaf_in_the_order_of_the_topic(world):
    bus, log, leaves, _ = world
    assert follow(bus, log, leaves) == 4
    assert log.tree.size == 4
    assert [leaf["index"] for leaf in leaves.of("rec-a")] == [0, 2, 3]
    assert leaves.of("rec-b")[0]["facts"] == STORY[1].public_facts()


def test_a_redelivery_or_a_rereading_of_the_topic_appends_nothing(world):
    bus, log, leaves, _ = world
    follow(bus, log, leaves)
    root = log.tree.root()
    rereading = bus.source("rebuilt-reader", "verification.events")
    assert LogAppender(log, leaves).append(rereading, rereading.poll()) == 0
    assert (log.tree.size, log.tree.root()) == (4, root)


def test_a_crash_between_recording_and_appending_appends_once_on_redelivery(world, monkeypatch):
    bus, log, leaves, _ = world

    def crash(facts):
        raise ConnectionError("the store went away")

    with monkeypatch.context() as patched:
        patched.setattr(log, "append", crash)
        with pytest.raises(ConnectionError):
            follow(bus, log, leaves)
    assert log.tree.size == 0 and leaves.of("rec-a")  # recorded, not appended
    assert follow(bus, log, leaves) == 4
    assert log.tree.size == 4
    assert sorted(leaf["index"] for leaf in leaves.of("rec-a")) == [0, 2, 3]


def test_what_is_not_a_status_change_is_set_aside_not_a_leaf(world):
    bus, log, leaves, _ = world
    bus.publish("verification.events", [("rec-x", b"not json")])
    follow(bus, log, leaves)
    assert log.tree.size == 4
    [(_, message, why)] = bus.dead_letters
    assert message.value == b"not json" and why.startswith("invalid event: ")


def test_an_answer_carries_the_proof_of_the_leaf_that_states_it(world):
    bus, log, leaves, signer = world
    follow(bus, log, leaves)
    proofs = AnswerProofs(log, leaves).prove
    today = answer(STORY[3], "2026-06-01T00:00:00.000Z")
    proof = proofs(today)
    assert (proof["index"], proof["size"], proof["leaf"]) == (3, 4, STORY[3].public_facts())
    checkpoint = open_checkpoint(proof["checkpoint"], signer.verifier, ORIGIN)
    assert verify_answer_in_log({**today, "log": proof}, checkpoint) == STORY[3].public_facts()

    # As of the 10th, rec-a was red: the answer of then is proved by the leaf of then.
    then = answer(STORY[2], "2026-03-10T00:00:00.000Z")
    assert proofs(then)["index"] == 2


def test_a_change_dated_before_an_earlier_one_proves_the_answer_from_its_date():
    """Registered without a licence (red from 5 March), then a licence issued with effect
    from 1 January: green since 1 January, logged after the red."""
    store, bus = InMemoryReadModelStore(), InMemoryBus()
    signer = NoteSigner(ORIGIN, ed25519.Ed25519PrivateKey.generate())
    log, leaves = PublicLog(ReadModelLogStore(store), lambda: signer), LogLeaves(store)
    red = dataclasses.replace(change("rec-c", 5, "red", None), reasons=["no_licence"])
    green = dataclasses.replace(
        change("rec-c", 1, "green", "red"), changed_at="2026-01-01T00:00:00.000Z"
    )
    for version, made in enumerate([red, green]):
        bus.publish("verification.events", [("rec-c", encode(envelope(made, version, NOW)))])
    follow(bus, log, leaves)
    proofs = AnswerProofs(log, leaves).prove
    for as_of in ("2026-06-01T00:00:00.000Z", "2026-03-06T00:00:00.000Z"):
        assert proofs(answer(green, as_of))["index"] == 1
    assert proofs(answer(red, "2026-06-01T00:00:00.000Z")) is None  # what was known before


def test_no_proof_for_an_answer_no_leaf_states(world):
    bus, log, leaves, signer = world
    follow(bus, log, leaves)
    proofs = AnswerProofs(log, leaves).prove
    assert proofs(answer(STORY[0], "2026-02-01T00:00:00.000Z")) is None  # before any change
    lagging = {**answer(STORY[3], "2026-06-01T00:00:00.000Z"), "verdict": "unknown"}
    assert proofs(lagging) is None


def test_a_proof_given_with_another_answer_fails_offline(world):
    bus, log, leaves, signer = world
    follow(bus, log, leaves)
    today = answer(STORY[3], "2026-06-01T00:00:00.000Z")
    proof = AnswerProofs(log, leaves).prove(today)
    checkpoint = open_checkpoint(proof["checkpoint"], signer.verifier, ORIGIN)
    swapped = {**answer(STORY[2], today["as_of"]), "log": proof}
    with pytest.raises(ProofError, match="another answer"):
        verify_answer_in_log(swapped, checkpoint)
    forged = {
        **today,
        "log": {**proof, "leaf": {**proof["leaf"], "changed_at": "2026-03-21T00:00:00.000Z"}},
    }
    with pytest.raises(ProofError):
        verify_answer_in_log(forged, checkpoint)


def test_a_batch_names_each_answers_leaf_in_one_read(world):
    bus, log, leaves, _ = world
    follow(bus, log, leaves)
    asked = [
        answer(STORY[3], "2026-06-01T00:00:00.000Z"),
        answer(STORY[1], "2026-06-01T00:00:00.000Z"),
        {**answer(STORY[1], "2026-06-01T00:00:00.000Z"), "recruiter_id": "rec-unlogged"},
    ]
    assert AnswerProofs(log, leaves).name(asked) == [
        {"index": 3, "size": 4},
        {"index": 1, "size": 4},
        None,
    ]


class Counted(LogLeaves):
    def __init__(self, store):
        super().__init__(store)
        self.reads = 0

    def of(self, recruiter_id):
        self.reads += 1
        return super().of(recruiter_id)


def test_answers_read_the_log_and_its_leaves_as_they_stood_a_moment_ago(world, monkeypatch):
    bus, log, _, _ = world
    leaves, now = Counted(log.store.store), [0.0]
    proofs = AnswerProofs(log, leaves, monotonic=lambda: now[0])
    today = answer(STORY[3], "2026-06-01T00:00:00.000Z")
    assert proofs.prove(today) is None  # nothing logged yet
    follow(bus, log, leaves)
    assert proofs.prove(today) is None  # the head as it stood a moment ago
    now[0] += AnswerProofs.HEAD_SECONDS
    assert proofs.prove(today)["size"] == 4
    reads = leaves.reads
    for _ in range(3):
        assert proofs.prove(today)["index"] == 3
    assert leaves.reads == reads  # kept under this head
    now[0] += AnswerProofs.HEAD_SECONDS
    assert proofs.prove(today)["index"] == 3
    assert leaves.reads == reads + 1  # and read again with the next

    later = change("rec-a", 25, "red", "green")
    bus.publish("verification.events", [("rec-a", encode(envelope(later, 4, NOW)))])
    with monkeypatch.context() as patched:
        patched.setattr(log, "append", lambda facts: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            follow(bus, log, leaves)  # recorded, not appended: a leaf beyond the tree
    another = AnswerProofs(log, leaves, monotonic=lambda: now[0])
    reads = leaves.reads
    assert another.prove(today) is None and another.prove(today) is None
    assert leaves.reads == reads + 2  # read afresh until the append is made
    follow(bus, log, leaves)
    now[0] += AnswerProofs.HEAD_SECONDS
    assert proofs.prove(answer(later, "2026-06-01T00:00:00.000Z"))["size"] == 5


def test_the_logs_topic_is_made_with_one_partition_so_its_order_is_total():
    from shared.config import TopicLayout

    layout = TopicLayout(partitions=3)
    assert layout.partitions_of("t-1a2b.verification.events") == 1
    assert layout.partitions_of("verification.events") == 1
    assert layout.partitions_of("licensing.events") == 3
    assert layout.partitions_of("verification.events.dlq") == 3
