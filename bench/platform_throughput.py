"""Throughput of the platform's moving parts, printed, never asserted.

    .venv/bin/python -m bench.platform_throughput [--events N]

Uses KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI when set, else starts the local stack on
free ports (as the tests do). Prints events appended per second to each event store,
the relay's publish rate and the consumer's apply rate on each backend.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

from shared.backend import open_backend
from shared.config import Settings
from shared.consumer import ConsumerRunner
from tests.contract.helpers import notice_events
from tests.fixtures.notices import SERVICE, NoticeBoard, schemas
from tests.servers import real_servers


def timed(label: str, count: int, work) -> None:
    started = time.perf_counter()
    work()
    elapsed = time.perf_counter() - started
    print(f"{label:<52} {count:>7} in {elapsed:6.2f} s = {count / elapsed:9.0f} /s")


def append_all(backend, streams: int, per_stream: int) -> None:
    store = backend.event_store(SERVICE)
    for n in range(streams):
        stream = f"s{n}"
        for version in range(1, per_stream + 1):
            store.append(stream, version - 1, notice_events(stream, version, 1))


def relay_all(backend) -> None:
    relay = backend.relay(SERVICE)
    while relay.relay_once():
        pass


def consume_all(backend, expected: int) -> None:
    board = NoticeBoard(backend.read_models("bench"))
    source = backend.source("bench", board.name, board.topics)
    runner, seen = ConsumerRunner(source, board, backend.schemas), 0
    while seen < expected:
        seen += runner.run_once(timeout_ms=500)
    source.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    events = parser.parse_args().events
    streams, per_stream = events // 10, 10
    with real_servers() as servers, tempfile.TemporaryDirectory() as data:
        run = uuid.uuid4().hex[:8]
        stack = Settings(
            backend="stack",
            data_dir=Path(data) / "stack",
            mongodb_uri=servers.mongodb_uri,
            kafka_bootstrap_servers=servers.kafka_bootstrap,
            topic_prefix=f"bench{run}-",
            database_prefix=f"bench{run}",
        )
        embedded = Settings(backend="embedded", data_dir=Path(data) / "embedded")
        print(f"servers: {servers.origin}; {events} events in {streams} streams, one per commit")
        for name, settings in (
            ("embedded (SQLite)", embedded),
            ("stack (MongoDB-compatible)", stack),
        ):
            backend = open_backend(settings, schemas())
            timed(
                f"append to event store, {name}",
                events,
                lambda b=backend: append_all(b, streams, per_stream),
            )
            if settings.backend == "stack":
                timed(
                    "relay publish to Kafka (acks=all, idempotent)",
                    events,
                    lambda b=backend: relay_all(b),
                )
            timed(f"consumer apply, {name}", events, lambda b=backend: consume_all(b, events))


if __name__ == "__main__":
    main()
