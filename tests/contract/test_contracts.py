"""The committed contracts hold together: schemas are valid, AsyncAPI names every topic."""

import json
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

from shared.cli.stack import TOPICS
from shared.events.schemas import CONTRACTS


def test_every_event_schema_is_valid_json_schema_2020_12():
    schemas = sorted((CONTRACTS / "events").rglob("*.json"))
    assert schemas, "at least the envelope schema"
    for path in schemas:
        schema = json.loads(path.read_text())
        Draft202012Validator.check_schema(schema)
        assert schema["$id"] == str(path.relative_to(CONTRACTS.parent)), path


def test_asyncapi_describes_every_topic_and_its_dead_letters():
    document = yaml.safe_load((CONTRACTS / "asyncapi.yaml").read_text())
    assert document["asyncapi"].startswith("3.")
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == set(TOPICS) | {f"{topic}.dlq" for topic in TOPICS}
    payload = document["components"]["messages"]["registryEvent"]["payload"]["$ref"]
    assert (CONTRACTS / payload).resolve() == CONTRACTS / "events" / "cloudevent.v1.json"


def test_fixture_schemas_follow_the_same_rules():
    root = Path(__file__).parents[1] / "fixtures" / "contracts"
    for path in root.rglob("*.json"):
        Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_committed_openapi_documents_match_the_code():
    from shared.cli.openapi import DOCUMENTS, generated
    from shared.config import SERVICES

    for service in SERVICES:
        committed = (DOCUMENTS / f"{service}.json").read_text()
        assert committed == generated(service), f"run ./registry openapi ({service} is stale)"
        assert json.loads(committed)["openapi"] == "3.1.0"
