"""On real Kafka: a poison message turns its recruiter unknown; `./registry dlq` lists it,
shows it without the free text it carries, and republishes it fixed, after which the
recruiter's answer is what the events say, with no replay."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from registry_cli.__main__ import main
from services.licensing.bootstrap import SERVICE as LICENSING
from services.verification.bootstrap import SERVICE as VERIFICATION
from shared.backend import open_backend
from shared.events.envelope import Change, Provenance, wrap
from shared.stack import ensure_topics
from tests.e2e.services import environment
from tests.licensing_helpers import Ministry
from tests.workers import workers_running

SECRET = "worker Amina Secret-Name complained"


@pytest.fixture
def world(stack_settings, monkeypatch):
    for name, value in environment(stack_settings).items():
        monkeypatch.setenv(name, value)
    with workers_running(stack_settings, LICENSING, VERIFICATION):
        yield stack_settings


def test_a_repaired_dead_letter_brings_its_recruiter_out_of_unknown(world, capsys):
    settings = world
    ministry = Ministry(LICENSING.create_app(settings).test_client(), settings)
    verification = VERIFICATION.create_app(settings).test_client()
    recruiter_id, licence_id = ministry.licensed("C.9", "RA/9", valid_until="2099-12-31")
    _settles(verification, recruiter_id, "green")

    backend = open_backend(settings)
    last = backend.event_store("licensing").load(recruiter_id)[-1]  # licences live on it
    poison = wrap(
        "licensing",
        recruiter_id,
        last["streamversion"] + 1,
        [Change("licence_suspended", {"licence_id": licence_id, "reason": SECRET, "oops": 1})],
        Provenance("ministry_officer/KE"),
        datetime.now(UTC),
        last["partitionkey"],
        recruiter_id,
    )[0]
    topic = settings.topic("licensing.events")
    ensure_topics(settings.kafka_bootstrap_servers, [topic], settings.topic_layout())
    backend.publisher().publish(topic, [(last["partitionkey"], json.dumps(poison).encode())])
    answer = _settles(verification, recruiter_id, "unknown")
    assert "integrity_gap" in {reason["code"] for reason in answer["reasons"]}

    letters = _run(capsys, "dlq", "list")
    mine = [json.loads(line) for line in letters.splitlines()]
    mine = [letter for letter in mine if letter["subject"] == recruiter_id]
    assert mine and SECRET not in letters
    ours = next(m for m in mine if "verification.recruiter_status" in m["consumer"])
    assert ours["type"] == poison["type"] and ours["streamversion"] == poison["streamversion"]

    shown = json.loads(_run(capsys, "dlq", "show", ours["id"]))
    assert SECRET not in json.dumps(shown)
    assert shown["data"]["licence_id"] == licence_id and shown["data"]["oops"] == 1
    assert shown["data"]["reason"].startswith("<str, ")

    assert main(["dlq", "republish", ours["id"], "--set", 'data.oops="still wrong"']) == 1
    capsys.readouterr()
    fixed = ["--unset", "data.oops", "--set", 'data.reason="Unpaid fees"']
    _run(capsys, "dlq", "republish", ours["id"], *fixed)

    answer = _settles(verification, recruiter_id, "red")
    assert "integrity_gap" not in {reason["code"] for reason in answer["reasons"]}
    assert recruiter_id not in _run(capsys, "dlq", "list")
    assert recruiter_id in _run(capsys, "dlq", "list", "--all")
    backend.close()


def _run(capsys, *args: str) -> str:
    capsys.readouterr()
    assert main(list(args)) == 0
    return capsys.readouterr().out


def _settles(client, recruiter_id: str, verdict: str) -> dict:
    from shared.consumer import wait_for

    def answered() -> bool:
        response = client.get(f"/v1/recruiters/{recruiter_id}")
        return response.status_code == 200 and response.json["verdict"] == verdict

    assert wait_for(answered, timeout=60), client.get(f"/v1/recruiters/{recruiter_id}").json
    return client.get(f"/v1/recruiters/{recruiter_id}").json
