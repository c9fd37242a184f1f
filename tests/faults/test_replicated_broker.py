"""A three-node KRaft cluster on loopback, topics of three copies with min.insync.replicas=2:
one broker SIGKILLed mid-load loses no write the producer saw acknowledged."""

from __future__ import annotations

import os
import shutil
import signal
import threading
import time
import uuid

import pytest
from kafka import KafkaConsumer
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from shared import stack
from shared.bus.kafka import KafkaPublisher
from shared.config import TopicLayout
from shared.errors import Unavailable
from tests.servers import ROOT, free_ports

REPLICATED = TopicLayout(partitions=3, replication_factor=3, min_insync_replicas=2)
BEFORE_KILL, AFTER_KILL = 150, 150
REPORTS = ROOT / "var" / "faults"


@pytest.fixture(scope="module")
def cluster():
    data_dir = ROOT / "var" / "test-brokers"
    stack.down(data_dir)
    for old in (data_dir / "stack").glob("kafka-*-of-3"):
        shutil.rmtree(old)  # a fresh cluster: a store formatted by another run has another id
    first = free_ports(6)
    addresses = stack.up(data_dir, kafka_port=first, mongo_port=None, brokers=3)
    try:
        yield data_dir, stack.kafka_nodes(first, 3), addresses.kafka_bootstrap
    finally:
        stack.down(data_dir)


def described_once_known(admin: KafkaAdminClient, topic: str) -> dict:
    """A new topic reaches each broker's metadata a moment after its creation, and this
    admin client may ask a broker that has not heard of it yet."""
    deadline = time.monotonic() + 30
    while True:
        (described,) = admin.describe_topics([topic])
        if described["partitions"] or time.monotonic() > deadline:
            return described
        time.sleep(0.2)


def test_topics_are_created_with_the_configured_copies(cluster):
    _, _, bootstrap = cluster
    topic = f"faults.layout.{uuid.uuid4().hex[:8]}"
    stack.ensure_topics(bootstrap, [topic], REPLICATED)
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","))
    try:
        described = described_once_known(admin, topic)
        config = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    finally:
        admin.close()
    assert [len(p["replica_nodes"]) for p in described["partitions"]] == [3, 3, 3]
    (configs,) = config.values()
    assert configs[topic]["min.insync.replicas"]["value"] == "2"


def test_killing_one_broker_of_three_mid_load_loses_nothing(cluster):
    data_dir, nodes, bootstrap = cluster
    topic = f"faults.replicated.{uuid.uuid4().hex[:8]}"
    stack.ensure_topics(bootstrap, [topic], REPLICATED)
    publisher = KafkaPublisher(bootstrap)
    acknowledged: list[str] = []
    refused = 0
    halfway = threading.Event()

    def produce() -> None:
        nonlocal refused
        for n in range(BEFORE_KILL + AFTER_KILL):
            value = f"write-{n}"
            while True:  # a client retries what was not acknowledged, as the relay does
                try:
                    publisher.publish(topic, [(f"key-{n % 17}", value.encode())])
                    break
                except Unavailable:
                    refused += 1
            acknowledged.append(value)
            if n == BEFORE_KILL:
                halfway.set()

    producer = threading.Thread(target=produce)
    producer.start()
    assert halfway.wait(120), "the cluster did not take the first writes"
    victim = nodes[1]
    pid = stack.status(data_dir)["kafka"]["brokers"][victim.name]["pid"]
    os.kill(pid, signal.SIGKILL)
    producer.join(300)
    assert not producer.is_alive(), "writes stopped with two brokers of three still up"
    publisher.close()
    stack.start_kafka_node(data_dir, nodes, victim)

    seen = _read_all(bootstrap, topic)
    lost = set(acknowledged) - set(seen)
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / "brokers-3.txt").write_text(
        f"3 brokers, one SIGKILLed mid-load: {len(acknowledged)} writes acknowledged, "
        f"{len(lost)} lost, {len(seen) - len(set(seen))} duplicated on the topic, "
        f"{refused} sends refused and retried\n"
    )
    assert len(acknowledged) == BEFORE_KILL + AFTER_KILL
    assert not lost, f"{len(lost)} acknowledged writes lost (refused and retried: {refused})"


def _read_all(bootstrap: str, topic: str) -> list[str]:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap.split(","),
        group_id=f"faults-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        consumer_timeout_ms=15_000,
    )
    try:
        return [record.value.decode() for record in consumer]
    finally:
        consumer.close()
