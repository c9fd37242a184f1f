"""What the platform's own figures are measured against: the bare parts underneath.

- ``round_trips``: one message written and seen by a reader that polls for it, done
  with the raw client: kafka-python produce -> consume (stack) or SQLite insert ->
  select from a second connection (embedded);
- ``raw_consume``: every message of the topics read once, in order, with the raw client.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from shared.config import Settings

SAMPLES_APART_SECONDS = 0.01


def round_trips(settings: Settings, samples: int, scratch: Path) -> list[float]:
    if settings.backend == "stack":
        return _kafka_round_trips(settings, samples)
    return _sqlite_round_trips(scratch / "round-trip.sqlite3", samples)


def raw_consume(settings: Settings, topics: Sequence[str]) -> tuple[int, float]:
    """Messages read and the seconds it took."""
    if settings.backend == "stack":
        return _kafka_consume([settings.topic(t) for t in topics], settings)
    from shared.backend import producer_of

    files = {settings.service_dir(producer_of(t)) / "events.sqlite3" for t in topics}
    return _sqlite_consume(sorted(files))


def _kafka_round_trips(settings: Settings, samples: int) -> list[float]:
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    from shared.config import TopicLayout
    from shared.stack import ensure_topics

    topic = settings.topic(f"bench-round-trip-{uuid.uuid4().hex[:6]}")
    bootstrap = settings.kafka_bootstrap_servers.split(",")
    ensure_topics(settings.kafka_bootstrap_servers, [topic], TopicLayout(partitions=1))
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    partition = TopicPartition(topic, 0)
    consumer.assign([partition])
    consumer.seek_to_end(partition)
    consumer.position(partition)
    try:
        return _timed(
            samples,
            lambda n: producer.send(topic, key=str(n).encode(), value=b"x" * 600).get(timeout=10),
            lambda n: consumer.poll(timeout_ms=100, max_records=1),
        )
    finally:
        producer.close()
        consumer.close()


def _sqlite_round_trips(path: Path, samples: int) -> list[float]:
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("CREATE TABLE events (position INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        return _timed(
            samples,
            lambda n: writer.execute("INSERT INTO events VALUES (?, ?)", (n, "x" * 600)),
            lambda n: reader.execute("SELECT 1 FROM events WHERE position = ?", (n,)).fetchall(),
        )
    finally:
        writer.close()
        reader.close()


def _timed(samples: int, write: Callable[[int], object], seen: Callable[[int], object]) -> list:
    """Seconds from each write to the reader's first sight of it, a little apart."""
    lags = []
    for n in range(1, samples + 1):
        sent = time.perf_counter()
        write(n)
        while not seen(n):
            pass
        lags.append(time.perf_counter() - sent)
        time.sleep(SAMPLES_APART_SECONDS)
    return lags


def _kafka_consume(topics: list[str], settings: Settings) -> tuple[int, float]:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers.split(","), enable_auto_commit=False
    )
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or [])
        ]
        consumer.assign(partitions)
        ends = consumer.end_offsets(partitions)
        started, read = time.perf_counter(), 0
        consumer.seek_to_beginning(*partitions)
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            read += sum(len(r) for r in consumer.poll(timeout_ms=500, max_records=500).values())
        return read, time.perf_counter() - started
    finally:
        consumer.close()


def _sqlite_consume(files: list[Path]) -> tuple[int, float]:
    started, read = time.perf_counter(), 0
    for path in files:
        if not path.exists():
            continue
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            after = 0
            while rows := connection.execute(
                "SELECT position, body FROM events WHERE position > ? ORDER BY position LIMIT 500",
                (after,),
            ).fetchall():
                read, after = read + len(rows), rows[-1][0]
        finally:
            connection.close()
    return read, time.perf_counter() - started


def sqlite_last_position(path: Path) -> int:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return connection.execute("SELECT MAX(position) FROM events").fetchone()[0] or 0
    finally:
        connection.close()


def kafka_ends(topics: Sequence[str], settings: Settings) -> dict[tuple[str, int], int]:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers.split(","))
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or [])
        ]
        ends = consumer.end_offsets(partitions)
        return {(tp.topic, tp.partition): end for tp, end in ends.items()}
    finally:
        consumer.close()
