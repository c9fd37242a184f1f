"""Intermediaries a worker names (SPEC §16): their names are sealed with the report's
personal data and erased with it; the events hold only ids, countries and the link."""

from __future__ import annotations

import uuid

import pytest

from services.monitoring.bootstrap import SERVICE as MONITORING
from services.monitoring.handlers import PERSONAL
from shared.auth.tokens import mint_dev_token
from tests.licensing_helpers import stored_events

REPORT = {
    "subject": {"name": "Himal Overseas", "country": "NP", "licence_number": "DOFE-9"},
    "categories": ["fees_charged"],
}


@pytest.fixture(params=["embedded", "stack"])
def settings(request):
    return request.getfixturevalue(f"{request.param}_settings")


@pytest.fixture
def app(settings):
    return MONITORING.create_app(settings)


def monitor(settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_dev_token(settings, 'monitor', org_id='ngo-np')}"}


def test_names_are_sealed_linked_by_id_and_erased(app, settings):
    client, headers = app.test_client(), monitor(settings)
    name, role = f"canary-broker-{uuid.uuid4().hex}", f"canary-role-{uuid.uuid4().hex}"
    body = {
        **REPORT,
        "intermediaries": [
            {"name": name, "country": "NP", "role_as_described": role},
            {"name": "A dalal in Birgunj", "country": "IN"},
        ],
    }
    received = client.post("/v1/reports", json=body, headers=headers)
    assert received.status_code == 201, received.json
    report_id = received.json["report_id"]
    path = f"/v1/reports/{report_id}"
    shown = client.get(path, headers=headers).json
    assert shown["personal_data"]["intermediaries"][0] == {
        "intermediary_id": "i1",
        "name": name,
        "role_as_described": role,
    }
    assert [i["country"] for i in shown["intermediaries"]] == ["NP", "IN"]
    assert name not in str(shown["intermediaries"]) and role not in str(shown["intermediaries"])

    linked = client.post(
        f"{path}/intermediaries/i1/link", json={"unregistered": True}, headers=headers
    )
    assert linked.status_code == 200, linked.json
    declared = client.post(
        f"{path}/intermediaries/i2/link", json={"agent_id": "a2"}, headers=headers
    )
    assert declared.status_code == 200, declared.json
    assert [(i["link"], i["agent_id"]) for i in declared.json["intermediaries"]] == [
        ("unregistered", None),
        ("declared_agent", "a2"),
    ]
    parts = app.extensions["registry"].parts
    events = parts.events.load(report_id)
    kinds = [event["type"].split(".")[2] for event in events]
    assert kinds.count("intermediaries_named") == 1 and kinds.count("intermediary_linked") == 2
    assert name not in repr(events) and role not in repr(events)

    erased = client.post(f"{path}/erase-personal-data", json={}, headers=headers)
    assert erased.status_code == 200
    assert client.get(path, headers=headers).json["personal_data"] == {"erased": True}
    assert parts.read_models.get(PERSONAL, report_id).document["wrapped_key"] is None


def test_bad_links_and_bad_intermediaries_are_refused_and_leave_nothing(app, settings):
    client, headers = app.test_client(), monitor(settings)
    parts = app.extensions["registry"].parts
    report_id = client.post(
        "/v1/reports",
        json={**REPORT, "intermediaries": [{"name": "x", "country": "NP"}]},
        headers=headers,
    ).json["report_id"]
    before = stored_events(parts)
    path = f"/v1/reports/{report_id}/intermediaries"
    for bad in [{}, {"agent_id": "a1", "unregistered": True}, {"unregistered": False}]:
        response = client.post(f"{path}/i1/link", json=bad, headers=headers)
        assert response.status_code == 422, (bad, response.json)
    unknown = client.post(f"{path}/i7/link", json={"unregistered": True}, headers=headers)
    assert unknown.status_code == 404 and "no intermediary i7" in unknown.json["detail"]
    for intermediaries in (
        [{"name": "y", "country": "ZZ"}],
        [{"country": "NP"}],
        [],
        [{"name": "y", "country": "NP"}] * 11,
    ):
        response = client.post(
            "/v1/reports", json={**REPORT, "intermediaries": intermediaries}, headers=headers
        )
        assert response.status_code == 422, (intermediaries, response.json)
    assert stored_events(parts) == before
