"""Every event schema of every service: a valid sample passes, its variants fail."""

from pathlib import Path

import pytest

from tests.contract import (
    test_certification_event_schemas,
    test_licensing_event_schemas,
    test_monitoring_event_schemas,
    test_verification_event_schemas,
)
from tests.contract.helpers import assert_refuses_variants, schema_validator

SAMPLES = {
    **test_licensing_event_schemas.SAMPLES,
    **test_certification_event_schemas.SAMPLES,
    **test_monitoring_event_schemas.SAMPLES,
    **test_verification_event_schemas.SAMPLES,
}
EVENTS = Path(__file__).resolve().parents[2] / "contracts" / "events"


def test_every_service_event_schema_has_a_sample():
    files = {
        f"{p.parent.name}/{p.name.removesuffix('.v1.json')}" for p in EVENTS.glob("*/*.v1.json")
    }
    assert files == set(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_valid_sample_passes(name):
    schema_validator(name).validate(SAMPLES[name][0])


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_invalid_variants_fail(name):
    assert_refuses_variants(schema_validator(name), *SAMPLES[name])
