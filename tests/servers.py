"""Where the real Kafka broker and MongoDB-compatible server for tests come from.

In order: ``KAFKA_BOOTSTRAP_SERVERS`` and ``MONGODB_URI`` from the environment; else
testcontainers when a Docker engine answers; else the project's own local stack on
free ports, with the MongoDB-compatible server that ``stack up`` runs by default.
The contract suites also run on every other server ``stack up --mongo`` offers, each
started alone on first use (``MongoCandidates``). Whatever fails to start is an error,
never a skip.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SESSION_STACK = ROOT / "var" / "test-stack"


@dataclass(frozen=True)
class Servers:
    kafka_bootstrap: str
    mongodb_uri: str
    origin: str


@contextlib.contextmanager
def real_servers(data_dir: Path = SESSION_STACK) -> Iterator[Servers]:
    """``data_dir``: where a local stack keeps its files and PIDs; each user of one its
    own, as starting one first stops whatever an earlier run left there."""
    kafka, mongo = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("MONGODB_URI")
    if kafka and mongo:
        yield Servers(kafka, mongo, "environment")
    elif docker_engine_answers():
        with containers() as servers:
            yield servers
    else:
        with local_stack(data_dir) as servers:
            yield servers


def docker_engine_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception:  # any failure means: no engine to use here
        return False
    return True


@contextlib.contextmanager
def containers() -> Iterator[Servers]:
    from testcontainers.community.kafka import KafkaContainer
    from testcontainers.community.mongodb import MongoDbContainer

    with (
        KafkaContainer("confluentinc/cp-kafka:7.6.0").with_kraft() as kafka,
        MongoDbContainer("mongo:7") as mongo,
    ):
        yield Servers(kafka.get_bootstrap_server(), mongo.get_connection_url(), "testcontainers")


@contextlib.contextmanager
def local_stack(data_dir: Path = SESSION_STACK) -> Iterator[Servers]:
    from shared import stack

    stack.down(data_dir)  # a run killed before its teardown may have left one behind
    addresses = stack.up(data_dir, kafka_port=free_port(pair=True), mongo_port=free_port())
    try:
        yield Servers(addresses.kafka_bootstrap, addresses.mongodb_uri, "local stack")
    finally:
        stack.down(data_dir)


class MongoCandidates:
    """The MongoDB-compatible servers of ``stack up --mongo``, each started on first use
    (the default one is the session's own when that is the local stack)."""

    def __init__(self, session: Servers):
        self._uris: dict[str, str] = {}
        self.started: list[str] = []
        if session.origin == "local stack":
            from shared.mongo_servers import DEFAULT

            self._uris[DEFAULT] = session.mongodb_uri

    def uri(self, name: str) -> str:
        if name not in self._uris:
            from shared import stack

            data_dir = candidate_dir(name)
            stack.down(data_dir)
            self.started.append(name)
            addresses = stack.up(data_dir, kafka_port=None, mongo_port=free_port(), mongo=name)
            self._uris[name] = addresses.mongodb_uri
        return self._uris[name]

    def stop(self, names: Sequence[str] | None = None) -> None:
        from shared import stack

        for name in names or list(self.started):
            stack.down(candidate_dir(name))
            self.started.remove(name)
            self._uris.pop(name, None)


def candidate_dir(name: str) -> Path:
    return ROOT / "var" / f"test-{name}"


def free_port(pair: bool = False) -> int:
    """A free port; with ``pair``, the next one is free too (Kafka's controller uses it)."""
    return free_ports(2 if pair else 1)


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive free ports (a Kafka cluster takes two a node)."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        if all(_free(port + offset) for offset in range(count)):
            return port


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
