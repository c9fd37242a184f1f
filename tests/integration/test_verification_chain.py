"""The chain in verification's answers on both backends, fed by licensing's events: an
agent resolves to the recruiter holding its licence number, also one registered after
the link; its own answer moves the agency's, and each change it brings is published and
proved in the public log; the agency is found by the agent's number."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from registry_client.api import RegistryClient
from services.licensing.bootstrap import SERVICE as LICENSING
from services.verification import handlers
from services.verification.bootstrap import SERVICE as VERIFICATION
from shared.auth.tokens import mint_dev_token
from shared.clock import parse_instant
from shared.consumer import wait_for
from tests.e2e.test_public_log_story import proved
from tests.integration.test_verification_log import serving
from tests.licensing_helpers import Ministry
from tests.workers import workers_running

FAR = (date.today() + timedelta(days=3 * 365)).isoformat()


@pytest.fixture(params=["embedded", "stack"])
def settings(request):
    return request.getfixturevalue(f"{request.param}_settings")


@pytest.fixture
def world(settings):
    with workers_running(settings, LICENSING, VERIFICATION):
        licensing = LICENSING.create_app(settings).test_client()
        yield (
            Ministry(licensing, settings, "NP"),
            VERIFICATION.create_app(settings),
            settings,
        )


def licensed(nepal: Ministry, registration: str, number: str) -> tuple[str, str]:
    recruiter_id = nepal.register(registration, country="NP", name=f"Agency {registration}")
    applied = nepal.post("/v1/licences", {"recruiter_id": recruiter_id, "licence_number": number})
    licence_id = applied.json["licence_id"]
    issued = nepal.post(
        f"/v1/licences/{licence_id}/issue",
        {"valid_from": "2020-01-01", "valid_until": FAR, "effective_at": "2020-01-01T00:00:00Z"},
    )
    assert issued.status_code == 200, issued.json
    return recruiter_id, licence_id


def answer_when(client, recruiter_id: str, settled, headers=None) -> dict:
    def answered() -> bool:
        response = client.get(f"/v1/recruiters/{recruiter_id}", headers=headers or {})
        return response.status_code == 200 and settled(response.json)

    assert wait_for(answered, timeout=60), client.get(f"/v1/recruiters/{recruiter_id}").json
    return client.get(f"/v1/recruiters/{recruiter_id}", headers=headers or {}).json


def test_an_agent_registered_later_resolves_and_its_suspension_turns_the_agency_amber(world):
    nepal, app, settings = world
    client = app.test_client()
    agency, _ = licensed(nepal, "NP-A", "DOFE-A")
    declared = nepal.post(
        f"/v1/recruiters/{agency}/agents",
        {
            "name": "Terai Sub-Agents",
            "country": "NP",
            "role": "sub_agent",
            "licence_number": "DOFE-B",
        },
    )
    assert declared.status_code == 201, declared.json
    first = answer_when(client, agency, lambda a: a["chain"]["agents"])
    assert first["chain"]["agents"][0].get("recruiter_id") is None
    partner, licence_id = licensed(nepal, "NP-B", "dofe-b")
    resolved = answer_when(
        client, agency, lambda a: a["chain"]["agents"][0].get("verdict") == "green"
    )
    assert resolved["chain"]["agents"][0]["recruiter_id"] == partner
    assert resolved["verdict"] == "green"

    suspended = nepal.post(f"/v1/licences/{licence_id}/suspend", {"reason": "fees"})
    assert suspended.status_code == 200
    amber = answer_when(client, agency, lambda a: a["verdict"] == "amber")
    history = client.get(f"/v1/recruiters/{partner}/history").json["events"]
    suspension = next(e["event_id"] for e in history if "licence_suspended" in e["event"])
    assert [(r["code"], r["event_id"]) for r in amber["reasons"]] == [("chain_risk", suspension)]

    registry = handlers.Registry(app.extensions["registry"].parts.read_models, None, lambda: None)
    assert handlers.linking_recruiters(registry, registry.records([partner])[partner]) == [agency]

    found = client.get("/v1/recruiters?agent_country=NP&agent_licence_number=DOFE-B")
    assert found.status_code == 200, found.json
    assert [(hit["recruiter_id"], hit["verdict"]) for hit in found.json["items"]] == [
        (agency, "amber")
    ]
    assert client.get("/v1/recruiters?agent_licence_number=DOFE-B").status_code == 422
    assert (
        client.get("/v1/recruiters?agent_country=NP&agent_licence_number=X&q=a").status_code == 422
    )

    official = {
        "Authorization": f"Bearer {mint_dev_token(settings, 'consular_officer', country='NP')}"
    }
    detail = client.get(f"/v1/recruiters/{agency}", headers=official).json["detail"]
    assert detail["agents"][0]["licence_number"] == "DOFE-B"
    assert "detail" not in client.get(f"/v1/recruiters/{agency}").json


def effective(client, recruiter_id: str, kind: str, headers: dict) -> datetime:
    events = client.get(f"/v1/recruiters/{recruiter_id}/history", headers=headers).json["events"]
    return parse_instant(next(e["effective_at"] for e in events if e["event"] == kind))


def test_each_change_the_chain_brings_is_published_and_its_answer_proved_in_the_log(world):
    """The agency's amber with chain_risk and its return to green are status changes of
    their own, dated from the agent's suspension and the link's end, and each answer
    carries the log's proof of the leaf stating it, which verifies offline."""
    nepal, app, settings = world
    agency, _ = licensed(nepal, "NP-L", "DOFE-L")
    partner, licence_id = licensed(nepal, "NP-M", "DOFE-M")
    agent = {"name": "Mithila Agents", "country": "NP", "role": "sub_agent"}
    declared = nepal.post(f"/v1/recruiters/{agency}/agents", agent | {"licence_number": "DOFE-M"})
    assert declared.status_code == 201, declared.json
    official = {
        "Authorization": f"Bearer {mint_dev_token(settings, 'consular_officer', country='NP')}"
    }
    test_client = app.test_client()
    with serving(app) as url:
        client = RegistryClient(url)
        green = proved(client, agency, "green")

        suspend = nepal.post(f"/v1/licences/{licence_id}/suspend", {"reason": "fees"})
        assert suspend.status_code == 200, suspend.json
        amber = proved(client, agency, "amber")
        assert [reason["code"] for reason in amber["reasons"]] == ["chain_risk"]
        suspended = effective(test_client, partner, "licence_suspended", official)
        assert parse_instant(amber["log"]["leaf"]["changed_at"]) == suspended

        ended = nepal.post(f"/v1/recruiters/{agency}/agents/{declared.json['agent_id']}/end", {})
        assert ended.status_code == 200, ended.json
        back = proved(client, agency, "green")
        link_ended = effective(test_client, agency, "agent_link_ended", official)
        assert parse_instant(back["log"]["leaf"]["changed_at"]) == link_ended
    leaves = [answer["log"]["index"] for answer in (green, amber, back)]
    assert leaves == sorted(set(leaves)), "three leaves, in the order of the changes"
