"""The watch service without I/O: CSV rows, webhook address rules, backoff, fan-out of
status changes to feeds and deliveries, and the courier's order, retries and giving up."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook

from services.watch import commands as c
from services.watch.collections import Deliveries, Subscriptions
from services.watch.delivery import Courier
from services.watch.domain import (
    MAX_IMPORT_ROWS,
    BadImport,
    Refused,
    Wanted,
    check_address,
    forbidden,
    retry_delay,
    rows_of,
)
from services.watch.handlers import Watch, changes, deliveries, handle
from services.watch.projections import ChangeFanOut, KnownRecruiters
from shared.readmodels.base import Query
from tests.fakes import InMemoryReadModelStore

NOW = datetime(2026, 6, 1, tzinfo=UTC)
PUBLIC = lambda host, port: ["93.184.215.14"]  # noqa: E731


def test_rows_are_read_by_their_header_and_each_bad_one_says_why():
    text = (
        "recruiter_id,country,licence_number,label,include_chain\n"
        "rec-1,,,ours,true\n"
        ",ke,RA/9,,\n"
        "rec-2,KE,RA/1,,\n"
        ",,,,\n"
        "bad id,,,,\n"
        ",KEN,RA/1,,\n"
        "rec-3,,,,maybe\n"
    )
    rows = dict(rows_of(text))
    assert rows[1] == Wanted("rec-1", label="ours", include_chain=True)
    assert rows[2] == Wanted(None, "KE", "RA/9")
    assert "not both" in rows[3]
    assert "give recruiter_id" in rows[4]
    assert "not a valid id" in rows[5]
    assert "ISO 3166" in rows[6]
    assert "include_chain" in rows[7]


def test_a_file_without_a_header_or_over_the_limit_is_refused_whole():
    with pytest.raises(BadImport, match="first line"):
        rows_of("rec-1\nrec-2\n")
    with pytest.raises(BadImport, match="10000"):
        rows_of("recruiter_id\n" + "rec-1\n" * (MAX_IMPORT_ROWS + 1))
    assert len(rows_of("recruiter_id\n" + "rec-1\n" * MAX_IMPORT_ROWS)) == MAX_IMPORT_ROWS
    with pytest.raises(BadImport, match="not CSV"):
        rows_of('recruiter_id\n"' + "a" * 200_000 + '"\n')  # over the csv module's field limit


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "a loopback"),
        ("::1", "a loopback"),
        ("10.1.2.3", "a private"),
        ("192.168.0.9", "a private"),
        ("172.16.4.4", "a private"),
        ("100.64.0.1", "a private"),
        ("169.254.169.254", "a cloud metadata"),
        ("169.254.10.10", "a link-local"),
        ("fe80::1", "a link-local"),
        ("::ffff:127.0.0.1", "a loopback"),
        ("0.0.0.0", "a private"),
        ("93.184.215.14", None),
    ],
)
def test_addresses_no_webhook_may_reach(address, kind):
    assert forbidden(address) == kind


def test_a_url_is_refused_naming_why():
    with pytest.raises(Refused, match="https"):
        check_address("http://example.org/hook", False, PUBLIC)
    with pytest.raises(Refused, match="loopback address 127.0.0.1"):
        check_address("https://x.example/hook", False, lambda h, p: ["93.184.215.14", "127.0.0.1"])
    with pytest.raises(Refused, match="does not resolve"):
        check_address("https://nowhere.invalid/", False, lambda h, p: [])
    with pytest.raises(Refused, match="not well formed"):
        check_address("https://[nope/hook", False, PUBLIC)
    with pytest.raises(Refused, match="port"):
        check_address("https://example.org:99999/", False, PUBLIC)

    def bad_name(host, port):
        raise UnicodeError("label too long")

    with pytest.raises(Refused, match="does not resolve"):
        check_address("https://" + "a" * 70 + ".example/", False, bad_name)
    with pytest.raises(Refused, match="user name"):
        check_address("https://a:b@example.org/", False, PUBLIC)
    assert check_address("https://example.org:8443/h", False, PUBLIC) == (
        "example.org",
        8443,
        ["93.184.215.14"],
    )
    # Development: http and local addresses, only when allowed.
    assert check_address("http://127.0.0.1:9/h", True, lambda h, p: ["127.0.0.1"])[2] == [
        "127.0.0.1"
    ]


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    rng = random.Random(7)
    for attempts in range(1, 30):
        delay = retry_delay(attempts, 5.0, 3600.0, rng).total_seconds()
        assert 2.5 <= delay <= min(3600.0, 5.0 * 2 ** (attempts - 1))
    delays = {retry_delay(6, 5.0, 3600.0, rng) for _ in range(20)}
    assert len(delays) > 1  # jittered


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def watching(*recruiters: str, chain=None):
    store = InMemoryReadModelStore()
    for recruiter in recruiters:
        store.put(f"{KnownRecruiters.collection}_g1", recruiter, {"recruiter_id": recruiter}, 0)
    watch = Watch(store, Clock(NOW), resolve=PUBLIC)
    watchlist = handle(c.CreateWatchlist("acme", "ours"), watch)["watchlist_id"]
    fan_out = ChangeFanOut(store, chain or (lambda agent: []))
    return store, watch, watchlist, fan_out


def status_changed(recruiter: str, version: int, verdict: str) -> dict:
    return {
        "specversion": "1.0",
        "id": f"evt-{recruiter}-{version}",
        "source": "/verification",
        "type": "registry.verification.status_changed.v1",
        "subject": recruiter,
        "time": "2026-06-01T00:00:00.000Z",
        "datacontenttype": "application/json",
        "dataschema": "contracts/events/verification/status_changed.v1.json",
        "streamversion": version,
        "effectiveat": "2026-06-01T00:00:00.000Z",
        "actor": "system/status-changes",
        "correlationid": "x",
        "partitionkey": recruiter,
        "recruiterid": recruiter,
        "data": {
            "recruiter_id": recruiter,
            "changed_at": f"2026-06-01T00:00:0{version}.000Z",
            "verdict": verdict,
            "reasons": [],
            "licence_status": "active",
            "certificate_status": None,
            "previous_verdict": None,
        },
    }


def test_a_change_reaches_the_feed_and_the_subscriptions_of_lists_watching_it_once():
    store, watch, watchlist, fan_out = watching("rec-1", "rec-2")
    handle(c.AddEntry("acme", watchlist, "rec-1"), watch)
    subscription = handle(c.Subscribe("acme", watchlist, "https://hooks.example/in"), watch)
    for event in (status_changed("rec-1", 1, "green"), status_changed("rec-2", 1, "red")):
        fan_out.apply(event)
    fan_out.apply(status_changed("rec-1", 1, "green"))  # redelivered
    fan_out.apply(status_changed("rec-1", 2, "red"))
    feed = changes(watch, "acme", watchlist, 0, 100)
    assert [(i["recruiter_id"], i["verdict"]) for i in feed["changes"]] == [
        ("rec-1", "green"),
        ("rec-1", "red"),
    ]
    assert (
        changes(watch, "acme", watchlist, int(feed["changes"][0]["cursor"]), 100)["changes"]
        == feed["changes"][1:]
    )
    owed = deliveries(watch, "acme", subscription["subscription_id"], 0, 100)["deliveries"]
    assert [d["verdict"] for d in owed] == ["green", "red"]
    shown = handlers_show(watch, watchlist)
    assert shown["entries"][0]["verdict"] == "red"


def handlers_show(watch, watchlist):
    from services.watch.handlers import show_watchlist

    return show_watchlist(watch, "acme", watchlist, 100, 0)


def test_include_chain_watches_the_agents_the_chain_seam_names():
    chain = {"rec-agent": ["rec-1"]}
    store, watch, watchlist, fan_out = watching("rec-1", chain=lambda a: chain.get(a, []))
    other = handle(c.CreateWatchlist("acme", "plain"), watch)["watchlist_id"]
    handle(c.AddEntry("acme", watchlist, "rec-1", include_chain=True), watch)
    handle(c.AddEntry("acme", other, "rec-1"), watch)
    fan_out.apply(status_changed("rec-agent", 1, "red"))
    assert [i["recruiter_id"] for i in changes(watch, "acme", watchlist, 0, 10)["changes"]] == [
        "rec-agent"
    ]
    assert changes(watch, "acme", other, 0, 10)["changes"] == []


class Receiver:
    """Answers each POST with the next status of ``statuses`` (the last one after)."""

    def __init__(self, *statuses: int):
        self.statuses = list(statuses)
        self.received: list[tuple[str, dict, dict]] = []  # (raw body, body, headers)

    def post(self, url: str, body: str, headers: dict) -> int:
        self.received.append((body, json.loads(body), headers))
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


class FixedReceipts:
    def at(self, recruiter_id: str, changed_at: str) -> str:
        return f"receipt-of-{recruiter_id}-at-{changed_at}"


def courier_with(*statuses: int):
    store, watch, watchlist, fan_out = watching("rec-1", "rec-2")
    handle(c.AddEntry("acme", watchlist, "rec-1"), watch)
    handle(c.AddEntry("acme", watchlist, "rec-2"), watch)
    subscription = handle(c.Subscribe("acme", watchlist, "https://hooks.example/in"), watch)
    receiver, clock = Receiver(*statuses), Clock(NOW)
    courier = Courier(store, clock, receiver, FixedReceipts(), 1.0, 60.0, random.Random(1))
    return store, watch, watchlist, fan_out, subscription, receiver, clock, courier


def pending(store) -> list[dict]:
    return store.find(Deliveries.collection, Query({"state": "pending"}, limit=100)).items


def test_a_delivery_is_signed_and_retried_under_the_same_webhook_id_in_order():
    store, watch, watchlist, fan_out, subscription, receiver, clock, courier = courier_with(
        500, 503, 200
    )
    fan_out.apply(status_changed("rec-1", 1, "green"))
    fan_out.apply(status_changed("rec-1", 2, "red"))
    courier.deliver_due()
    assert len(receiver.received) == 1  # the second waits for the first
    for _ in range(10):
        clock.now += timedelta(minutes=2)
        courier.deliver_due()
    ids = [headers["webhook-id"] for _, _, headers in receiver.received]
    verdicts = [body["data"]["verdict"] for _, body, _ in receiver.received]
    assert ids[:3] == [ids[0]] * 3 and ids[3] != ids[0]
    assert verdicts == ["green", "green", "green", "red"]
    raw, body, headers = receiver.received[-1]
    # Signed at the attempt's instant (its webhook-timestamp), as a receiver checks it.
    sent_at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    signature = Webhook(subscription["secret"]).sign(headers["webhook-id"], sent_at, raw)
    assert headers["webhook-signature"] == signature
    assert body["type"] == "registry.verification.status_changed.v1"
    assert body["data"]["receipt"].startswith("receipt-of-rec-1")
    assert not pending(store)


def test_a_subscription_failing_for_24_hours_is_disabled_and_the_feed_says_so():
    store, watch, watchlist, fan_out, subscription, receiver, clock, courier = courier_with(500)
    fan_out.apply(status_changed("rec-1", 1, "green"))
    courier.deliver_due()
    clock.now += timedelta(hours=23)
    courier.deliver_due()
    assert (
        store.get(Subscriptions.collection, subscription["subscription_id"]).document["state"]
        == "active"
    )
    clock.now += timedelta(hours=1, minutes=1)
    courier.deliver_due()
    stored = store.get(Subscriptions.collection, subscription["subscription_id"]).document
    assert stored["state"] == "disabled"
    kinds = [i["kind"] for i in changes(watch, "acme", watchlist, 0, 10)["changes"]]
    assert kinds == ["status_changed", "subscription_disabled"]
    assert not pending(store)


def test_redelivery_sends_again_under_the_same_webhook_id():
    store, watch, watchlist, fan_out, subscription, receiver, clock, courier = courier_with(200)
    fan_out.apply(status_changed("rec-2", 1, "amber"))
    courier.deliver_due()
    [delivery] = deliveries(watch, "acme", subscription["subscription_id"], 0, 10)["deliveries"]
    assert delivery["state"] == "delivered"
    again = handle(
        c.Redeliver("acme", subscription["subscription_id"], delivery["delivery_id"]), watch
    )
    assert again["state"] == "pending"
    courier.deliver_due()
    assert [h["webhook-id"] for _, _, h in receiver.received] == [delivery["webhook_id"]] * 2


def test_a_rotated_secret_signs_beside_the_old_one_for_a_day():
    store, watch, watchlist, fan_out, subscription, receiver, clock, courier = courier_with(200)
    rotated = handle(c.RotateSecret("acme", subscription["subscription_id"]), watch)
    assert rotated["secret"] != subscription["secret"] and rotated["secret"].startswith("whsec_")
    fan_out.apply(status_changed("rec-1", 1, "green"))
    courier.deliver_due()
    _, _, headers = receiver.received[-1]
    raw, _, headers = receiver.received[-1]
    sent_at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    both = {
        Webhook(s).sign(headers["webhook-id"], sent_at, raw)
        for s in (rotated["secret"], subscription["secret"])
    }
    assert set(headers["webhook-signature"].split(" ")) == both


def test_a_name_that_resolves_elsewhere_at_delivery_is_refused_before_connecting():
    """DNS rebinding: public when subscribed, loopback when the delivery connects."""
    from services.watch.delivery import PinnedSender

    answers = {"hooks.example": ["93.184.215.14"]}
    store, watch, watchlist, fan_out = watching("rec-1")
    watch.resolve = lambda host, port: answers[host]
    handle(c.AddEntry("acme", watchlist, "rec-1"), watch)
    subscription = handle(c.Subscribe("acme", watchlist, "https://hooks.example/in"), watch)
    answers["hooks.example"] = ["127.0.0.1"]
    sender = PinnedSender(False, lambda host, port: answers[host])
    courier = Courier(store, Clock(NOW), sender, FixedReceipts(), 1.0, 60.0, random.Random(1))
    fan_out.apply(status_changed("rec-1", 1, "red"))
    courier.deliver_due()
    [delivery] = deliveries(watch, "acme", subscription["subscription_id"], 0, 10)["deliveries"]
    assert delivery["state"] == "pending" and delivery["attempts"] == 1
    assert "loopback address 127.0.0.1" in delivery["last_attempt"]["error"]
    assert not sender._pools  # no connection was ever opened


def test_the_agents_a_recruiter_works_through_are_found_by_their_licence_numbers():
    from services.watch.projections import AgentLinks, principals_of
    from shared.events.catalogue import Received
    from shared.events.licensing import AgentDeclared, AgentLinkEnded, LicenceApplied

    store = InMemoryReadModelStore()
    links = AgentLinks(store)
    versions: dict[str, int] = {}

    def told(recruiter_id: str, event) -> None:
        versions[recruiter_id] = versions.get(recruiter_id, 0) + 1
        at = "2026-03-01T00:00:00.000Z"
        links.apply_received(
            Received(event, f"e{sum(versions.values())}", "/licensing", recruiter_id,
                     versions[recruiter_id], at, recruiter_id=recruiter_id)
        )  # fmt: skip

    told("rec-sub", LicenceApplied("lic-1", "rec-sub", "NP", "77/081"))
    told("rec-agency", AgentDeclared("ag-1", "Terai Sub-Agents", "NP", "sub_agent", "77/081"))
    told("rec-other", AgentDeclared("ag-9", "Unlicensed Broker", "NP", "sub_agent", None))
    assert principals_of(store, AgentLinks.collection, "rec-sub") == ["rec-agency"]
    told("rec-late", AgentDeclared("ag-2", "Terai Sub-Agents", "NP", "sub_agent", "77/081"))
    assert principals_of(store, AgentLinks.collection, "rec-sub") == ["rec-agency", "rec-late"]
    told("rec-agency", AgentLinkEnded("ag-1"))
    assert principals_of(store, AgentLinks.collection, "rec-sub") == ["rec-late"]
    assert principals_of(store, AgentLinks.collection, "rec-agency") == []
