"""The licensing API on both backends: bad input leaves no trace, races give one winner,
scopes hold, and the referral inbox fills from monitoring events (SPEC §4, §7, §11)."""

from __future__ import annotations

import threading

import pytest

from services.licensing.bootstrap import SERVICE
from shared.consumer import wait_for
from shared.events.envelope import Change, Provenance, wrap
from tests.licensing_helpers import Ministry, stored_events
from tests.workers import workers_running


@pytest.fixture(params=["embedded", "stack"])
def settings(request):
    return request.getfixturevalue(f"{request.param}_settings")


@pytest.fixture
def app(settings):
    return SERVICE.create_app(settings)


@pytest.fixture
def parts(app):
    return app.extensions["registry"].parts


@pytest.fixture
def kenya(app, settings):
    return Ministry(app.test_client(), settings, "KE")


def test_a_licence_goes_through_its_lifecycle_with_etags(kenya):
    recruiter_id, licence_id = kenya.licensed()
    suspended = kenya.post(f"/v1/licences/{licence_id}/suspend", {"reason": "fees charged"})
    assert suspended.status_code == 200 and suspended.json["status"] == "suspended"
    version = suspended.headers["ETag"]
    reinstated = kenya.post(f"/v1/licences/{licence_id}/reinstate", {}, **{"If-Match": version})
    assert reinstated.status_code == 200 and reinstated.json["status"] == "active"
    shown = kenya.get(f"/v1/recruiters/{recruiter_id}")
    assert shown.headers["ETag"] == reinstated.headers["ETag"]
    assert [lic["status"] for lic in shown.json["licences"]] == ["active"]


def bad_requests(kenya, recruiter_id, licence_id, applied_id):
    """(name, response, expected status): every case of SPEC §7 for this service."""
    post = kenya.post
    raw = kenya.client.post
    h = kenya.headers
    return [
        (
            "malformed json",
            raw("/v1/recruiters", data="{bad", content_type="application/json", headers=h),
            400,
        ),
        (
            "wrong content type",
            raw("/v1/recruiters", data="x", content_type="text/plain", headers=h),
            415,
        ),
        (
            "oversize",
            raw(
                "/v1/recruiters",
                data="x" * (1024 * 1024 + 1),
                content_type="application/json",
                headers=h,
            ),
            413,
        ),
        (
            "unknown field",
            post(
                "/v1/recruiters",
                {"legal_name": "A", "country": "KE", "registration_number": "9", "boss": "x"},
            ),
            422,
        ),
        ("missing field", post("/v1/recruiters", {"legal_name": "A", "country": "KE"}), 422),
        (
            "bad country",
            post(
                "/v1/recruiters", {"legal_name": "A", "country": "XX", "registration_number": "9"}
            ),
            422,
        ),
        (
            "lower-case country",
            post(
                "/v1/recruiters", {"legal_name": "A", "country": "ke", "registration_number": "9"}
            ),
            422,
        ),
        (
            "dates in the wrong order",
            post(
                f"/v1/licences/{applied_id}/issue",
                {"valid_from": "2026-05-01", "valid_until": "2026-01-01"},
            ),
            422,
        ),
        (
            "renewal ending before the current end",
            post(f"/v1/licences/{licence_id}/renew", {"valid_until": "2019-01-01"}),
            422,
        ),
        (
            "effective_at over a year ahead",
            post(
                f"/v1/licences/{licence_id}/suspend",
                {"reason": "x", "effective_at": "2099-01-01T00:00:00Z"},
            ),
            422,
        ),
        (
            "effective_at without offset",
            post(
                f"/v1/licences/{licence_id}/suspend",
                {"reason": "x", "effective_at": "2026-01-01T00:00:00"},
            ),
            422,
        ),
        (
            "duplicate registration",
            post(
                "/v1/recruiters",
                {"legal_name": "Other", "country": "KE", "registration_number": "C.1/2020"},
            ),
            409,
        ),
        (
            "stale If-Match",
            post(f"/v1/licences/{licence_id}/suspend", {"reason": "x"}, **{"If-Match": '"1"'}),
            412,
        ),
        (
            "forbidden transition",
            post(
                f"/v1/licences/{licence_id}/issue",
                {"valid_from": "2026-01-01", "valid_until": "2027-01-01"},
            ),
            409,
        ),
        ("unknown licence", post(f"/v1/licences/{recruiter_id}-l9/suspend", {"reason": "x"}), 404),
        (
            "bad currency",
            post(f"/v1/recruiters/{recruiter_id}/deposit/lodge", {"amount": 10, "currency": "KSH"}),
            422,
        ),
        (
            "negative amount",
            post(f"/v1/recruiters/{recruiter_id}/deposit/lodge", {"amount": -5, "currency": "KES"}),
            422,
        ),
        (
            "operator as value",
            post("/v1/licences", {"recruiter_id": {"$gt": ""}, "licence_number": "x"}),
            422,
        ),
        ("bad query", kenya.client.get("/v1/referrals?per_page=0", headers=h), 422),
        ("no token", kenya.client.post("/v1/recruiters", json={}), 401),
    ]


def test_bad_input_is_a_clear_problem_and_records_nothing(kenya, parts):
    recruiter_id, licence_id = kenya.licensed()
    other = kenya.register("C.5/2020")
    applied = kenya.post("/v1/licences", {"recruiter_id": other, "licence_number": "RA/5"})
    before = stored_events(parts)
    for name, response, status in bad_requests(
        kenya, recruiter_id, licence_id, applied.json["licence_id"]
    ):
        assert response.status_code == status, (name, response.get_json())
        assert response.mimetype == "application/problem+json", name
        assert response.json["status"] == status and response.json["detail"], name
    assert stored_events(parts) == before
    transition = kenya.post(
        f"/v1/licences/{licence_id}/issue",
        {"valid_from": "2026-01-01", "valid_until": "2027-01-01"},
    )
    assert transition.json["current_state"] == "active"


def test_another_country_or_role_is_403_and_records_nothing(app, settings, kenya, parts):
    recruiter_id, licence_id = kenya.licensed()
    before = stored_events(parts)
    philippines = Ministry(app.test_client(), settings, "PH")
    assert (
        philippines.post(f"/v1/licences/{licence_id}/suspend", {"reason": "x"}).status_code == 403
    )
    assert (
        philippines.post(
            f"/v1/recruiters/{recruiter_id}/violations",
            {"description": "x", "decided_on": "2026-01-01"},
        ).status_code
        == 403
    )
    assert (
        philippines.post(
            "/v1/recruiters", {"legal_name": "A", "country": "KE", "registration_number": "77"}
        ).status_code
        == 403
    )
    assert philippines.get(f"/v1/recruiters/{recruiter_id}").status_code == 403
    from shared.auth.tokens import mint_dev_token

    monitor = {"Authorization": f"Bearer {mint_dev_token(settings, 'monitor', org_id='ngo-1')}"}
    assert (
        app.test_client()
        .post(f"/v1/licences/{licence_id}/suspend", json={"reason": "x"}, headers=monitor)
        .status_code
        == 403
    )
    assert stored_events(parts) == before


def test_two_concurrent_suspends_exactly_one_succeeds(app, settings, kenya, parts):
    _, licence_id = kenya.licensed()
    barrier, statuses = threading.Barrier(2), []

    def suspend():
        officer = Ministry(app.test_client(), settings, "KE")
        barrier.wait()
        statuses.append(
            officer.post(f"/v1/licences/{licence_id}/suspend", {"reason": "race"}).status_code
        )

    threads = [threading.Thread(target=suspend) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    events = parts.events.load(licence_id.rsplit("-l", 1)[0])
    assert [e["type"] for e in events].count("registry.licensing.licence_suspended.v1") == 1


def test_licence_numbers_are_unique_within_a_country(kenya):
    kenya.licensed("C.1/2020", "RA/1")
    other = kenya.register("C.2/2020")
    taken = kenya.post("/v1/licences", {"recruiter_id": other, "licence_number": "ra/1"})
    assert taken.status_code == 409
    assert (
        kenya.post("/v1/licences", {"recruiter_id": other, "licence_number": "RA/2"}).status_code
        == 201
    )


def test_a_denied_number_cannot_be_applied_for_again_over_its_licence(kenya):
    recruiter_id = kenya.register("C.3/2020")
    first = kenya.post("/v1/licences", {"recruiter_id": recruiter_id, "licence_number": "RA/3"})
    licence_id = first.json["licence_id"]
    assert (
        kenya.post(f"/v1/licences/{licence_id}/deny", {"reason": "incomplete"}).status_code == 200
    )
    again = kenya.post("/v1/licences", {"recruiter_id": recruiter_id, "licence_number": "RA/3"})
    assert again.status_code == 409 and licence_id in again.json["detail"]
    assert kenya.get(f"/v1/licences/{licence_id}").json["status"] == "denied"


def referred(report_id: str, country: str, recruiter_id: str | None) -> list[dict]:
    data = {
        "report_id": report_id,
        "referral_id": f"ref-{report_id}",
        "country": country,
        "recruiter_id": recruiter_id,
        "categories": ["fees_charged"],
    }
    return wrap(
        "monitoring",
        report_id,
        1,
        [Change("report_referred", data)],
        Provenance("monitor/ngo-1"),
        __import__("datetime").datetime.now(__import__("datetime").UTC),
        recruiter_id or report_id,
        recruiter_id,
    )


@pytest.fixture
def workers(settings):
    with workers_running(settings, SERVICE):
        yield


def test_referrals_reach_only_their_ministry_and_answers_flow_back(
    app, settings, kenya, parts, workers
):
    recruiter_id = kenya.register()
    monitoring = parts.backend.event_store("monitoring")
    monitoring.append("rep-1", 0, referred("rep-1", "KE", recruiter_id))
    monitoring.append("rep-2", 0, referred("rep-2", "PH", None))
    relay = parts.backend.relay("monitoring")
    if relay is not None:
        relay.relay_once()
    philippines = Ministry(app.test_client(), settings, "PH")

    def inbox(ministry):
        return ministry.get("/v1/referrals").json["items"]

    assert wait_for(lambda: len(inbox(kenya)) == 1 and len(inbox(philippines)) == 1, timeout=60)
    [mine] = inbox(kenya)
    assert (mine["referral_id"], mine["status"], mine["recruiter_id"]) == (
        "ref-rep-1",
        "referred",
        recruiter_id,
    )
    assert philippines.post("/v1/referrals/ref-rep-1/acknowledge").status_code == 403
    assert kenya.post("/v1/referrals/ref-rep-1/acknowledge").status_code == 200
    assert kenya.post("/v1/referrals/ref-rep-1/acknowledge").status_code == 409
    closed = kenya.post("/v1/referrals/ref-rep-1/close", {"outcome": "sanctioned"})
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    # The answer shows what the close changed, and the version its ETag names.
    assert closed.json["outcome"] == "sanctioned" and closed.json["version"] == 2
    assert closed.json["acknowledged_at"] and closed.json["closed_at"]
    assert closed.headers["ETag"] == '"2"'
    assert kenya.post("/v1/referrals/ref-rep-1/close", {"outcome": "maybe"}).status_code == 422
    answers = parts.events.load("referral-ref-rep-1")
    assert [e["type"].split(".")[2] for e in answers] == [
        "referral_acknowledged",
        "referral_closed",
    ]
    assert answers[1]["data"] == {
        "referral_id": "ref-rep-1",
        "report_id": "rep-1",
        "country": "KE",
        "outcome": "sanctioned",
        "note": None,
    }
    assert answers[1]["partitionkey"] == recruiter_id
    assert wait_for(lambda: inbox(kenya)[0]["status"] == "closed", timeout=60)
    assert kenya.get("/v1/referrals?status=referred").json["items"] == []


def test_violations_branches_officers_and_deposit_are_recorded(kenya):
    recruiter_id = kenya.register()
    base = f"/v1/recruiters/{recruiter_id}"
    violation = kenya.post(
        f"{base}/violations",
        {
            "description": "Charged placement fees",
            "decided_on": "2026-03-01",
            "penalty": {"description": "fine", "amount": "5000.50", "currency": "KES"},
        },
    )
    assert violation.status_code == 201 and violation.json["violation_id"] == "v1"
    assert violation.json["violations"][0]["penalty"]["amount"] == "5000.5"
    branch = kenya.post(f"{base}/branches", {"name": "Mombasa", "address": "Moi Avenue 1"})
    assert branch.status_code == 201 and branch.json["branches"][0]["country"] == "KE"
    assert kenya.post(f"{base}/branches/b1/close", {"reason": "moved"}).status_code == 200
    assert kenya.post(f"{base}/branches/b1/close", {}).status_code == 404
    officer = kenya.post(f"{base}/officers", {"name": "A. Director", "position": "director"})
    assert officer.status_code == 201 and officer.json["officer_id"] == "o1"
    assert kenya.post(f"{base}/officers/o1/remove").status_code == 200
    assert (
        kenya.post(
            f"{base}/deposit/draw", {"amount": "1", "currency": "KES", "claim_reference": "c"}
        ).status_code
        == 409
    )
    assert (
        kenya.post(f"{base}/deposit/lodge", {"amount": "1000", "currency": "KES"}).status_code
        == 200
    )
    overdrawn = kenya.post(
        f"{base}/deposit/draw", {"amount": "2000", "currency": "KES", "claim_reference": "c"}
    )
    assert overdrawn.status_code == 422 and "amount" in overdrawn.json["errors"]
    assert (
        kenya.post(f"{base}/deposit/top-up", {"amount": "500", "currency": "KES"}).status_code
        == 200
    )
    forfeited = kenya.post(f"{base}/deposit/forfeit", {"reason": "unpaid claims"})
    assert forfeited.json["deposit"] == {"status": "forfeited", "currency": "KES", "balance": "0"}
    shown = kenya.get(base).json
    assert shown["branches"][0]["closed_at"] and shown["officers"][0]["removed_at"]


def test_a_claim_left_by_a_lost_race_does_not_block_its_number(kenya, parts):
    """Two applications raced: both claimed a number for licence -l1, one lost. The loser's
    number must stay usable."""
    from services.licensing.domain import LicenceNumberClaim, claim_stream

    recruiter_id = kenya.register()
    lost = parts.writer.load_or_new(LicenceNumberClaim, claim_stream("KE", "RA/2"))
    lost.claim("KE", "RA/2", recruiter_id, f"{recruiter_id}-l1")
    from shared.commands import CommandContext
    from shared.events.envelope import Provenance

    parts.writer.save(
        lost,
        CommandContext(Provenance("ministry_officer/KE")),
        lambda _: {},
    )
    won = kenya.post("/v1/licences", {"recruiter_id": recruiter_id, "licence_number": "RA/1"})
    assert won.status_code == 201 and won.json["licence_id"] == f"{recruiter_id}-l1"
    kenya.post(f"/v1/licences/{recruiter_id}-l1/deny", {"reason": "incomplete file"})
    again = kenya.post("/v1/licences", {"recruiter_id": recruiter_id, "licence_number": "RA/2"})
    assert again.status_code == 201, again.json
    assert again.json["licence_id"] == f"{recruiter_id}-l2"
    other = kenya.register("C.2/2020")
    assert (
        kenya.post("/v1/licences", {"recruiter_id": other, "licence_number": "RA/2"}).status_code
        == 409
    )
