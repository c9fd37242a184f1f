"""Two verification worker processes in one consumer group share the topics' partitions
and answer exactly as one consumer does (issue 16: horizontal scale)."""

from __future__ import annotations

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
# What differs between two answers to one question, whoever computed them.
OF_THE_MOMENT = ("as_of", "positions", "receipt", "lag_seconds")


def test_two_workers_share_the_partitions_and_answer_as_one(stack_settings, tmp_path):
    settings = stack_settings
    licensing = LICENSING.create_app(settings)
    kenya = Ministry(licensing.test_client(), settings)
    recruiters = [kenya.licensed(f"C.{n}/2020", f"RA/{n}")[0] for n in range(8)]
    recruiters += [kenya.register(f"C.{n}/2021") for n in range(4)]
    relay = licensing.extensions["registry"].parts.backend.relay("licensing")
    while relay.relay_once():
        pass
    verification = VERIFICATION.create_app(settings).test_client()

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
        # Answered, and settled: every event the relay published is applied.
        assert wait_for(lambda: answers() is not None and answers() == answers(), timeout=90)
        by_two = answers()
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


def assigned(assignment) -> bool:
    """Whether a decoded member assignment (an object, or its dict form) holds a partition."""
    if hasattr(assignment, "partitions"):
        return bool(assignment.partitions())
    return any(topic["partitions"] for topic in assignment["assigned_partitions"])
