"""A licence issued over HTTP reaches Kafka: valid against its schema, keyed by recruiter
(SPEC §8), with licensing's gunicorn and worker running as separate processes."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request

from kafka import KafkaConsumer

from shared.auth.tokens import mint_dev_token
from shared.consumer import wait_for
from shared.events.schemas import EventSchemas
from tests.e2e.test_outbox_pipeline import environment
from tests.servers import ROOT, free_port


def call(base: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def ready(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/readyz", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def test_a_licence_issued_over_http_is_on_kafka_keyed_by_recruiter(stack_settings):
    settings = stack_settings
    port = free_port()
    env = {
        **environment(settings),
        "REGISTRY_LICENSING_PORT": str(port),
        "REGISTRY_HTTP_WORKERS": "1",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "shared.cli", command, "licensing"], cwd=ROOT, env=env
        )
        for command in ("serve", "worker")
    ]
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_for(lambda: ready(base), timeout=60)
        token = mint_dev_token(settings, "ministry_officer", country="PH")
        status, recruiter = call(
            base,
            "/v1/recruiters",
            token,
            {
                "legal_name": "Mabuhay Overseas Placement",
                "country": "PH",
                "registration_number": "SEC-2019-77",
            },
        )
        assert status == 201, recruiter
        status, licence = call(
            base,
            "/v1/licences",
            token,
            {"recruiter_id": recruiter["recruiter_id"], "licence_number": "POEA-088-LB-2020"},
        )
        assert status == 201, licence
        status, issued = call(
            base,
            f"/v1/licences/{licence['licence_id']}/issue",
            token,
            {"valid_from": "2026-01-01", "valid_until": "2029-12-31"},
        )
        assert status == 200 and issued["status"] == "active", issued

        consumer = KafkaConsumer(
            settings.topic("licensing.events"),
            bootstrap_servers=settings.kafka_bootstrap_servers,
            auto_offset_reset="earliest",
            consumer_timeout_ms=2000,
        )
        found: list = []

        def issued_on_kafka() -> bool:
            found.extend(
                r for r in consumer if json.loads(r.value)["type"].endswith("licence_issued.v1")
            )
            return bool(found)

        assert wait_for(issued_on_kafka, timeout=60)
        consumer.close()
        record = found[0]
        event = json.loads(record.value)
        EventSchemas().validate(event)
        assert record.key.decode() == recruiter["recruiter_id"] == event["recruiterid"]
        assert event["data"] == {
            "licence_id": licence["licence_id"],
            "valid_from": "2026-01-01",
            "valid_until": "2029-12-31",
        }
        assert event["actor"] == "ministry_officer/PH"
        assert event["dataschema"] == "contracts/events/licensing/licence_issued.v1.json"
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
