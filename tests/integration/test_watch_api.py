"""The watch API on real stores, on both backends: entries by id or licence number from
licensing's events, a CSV import answered per row, secrets shown once, and another
organisation's watch-list, subscription or delivery not found on every route (SPEC §15)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from services.licensing.bootstrap import SERVICE as LICENSING
from services.watch.bootstrap import SERVICE as WATCH
from services.watch.projections import owe
from shared.auth.tokens import mint_dev_token
from shared.consumer import wait_for
from tests.licensing_helpers import Ministry
from tests.workers import workers_running


@pytest.fixture(params=["embedded", "stack"])
def settings(request):
    return request.getfixturevalue(f"{request.param}_settings")


class Employer:
    def __init__(self, client, settings, org: str):
        self.client = client
        token = mint_dev_token(settings, "employer", org=org)
        self.headers = {"Authorization": f"Bearer {token}"}

    def post(self, path: str, body: dict | None = None):
        return self.client.post(path, json=body or {}, headers=self.headers)

    def csv(self, path: str, text: str):
        headers = {**self.headers, "Content-Type": "text/csv"}
        return self.client.post(path, data=text.encode(), headers=headers)

    def get(self, path: str):
        return self.client.get(path, headers=self.headers)

    def delete(self, path: str):
        return self.client.delete(path, headers=self.headers)


@pytest.fixture
def world(settings):
    settings = dataclasses.replace(settings, webhooks_allow_local=True)
    kenya = Ministry(LICENSING.create_app(settings).test_client(), settings)
    app = WATCH.create_app(settings)
    client = app.test_client()
    with workers_running(settings, LICENSING, WATCH):
        recruiters = [kenya.licensed(f"C.{n}/2020", f"RA/{n}")[0] for n in range(3)]
        acme = Employer(client, settings, "acme")
        created = acme.post("/v1/watchlists", {"name": "Suppliers"}).json["watchlist_id"]
        # Known to the watch service once its projection has read licensing's events.
        probe = f"/v1/watchlists/{created}/entries"
        assert wait_for(
            lambda: (
                acme.post(probe, {"country": "KE", "licence_number": "RA/2"}).status_code == 201
            ),
            timeout=120,
        )
        yield app, acme, Employer(client, settings, "other"), created, recruiters


def test_entries_by_id_and_by_licence_number_and_an_import_answered_per_row(world):
    _, acme, _, watchlist, recruiters = world
    added = acme.post(
        f"/v1/watchlists/{watchlist}/entries",
        {"recruiter_id": recruiters[0], "label": "Nairobi agent", "include_chain": True},
    )
    assert added.status_code == 201 and added.json["recruiter_id"] == recruiters[0]
    again = acme.post(f"/v1/watchlists/{watchlist}/entries", {"recruiter_id": recruiters[0]})
    assert again.status_code == 409
    unknown = acme.post(
        f"/v1/watchlists/{watchlist}/entries", {"country": "KE", "licence_number": "NO/1"}
    )
    assert unknown.status_code == 422
    assert "licence number NO/1 in country KE" in unknown.json["detail"]
    rows = "recruiter_id,country,licence_number,label\n"
    rows += f"{recruiters[1]},,,second\n,KE,RA/404,\nrec-nobody,,,\n{recruiters[0]},,,\n"
    imported = acme.csv(f"/v1/watchlists/{watchlist}/entries/import", rows)
    assert imported.status_code == 200, imported.json
    assert (imported.json["taken"], imported.json["refused"]) == (1, 3)
    assert [row["taken"] for row in imported.json["rows"]] == [True, False, False, False]
    assert "already on this watch-list" in imported.json["rows"][3]["reason"]
    assert acme.csv(f"/v1/watchlists/{watchlist}/entries/import", "nothing\n").status_code == 422
    bad_type = acme.post(f"/v1/watchlists/{watchlist}/entries/import", {"rows": []})
    assert bad_type.status_code == 415
    shown = acme.get(f"/v1/watchlists/{watchlist}").json
    assert sorted(e["recruiter_id"] for e in shown["entries"]) == sorted(recruiters)
    chained = next(e for e in shown["entries"] if e["recruiter_id"] == recruiters[0])
    assert (chained["label"], chained["include_chain"]) == ("Nairobi agent", True)
    removed = acme.delete(f"/v1/watchlists/{watchlist}/entries/{added.json['entry_id']}")
    assert removed.status_code == 204
    assert acme.get(f"/v1/watchlists/{watchlist}").json["entries_total"] == 2


def test_a_secret_is_shown_once_rotated_and_a_refused_url_is_422_naming_why(world, settings):
    app, acme, _, watchlist, _ = world
    made = acme.post(f"/v1/watchlists/{watchlist}/subscriptions", {"url": "http://127.0.0.1:9/x"})
    assert made.status_code == 201 and made.json["secret"].startswith("whsec_")
    shown = acme.get(f"/v1/watchlists/{watchlist}").json["subscriptions"]
    assert shown[0]["subscription_id"] == made.json["subscription_id"]
    assert "secret" not in shown[0] and made.json["secret"] not in str(shown)
    rotated = acme.post(f"/v1/subscriptions/{made.json['subscription_id']}/rotate-secret")
    assert rotated.status_code == 200 and rotated.json["secret"] != made.json["secret"]
    # Without REGISTRY_WEBHOOKS_ALLOW_LOCAL: https only, and nothing local.
    strict = app.extensions["registry"].parts
    watch_strict = WATCH.create_app(
        strict.settings.__class__(**{**strict.settings.__dict__, "webhooks_allow_local": False})
    )
    client = watch_strict.test_client()
    for url, why in (
        ("http://example.org/hook", "must use https"),
        ("https://127.0.0.1/hook", "loopback address 127.0.0.1"),
        ("https://169.254.169.254/latest", "cloud metadata address"),
        ("https://10.0.0.8/hook", "private address"),
    ):
        refused = client.post(
            f"/v1/watchlists/{watchlist}/subscriptions", json={"url": url}, headers=acme.headers
        )
        assert refused.status_code == 422, url
        assert why in refused.json["detail"] and refused.json["errors"]["url"]


def test_another_organisations_things_are_not_found_on_every_route(world):
    app, acme, other, watchlist, recruiters = world
    entry = acme.post(f"/v1/watchlists/{watchlist}/entries", {"recruiter_id": recruiters[0]})
    subscription = acme.post(
        f"/v1/watchlists/{watchlist}/subscriptions", {"url": "http://127.0.0.1:9/x"}
    ).json
    store = app.extensions["registry"].parts.read_models
    change = {
        "event_id": "e-1",
        "recruiter_id": recruiters[0],
        "changed_at": "2026-06-01T00:00:00.000Z",
        "verdict": "red",
    }
    owe(store, {**subscription, "org": "acme"}, 1, change)
    log = acme.get(f"/v1/subscriptions/{subscription['subscription_id']}/deliveries").json
    delivery_id = log["deliveries"][0]["delivery_id"]
    ids = {
        "watchlist_id": watchlist,
        "entry_id": entry.json["entry_id"],
        "subscription_id": subscription["subscription_id"],
        "delivery_id": delivery_id,
    }
    bodies = {
        "/v1/watchlists/<watchlist_id>/entries": {"recruiter_id": recruiters[1]},
        "/v1/watchlists/<watchlist_id>/subscriptions": {"url": "http://127.0.0.1:9/y"},
    }
    checked = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/v1/") or "<" not in rule.rule:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: ids[m.group(1)], rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if rule.rule.endswith("/import"):
                response = other.csv(path, f"recruiter_id\n{recruiters[1]}\n")
            elif method == "POST":
                response = other.post(path, bodies.get(rule.rule, {}))
            elif method == "DELETE":
                response = other.delete(path)
            else:
                response = other.get(path)
            assert response.status_code == 404, (method, rule.rule, response.json)
            checked.add((method, rule.rule))
    assert len(checked) == 9  # every route naming a watch-list, subscription or delivery
    # ...and nothing the other organisation tried changed anything of acme's.
    shown = acme.get(f"/v1/watchlists/{watchlist}").json
    assert [e["recruiter_id"] for e in shown["entries"]] == [recruiters[2], recruiters[0]] or len(
        shown["entries"]
    ) == 2
    assert (
        acme.get(f"/v1/subscriptions/{subscription['subscription_id']}/deliveries").json[
            "deliveries"
        ][0]["state"]
        == "pending"
    )


def test_an_entry_with_include_chain_also_watches_the_agents_its_recruiter_works_through(
    settings,
):
    from services.verification.bootstrap import SERVICE as VERIFICATION

    kenya = Ministry(LICENSING.create_app(settings).test_client(), settings)
    acme = Employer(WATCH.create_app(settings).test_client(), settings, "acme")
    with workers_running(settings, LICENSING, VERIFICATION, WATCH):
        agency = kenya.licensed("AG.1/2020", "RA/AG1")[0]
        agent, agent_licence = kenya.licensed("SUB.1/2020", "RA/SUB1")
        declared = kenya.post(
            f"/v1/recruiters/{agency}/agents",
            {"name": "Sub One", "country": "KE", "role": "sub_agent", "licence_number": "RA/SUB1"},
        )
        assert declared.status_code == 201, declared.json
        chain = acme.post("/v1/watchlists", {"name": "With chain"}).json["watchlist_id"]
        plain = acme.post("/v1/watchlists", {"name": "Agency only"}).json["watchlist_id"]
        entry = {"recruiter_id": agency, "include_chain": True}
        assert wait_for(
            lambda: acme.post(f"/v1/watchlists/{chain}/entries", entry).status_code == 201,
            timeout=120,
        )
        assert (
            acme.post(f"/v1/watchlists/{plain}/entries", {"recruiter_id": agency}).status_code
            == 201
        )
        suspended = kenya.post(f"/v1/licences/{agent_licence}/suspend", {"reason": "fees charged"})
        assert suspended.status_code == 200

        def agent_changes(watchlist: str) -> list[str]:
            feed = acme.get(f"/v1/watchlists/{watchlist}/changes").json["changes"]
            return [c.get("verdict") for c in feed if c.get("recruiter_id") == agent]

        assert wait_for(lambda: "red" in agent_changes(chain), timeout=120)
        # The agency turns amber (chain_risk) in both; only the chain's list sees the agent.
        assert agent_changes(plain) == []
