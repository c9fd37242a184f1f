"""The committed contracts hold together: schemas are valid, AsyncAPI names every topic."""

import json
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

from registry_cli.stack import TOPICS
from shared.events.schemas import CONTRACTS


def test_every_event_schema_is_valid_json_schema_2020_12():
    schemas = sorted((CONTRACTS / "events").rglob("*.json"))
    assert schemas, "at least the envelope schema"
    for path in schemas:
        schema = json.loads(path.read_text())
        Draft202012Validator.check_schema(schema)
        assert schema["$id"] == str(path.relative_to(CONTRACTS.parent)), path


def test_asyncapi_describes_every_topic_event_type_and_dead_letters():
    from registry_cli.contracts import ASYNCAPI, generated_asyncapi

    assert ASYNCAPI.read_text() == generated_asyncapi(), "run ./registry contracts"
    document = yaml.safe_load(ASYNCAPI.read_text())
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == set(TOPICS) | {f"{topic}.dlq" for topic in TOPICS}
    licensing = document["channels"]["licensing"]["messages"]
    assert len(licensing) == len(list((CONTRACTS / "events" / "licensing").glob("*.json")))
    for message in document["components"]["messages"].values():
        for part in message["payload"].get("allOf", []):
            for ref in [part.get("$ref"), part.get("properties", {}).get("data", {}).get("$ref")]:
                assert ref is None or (CONTRACTS / ref).is_file(), ref


def test_fixture_schemas_follow_the_same_rules():
    root = Path(__file__).parents[1] / "fixtures" / "contracts"
    for path in root.rglob("*.json"):
        Draft202012Validator.check_schema(json.loads(path.read_text()))


def test_committed_openapi_documents_match_the_code():
    from registry_cli.contracts import DOCUMENTS, generated_openapi
    from shared.config import SERVICES

    for service in SERVICES:
        committed = (DOCUMENTS / f"{service}.json").read_text()
        assert committed == generated_openapi(service), f"run ./registry contracts ({service})"
        assert json.loads(committed)["openapi"] == "3.1.0"


def openapi_schemas(node, path="#"):
    """Every Schema Object in an OpenAPI document, with where it sits."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "schema" and isinstance(value, dict):
                yield f"{path}/{key}", value
            if key == "schemas" and path == "#/components":
                yield from ((f"{path}/schemas/{name}", s) for name, s in value.items())
            yield from openapi_schemas(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from openapi_schemas(item, f"{path}/{index}")


def test_openapi_documents_validate_against_the_openapi_3_1_meta_schema():
    """Tools refuse a document whose schemas are not JSON Schema ("minimum": "0")."""
    from schemathesis.specs.openapi.definitions import OPENAPI_31

    from registry_cli.contracts import DOCUMENTS
    from shared.config import SERVICES

    for service in SERVICES:
        document = json.loads((DOCUMENTS / f"{service}.json").read_text())
        Draft202012Validator(OPENAPI_31).validate(document)
        schemas = dict(openapi_schemas(document))
        assert len(schemas) > 5, service
        for where, schema in schemas.items():
            resolvable = {**schema, "$defs": document["components"]["schemas"]}
            try:
                Draft202012Validator.check_schema(resolvable)
            except Exception as error:
                raise AssertionError(f"{service} {where}: {error}") from error
