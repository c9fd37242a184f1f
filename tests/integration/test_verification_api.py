"""The verification API on both backends, fed by the other services' events: bad input,
search, officials' detail, late-matched reports, receipts and key rotation, rate limits."""

from __future__ import annotations

import dataclasses
import time
from datetime import date, timedelta

import jwt
import pytest

from services.licensing.bootstrap import SERVICE as LICENSING
from services.monitoring.bootstrap import SERVICE as MONITORING
from services.verification import handlers, schemas
from services.verification.bootstrap import SERVICE as VERIFICATION
from services.verification.receipts import keys_dir, rotate
from shared.auth.tokens import mint_dev_token
from shared.consumer import wait_for
from tests.licensing_helpers import Ministry
from tests.workers import workers_running

# Far enough ahead that no licence here is ever "expiring within 30 days".
FAR = (date.today() + timedelta(days=3 * 365)).isoformat()


@pytest.fixture(params=["embedded", "stack"])
def settings(request):
    return request.getfixturevalue(f"{request.param}_settings")


class World:
    def __init__(self, settings):
        self.settings = settings
        self.kenya = Ministry(LICENSING.create_app(settings).test_client(), settings)
        self.monitoring = MONITORING.create_app(settings).test_client()
        self.client = VERIFICATION.create_app(settings).test_client()

    def auth(self, role: str, **claims: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint_dev_token(self.settings, role, **claims)}"}

    def known(self, recruiter_id: str, **expected) -> dict:
        def answered() -> bool:
            response = self.client.get(f"/v1/recruiters/{recruiter_id}")
            if response.status_code != 200:
                return False
            return all(response.json[key] == value for key, value in expected.items())

        assert wait_for(answered, timeout=60), self.client.get(
            f"/v1/recruiters/{recruiter_id}"
        ).json
        return self.client.get(f"/v1/recruiters/{recruiter_id}").json

    def claims(self, receipt: str) -> dict:
        keys = jwt.PyJWKSet.from_dict(self.client.get("/.well-known/jwks.json").json)
        key = keys[jwt.get_unverified_header(receipt)["kid"]]
        return jwt.decode(receipt, key.key, algorithms=[key.algorithm_name])


@pytest.fixture
def world(settings):
    with workers_running(settings, LICENSING, MONITORING, VERIFICATION):
        yield World(settings)


def test_bad_questions_get_clear_problems(world):
    recruiter_id, _ = world.kenya.licensed("C.1", "RA/1", valid_until=FAR)
    world.known(recruiter_id, verdict="green")
    client = world.client
    bad = [
        client.get(f"/v1/recruiters/{recruiter_id}?as_of=yesterday"),
        client.get(f"/v1/recruiters/{recruiter_id}?as_of=2026-01-01T00:00:00"),
        client.get("/v1/licences/XX/RA-1"),
        client.get("/v1/recruiters?status=trusted"),
        client.get("/v1/recruiters?limit=0"),
        client.post("/v1/verifications", json={"items": []}),
        client.post("/v1/verifications", json={"items": [{"recruiter_id": "x"}] * 1001}),
        client.post("/v1/verifications", json={"items": [{"country": "KE"}]}),
    ]
    assert [r.status_code for r in bad] == [422] * len(bad)
    assert all(r.mimetype == "application/problem+json" for r in bad)
    assert (
        client.post("/v1/verifications", data="{", content_type="application/json").status_code
        == 400
    )
    assert client.post("/v1/verifications", data="x", content_type="text/plain").status_code == 415
    for path in (
        "/v1/recruiters/rec-nobody",
        "/v1/recruiters/report:rep-1",
        "/v1/licences/KE/RA-2",
    ):
        missing = client.get(path)
        assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert client.get("/v1/licences/KE/RA-2").json["detail"] == (
        "no recruiter with that licence number in country KE is known to this registry"
    )
    operator = client.get('/v1/recruiters?q={"$gt": ""}')
    assert operator.status_code == 200 and operator.json["items"] == []


def test_a_green_answer_cites_its_licence_and_a_lower_case_country_is_understood(world):
    recruiter_id, _ = world.kenya.licensed("C.2", "RA/2", valid_until=FAR)
    answer = world.known(recruiter_id, verdict="green")
    assert [reason["code"] for reason in answer["reasons"]] == ["licence_active"]
    issued = world.client.get(f"/v1/recruiters/{recruiter_id}/history").json
    assert answer["reasons"][0]["event_id"] in {e["event_id"] for e in issued["events"]}
    # The licence-number index is a projection of its own, which may trail the status.
    assert wait_for(lambda: world.client.get("/v1/licences/KE/RA%2F2").status_code == 200)
    lower = world.client.get("/v1/licences/ke/RA%2F2")
    assert lower.status_code == 200 and lower.json["recruiter_id"] == recruiter_id
    assert world.client.get("/v1/licences/Ke/RA%2F2").status_code == 422


def test_names_are_found_whatever_their_case_and_accents(world, monkeypatch):
    ids = [
        world.kenya.register("C.10", name="Agência São Paulo Recrutamento"),
        world.kenya.register("C.11", name="Nairobi Agencia Ltd"),
        world.kenya.register("C.12", name="Mombasa Manpower"),
    ]
    for recruiter_id in ids:
        world.known(recruiter_id, verdict="red")
    # Positions are written just after the documents, and read at most twice a second.
    assert wait_for(lambda: world.client.get("/v1/recruiters?q=AGENCIA").json["positions"])
    found = world.client.get("/v1/recruiters?q=AGENCIA").json
    assert {hit["recruiter_id"] for hit in found["items"]} == set(ids[:2])
    assert found["total"] == 2 and found["as_of"] and found["positions"]
    page = world.client.get("/v1/recruiters?q=agência&limit=1&offset=1").json
    assert page["total"] == 2 and len(page["items"]) == 1
    assert world.client.get("/v1/recruiters?q=sao paulo&country=UG").json["total"] == 0
    red = world.client.get("/v1/recruiters?country=KE&status=red").json
    assert red["total"] == 3 and {hit["licence_status"] for hit in red["items"]} == {None}
    assert world.client.get("/v1/recruiters?country=KE&status=none").json["total"] == 3
    assert world.client.get("/v1/recruiters?country=KE&status=green").json["total"] == 0
    # Filtering by status works the status out per recruiter, so it is bounded.
    monkeypatch.setattr(handlers, "MAX_FILTERED", 2)
    broad = world.client.get("/v1/recruiters?country=KE&status=red")
    assert broad.status_code == 422 and "narrow" in broad.json["detail"]
    assert world.client.get("/v1/recruiters?country=KE").json["total"] == 3


def test_officials_see_the_detail_and_the_public_never_does(world):
    recruiter_id, _ = world.kenya.licensed("C.20", "RA/20", valid_until=FAR)
    base = f"/v1/recruiters/{recruiter_id}"
    world.kenya.post(f"{base}/branches", {"name": "Mombasa office", "address": "Moi Avenue 1"})
    world.kenya.post(f"{base}/officers", {"name": "Jane Wanjiru", "position": "Director"})
    world.known(recruiter_id, verdict="green")

    def detail(headers: dict) -> dict | None:
        def shown() -> bool:
            answer = world.client.get(base, headers=headers).json
            return bool(answer.get("detail", {}).get("officers"))

        assert wait_for(shown, timeout=30)
        return world.client.get(base, headers=headers).json.get("detail")

    consul = detail(world.auth("consular_officer", country="QA"))
    assert [o["name"] for o in consul["officers"]] == ["Jane Wanjiru"]
    assert [b["name"] for b in consul["branches"]] == ["Mombasa office"]
    assert detail(world.auth("ministry_officer", country="UG"))["officers"]
    for headers in ({}, world.auth("monitor", org_id="ngo-1")):
        answer = world.client.get(base, headers=headers).json
        assert "detail" not in answer and "Jane Wanjiru" not in str(answer)
        history = world.client.get(f"{base}/history", headers=headers).json
        assert "Jane Wanjiru" not in str(history) and "Mombasa office" not in str(history)


def test_a_report_matched_after_intake_joins_the_recruiters_record(world):
    recruiter_id, _ = world.kenya.licensed("C.30", "RA/30", valid_until=FAR)
    world.known(recruiter_id, verdict="green")
    intake = world.monitoring.post(
        "/v1/public/reports",
        json={
            "subject": {"name": "Acme Manpower", "country": "KE"},
            "categories": ["deception"],
            "reporter": {"name": "A worker", "contact": "worker@example.org"},
        },
    )
    assert intake.status_code == 201, intake.json
    reports = f"/v1/reports/{intake.json['report_id']}"
    triage = world.auth("monitor", org_id="public-intake")
    match = {"recruiter_id": recruiter_id}

    def matched() -> bool:
        # Monitoring accepts the match once its own directory has the recruiter.
        return (
            world.monitoring.post(f"{reports}/match", json=match, headers=triage).status_code == 200
        )

    assert wait_for(matched, timeout=60)
    substantiated = world.monitoring.post(f"{reports}/substantiate", json={}, headers=triage)
    assert substantiated.status_code == 200, substantiated.json
    answer = world.known(recruiter_id, verdict="amber")
    assert [r["code"] for r in answer["reasons"]] == ["substantiated_report_open"]
    assert answer["monitoring"]["by_category"] == {"deception": 1}
    assert "worker@example.org" not in str(answer)


def test_receipts_survive_a_key_rotation(world):
    recruiter_id, _ = world.kenya.licensed("C.40", "RA/40", valid_until=FAR)
    before = world.known(recruiter_id, verdict="green")
    # The documented answer is the answer given (the public one has no detail).
    assert set(before) == set(schemas.SignedStatus().fields) - {"detail"}
    old_kid = jwt.get_unverified_header(before["receipt"])["kid"]
    claims = world.claims(before["receipt"])
    assert claims["exp"] - claims["iat"] <= 24 * 3600
    assert claims["licence"] == {
        "licence_number": "RA/40",
        "status": "active",
        "valid_until": FAR,
    }

    # Made a minute ago, so settled: it signs at once.
    new_kid = rotate(keys_dir(world.settings), now=time.time() - 60)
    fresh = VERIFICATION.create_app(world.settings).test_client()
    after = fresh.get(f"/v1/recruiters/{recruiter_id}").json
    assert jwt.get_unverified_header(after["receipt"])["kid"] == new_kid != old_kid
    published = {key["kid"] for key in fresh.get("/.well-known/jwks.json").json["keys"]}
    assert published == {old_kid, new_kid}
    assert world.claims(before["receipt"])["verdict"] == "green"


def test_public_questions_are_rate_limited_per_client(settings):
    limited = dataclasses.replace(settings, public_rate_per_minute=6)
    client = VERIFICATION.create_app(limited).test_client()
    # Twice the limit and one: one minute or the next, some request is over its limit.
    statuses = [client.get("/v1/recruiters/rec-nobody").status_code for _ in range(13)]
    assert statuses[0] == 404 and 429 in statuses
    refused = client.get("/v1/recruiters/rec-nobody")
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.mimetype == "application/problem+json"


def test_asked_by_a_revoked_number_the_answer_is_red_though_a_newer_licence_is_active(world):
    recruiter_id, old = world.kenya.licensed("C.50", "RA/50", valid_until=FAR)
    assert world.kenya.post(f"/v1/licences/{old}/revoke", {"reason": "fees"}).status_code == 200
    applied = world.kenya.post(
        "/v1/licences", {"recruiter_id": recruiter_id, "licence_number": "RA/51"}
    )
    assert applied.status_code == 201, applied.json
    issued = world.kenya.post(
        f"/v1/licences/{applied.json['licence_id']}/issue",
        {"valid_from": "2026-01-01", "valid_until": FAR},
    )
    assert issued.status_code == 200, issued.json
    world.known(recruiter_id, verdict="green")
    # The licence-number index is a projection of its own: read this write back through it.
    written = {"consistent_with": issued.headers["Registry-Token"]}
    old_number = world.client.get("/v1/licences/KE/RA%2F50", query_string=written).json
    assert old_number["verdict"] == "red"
    licence = old_number["licence"]
    assert (licence["licence_number"], licence["status"]) == ("RA/50", "revoked")
    batch = world.client.post(
        "/v1/verifications", json={"items": [{"country": "KE", "licence_number": "ra/50"}]}
    ).json
    assert batch["results"][0]["status"]["verdict"] == "red"


def test_only_officials_get_the_detail_in_a_batch(world):
    recruiter_id, _ = world.kenya.licensed("C.60", "RA/60", valid_until=FAR)
    world.known(recruiter_id, verdict="green")
    body = {"items": [{"recruiter_id": recruiter_id}]}
    public = world.client.post("/v1/verifications", json=body).json["results"][0]
    assert "detail" not in public and "detail" not in public["status"]
    consul = world.auth("consular_officer", country="QA")
    official = world.client.post("/v1/verifications", json=body, headers=consul).json
    assert set(official["results"][0]["detail"]) >= {"branches", "officers", "violations"}


def test_a_licensing_write_read_back_by_its_registry_token_on_the_first_call(world):
    recruiter_id, licence_id = world.kenya.licensed("T.1", "RA/T1", valid_until=FAR)
    world.known(recruiter_id, verdict="green")
    suspended = world.kenya.post(f"/v1/licences/{licence_id}/suspend", {"reason": "fees"})
    token = suspended.headers["Registry-Token"]
    answer = world.client.get(
        f"/v1/recruiters/{recruiter_id}", query_string={"consistent_with": token}
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["licence"]["status"] == "suspended" and answer.json["verdict"] == "red"
    reinstated = world.kenya.post(
        f"/v1/licences/{licence_id}/reinstate", {}, **{"Idempotency-Key": "reinstate-1"}
    )
    again = world.kenya.post(
        f"/v1/licences/{licence_id}/reinstate", {}, **{"Idempotency-Key": "reinstate-1"}
    )
    assert again.headers["Registry-Token"] == reinstated.headers["Registry-Token"]
    tokens = [suspended.headers["Registry-Token"], reinstated.headers["Registry-Token"]]
    both = world.client.get(
        "/v1/licences/KE/RA/T1", query_string=[("consistent_with", t) for t in tokens]
    )
    assert both.status_code == 200 and both.json["licence"]["status"] == "active"
    bad = world.client.get(
        f"/v1/recruiters/{recruiter_id}", query_string={"consistent_with": "not-a-token"}
    )
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"


def test_a_report_naming_a_recruiter_not_yet_registered_joins_it_when_it_arrives(world):
    from services.licensing.domain import recruiter_id_for

    recruiter_id = recruiter_id_for("KE", "LATE.1")
    monitor = world.auth("monitor", org_id="ngo-1")
    report = world.monitoring.post(
        "/v1/reports",
        json={"subject": {"recruiter_id": recruiter_id}, "categories": ["fees_charged"]},
        headers=monitor,
    )
    assert report.status_code == 201, report.json
    substantiated = world.monitoring.post(
        f"/v1/reports/{report.json['report_id']}/substantiate", json={}, headers=monitor
    )
    assert substantiated.status_code == 200
    assert world.kenya.licensed("LATE.1", "RA/LATE", valid_until=FAR)[0] == recruiter_id
    answer = world.known(recruiter_id, verdict="amber")
    assert [r["code"] for r in answer["reasons"]] == ["substantiated_report_open"]


def test_an_answer_never_vouches_for_what_its_consumer_has_not_read(settings):
    settings = dataclasses.replace(settings, stale_after_seconds=1.0)
    kenya = Ministry(LICENSING.create_app(settings).test_client(), settings)
    client = VERIFICATION.create_app(settings).test_client()

    def asked(recruiter_id: str):
        return client.get(f"/v1/recruiters/{recruiter_id}")

    with workers_running(settings, LICENSING):  # the verification consumer is held back
        recruiter_id, licence_id = kenya.licensed("S.1", "RA/S1", valid_until=FAR)
        assert wait_for(lambda: asked(recruiter_id).status_code == 503, timeout=60)
        unseen = asked(recruiter_id)
        assert unseen.json["title"] == "Catching up" and int(unseen.headers["Retry-After"]) >= 1
        assert client.get("/v1/licences/KE/RA/S1").status_code == 503
        batch = client.post("/v1/verifications", json={"items": [{"recruiter_id": recruiter_id}]})
        assert batch.status_code == 503 and int(batch.headers["Retry-After"]) >= 1
        with workers_running(settings, VERIFICATION):
            assert wait_for(lambda: asked(recruiter_id).status_code == 200, timeout=60)
            assert wait_for(lambda: asked(recruiter_id).json["verdict"] == "green", timeout=60)
            assert asked(recruiter_id).json["lag_seconds"] <= 1.0
        kenya.post(f"/v1/licences/{licence_id}/suspend", {"reason": "fees"})
        assert wait_for(lambda: asked(recruiter_id).json["verdict"] == "unknown", timeout=60)
        stale = asked(recruiter_id).json
        assert [reason["code"] for reason in stale["reasons"]] == ["catching_up"]
        assert stale["lag_seconds"] > 1.0 and stale["licence"]["status"] == "active"
        with workers_running(settings, VERIFICATION):
            assert wait_for(lambda: asked(recruiter_id).json["verdict"] == "red", timeout=60)
