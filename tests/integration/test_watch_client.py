"""registry_client's typed watch-list calls against the real watch service over HTTP
(embedded store): what an employer's own tooling would do, refusals as problems."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from werkzeug.serving import make_server

from registry_client.fetch import ProblemAnswer
from registry_client.watch import WatchClient
from services.watch.bootstrap import SERVICE as WATCH
from shared.auth.tokens import mint_dev_token


@pytest.fixture
def served(embedded_settings):
    settings = dataclasses.replace(embedded_settings, webhooks_allow_local=True)
    server = make_server("127.0.0.1", 0, WATCH.create_app(settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        yield lambda org: WatchClient(url, mint_dev_token(settings, "employer", org=org))
    finally:
        server.shutdown()
        thread.join()


def test_an_employer_sets_up_a_watch_list_and_its_webhook_through_the_client(served):
    acme = served("acme")
    watchlist = acme.create_watchlist("Suppliers in Nepal")
    assert acme.watchlist(watchlist)["entries"] == []
    assert acme.changes(watchlist)["changes"] == []

    with pytest.raises(ProblemAnswer) as unknown:
        acme.add_entry(watchlist, country="NP", licence_number="NO/1")
    assert unknown.value.status == 422

    imported = acme.import_csv(watchlist, "recruiter_id\nrec-nobody\n")
    assert (imported["taken"], imported["refused"], len(imported["rows"])) == (0, 1, 1)

    subscription = acme.subscribe(watchlist, "http://127.0.0.1:9/hooks")
    assert subscription["secret"].startswith("whsec_")
    rotated = acme.rotate_secret(subscription["subscription_id"])
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != subscription["secret"]
    assert acme.deliveries(subscription["subscription_id"])["deliveries"] == []

    other = served("other-org")
    for call in (
        lambda: other.watchlist(watchlist),
        lambda: other.changes(watchlist),
        lambda: other.deliveries(subscription["subscription_id"]),
    ):
        with pytest.raises(ProblemAnswer) as hidden:
            call()
        assert hidden.value.status == 404
