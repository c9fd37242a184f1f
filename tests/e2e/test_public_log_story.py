"""The public log fed by the real status-change stream (SPEC §17), with licensing and
verification as separate processes on real Kafka and a real MongoDB-compatible server, and
on the embedded backend:

a recruiter is licensed (green), suspended (red), reinstated (green). Each answer, now and
as of the past, carries a leaf and an inclusion proof that verify offline with the
registry_client package, and its receipt names that leaf. A witness follows the log across
each change, a replay of verification and a restart of every process, and a forked log (one
old leaf rewritten by a test-only tool) is caught by it.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from registry_client.api import RegistryClient
from registry_client.cli import FAILED, VERIFIED, main
from registry_client.fetch import ProblemAnswer
from shared.auth.tokens import mint_dev_token
from shared.consumer import wait_for
from tests.e2e.services import Running, call, replayed
from tests.log_fork import fork

SERVICES = ["licensing", "verification"]
UNLIMITED = {"REGISTRY_PUBLIC_RATE_PER_MINUTE": "1000000"}
FAR = (date.today() + timedelta(days=3 * 365)).isoformat()


@pytest.fixture(params=["stack", "embedded"])
def settings(request):
    return request.getfixturevalue(f"{request.param}_settings")


class Ministry:
    def __init__(self, settings, running: Running):
        self.running, self.token = (
            running,
            mint_dev_token(settings, "ministry_officer", country="NP"),
        )

    def write(self, path: str, body: dict, expect: int = 200) -> dict:
        status, answer = call(self.running.url("licensing"), path, self.token, body)
        assert status == expect, (path, status, answer)
        return answer


def proved(client: RegistryClient, recruiter_id: str, verdict: str, as_of: str | None = None):
    """The answer, once it states ``verdict`` with the log's proof of it; proof and receipt
    checked offline, with nothing but the published keys."""
    found = {}

    def answered() -> bool:
        try:
            answer = client.status(recruiter_id, as_of)
        except ProblemAnswer:  # not read yet
            return False
        found["answer"] = answer
        return answer.verdict == verdict and answer.body.get("log") is not None

    assert wait_for(answered, timeout=60), found.get("answer")
    answer = found["answer"]
    leaf = client.verified_in_log(answer, client.log_key())
    assert leaf["verdict"] == verdict and leaf["recruiter_id"] == recruiter_id
    claims = client.verified_claims(answer)
    assert claims["log"] == {
        "index": answer.body["log"]["index"],
        "size": answer.body["log"]["size"],
    }
    return answer.body


def test_every_answer_is_in_the_log_and_a_witness_catches_a_fork(settings, tmp_path):
    running = Running(settings, SERVICES, **UNLIMITED)
    try:
        url = running.url("verification")
        client = RegistryClient(url + "/")
        key = client.log_key().encoded()
        witness = ["--key", key, "--state", str(tmp_path / "witness.json")]

        def witnessed() -> int:
            return main(["witness", url + "/", *witness, "--origin", settings.log_origin])

        ministry = Ministry(settings, running)
        recruiter = ministry.write(
            "/v1/recruiters",
            {"legal_name": "Himal Overseas", "country": "NP", "registration_number": "R-1"},
            expect=201,
        )["recruiter_id"]
        licence = ministry.write(
            "/v1/licences", {"recruiter_id": recruiter, "licence_number": "77/081"}, expect=201
        )["licence_id"]
        ministry.write(
            f"/v1/licences/{licence}/issue", {"valid_from": "2026-01-01", "valid_until": FAR}
        )
        green = proved(client, recruiter, "green")
        assert witnessed() == VERIFIED

        ministry.write(f"/v1/licences/{licence}/suspend", {"reason": "fees charged"})
        red = proved(client, recruiter, "red")
        assert red["log"]["index"] > green["log"]["index"]
        assert witnessed() == VERIFIED

        ministry.write(f"/v1/licences/{licence}/reinstate", {})
        again = proved(client, recruiter, "green")
        assert witnessed() == VERIFIED
        # The answer as of the suspension is proved by the leaf of then, in today's tree.
        then = proved(client, recruiter, "red", as_of=red["as_of"])
        assert then["log"]["index"] == red["log"]["index"]
        assert then["log"]["size"] == again["log"]["size"]
        size = again["log"]["size"]
        batch = client.verify_many([{"recruiter_id": recruiter}])
        named = batch.results[0]["status"]["log"]
        assert named == {"index": again["log"]["index"], "size": size}
        assert client.verified_claims(batch)["results"][0]["log"] == named

        replay = replayed(settings, "verification")
        assert replay.returncode == 0, replay.stderr
        assert proved(client, recruiter, "green")["log"]["size"] == size  # nothing twice
        assert witnessed() == VERIFIED

        running.stop()
        running = Running(settings, SERVICES, **UNLIMITED)
        url = running.url("verification")
        client = RegistryClient(url + "/")
        assert proved(client, recruiter, "green")["log"] == again["log"]
        assert witnessed() == VERIFIED

        running.stop()
        leaves = fork(settings, red["log"]["index"], verdict="green", reasons=["licence_active"])
        assert len(leaves) == size
        running = Running(settings, SERVICES, **UNLIMITED)
        url = running.url("verification")
        assert witnessed() == FAILED
        kept = json.loads((tmp_path / "witness.json").read_text())["checkpoint"]
        assert kept.split("\n")[1] == str(size)
    finally:
        running.stop()
