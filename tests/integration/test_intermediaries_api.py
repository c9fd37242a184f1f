"""Intermediaries a worker names (SPEC §16): their names are sealed with the report's
personal data and erased with it; the events hold only ids, countries and the link."""

from __future__ import annotations

import uuid

import pytest

from services.licensing.bootstrap import SERVICE as LICENSING
from services.monitoring.bootstrap import SERVICE as MONITORING
from services.monitoring.handlers import PERSONAL
from shared.auth.tokens import mint_dev_token
from shared.consumer import wait_for
from tests.licensing_helpers import Ministry, stored_events
from tests.workers import workers_running

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


def declared_agent(settings) -> tuple[str, str]:
    """A Nepali recruiter and the id of an agent its ministry declared."""
    nepal = Ministry(LICENSING.create_app(settings).test_client(), settings, "NP")
    agency = nepal.register(f"NP-{uuid.uuid4().hex[:8]}", country="NP", name="Himal Overseas")
    body = {"name": "Birgunj Placements", "country": "NP", "role": "sub_agent"}
    declared = nepal.post(f"/v1/recruiters/{agency}/agents", body)
    assert declared.status_code == 201, declared.json
    return agency, declared.json["agent_id"]


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
    unmatched = client.post(
        f"{path}/intermediaries/i2/link", json={"agent_id": "a1"}, headers=headers
    )
    assert unmatched.status_code == 409 and "match it first" in unmatched.json["detail"]
    agency, agent_id = declared_agent(settings)

    def matched_and_linked():
        client.post(f"{path}/match", json={"recruiter_id": agency}, headers=headers)
        link = {"agent_id": agent_id}
        return client.post(f"{path}/intermediaries/i2/link", json=link, headers=headers)

    # Monitoring learns of the recruiter and its agent from licensing's events.
    with workers_running(settings, LICENSING, MONITORING):
        assert wait_for(lambda: matched_and_linked().status_code == 200, timeout=60)
    declared = client.get(path, headers=headers)
    assert [(i["link"], i["agent_id"]) for i in declared.json["intermediaries"]] == [
        ("unregistered", None),
        ("declared_agent", agent_id),
    ]
    parts = app.extensions["registry"].parts
    events = parts.events.load(report_id)
    kinds = [event["type"].split(".")[2] for event in events]
    assert kinds.count("intermediaries_named") == 1 and kinds.count("intermediary_linked") == 2
    assert kinds.count("report_matched") == 1
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
