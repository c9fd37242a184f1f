"""Commands under faults, on both backends: while an open-loop load of licensing,
certification and monitoring commands runs, each process in turn is SIGKILLed and brought
back; then nothing acknowledged is lost, nothing is answered twice differently, no 5xx but
503 with Retry-After was seen, the bus holds every stream's versions once each and in order,
every projection equals the same projection folded afresh from the bus, and verification
answers for each recruiter what that fresh fold says.

Bounded by default (a few minutes); ``REGISTRY_FAULTS_FULL=1`` (as `./registry chaos`
sets it) runs a heavier load and longer outages. Each run writes its counts to
``var/faults/<backend>.json``, which `./registry chaos` prints as a table.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import time
import uuid

import pytest

from registry_cli.contracts import TOPICS
from shared import stack
from shared.config import Settings
from shared.consistency import Written
from tests.faults.harness import (
    WRITERS,
    Fault,
    Fleet,
    Load,
    answers_differing,
    bus_messages,
    count_bus,
    lost_and_gaps,
    projection_differences,
    recovered_after,
    running_load,
)
from tests.servers import ROOT, free_port, free_ports

FULL = os.environ.get("REGISTRY_FAULTS_FULL") == "1"
RATE_PER_S = 8.0 if FULL else 2.0
DOWN_S = 10.0 if FULL else 3.0
REPORTS = ROOT / "var" / "faults"


def own_servers(name: str, brokers: int):
    """Servers of this test's own, since it kills them: ``brokers`` Kafka nodes and the
    MongoDB-compatible server; (data dir, first Kafka port, MongoDB port, addresses)."""
    data_dir = ROOT / "var" / name
    stack.down(data_dir)
    for old in (data_dir / "stack").glob("kafka-*-of-*"):
        shutil.rmtree(old)  # a fresh cluster: a store formatted by another run has another id
    kafka_port, mongo_port = free_ports(2 * brokers), free_port()
    addresses = stack.up(data_dir, kafka_port=kafka_port, mongo_port=mongo_port, brokers=brokers)
    try:
        yield data_dir, kafka_port, mongo_port, addresses
    finally:
        stack.down(data_dir)


@pytest.fixture
def own_stack():
    yield from own_servers("test-faults", 1)


@pytest.fixture
def own_cluster():
    yield from own_servers("test-faults-3", 3)


# Production's layout on three brokers: a write is acknowledged once two of them hold it.
CLUSTER = {"kafka_replication_factor": 3, "kafka_min_insync_replicas": 2}
# The full form also runs the whole system on a cluster and kills one broker of three.
SYSTEMS = ["embedded", "stack", *(["stack-3-brokers"] if FULL else [])]


@pytest.fixture(params=SYSTEMS)
def system(request, tmp_path):
    run = uuid.uuid4().hex[:8]
    if request.param == "embedded":
        settings = Settings(backend="embedded", data_dir=tmp_path / "data")
        servers = None
    else:
        cluster = request.param == "stack-3-brokers"
        servers = request.getfixturevalue("own_cluster" if cluster else "own_stack")
        data_dir, _, _, addresses = servers
        settings = Settings(
            backend="stack",
            data_dir=tmp_path / "data",
            mongodb_uri=addresses.mongodb_uri,
            kafka_bootstrap_servers=addresses.kafka_bootstrap,
            topic_prefix=f"f{run}-",
            database_prefix=f"f{run}",
            **(CLUSTER if cluster else {}),
        )
    logs = REPORTS / "logs" / request.param  # kept after the run, for whoever reads a failure
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    fleet = Fleet(settings, logs)
    try:
        yield request.param, settings, fleet, servers
    finally:
        fleet.stop()


def faults(backend: str, fleet: Fleet, servers) -> list[Fault]:
    chosen = [
        Fault(f"{service} gunicorn worker", lambda s=service: fleet.kill_http_worker(s), None)
        for service in ("licensing", "monitoring")
    ]
    for service in ("licensing", "certification", "monitoring", "verification"):
        name = f"{service} worker"
        what = "relay and consumers" if backend != "embedded" else "consumers"
        chosen.append(
            Fault(
                f"{name} ({what})",
                lambda n=name: fleet.kill(n),
                lambda n=name: fleet.start(n),
            )
        )
    if backend != "embedded":
        data_dir, kafka_port, mongo_port, _ = servers
        brokers = 3 if backend == "stack-3-brokers" else 1

        def kill(part: str) -> None:
            os.kill(stack.status(data_dir)[part]["pid"], signal.SIGKILL)

        def kill_broker() -> None:
            if brokers == 1:
                return kill("kafka")
            victim = stack.kafka_nodes(kafka_port, brokers)[1]
            os.kill(stack.status(data_dir)["kafka"]["brokers"][victim.name]["pid"], signal.SIGKILL)

        def restart() -> None:
            stack.up(data_dir, kafka_port=kafka_port, mongo_port=mongo_port, log=lambda _: None,
                     brokers=brokers)  # fmt: skip

        broker = "Kafka broker" if brokers == 1 else "one Kafka broker of three"
        chosen.append(Fault(broker, kill_broker, restart))
        chosen.append(Fault("MongoDB-compatible server", lambda: kill("mongodb"), restart))
    return chosen


def test_nothing_acknowledged_is_lost_or_doubled_under_faults(system):
    backend, settings, fleet, servers = system
    load = Load(fleet, settings, RATE_PER_S)
    probes = itertools.count(10_000_000, len(WRITERS))
    recovery: dict[str, float] = {}
    with running_load(load):
        time.sleep(DOWN_S)
        for fault in faults(backend, fleet, servers):
            recovery[fault.name] = round(recovered_after(load, fault, DOWN_S, probes), 1)
            time.sleep(DOWN_S / 2)

    # The relays may still be publishing what was written during the last outage.
    load_stopped = time.monotonic()
    for _ in range(12):
        messages = bus_messages(settings, list(TOPICS))
        bus = count_bus(messages)
        lost, gaps = lost_and_gaps(load.outcomes, bus)
        if not lost:
            break
        time.sleep(10)
    by_topic = {t: [m for m in messages if m.topic == settings.topic(t)] for t in TOPICS}
    differences, compared, fresh = projection_differences(settings, by_topic)
    for _ in range(6):  # consumers may still be applying the last messages
        if not differences:
            break
        time.sleep(10)
        differences, compared, fresh = projection_differences(settings, by_topic)
    recruiters = sorted(
        Written.from_token(o.token).stream
        for o in load.outcomes
        if o.token and o.kind == "licensing"
    )
    answers = answers_differing(
        fleet.url("verification"), fresh["verification.recruiter_status"], recruiters
    )

    acknowledged = [o for o in load.outcomes if o.token]
    answered_twice = [o.key for o in load.outcomes if len(o.answers) > 1]
    report = {
        "backend": backend,
        "full": FULL,
        "rate_per_s": RATE_PER_S,
        "down_s": DOWN_S,
        "commands_sent": len(load.outcomes),
        "acknowledged": len(acknowledged),
        "gave_up": sum(o.gave_up for o in load.outcomes),
        "refused_4xx": sum(1 for o in load.outcomes if not o.token and not o.gave_up),
        "lost": len(lost),
        "bus_complete_after_load_s": round(time.monotonic() - load_stopped, 1),
        "duplicated_in_answers": len(answered_twice),
        "statuses": dict(sorted(load.statuses.items())),
        "5xx_other_than_503": len(load.server_errors),
        "503_without_retry_after": load.unavailable_without_retry_after,
        "streams_on_bus": len(bus.streams),
        "redelivered_copies_on_bus": bus.copies,
        "gaps_or_conflicts": len(gaps),
        "out_of_order": len(bus.out_of_order),
        "projection_documents_compared": compared,
        "projection_documents_differing_from_replay": len(differences),
        "verification_answers_checked": len(recruiters),
        "verification_answers_differing_from_events": len(answers),
        "recovery_s": recovery,
    }
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{backend}.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))

    assert acknowledged, "no command was acknowledged"
    assert compared >= len(acknowledged), "the replay compared fewer documents than written"
    assert not load.server_errors, load.server_errors[:5]
    assert load.unavailable_without_retry_after == 0
    assert not lost, lost[:5]
    assert not answered_twice, answered_twice[:5]
    assert not gaps, gaps[:5]
    assert not bus.out_of_order, bus.out_of_order[:5]
    assert not differences, differences[:10]
    assert recruiters and not answers, answers[:5]
    assert all(seconds != float("inf") for seconds in recovery.values()), recovery
    assert report["gave_up"] == 0, "a command was never acknowledged though all came back"
