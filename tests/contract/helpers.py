from datetime import UTC, datetime

from shared.events.envelope import Change, Provenance, wrap

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def notice_events(stream: str, first: int = 1, count: int = 1) -> list[dict]:
    changes = []
    for n in range(first, first + count):
        if n == 1:
            changes.append(
                Change("notice_posted", {"notice_id": stream, "title": "t", "country": "KE"})
            )
        else:
            changes.append(Change("notice_amended", {"title": f"title {n}"}))
    return wrap("testing", stream, first, changes, Provenance("ministry_officer/KE"), NOW, stream)


def assert_refuses_variants(check, valid: dict, overrides: list[dict]) -> None:
    """A schema names exactly the sample's fields and refuses the sample without any one
    of them, with an extra field, or with any of the overrides."""
    assert set(valid) == set(check.schema["required"]) == set(check.schema["properties"])
    missing = [{k: v for k, v in valid.items() if k != key} for key in valid]
    for data in [*missing, {**valid, "unexpected": 1}, *({**valid, **o} for o in overrides)]:
        assert not check.is_valid(data), data


def schema_validator(name: str):
    """The checked validator of ``contracts/events/<name>.v1.json``, whose $id is its path."""
    import json
    from pathlib import Path

    from jsonschema import Draft202012Validator, FormatChecker

    relative = f"contracts/events/{name}.v1.json"
    schema = json.loads((Path(__file__).resolve().parents[2] / relative).read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == relative
    return Draft202012Validator(schema, format_checker=FormatChecker())
