"""Fixtures shared by every layer of tests: settings per backend, real servers, stores."""

from __future__ import annotations

import dataclasses
import logging
import uuid

import pytest

from shared.backend import open_backend
from shared.config import Settings
from shared.mongo_servers import SERVERS
from tests.fixtures.notices import schemas
from tests.servers import MongoCandidates, real_servers


@pytest.fixture(scope="session")
def servers():
    """The real Kafka broker and MongoDB-compatible server, started once per session."""
    with real_servers() as found:
        yield found
        # Background kafka-python threads outlive their tests; the broker is about to go.
        logging.getLogger("kafka").setLevel(logging.CRITICAL + 1)


@pytest.fixture
def stack_settings(servers, tmp_path) -> Settings:
    """Stack settings isolated by unique topic and database prefixes."""
    run = uuid.uuid4().hex[:10]
    return Settings(
        backend="stack",
        data_dir=tmp_path,
        mongodb_uri=servers.mongodb_uri,
        kafka_bootstrap_servers=servers.kafka_bootstrap,
        kafka_partitions=3,
        topic_prefix=f"t{run}-",
        database_prefix=f"t{run}",
    )


@pytest.fixture(scope="session")
def mongo_candidates(servers):
    candidates = MongoCandidates(servers)
    yield candidates
    candidates.stop()


@pytest.fixture(params=list(SERVERS))
def candidate_settings(request, mongo_candidates, stack_settings) -> Settings:
    """Stack settings on each MongoDB-compatible server that ``stack up --mongo`` offers."""
    return dataclasses.replace(stack_settings, mongodb_uri=mongo_candidates.uri(request.param))


@pytest.fixture
def embedded_settings(tmp_path) -> Settings:
    return Settings(backend="embedded", data_dir=tmp_path)


@pytest.fixture
def open_backends():
    """Opens backends for a test and closes their bus clients after it."""
    opened = []

    def open_one(settings: Settings):
        opened.append(open_backend(settings, schemas()))
        return opened[-1]

    yield open_one
    for backend in opened:
        backend.close()


def pytest_sessionfinish(session, exitstatus):
    # kafka-python's background threads may still log after pytest closed its streams.
    logging.getLogger("kafka").setLevel(logging.CRITICAL + 1)
