"""JSON Schemas of the envelope and of every event type, read from ``contracts/events/``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker

from shared.errors import InvalidEvent
from shared.events.envelope import EVENT_TYPE, dataschema_for

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
ENVELOPE = "cloudevent.v1.json"
Validators = tuple[jsonschema_rs.Validator, Draft202012Validator]


class EventSchemas:
    """Validates an event's envelope, then its ``data`` against the schema of its type."""

    def __init__(self, *roots: Path):
        self._roots = roots or (CONTRACTS,)
        self._envelope = self._validator(self._find(f"contracts/events/{ENVELOPE}"))
        self._by_type: dict[str, Validators] = {}

    def validate(self, event: Mapping[str, Any]) -> None:
        self._check(self._envelope, event, "envelope")
        type_ = event["type"]
        if event.get("dataschema") != dataschema_for(type_):
            raise InvalidEvent(f"dataschema of {type_} must be {dataschema_for(type_)}")
        self._check(self._data_validator(type_), event["data"], "data")

    def known(self, type_: str) -> bool:
        try:
            self._data_validator(type_)
        except InvalidEvent:
            return False
        return True

    def _data_validator(self, type_: str) -> Validators:
        if type_ not in self._by_type:
            if not EVENT_TYPE.match(type_):
                raise InvalidEvent(f"unknown event type {type_!r}")
            self._by_type[type_] = self._validator(self._find(dataschema_for(type_)))
        return self._by_type[type_]

    def _find(self, relative: str) -> Path:
        for root in self._roots:
            candidate = root.parent / relative
            if candidate.is_file():
                return candidate
        raise InvalidEvent(f"no schema {relative}")

    @staticmethod
    def _validator(path: Path) -> Validators:
        schema = json.loads(path.read_text())
        Draft202012Validator.check_schema(schema)
        fast = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
        return fast, Draft202012Validator(schema, format_checker=FormatChecker())

    @staticmethod
    def _check(validators: Validators, instance: Any, part: str) -> None:
        fast, explaining = validators
        # Every event written and read is checked: the compiled validator answers the
        # common case (valid) in microseconds; the reference one explains a refusal.
        if fast.is_valid(instance):
            return
        error = next(iter(explaining.iter_errors(instance)), None)
        if error is not None:
            # Name the rule broken, never the offending value: it could be personal data.
            where = "/".join(str(p) for p in error.absolute_path) or "(root)"
            rule = f"{error.validator} {error.validator_value!r}"[:120]
            raise InvalidEvent(f"{part} {where}: breaks {rule}")


@lru_cache(maxsize=1)
def default_schemas() -> EventSchemas:
    return EventSchemas()
