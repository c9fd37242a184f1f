"""The monitoring API on both backends: who sees a report, intake and rate limits,
matching by licence number and by name, bad input leaving nothing behind."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from services.licensing.bootstrap import SERVICE as LICENSING
from services.monitoring.bootstrap import SERVICE as MONITORING
from services.monitoring.handlers import PERSONAL, TRACKING
from shared.auth.tokens import mint_dev_token
from shared.consumer import wait_for
from shared.readmodels.base import Query
from tests.licensing_helpers import Ministry, stored_events
from tests.workers import workers_running

REPORT = {
    "subject": {
        "name": "Agência São Jorge Recrutamento",
        "country": "KE",
        "licence_number": "RA/77",
    },
    "categories": ["fees_charged"],
    "fee_paid": {"amount": "700", "currency": "USD"},
    "reporter": {"name": "A worker", "contact": "a@example.org"},
    "narrative": "They kept my passport.",
}


@pytest.fixture(params=["embedded", "stack"])
def settings(request):
    return replace(
        request.getfixturevalue(f"{request.param}_settings"),
        public_rate_per_minute=6,
        public_intake_org="intake-desk",
    )


@pytest.fixture
def running(settings):
    with workers_running(settings, LICENSING, MONITORING):
        yield


@pytest.fixture
def monitoring(settings):
    return MONITORING.create_app(settings)


def monitor(settings, org: str = "ngo-1") -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_dev_token(settings, 'monitor', org_id=org)}"}


def personal_count(app) -> int:
    store = app.extensions["registry"].parts.read_models
    return (
        store.find(PERSONAL, Query({}, limit=1000)).total
        + store.find(TRACKING, Query({}, limit=1000)).total
    )


def test_only_the_receiving_organisation_sees_and_acts(monitoring, settings):
    client = monitoring.test_client()
    report = client.post("/v1/reports", json=REPORT, headers=monitor(settings)).json
    path = f"/v1/reports/{report['report_id']}"
    assert (
        client.get(path, headers=monitor(settings)).json["personal_data"]["narrative"]
        == REPORT["narrative"]
    )
    assert client.get(path, headers=monitor(settings, "ngo-2")).status_code == 404
    assert (
        client.post(f"{path}/substantiate", json={}, headers=monitor(settings, "ngo-2")).status_code
        == 404
    )
    anonymous = client.post("/v1/public/reports", json=REPORT).json
    public_path = f"/v1/reports/{anonymous['report_id']}"
    assert client.get(public_path, headers=monitor(settings)).status_code == 404
    assert (
        client.get(public_path, headers=monitor(settings, "intake-desk")).json["organisation"]
        == "intake-desk"
    )


INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_money_and_instants_read_back_as_they_were_written(monitoring, settings):
    """Money is a decimal string in and out; every instant is UTC with milliseconds, and
    an update reads the same in the write's answer and in every later read."""
    client = monitoring.test_client()
    filed = client.post(
        "/v1/reports",
        json={**REPORT, "fee_paid": {"amount": "1500.50", "currency": "USD"}},
        headers=monitor(settings),
    ).json
    path = f"/v1/reports/{filed['report_id']}"
    written = client.post(f"{path}/substantiate", json={}, headers=monitor(settings)).json
    read = client.get(path, headers=monitor(settings)).json
    tracked = client.get(f"/v1/public/reports/track/{filed['tracking_code']}").json
    assert read["fee_paid"] == {"amount": "1500.5", "currency": "USD"}
    assert written["updates"] == read["updates"] == tracked["updates"]
    assert [update["status"] for update in read["updates"]] == ["received", "substantiated"]
    assert all(INSTANT.match(update["at"]) for update in read["updates"]), read["updates"]
    as_number = {**REPORT, "fee_paid": {"amount": 1500, "currency": "USD"}}
    refused = client.post("/v1/reports", json=as_number, headers=monitor(settings))
    assert refused.status_code == 422 and "amount" in refused.json["errors"]["fee_paid"]


def test_public_intake_is_rate_limited(monitoring):
    client = monitoring.test_client()
    # Twice the limit and one: one minute or the next, some request is over its limit.
    statuses = [client.post("/v1/public/reports", json=REPORT).status_code for _ in range(13)]
    assert statuses[0] == 201 and 429 in statuses
    limited = client.post("/v1/public/reports", json=REPORT)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1


def test_bad_input_leaves_no_event_and_no_personal_data(monitoring, settings):
    client = monitoring.test_client()
    parts = monitoring.extensions["registry"].parts
    accepted = client.post("/v1/reports", json=REPORT, headers=monitor(settings)).json
    path = f"/v1/reports/{accepted['report_id']}"
    before = (stored_events(parts), personal_count(monitoring))
    cases = [
        (
            client.post(
                "/v1/reports", json={**REPORT, "categories": ["gossip"]}, headers=monitor(settings)
            ),
            422,
        ),
        (
            client.post(
                "/v1/reports", json={**REPORT, "subject": {"name": "X"}}, headers=monitor(settings)
            ),
            422,
        ),
        (
            client.post(
                "/v1/reports",
                json={**REPORT, "fee_paid": {"amount": 5, "currency": "usd"}},
                headers=monitor(settings),
            ),
            422,
        ),
        (client.post("/v1/reports", json={**REPORT, "extra": 1}, headers=monitor(settings)), 422),
        (
            client.post(
                "/v1/reports", data="{", content_type="application/json", headers=monitor(settings)
            ),
            400,
        ),
        (client.post(f"{path}/refer", json={"country": "KE"}, headers=monitor(settings)), 409),
        (
            client.post(
                f"{path}/resolve", json={"outcome": "fees_reimbursed"}, headers=monitor(settings)
            ),
            409,
        ),
        (client.get("/v1/public/reports/track/not-a-code"), 404),
    ]
    for response, status in cases:
        assert response.status_code == status, response.get_json()
        assert response.mimetype == "application/problem+json"
    assert (stored_events(parts), personal_count(monitoring)) == before
    assert cases[5][0].json["current_state"] == "received"


def test_a_licence_number_matches_at_intake_and_names_get_suggestions(
    monitoring, settings, running
):
    licensing = LICENSING.create_app(settings)
    kenya = Ministry(licensing.test_client(), settings)
    recruiter_id, _ = kenya.licensed("C.77/2020", "RA/77")
    kenya.register("C.78/2020", name="Agencia Sao Jorge Recrutamento Lda")
    store = monitoring.extensions["registry"].parts.read_models
    from services.monitoring.projections import RecruiterDirectory
    from shared.replay import CurrentCollection

    directory = CurrentCollection(store, RecruiterDirectory.name, RecruiterDirectory.collection)
    assert wait_for(lambda: store.find(directory(), Query({}, limit=10)).total == 2, timeout=60)
    client = monitoring.test_client()
    matched = client.post("/v1/reports", json=REPORT, headers=monitor(settings)).json
    shown = client.get(f"/v1/reports/{matched['report_id']}", headers=monitor(settings)).json
    assert shown["recruiter_id"] == recruiter_id
    unmatched = client.post(
        "/v1/reports",
        headers=monitor(settings),
        json={**REPORT, "subject": {"name": "são jorge", "country": "KE"}},
    ).json
    path = f"/v1/reports/{unmatched['report_id']}"
    suggested = client.get(f"{path}/suggestions", headers=monitor(settings)).json["items"]
    assert [s["legal_name"] for s in suggested] == ["Agencia Sao Jorge Recrutamento Lda"]
    assert (
        client.post(
            f"{path}/match",
            json={"recruiter_id": suggested[0]["recruiter_id"]},
            headers=monitor(settings),
        ).status_code
        == 200
    )


def test_reports_take_no_idempotency_key_and_are_held_for_recruiters_not_seen_yet(
    monitoring, settings
):
    client = monitoring.test_client()
    keyed = client.post("/v1/public/reports", json=REPORT, headers={"Idempotency-Key": "k-1"})
    assert keyed.status_code == 400
    # SPEC 13: a worker's report is never refused because a projection lags.
    unseen = client.post(
        "/v1/reports",
        json={**REPORT, "subject": {"recruiter_id": "rec-not-seen-yet"}},
        headers=monitor(settings),
    )
    assert unseen.status_code == 201, unseen.json
    held = client.get(f"/v1/reports/{unseen.json['report_id']}", headers=monitor(settings))
    assert held.json["recruiter_id"] == "rec-not-seen-yet"
    other = client.post("/v1/reports", json=REPORT, headers=monitor(settings)).json["report_id"]
    matched = client.post(
        f"/v1/reports/{other}/match",
        json={"recruiter_id": "rec-made-up"},
        headers=monitor(settings),
    )
    assert matched.status_code == 422 and "recruiter_id" in matched.json["errors"]
    mixed = client.post(
        "/v1/reports",
        headers=monitor(settings),
        json={**REPORT, "subject": {"recruiter_id": "rec-x", "licence_number": "X1"}},
    )
    assert mixed.status_code == 422


def test_erasure_leaves_nothing_readable_in_the_embedded_files(embedded_settings):
    app = MONITORING.create_app(embedded_settings)
    client = app.test_client()
    canary = "canary-narrative-erased-7f3"
    report = client.post(
        "/v1/reports", json={**REPORT, "narrative": canary}, headers=monitor(embedded_settings)
    ).json
    parts = app.extensions["registry"].parts
    stored = parts.read_models.get(PERSONAL, report["report_id"]).document
    client.post(
        f"/v1/reports/{report['report_id']}/erase-personal-data",
        json={},
        headers=monitor(embedded_settings),
    )
    files = b"".join(
        p.read_bytes() for p in (embedded_settings.data_dir / "monitoring").glob("readmodels*")
    )
    assert stored["wrapped_key"].encode() not in files, "the destroyed key survives on disk"
