"""End to end on the real stack, every service a separate process: a ministry suspends a
licence over HTTP; within seconds the certificate is suspended, its event caused by the
licensing event; reinstating the licence leaves the certificate suspended (SPEC §4)."""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

from kafka import KafkaConsumer

from shared.auth.tokens import mint_dev_token
from shared.consumer import wait_for
from tests.e2e.services import Running, call


def events_of(settings, topic: str, type_suffix: str) -> list[dict]:
    """The topic's events of one type, once there is one: on a busy machine a fresh
    consumer may take longer than its idle timeout to fetch the first record."""
    found: list[dict] = []

    def read() -> bool:
        consumer = KafkaConsumer(
            settings.topic(topic),
            bootstrap_servers=settings.kafka_bootstrap_servers,
            auto_offset_reset="earliest",
            consumer_timeout_ms=2000,
        )
        events = [json.loads(r.value) for r in consumer]
        consumer.close()
        found[:] = [event for event in events if event["type"].endswith(type_suffix)]
        return bool(found)

    wait_for(read, timeout=60)
    return found


def test_licence_suspension_suspends_the_certificate_across_services(stack_settings):
    settings = stack_settings
    running = Running(settings, ["licensing", "certification"])
    try:
        licensing, certification = running.url("licensing"), running.url("certification")
        ministry = mint_dev_token(settings, "ministry_officer", country="NP")
        owner = mint_dev_token(settings, "scheme_owner")
        _, recruiter = call(
            licensing,
            "/v1/recruiters",
            ministry,
            {
                "legal_name": "Himalayan Overseas Pvt. Ltd.",
                "country": "NP",
                "registration_number": "128453/071/072",
            },
        )
        _, licence = call(
            licensing,
            "/v1/licences",
            ministry,
            {"recruiter_id": recruiter["recruiter_id"], "licence_number": "0912/080/081"},
        )
        status, _ = call(
            licensing,
            f"/v1/licences/{licence['licence_id']}/issue",
            ministry,
            {
                "valid_from": "2026-01-01",
                "valid_until": "2029-12-31",
                "effective_at": "2026-01-01T00:00:00+05:45",
            },
        )
        assert status == 200
        status, body = call(
            certification,
            "/v1/certification-bodies",
            owner,
            {"name": "Fair Labour Audits", "accreditation_number": "IRIS-CB-12"},
        )
        assert status == 201
        auditor = mint_dev_token(settings, "certification_body", cb_id=body["cb_id"])
        applied: dict = {}

        def apply() -> bool:
            status, answer = call(
                certification,
                "/v1/certifications",
                auditor,
                {"recruiter_id": recruiter["recruiter_id"]},
            )
            applied.update(answer)
            return status == 201

        assert wait_for(apply, timeout=60), applied
        path = f"/v1/certifications/{applied['certification_id']}"
        status, audit = call(
            certification,
            f"{path}/audits",
            auditor,
            {
                "type": "initial",
                "conducted_on": "2026-11-01",
                "findings": [
                    {
                        "principle": "access_to_remedy",
                        "severity": "major",
                        "description": "no channel",
                    }
                ],
            },
        )
        assert status == 201
        finding = audit["findings"][0]["finding_id"]
        assert (
            call(
                certification,
                f"{path}/findings/{finding}/close",
                auditor,
                {"verified_on": "2026-11-15"},
            )[0]
            == 200
        )
        status, granted = call(
            certification,
            f"{path}/decisions",
            auditor,
            {
                "decision": "grant",
                "certificate_number": "IRIS-NP-0001",
                "valid_until": (date.today() + timedelta(days=730)).isoformat(),
            },
        )
        assert status == 200 and granted["status"] == "certified", granted

        suspended_at = time.monotonic()
        status, _ = call(
            licensing,
            f"/v1/licences/{licence['licence_id']}/suspend",
            ministry,
            {"reason": "recruitment fees charged to workers"},
        )
        assert status == 200
        assert wait_for(
            lambda: call(certification, path, auditor)[1]["status"] == "suspended", timeout=30
        )
        print(f"certificate suspended {time.monotonic() - suspended_at:.2f} s after the licence")

        [licence_suspended] = events_of(settings, "licensing.events", "licence_suspended.v1")
        [certificate_suspended] = events_of(
            settings, "certification.events", "certificate_suspended.v1"
        )
        assert certificate_suspended["causationid"] == licence_suspended["id"]
        assert certificate_suspended["data"]["cause"] == "licence"
        assert certificate_suspended["recruiterid"] == recruiter["recruiter_id"]

        status, _ = call(licensing, f"/v1/licences/{licence['licence_id']}/reinstate", ministry, {})
        assert status == 200
        assert wait_for(
            lambda: events_of(settings, "licensing.events", "licence_reinstated.v1"), timeout=30
        )
        time.sleep(5)  # let the policy consumer and the clock policy see the reinstatement
        assert call(certification, path, auditor)[1]["status"] == "suspended"
        assert len(events_of(settings, "certification.events", "certificate_suspended.v1")) == 1
    finally:
        running.stop()
