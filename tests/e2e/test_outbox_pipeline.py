"""End to end on the real servers: event store -> relay -> Kafka -> consumer -> read model,
each a separate process, through a relay crash and poison messages (SPEC §8, §9)."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from kafka import KafkaConsumer, KafkaProducer

from shared.backend import open_backend
from shared.consumer import wait_for
from shared.events.envelope import encode
from shared.projection import integrity_problems
from shared.readmodels.base import Query
from tests.contract.helpers import notice_events
from tests.e2e.services import environment
from tests.fixtures.notices import SERVICE, TOPIC, schemas
from tests.servers import ROOT

STREAMS, AMENDMENTS = 5, 3


class Processes:
    def __init__(self, settings):
        self.env = environment(settings)
        self.running: list[subprocess.Popen] = []

    def start(self, *args: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.processes", *args], cwd=ROOT, env=self.env
        )
        self.running.append(process)
        return process

    def run(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "tests.e2e.processes", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            timeout=120,
        )

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.terminate()
        for process in self.running:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def processes(stack_settings):
    running = Processes(stack_settings)
    yield running
    running.stop_all()


def topic_records(settings, topic: str) -> list:
    consumer = KafkaConsumer(
        settings.topic(topic),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        consumer_timeout_ms=4000,
    )
    records = list(consumer)
    consumer.close()
    return records


def notices(settings) -> list[dict]:
    store = open_backend(settings, schemas()).read_models("reader")
    return store.find("notices", Query({}, limit=1000)).items


def test_relay_crash_and_poison_messages_lose_nothing_and_apply_nothing_twice(
    stack_settings, processes, tmp_path
):
    settings = stack_settings
    store = open_backend(settings, schemas()).event_store(SERVICE)
    processes.run("write", str(STREAMS), str(AMENDMENTS))
    total = STREAMS * (AMENDMENTS + 1)
    assert len(store.unpublished(1000)) == total

    marker = tmp_path / "published"
    hanging = processes.start("relay-then-hang", str(marker))
    assert wait_for(marker.exists, timeout=60), "the relay never published"
    hanging.send_signal(signal.SIGKILL)
    hanging.wait(timeout=10)
    assert len(topic_records(settings, TOPIC)) == total
    assert len(store.unpublished(1000)) == total, "nothing may be marked before the kill"

    processes.start("consume")
    processes.start("relay")
    assert wait_for(lambda: not store.unpublished(1000), timeout=60)
    published = topic_records(settings, TOPIC)
    assert len(published) == 2 * total, "the restarted relay publishes everything again"

    def all_applied() -> bool:
        found = notices(settings)
        return len(found) == STREAMS and all(n["amendments"] == AMENDMENTS for n in found)

    assert wait_for(all_applied, timeout=90)
    for notice in notices(settings):
        assert notice["_applied"] == {notice["notice_id"]: AMENDMENTS + 1}
        assert integrity_problems(notice) == []

    poison_and_more(settings)


def poison_and_more(settings) -> None:
    """Malformed and schema-breaking messages go to the DLQ; later events still apply."""
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    topic = settings.topic(TOPIC)
    producer.send(topic, key=b"notice-0", value=b"{this is not json")
    broken = notice_events("notice-1", AMENDMENTS + 2, 1)[0]
    broken["data"] = {"title": 7}
    producer.send(topic, key=b"notice-1", value=encode(broken))
    producer.send(topic, key=b"notice-3", value=None)  # a tombstone
    producer.flush()
    producer.close()
    store = open_backend(settings, schemas()).event_store(SERVICE)
    store.append("notice-2", AMENDMENTS + 1, notice_events("notice-2", AMENDMENTS + 2, 1))

    def by_id() -> dict:
        return {n["notice_id"]: n for n in notices(settings)}

    assert wait_for(lambda: by_id()["notice-2"]["amendments"] == AMENDMENTS + 1, timeout=60)
    letters = topic_records(settings, TOPIC + ".dlq")
    reasons = {r.key: dict(r.headers)["reason"].decode() for r in letters}
    assert set(reasons) == {b"notice-0", b"notice-1", b"notice-3"}
    assert reasons[b"notice-0"].startswith("invalid event: not JSON")
    assert "data title" in reasons[b"notice-1"]
    assert all(dict(r.headers)["original-topic"].decode() == topic for r in letters)
    problems = by_id()
    assert [p["kind"] for p in integrity_problems(problems["notice-0"])] == ["dead_letter"]
    assert [p["kind"] for p in integrity_problems(problems["notice-1"])] == ["dead_letter"]
    assert integrity_problems(problems["notice-2"]) == []
