"""A licence issued over HTTP reaches Kafka: valid against its schema, keyed by recruiter
(SPEC §8), with licensing's gunicorn and worker running as separate processes."""

from __future__ import annotations

import json

from kafka import KafkaConsumer

from shared.auth.tokens import mint_dev_token
from shared.consumer import wait_for
from shared.events.schemas import EventSchemas
from tests.e2e.services import Running, call


def test_a_licence_issued_over_http_is_on_kafka_keyed_by_recruiter(stack_settings):
    settings = stack_settings
    running = Running(settings, ["licensing"])
    try:
        base = running.url("licensing")
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
                r for r in consumer if json.loads(r.value)["type"].endswith("licence_issued.v2")
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
            "issuing_office": None,
        }
        assert event["actor"] == "ministry_officer/PH"
        # licence_issued is the one event that gained a version (SPEC 12).
        assert event["dataschema"] == "contracts/events/licensing/licence_issued.v2.json"
    finally:
        running.stop()
