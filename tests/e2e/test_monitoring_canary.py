"""The personal-data canary (issue 5), end to end on the real stack.

A report carries unique strings as the reporter's name, contact, narrative and a note.
Through triage, referral, the ministry's closure and resolution, none of them may appear
in any message on any topic, any stored document outside the sealed field, any log line
or any public answer; they do appear in the receiving monitor's view. After erasure
they appear nowhere, and the sealed field can no longer be opened.
"""

from __future__ import annotations

import json
import uuid

import pytest
from kafka import KafkaConsumer

from services.monitoring.crypto import Sealed, Unreadable, Vault, master_key
from shared.auth.tokens import mint_dev_token
from shared.consumer import wait_for
from shared.mongo import client_for
from tests.e2e.services import Running, call


def everything_on_the_bus(settings) -> str:
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
    )
    topics = [t for t in consumer.topics() if t.startswith(settings.topic_prefix)]
    assert topics, "the services published nothing"
    consumer.subscribe(topics)
    seen = [repr((r.topic, r.key, r.value, r.headers)) for r in consumer]
    consumer.close()
    assert seen
    return "\n".join(seen)


def everything_stored(settings) -> str:
    client = client_for(settings.mongodb_uri)
    dumps = []
    for name in client.list_database_names():
        if name.startswith(settings.database_prefix):
            for collection in client[name].list_collection_names():
                for document in client[name][collection].find():
                    dumps.append(json.dumps(document, default=str, ensure_ascii=False))
    assert dumps
    return "\n".join(dumps)


def test_personal_data_never_leaves_the_vault(stack_settings, tmp_path):
    settings = stack_settings
    canary = {
        part: f"canary-{part}-{uuid.uuid4().hex}"
        for part in ("name", "contact", "narrative", "note")
    }
    running = Running(settings, ["licensing", "monitoring"], logs=tmp_path)
    try:
        licensing, monitoring = running.url("licensing"), running.url("monitoring")
        monitor = mint_dev_token(settings, "monitor", org_id="migrant-rights-ke")
        ministry = mint_dev_token(settings, "ministry_officer", country="KE")
        status, received = call(
            monitoring,
            "/v1/reports",
            monitor,
            {
                "subject": {
                    "name": "Gulf Star Manpower",
                    "country": "KE",
                    "licence_number": "RA/404",
                },
                "categories": ["fees_charged", "passport_retention"],
                "fee_paid": {"amount": "1500", "currency": "USD"},
                "destination_country": "SA",
                "reporter": {"name": canary["name"], "contact": canary["contact"]},
                "narrative": canary["narrative"],
            },
        )
        assert status == 201, received
        path, code = f"/v1/reports/{received['report_id']}", received["tracking_code"]
        assert call(monitoring, f"{path}/substantiate", monitor, {"note": canary["note"]})[0] == 200
        assert call(monitoring, f"{path}/refer", monitor, {"country": "KE"})[0] == 200

        inbox: list = []
        assert wait_for(
            lambda: inbox.extend(call(licensing, "/v1/referrals", ministry)[1]["items"]) or inbox,
            timeout=60,
        )
        referral = inbox[0]["referral_id"]
        philippines = mint_dev_token(settings, "ministry_officer", country="PH")
        assert call(licensing, "/v1/referrals", philippines)[1]["items"] == [], (
            "that ministry's inbox only"
        )
        assert call(licensing, f"/v1/referrals/{referral}/acknowledge", ministry, {})[0] == 200
        assert (
            call(licensing, f"/v1/referrals/{referral}/close", ministry, {"outcome": "sanctioned"})[
                0
            ]
            == 200
        )

        def tracked() -> dict:
            return call(monitoring, f"/v1/public/reports/track/{code}")[1]

        assert wait_for(
            lambda: (tracked().get("referral") or {}).get("outcome") == "sanctioned", timeout=60
        )
        resolved = call(
            monitoring,
            f"{path}/resolve",
            monitor,
            {
                "outcome": "fees_reimbursed",
                "fees_reimbursed": {"amount": "1500", "currency": "USD"},
            },
        )
        assert resolved[0] == 200

        view = json.dumps(call(monitoring, path, monitor)[1], ensure_ascii=False)
        assert all(value in view for value in canary.values()), "the receiving monitor sees it all"
        public = json.dumps(tracked()) + json.dumps(received)
        leaks = {
            "bus": everything_on_the_bus(settings),
            "store": everything_stored(settings),
            "logs": "\n".join(p.read_text(errors="replace") for p in tmp_path.glob("*.log")),
            "public answers": public,
        }
        assert '"route"' in leaks["logs"], "the services' own log lines were captured"
        for where, text in leaks.items():
            for part, value in canary.items():
                assert value not in text, f"the reporter's {part} leaked into the {where}"

        erased = call(monitoring, f"{path}/erase-personal-data", monitor, {})
        assert erased == (200, {"report_id": received["report_id"], "personal_data": "erased"})
        after = json.dumps(call(monitoring, path, monitor)[1])
        assert '"erased": true' in after and not any(value in after for value in canary.values())
        stored = client_for(settings.mongodb_uri)[settings.database("monitoring")]["personal_data"]
        sealed = Sealed.from_document(stored.find_one({"_id": received["report_id"]})["document"])
        assert sealed.wrapped_key is None and sealed.ciphertext
        with pytest.raises(Unreadable):
            Vault(master_key(settings.data_dir)).open(received["report_id"], sealed)
        for where, text in {
            "bus": everything_on_the_bus(settings),
            "store": everything_stored(settings),
        }.items():
            assert not any(value in text for value in canary.values()), where
    finally:
        running.stop()
