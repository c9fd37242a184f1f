"""Issue 13's story on the stack, every service a process of its own: an employer watches
three recruiters (one by licence number) and subscribes a local receiver that checks
each delivery with the ``standardwebhooks`` package. A licence suspension, a certificate
suspension, a substantiated report and a licence reaching its last 30 days (time moved
by the injected clock, not by sleeping) each arrive once, signed, with a receipt; while
the receiver is down the deliveries are retried under the same webhook-id and arrive
when it is back; the pull feed shows the same changes in the same order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from shared.auth.tokens import mint_dev_token
from shared.consumer import wait_for
from tests.e2e.services import Running, call
from tests.webhook_receiver import Receiver

SERVICES = ["licensing", "certification", "monitoring", "verification", "watch"]
TODAY = date.today()


def test_an_employer_hears_of_every_change_once_signed_and_in_order(stack_settings, tmp_path):
    settings = stack_settings
    clock_offset = tmp_path / "clock-offset"
    running = Running(
        settings,
        SERVICES,
        logs=tmp_path,
        REGISTRY_PUBLIC_RATE_PER_MINUTE="1000000",
        REGISTRY_WEBHOOKS_ALLOW_LOCAL="1",
        REGISTRY_WEBHOOK_RETRY_BASE_S="0.5",
        REGISTRY_WEBHOOK_RETRY_CAP_S="2",
        REGISTRY_CLOCK_OFFSET_FILE=str(clock_offset),
    )
    receiver = Receiver()
    try:
        story(settings, running, receiver, clock_offset)
    finally:
        receiver.stop()
        running.stop()


def write(running, service, path, token, body, expect=200) -> dict:
    status, answer = call(running.url(service), path, token, body)
    assert status == expect, (path, status, answer)
    return answer


def story(settings, running, receiver, clock_offset) -> None:
    ministry = mint_dev_token(settings, "ministry_officer", country="KE")
    owner = mint_dev_token(settings, "scheme_owner")
    monitor = mint_dev_token(settings, "monitor", org_id="ngo-nairobi")
    employer = mint_dev_token(settings, "employer", org="acme-farms")

    def licensed(number: str, licence_number: str, valid_until: date) -> tuple[str, str]:
        body = {"legal_name": f"Agency {number}", "country": "KE", "registration_number": number}
        recruiter = write(running, "licensing", "/v1/recruiters", ministry, body, 201)
        body = {"recruiter_id": recruiter["recruiter_id"], "licence_number": licence_number}
        licence = write(running, "licensing", "/v1/licences", ministry, body, 201)
        issue = {"valid_from": "2020-01-01", "valid_until": valid_until.isoformat()}
        write(running, "licensing", f"/v1/licences/{licence['licence_id']}/issue", ministry, issue)
        return recruiter["recruiter_id"], licence["licence_id"]

    suspended, licence_a = licensed("C.1/2020", "RA/1", TODAY + timedelta(days=700))
    certified, _ = licensed("C.2/2020", "RA/2", TODAY + timedelta(days=700))
    expiring_on = TODAY + timedelta(days=45)
    expiring, _ = licensed("C.3/2020", "RA/3", expiring_on)

    body = {"name": "Fair Audits", "accreditation_number": "IRIS-CB-1"}
    cb = write(running, "certification", "/v1/certification-bodies", owner, body, 201)
    auditor = mint_dev_token(settings, "certification_body", cb_id=cb["cb_id"])
    certification: dict = {}

    def applied() -> bool:
        answer = call(
            running.url("certification"), "/v1/certifications", auditor, {"recruiter_id": certified}
        )[1]
        certification.update(answer)
        return "certification_id" in certification

    assert wait_for(applied, timeout=90)
    path = f"/v1/certifications/{certification['certification_id']}"
    audit = {
        "type": "initial",
        "conducted_on": (TODAY - timedelta(days=5)).isoformat(),
        "findings": [],
    }
    write(running, "certification", f"{path}/audits", auditor, audit, 201)
    grant = {
        "decision": "grant",
        "certificate_number": "IRIS-KE-1",
        "valid_until": (TODAY + timedelta(days=700)).isoformat(),
    }
    write(running, "certification", f"{path}/decisions", auditor, grant)

    # The employer's watch-list: two by id, one by the number on workers' papers.
    watchlist = write(running, "watch", "/v1/watchlists", employer, {"name": "Suppliers"}, 201)
    entries = f"/v1/watchlists/{watchlist['watchlist_id']}/entries"
    for wanted in (
        {"recruiter_id": suspended},
        {"recruiter_id": certified},
        {"country": "KE", "licence_number": "RA/3", "label": "Mombasa"},
    ):
        assert wait_for(
            lambda w=wanted: call(running.url("watch"), entries, employer, w)[0] == 201, timeout=90
        ), wanted
    shown = f"/v1/watchlists/{watchlist['watchlist_id']}"
    settled = {suspended: "green", certified: "green", expiring: "green"}

    def verdicts() -> dict[str, str]:
        answer = call(running.url("watch"), shown, employer)[1]
        return {e["recruiter_id"]: e["verdict"] for e in answer["entries"]}

    # Settled: every first answer heard (the certificate's grant included) before subscribing.
    assert wait_for(lambda: verdicts() == settled, timeout=120), verdicts()
    assert wait_for(lambda: certificate_heard(running, employer, shown, certified), timeout=60)
    feed = f"{shown}/changes"
    start = call(running.url("watch"), feed, employer)[1]
    while start["changes"]:
        start = call(running.url("watch"), f"{feed}?after={start['next']}", employer)[1]
    cursor = start["next"]

    receiver.start()
    subscription = write(
        running, "watch", f"{shown}/subscriptions", employer, {"url": receiver.url}, 201
    )
    receiver.secret = subscription["secret"]

    def arrived(count: int) -> bool:
        return len(receiver.events()) >= count

    # 1. The licence is suspended: red.
    write(running, "licensing", f"/v1/licences/{licence_a}/suspend", ministry, {"reason": "fees"})
    assert wait_for(lambda: arrived(1), timeout=60)
    # 2. The certificate is suspended: amber.
    suspend = {"decision": "suspend", "reason": "major finding"}
    write(running, "certification", f"{path}/decisions", auditor, suspend)
    assert wait_for(lambda: arrived(2), timeout=60)

    # 3. The receiver is down while a worker's report is substantiated.
    receiver.stop()
    complaint = {
        "subject": {"recruiter_id": expiring},
        "categories": ["fees_charged"],
        "destination_country": "QA",
    }
    report: dict = {}
    assert wait_for(
        lambda: (
            report.update(call(running.url("monitoring"), "/v1/reports", monitor, complaint)[1])
            or "report_id" in report
        ),
        timeout=60,
    )
    write(running, "monitoring", f"/v1/reports/{report['report_id']}/substantiate", monitor, {})
    log = f"/v1/subscriptions/{subscription['subscription_id']}/deliveries"

    def retried() -> bool:
        deliveries = call(running.url("watch"), log, employer)[1]["deliveries"]
        return any(d["attempts"] >= 2 and d["state"] == "pending" for d in deliveries)

    assert wait_for(retried, timeout=60)
    receiver.start()
    assert wait_for(lambda: arrived(3), timeout=60)

    # 4. Time moves (no sleeping) to the first instant of the licence's last 30 days.
    last_30_days = datetime.combine(expiring_on - timedelta(days=30), datetime.min.time(), UTC)
    offset = (last_30_days - datetime.now(UTC)).total_seconds() + 1
    clock_offset.write_text(str(offset))
    assert wait_for(lambda: arrived(4), timeout=60)

    events = receiver.events()
    changes = [(e["subject"], e["data"]["verdict"], tuple(e["data"]["reasons"])) for _, e in events]
    assert changes == [
        (suspended, "red", ("licence_not_active",)),
        (certified, "amber", ("certificate_suspended",)),
        (expiring, "amber", ("substantiated_report_open",)),
        (expiring, "amber", ("licence_expiring", "substantiated_report_open")),
    ]
    assert changes[3] and events[3][1]["data"]["changed_at"] == rfc3339_ms(last_30_days)
    assert len({webhook_id for webhook_id, _ in events}) == 4  # each once
    for _, event in events:
        assert event["type"] == "registry.verification.status_changed.v1"
        assert event["data"]["receipt"].count(".") == 2  # a compact JWS from verification
    deliveries = call(running.url("watch"), log, employer)[1]["deliveries"]
    assert [d["webhook_id"] for d in deliveries] == [webhook_id for webhook_id, _ in events]
    assert deliveries[2]["attempts"] >= 2 and deliveries[2]["state"] == "delivered"
    assert all(d["state"] == "delivered" for d in deliveries)

    # The pull feed: the same changes, in the same order.
    after = call(running.url("watch"), f"{feed}?after={cursor}", employer)[1]["changes"]
    assert [(c["recruiter_id"], c["verdict"], tuple(c["reasons"])) for c in after] == changes
    assert [c["event_id"] for c in after] == [e["id"] for _, e in events]


def certificate_heard(running, employer, shown, recruiter_id) -> bool:
    answer = call(running.url("watch"), shown, employer)[1]
    entry = next(e for e in answer["entries"] if e["recruiter_id"] == recruiter_id)
    return (entry["status"] or {}).get("certificate_status") == "certified"


def rfc3339_ms(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%S.000Z")
