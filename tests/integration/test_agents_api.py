"""A ministry records a recruiter's agents (SPEC §16): links are effective-dated, and a
link to itself, a loop, a country that is not ISO 3166 or a second end are refused with
the reason, leaving no event behind."""

from __future__ import annotations

import pytest

from services.licensing.bootstrap import SERVICE
from tests.licensing_helpers import Ministry, stored_events


@pytest.fixture(params=["embedded", "stack"])
def settings(request):
    return request.getfixturevalue(f"{request.param}_settings")


@pytest.fixture
def app(settings):
    return SERVICE.create_app(settings)


@pytest.fixture
def nepal(app, settings):
    return Ministry(app.test_client(), settings, "NP")


def licensed(nepal: Ministry, registration: str, licence_number: str) -> str:
    recruiter_id = nepal.register(registration, country="NP", name=f"Agency {registration}")
    applied = nepal.post(
        "/v1/licences", {"recruiter_id": recruiter_id, "licence_number": licence_number}
    )
    assert applied.status_code == 201, applied.json
    return recruiter_id


def declare(nepal: Ministry, recruiter_id: str, **agent):
    body = {"name": "Village Placements", "country": "NP", "role": "sub_agent", **agent}
    return nepal.post(f"/v1/recruiters/{recruiter_id}/agents", body)


def test_an_agent_is_declared_and_its_link_ended(nepal):
    agency = licensed(nepal, "NP-1", "DOFE-1")
    declared = declare(nepal, agency, effective_at="2026-01-01T00:00:00Z")
    assert declared.status_code == 201, declared.json
    agent_id = declared.json["agent_id"]
    ended = nepal.post(
        f"/v1/recruiters/{agency}/agents/{agent_id}/end", {"effective_at": "2026-06-01T00:00:00Z"}
    )
    assert ended.status_code == 200, ended.json
    [agent] = nepal.get(f"/v1/recruiters/{agency}").json["agents"]
    assert agent["agent_id"] == agent_id and agent["role"] == "sub_agent"
    assert (agent["declared_at"], agent["ended_at"]) == (
        "2026-01-01T00:00:00.000Z",
        "2026-06-01T00:00:00.000Z",
    )


def refused(nepal: Ministry, app, response, status: int, words: str) -> None:
    assert response.status_code == status, response.json
    assert response.content_type == "application/problem+json"
    assert words in response.json["detail"] or words in str(response.json.get("errors"))


def test_bad_links_are_refused_naming_why_and_record_nothing(nepal, app):
    parts = app.extensions["registry"].parts
    agency = licensed(nepal, "NP-2", "DOFE-2")
    partner = licensed(nepal, "NP-3", "DOFE-3")
    third = licensed(nepal, "NP-4", "DOFE-4")
    assert declare(nepal, agency, licence_number="DOFE-3").status_code == 201
    assert declare(nepal, partner, licence_number="dofe-4 ").status_code == 201
    first = declare(nepal, agency)
    agent_id = first.json["agent_id"]
    assert nepal.post(f"/v1/recruiters/{agency}/agents/{agent_id}/end").status_code == 200
    before = stored_events(parts)

    refused(nepal, app, declare(nepal, agency, licence_number="DOFE-2"), 422, "its own agent")
    loop = declare(nepal, third, licence_number="DOFE-2")
    refused(nepal, app, loop, 409, f"{third} -> {agency} -> {partner} -> {third}")
    refused(nepal, app, declare(nepal, agency, country="XX"), 422, "ISO 3166")
    refused(nepal, app, declare(nepal, agency, role="broker"), 422, "role")
    again = nepal.post(f"/v1/recruiters/{agency}/agents/{agent_id}/end")
    refused(nepal, app, again, 409, "already ended")
    unknown = nepal.post(f"/v1/recruiters/{agency}/agents/a99/end")
    refused(nepal, app, unknown, 404, "no agent a99")
    twice = declare(nepal, agency, licence_number="DOFE-3")
    refused(nepal, app, twice, 409, "already declared")
    early = nepal.post(
        f"/v1/recruiters/{agency}/agents/a1/end", {"effective_at": "1999-01-01T00:00:00Z"}
    )
    refused(nepal, app, early, 422, "before it began")
    assert stored_events(parts) == before


def test_another_countrys_ministry_may_not_declare_agents(app, settings, nepal):
    agency = licensed(nepal, "NP-5", "DOFE-5")
    kenya = Ministry(app.test_client(), settings, "KE")
    assert declare(kenya, agency).status_code == 403
