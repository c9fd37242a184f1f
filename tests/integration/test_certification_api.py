"""The certification service on both backends, fed by the licensing service's events:
the grant rules, who may act, bad input, the licence policy, and replaying licence status."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.certification.bootstrap import SERVICE as CERTIFICATION
from services.certification.projections import LicenceStatus
from services.licensing.bootstrap import SERVICE as LICENSING
from shared.auth.tokens import mint_dev_token
from shared.consumer import wait_for
from shared.readmodels.base import Query
from shared.replay import CurrentCollection, rebuild
from tests.licensing_helpers import Ministry, stored_events
from tests.workers import workers_running

IN_TWO_YEARS = (date.today() + timedelta(days=730)).isoformat()


@pytest.fixture(params=["embedded", "stack"])
def settings(request, monkeypatch):
    monkeypatch.setenv("REGISTRY_POLICY_INTERVAL_SECONDS", "3600")
    return request.getfixturevalue(f"{request.param}_settings")


@pytest.fixture
def running(settings):
    with workers_running(settings, LICENSING, CERTIFICATION):
        yield


class World:
    def __init__(self, settings):
        self.settings = settings
        self.certification = CERTIFICATION.create_app(settings)
        self.parts = self.certification.extensions["registry"].parts
        self.client = self.certification.test_client()
        self.kenya = Ministry(LICENSING.create_app(settings).test_client(), settings)
        self.owner = self.auth("scheme_owner")

    def auth(self, role: str, **claims: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_dev_token(self.settings, role, **claims)}"}

    def body(self, name: str = "Fair Audits") -> dict[str, str]:
        made = self.client.post(
            "/v1/certification-bodies",
            headers=self.owner,
            json={"name": name, "accreditation_number": f"IRIS-{name[:4]}"},
        )
        assert made.status_code == 201, made.json
        return self.auth("certification_body", cb_id=made.json["cb_id"]) | {
            "cb": made.json["cb_id"]
        }

    def licence_active(self, recruiter_id: str) -> bool:
        collection = CurrentCollection(
            self.parts.read_models, LicenceStatus.name, LicenceStatus.collection
        )
        stored = self.parts.read_models.get(collection(), recruiter_id)
        return bool(stored and stored.document.get("licence_active"))

    def post(self, path: str, body: dict, headers: dict):
        return self.client.post(
            path, json=body, headers={k: v for k, v in headers.items() if k != "cb"}
        )

    def get(self, path: str, headers: dict):
        return self.client.get(path, headers={k: v for k, v in headers.items() if k != "cb"})


@pytest.fixture
def world(settings, running):
    return World(settings)


def certified(world: World, body: dict, number: str = "C.1/2020"):
    recruiter_id, licence_id = world.kenya.licensed(number, f"RA-{number}")
    assert wait_for(lambda: world.licence_active(recruiter_id), timeout=60)
    applied = world.post("/v1/certifications", {"recruiter_id": recruiter_id}, body)
    assert applied.status_code == 201, applied.json
    certification_id = applied.json["certification_id"]
    audit = world.post(
        f"/v1/certifications/{certification_id}/audits",
        {
            "type": "initial",
            "conducted_on": "2026-11-01",
            "findings": [
                {"principle": "no_fees_to_workers", "severity": "major", "description": "fees"},
                {"principle": "transparency", "severity": "minor", "description": "contracts"},
            ],
        },
        body,
    )
    assert audit.status_code == 201 and audit.json["open_major_findings"] == 1
    major = audit.json["findings"][0]["finding_id"]
    grant = {
        "decision": "grant",
        "certificate_number": f"IRIS-{number[:6]}",
        "valid_until": IN_TWO_YEARS,
    }
    refused = world.post(f"/v1/certifications/{certification_id}/decisions", grant, body)
    assert refused.status_code == 409 and "major" in refused.json["detail"]
    closed = world.post(
        f"/v1/certifications/{certification_id}/findings/{major}/close",
        {"verified_on": "2026-11-20"},
        body,
    )
    assert closed.status_code == 200
    granted = world.post(f"/v1/certifications/{certification_id}/decisions", grant, body)
    assert granted.status_code == 200 and granted.json["status"] == "certified", granted.json
    return recruiter_id, licence_id, certification_id, major


def test_a_licence_leaving_active_suspends_the_certificate_and_reinstatement_does_not_lift_it(
    world,
):
    body = world.body()
    recruiter_id, licence_id, certification_id, _ = certified(world, body)
    suspended = world.kenya.post(f"/v1/licences/{licence_id}/suspend", {"reason": "fees charged"})
    assert suspended.status_code == 200

    def certificate() -> dict:
        return world.get(f"/v1/certifications/{certification_id}", body).json

    assert wait_for(lambda: certificate()["status"] == "suspended", timeout=60)
    [cause] = [
        e
        for e in world.parts.events.load(certification_id)
        if e["type"].endswith("certificate_suspended.v1")
    ]
    licensing_events = LICENSING.parts(world.settings).events.load(recruiter_id)
    assert cause["causationid"] == licensing_events[-1]["id"]
    assert cause["data"]["cause"] == "licence" and cause["actor"] == "system/certification-policy"
    world.kenya.post(f"/v1/licences/{licence_id}/reinstate", {})
    assert wait_for(lambda: world.licence_active(recruiter_id), timeout=60)
    assert certificate()["status"] == "suspended"


def test_who_may_act_and_bad_input(world):
    body, other = world.body("Fair Audits"), world.body("Other Audits")
    recruiter_id, _, certification_id, major = certified(world, body)
    path = f"/v1/certifications/{certification_id}"
    before = stored_events(world.parts)
    cases = [
        (
            "unknown principle",
            world.post(
                f"{path}/audits",
                {
                    "type": "special",
                    "conducted_on": "2026-11-02",
                    "findings": [{"principle": "vibes", "severity": "major", "description": "x"}],
                },
                body,
            ),
            422,
        ),
        (
            "unknown severity",
            world.post(
                f"{path}/audits",
                {
                    "type": "special",
                    "conducted_on": "2026-11-02",
                    "findings": [
                        {"principle": "transparency", "severity": "grave", "description": "x"}
                    ],
                },
                body,
            ),
            422,
        ),
        (
            "finding closed twice",
            world.post(f"{path}/findings/{major}/close", {"verified_on": "2026-11-21"}, body),
            409,
        ),
        (
            "past valid_until",
            world.post(
                f"{path}/decisions",
                {"decision": "renew", "certificate_number": "X1", "valid_until": "2020-01-01"},
                body,
            ),
            422,
        ),
        ("wrong state", world.post(f"{path}/decisions", {"decision": "reinstate"}, body), 409),
        (
            "another body",
            world.post(f"{path}/decisions", {"decision": "suspend", "reason": "x"}, other),
            403,
        ),
        ("another body reads", world.get(path, other), 403),
        (
            "owner role for audits",
            world.post(
                f"{path}/audits", {"type": "special", "conducted_on": "2026-11-02"}, world.owner
            ),
            403,
        ),
        (
            "unlicensed recruiter",
            world.post("/v1/certifications", {"recruiter_id": "rec-unknown"}, body),
            409,
        ),
        (
            "malformed",
            world.client.post(
                path + "/decisions",
                data="{",
                content_type="application/json",
                headers={"Authorization": body["Authorization"]},
            ),
            400,
        ),
        ("no decision", world.post(f"{path}/decisions", {"reason": "x"}, body), 422),
    ]
    for name, response, status in cases:
        assert response.status_code == status, (name, response.get_json())
        assert response.mimetype == "application/problem+json", name
    assert stored_events(world.parts) == before
    assert cases[4][1].json["current_state"] == "certified"

    suspended = world.post(
        f"/v1/certification-bodies/{body['cb']}/suspend", {"reason": "audit quality"}, world.owner
    )
    assert suspended.status_code == 200 and suspended.json["status"] == "suspended"
    refused = world.post(
        f"{path}/audits", {"type": "surveillance", "conducted_on": "2026-11-22"}, body
    )
    assert refused.status_code == 403 and "not accredited" in refused.json["detail"]


def test_replaying_licensing_events_gives_the_same_licence_status(world):
    body = world.body()
    recruiter_id, licence_id, _, _ = certified(world, body)
    world.kenya.post(f"/v1/licences/{licence_id}/suspend", {"reason": "x"})
    assert wait_for(lambda: not world.licence_active(recruiter_id), timeout=60)
    store = world.parts.read_models
    before = CurrentCollection(store, LicenceStatus.name, LicenceStatus.collection)()
    view_before = {
        d["recruiter_id"]: d["licences"] for d in store.find(before, Query({}, limit=1000)).items
    }
    generation = rebuild(world.parts.backend, "certification", LicenceStatus)
    after = generation.collection(LicenceStatus.collection)
    assert after != before
    view_after = {
        d["recruiter_id"]: d["licences"] for d in store.find(after, Query({}, limit=1000)).items
    }
    assert view_after == view_before and view_after[recruiter_id][licence_id] == "suspended"


def test_certificate_numbers_are_unique(world):
    body = world.body()
    _, _, first, _ = certified(world, body, "C.1/2020")
    recruiter_id, _ = world.kenya.licensed("C.2/2020", "RA-C.2")
    assert wait_for(lambda: world.licence_active(recruiter_id), timeout=60)
    second = world.post("/v1/certifications", {"recruiter_id": recruiter_id}, body).json
    path = f"/v1/certifications/{second['certification_id']}"
    world.post(f"{path}/audits", {"type": "initial", "conducted_on": "2026-11-01"}, body)
    taken = {"decision": "grant", "certificate_number": "iris-c.1/20", "valid_until": IN_TWO_YEARS}
    before = stored_events(world.parts)
    refused = world.post(f"{path}/decisions", taken, body)
    assert refused.status_code == 409 and "already in use" in refused.json["detail"]
    assert stored_events(world.parts) == before
    fresh = world.post(f"{path}/decisions", {**taken, "certificate_number": "IRIS-C.2/2"}, body)
    assert fresh.status_code == 200 and fresh.json["certificate_number"] == "IRIS-C.2/2"
