"""Fixtures shared by every layer of tests: settings per backend, real servers, stores."""

from __future__ import annotations

import dataclasses
import logging
import sys
import uuid

import pytest

from shared.backend import open_backend
from shared.config import Settings
from shared.mongo_servers import SERVERS
from shared.readmodels.mongo import MongoReadModelStore
from shared.readmodels.sqlite import SqliteReadModelStore
from tests.fixtures.notices import schemas
from tests.query_plans import unindexed
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


@pytest.fixture(autouse=True)
def queries_served_by_indexes(monkeypatch):
    """Fails a test in which a service queried a read model without a declared index
    serving it (see tests/query_plans.py); collected, since workers' threads swallow."""
    problems: list[str] = []
    for adapter in (SqliteReadModelStore, MongoReadModelStore):

        def checked(self, collection, query, find=adapter.find):
            # Tests may read a whole collection to look at it; services may not.
            caller = sys._getframe(1).f_globals.get("__name__", "")
            problem = None if caller.startswith("tests.") else unindexed(self, collection, query)
            if problem:
                problems.append(problem)
            return find(self, collection, query)

        monkeypatch.setattr(adapter, "find", checked)
    yield
    assert not problems, "\n".join(dict.fromkeys(problems))


def pytest_sessionfinish(session, exitstatus):
    # kafka-python's background threads may still log after pytest closed its streams.
    logging.getLogger("kafka").setLevel(logging.CRITICAL + 1)
