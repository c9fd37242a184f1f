"""Two verification worker processes in one consumer group share the topics' partitions
and answer exactly as one consumer does (issue 16: horizontal scale)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

from services.licensing.bootstrap import SERVICE as LICENSING
from services.verification.bootstrap import SERVICE as VERIFICATION
from services.verification.projections import RecruiterStatus
from shared.consumer import wait_for
from shared.replay import rebuild
from tests.e2e.services import environment
from tests.licensing_helpers import Ministry
from tests.servers import ROOT

AS_OF = "2026-06-01T00:00:00Z"
# What differs between two answers to one question, whoever computed them; the proof is
# of the public log as it stood, which the workers' log appender goes on growing.
OF_THE_MOMENT = ("as_of", "positions", "receipt", "lag_seconds", "log")


def test_two_workers_share_the_partitions_and_answer_as_one(stack_settings, tmp_path):
    settings = stack_settings
    licensing = LICENSING.create_app(settings)
    kenya = Ministry(licensing.test_client(), settings)
    recruiters = [kenya.licensed(f"C.{n}/2020", f"RA/{n}")[0] for n in range(8)]
    recruiters += [kenya.register(f"C.{n}/2021") for n in range(4)]
    relay = licensing.extensions["registry"].parts.backend.relay("licensing")
    while relay.relay_once():
        pass
    # The test polls the public answer far more often than one client may in a minute.
    unlimited = dataclasses.replace(settings, public_rate_per_minute=1_000_000)
    verification = VERIFICATION.create_app(unlimited).test_client()

    def answers() -> dict[str, dict] | None:
        found = {}
        for recruiter_id in recruiters:
            response = verification.get(f"/v1/recruiters/{recruiter_id}?as_of={AS_OF}")
            if response.status_code != 200:
                return None
            found[recruiter_id] = {k: v for k, v in response.json.items() if k not in OF_THE_MOMENT}
        return found

    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "registry_cli", "worker", "verification"],
            cwd=ROOT,
            env=environment(settings),
            stdout=open(tmp_path / f"worker-{n}.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        for n in range(2)
    ]
    try:
        group = f"{settings.topic_prefix}verification.{RecruiterStatus.name}.g1"
        assert wait_for(lambda: len(members_with_partitions(settings, group)) == 2, timeout=90)
        # Settled: the group has committed past every event the relay published. Two equal
        # answers in a row are no proof: a worker may not yet have read a licence.
        assert wait_for(lambda: read_to_the_end(settings, group), timeout=90)
        by_two = answers()
        assert by_two is not None
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)

    backend = VERIFICATION.parts(settings).backend
    rebuild(backend, "verification", RecruiterStatus, timeout_seconds=120)
    assert wait_for(lambda: answers() == by_two, timeout=10), "one consumer answers otherwise"
    verdicts = {answer["verdict"] for answer in by_two.values()}
    assert len(verdicts) > 1, verdicts


def members_with_partitions(settings, group: str) -> list[str]:
    """The group's members that hold at least one partition."""
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    try:
        described = admin.describe_groups([group])[group]
    finally:
        admin.close()
    if described.get("error") or described.get("group_state") != "Stable":
        return []
    return [
        member["member_id"]
        for member in described["members"]
        if member["member_assignment"] and assigned(member["member_assignment"])
    ]


def read_to_the_end(settings, group: str) -> bool:
    """Whether the group's committed offsets reach the end of every partition it reads."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers)
    try:
        committed = admin.list_group_offsets(group)[group]
        partitions = [
            TopicPartition(settings.topic(topic), partition)
            for topic in RecruiterStatus.topics
            for partition in consumer.partitions_for_topic(settings.topic(topic)) or ()
        ]
        ends = consumer.end_offsets(partitions)
    finally:
        consumer.close()
        admin.close()
    return all(
        end == 0 or (tp in committed and committed[tp].offset >= end) for tp, end in ends.items()
    )


def assigned(assignment) -> bool:
    """Whether a decoded member assignment (an object, or its dict form) holds a partition."""
    if hasattr(assignment, "partitions"):
        return bool(assignment.partitions())
    return any(topic["partitions"] for topic in assignment["assigned_partitions"])
