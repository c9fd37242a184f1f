"""The bus contract: the embedded event tables and Kafka deliver alike (SPEC §2, §9)."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

from shared.events.envelope import decode
from tests.contract.helpers import notice_events
from tests.fixtures.notices import SERVICE, TOPIC


def drain(source, expected: int, timeout: float = 30.0) -> list:
    messages, deadline = [], time.monotonic() + timeout
    while len(messages) < expected and time.monotonic() < deadline:
        messages.extend(source.poll(500, 500))
    return messages


class BusContract:
    @pytest.fixture
    def backend(self):
        raise NotImplementedError

    def publish(self, backend, stream, first, count):
        backend.event_store(SERVICE).append(stream, first - 1, notice_events(stream, first, count))
        relay = backend.relay(SERVICE)
        if relay is not None:
            relay.relay_once()

    def dead_letters(self, backend) -> list[dict]:
        raise NotImplementedError

    def test_each_key_arrives_in_version_order(self, backend):
        for round_ in range(3):
            for stream in ("a", "b", "c"):
                self.publish(backend, stream, round_ * 2 + 1, 2)
        source = backend.source("reader", "contract", [TOPIC])
        try:
            messages = drain(source, 18)
        finally:
            source.close()
        assert len(messages) == 18
        by_key: dict[str, list[int]] = {}
        for message in messages:
            event = decode(message.value)
            assert message.key == event["subject"]
            by_key.setdefault(message.key, []).append(event["streamversion"])
        assert by_key == {key: [1, 2, 3, 4, 5, 6] for key in "abc"}

    def test_a_reopened_source_resumes_after_its_commit_and_redelivers_the_rest(self, backend):
        self.publish(backend, "a", 1, 3)
        source = backend.source("reader", "resume", [TOPIC])
        assert len(drain(source, 3)) == 3
        source.commit()
        source.close()
        self.publish(backend, "a", 4, 2)
        source = backend.source("reader", "resume", [TOPIC])
        seen = drain(source, 2)
        assert [decode(m.value)["streamversion"] for m in seen] == [4, 5]
        source.close()
        source = backend.source("reader", "resume", [TOPIC])
        again = drain(source, 2)
        assert [decode(m.value)["streamversion"] for m in again] == [4, 5]
        source.rewind()
        assert [decode(m.value)["streamversion"] for m in drain(source, 2)] == [4, 5]
        source.close()

    def test_a_dead_letter_keeps_the_message_and_its_reason(self, backend):
        self.publish(backend, "a", 1, 1)
        source = backend.source("reader", "dlq", [TOPIC])
        [message] = drain(source, 1)
        source.dead_letter(message, "invalid event: testing")
        source.close()
        letters = self.dead_letters(backend)
        assert len(letters) == 1
        assert letters[0]["reason"] == "invalid event: testing"
        assert decode(letters[0]["value"])["subject"] == "a"


class TestEmbeddedBus(BusContract):
    @pytest.fixture
    def backend(self, embedded_settings, open_backends):
        return open_backends(embedded_settings)

    def dead_letters(self, backend):
        from shared.bus.embedded import DEAD_LETTERS
        from shared.readmodels.base import Query

        return backend.read_models("reader").find(DEAD_LETTERS, Query({})).items


class TestKafkaBus(BusContract):
    @pytest.fixture
    def backend(self, stack_settings, open_backends):
        return open_backends(stack_settings)

    def dead_letters(self, backend):
        from kafka import KafkaConsumer

        topic = backend.settings.topic(TOPIC) + ".dlq"
        consumer = KafkaConsumer(
            topic,
            bootstrap_servers=backend.settings.kafka_bootstrap_servers,
            auto_offset_reset="earliest",
            consumer_timeout_ms=5000,
        )
        letters = [
            {
                "reason": dict(r.headers)["reason"].decode(),
                "value": r.value,
                "origin": dict(r.headers)["original-topic"].decode(),
            }
            for r in consumer
        ]
        consumer.close()
        assert all(letter["origin"] == backend.settings.topic(TOPIC) for letter in letters)
        return letters

    def test_a_consumer_that_died_is_replaced_in_its_group_within_its_session(self, backend):
        """A worker killed mid-run leaves its member in the group until its session
        ends; a restarted worker's consumer waits for that to join. Bounded here with a
        wide margin (kafka-python's own default, 45 s, fails it)."""
        self.publish(backend, "a", 1, 1)
        source = backend.source("reader", "killed", [TOPIC])
        drain(source, 1)
        source.commit()
        source.close()
        group = f"{backend.settings.topic_prefix}reader.killed"
        topic = backend.settings.topic(TOPIC)
        member = subprocess.Popen(
            [sys.executable, "-c", MEMBER, backend.settings.kafka_bootstrap_servers, topic, group],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).parents[2],
        )
        try:
            assert member.stdout.readline().strip() == "joined"
        finally:
            member.kill()
            member.wait()
        self.publish(backend, "a", 2, 1)
        killed = time.monotonic()
        source = backend.source("reader", "killed", [TOPIC])
        try:
            [message] = drain(source, 1, timeout=60)
        finally:
            source.close()
        assert decode(message.value)["streamversion"] == 2
        assert time.monotonic() - killed < 30


# A member of the group that joins, says so and waits to be killed, never leaving.
MEMBER = """
import sys, time
from shared.bus.kafka import KafkaSource
source = KafkaSource(sys.argv[1], [sys.argv[2]], sys.argv[3], None)
while not source._consumer.assignment():
    source.poll(1, 200)
print("joined", flush=True)
time.sleep(600)
"""


class TestInMemoryBus(BusContract):
    """The unit tests' fake bus keeps the same promises as the real ones."""

    @pytest.fixture
    def backend(self):
        from shared.relay import OutboxRelay
        from tests.fakes import InMemoryBus, InMemoryEventStore
        from tests.fixtures.notices import schemas

        class FakeBackend:
            bus = InMemoryBus()
            store = InMemoryEventStore(schemas())

            def event_store(self, service):
                return self.store

            def relay(self, service):
                return OutboxRelay(self.store, self.bus, TOPIC)

            def source(self, service, consumer, topics):
                [topic] = topics
                return self.bus.source(consumer, topic)

        return FakeBackend()

    def dead_letters(self, backend):
        return [{"reason": why, "value": m.value} for _, m, why in backend.bus.dead_letters]
