"""A recruiter's whole story told to the four services, each a separate gunicorn process
and worker, on the real stack and on the embedded backend (issue: verification):

licensed -> certified once a major finding is closed -> a worker's report substantiated
(amber) -> licence suspended (red; the certificate suspended by policy) -> reinstated
(amber: the certificate is still suspended) -> the report resolved.

At every step the verdict, the reasons and the answers for earlier instants are checked,
and every receipt is verified with PyJWT from the JWKS alone. Then a replay and a restart
of every process keep every answer, and a poison message turns only its recruiter unknown.
"""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import UTC, date, datetime, timedelta

import jwt
import pytest
from kafka import KafkaConsumer, KafkaProducer

from shared.auth.tokens import mint_dev_token
from shared.backend import open_backend
from shared.clock import rfc3339
from shared.consumer import wait_for
from shared.readmodels.base import Query
from tests.e2e.services import Running, call, replayed

SERVICES = ["licensing", "certification", "monitoring", "verification"]
# The test polls faster than any one client should; the limit itself has its own test.
UNLIMITED = {"REGISTRY_PUBLIC_RATE_PER_MINUTE": "1000000"}
WORKER_NAME = "Amina Worker-Secret"  # personal data: must never reach verification
NARRATIVE = "They kept my passport in a locked drawer"
FAR = (date.today() + timedelta(days=3 * 365)).isoformat()


@pytest.fixture(params=["stack", "embedded"])
def settings(request):
    return request.getfixturevalue(f"{request.param}_settings")


class Story:
    def __init__(self, settings, running: Running):
        self.settings, self.running = settings, running
        self.ministry = mint_dev_token(settings, "ministry_officer", country="NP")
        self.owner = mint_dev_token(settings, "scheme_owner")
        self.monitor = mint_dev_token(settings, "monitor", org_id="ngo-kathmandu")
        self.consul = mint_dev_token(settings, "consular_officer", country="QA")
        self.seen: list[str] = []
        # Each settled answer: (recruiter, the instant just after, verdict, reason codes).
        self.steps: list[tuple[str, str, str, set[str]]] = []

    def url(self, service: str) -> str:
        return self.running.url(service)

    def write(self, service: str, path: str, body: dict, token: str, expect: int = 200) -> dict:
        status, answer = call(self.url(service), path, token, body)
        assert status == expect, (path, status, answer)
        return answer

    def ask(self, path: str, token: str | None = None, body: dict | None = None) -> dict:
        status, answer = call(self.url("verification"), path, token, body)
        assert status == 200, (path, answer, self.running.complaints())
        self.seen.append(json.dumps(answer))
        return answer

    def status(self, recruiter_id: str, as_of: str | None = None, token: str | None = None):
        query = f"?as_of={as_of}" if as_of else ""
        answer = self.ask(f"/v1/recruiters/{recruiter_id}{query}", token)
        claims = verified_receipt(self.url("verification"), answer["receipt"])
        assert claims["verdict"] == answer["verdict"] and claims["as_of"] == answer["as_of"]
        assert claims["sub"] == recruiter_id and claims["positions"] == answer["positions"]
        return answer

    def settles(self, recruiter_id: str, verdict: str, reasons: set[str], **expected) -> str:
        """Wait until verification answers so; the instant just after, for later checks."""

        def answered() -> bool:
            status = call(self.url("verification"), f"/v1/recruiters/{recruiter_id}")[0]
            if status in (404, 503):
                return False  # not yet projected, or the projection is catching up
            answer = self.status(recruiter_id)
            parts = {key: part(answer, key) for key in expected}
            return (answer["verdict"], codes(answer), parts) == (verdict, reasons, expected)

        settled = wait_for(answered, timeout=90)
        assert settled, (self.status(recruiter_id), self.running.complaints())
        instant = rfc3339(datetime.now(UTC))
        self.steps.append((recruiter_id, instant, verdict, reasons))
        return instant

    def licensed_recruiter(self, name: str, registration: str, licence_number: str):
        recruiter = self.write(
            "licensing",
            "/v1/recruiters",
            {"legal_name": name, "country": "NP", "registration_number": registration},
            self.ministry,
            201,
        )
        licence = self.write(
            "licensing",
            "/v1/licences",
            {"recruiter_id": recruiter["recruiter_id"], "licence_number": licence_number},
            self.ministry,
            201,
        )
        self.write(
            "licensing",
            f"/v1/licences/{licence['licence_id']}/issue",
            {"valid_from": "2026-01-01", "valid_until": FAR},
            self.ministry,
        )
        return recruiter["recruiter_id"], licence["licence_id"]


def part(answer: dict, dotted: str):
    for name in dotted.split("__"):
        answer = answer[name] if answer is not None else None
    return answer


def codes(answer: dict) -> set[str]:
    return {reason["code"] for reason in answer["reasons"]}


def verified_receipt(base: str, receipt: str) -> dict:
    """The receipt's claims, checked with nothing but the published JWKS."""
    status, jwks = call(base, "/.well-known/jwks.json")
    assert status == 200
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(receipt)["kid"]]
    return jwt.decode(receipt, key.key, algorithms=[key.algorithm_name])


def tampered(receipt: str) -> str:
    header, payload, signature = receipt.split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["verdict"] = "green"
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    return f"{header}.{forged}.{signature}"


def test_a_recruiters_whole_story_is_answered_signed_and_kept(settings, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    running = Running(settings, SERVICES, logs=logs, **UNLIMITED)
    try:
        story = Story(settings, running)
        answers = tell(story)
        kept = settled(lambda: snapshot(story, *answers))

        replay = replayed(settings, "verification")
        assert replay.returncode == 0, replay.stderr
        assert "verification.recruiter_status: generation 2 is current" in replay.stdout
        time.sleep(2)  # readers look the current generation up once a second
        assert snapshot(story, *answers) == kept

        running.stop()
        running = Running(settings, SERVICES, logs=logs, **UNLIMITED)
        story.running = running
        assert wait_for(lambda: snapshot(story, *answers) == kept, timeout=30)

        poison_turns_only_its_recruiter_unknown(story, answers[0], answers[1])
        story.ask(f"/v1/recruiters/{answers[0]}/history", story.consul)
        assert all(WORKER_NAME not in seen and NARRATIVE not in seen for seen in story.seen)
        for log in logs.iterdir():  # every service's output, monitoring's included
            assert WORKER_NAME not in log.read_text() and NARRATIVE not in log.read_text()
    finally:
        running.stop()


def tell(story: Story) -> tuple[str, str, str, list[str]]:
    """Play the story; the recruiter, a second recruiter, the licence number and the
    instants just after each step."""
    recruiter, licence = story.licensed_recruiter(
        "Himalayan Overseas Pvt. Ltd.", "128453/071/072", "0912/080/081"
    )
    other, _ = story.licensed_recruiter("Everest Manpower", "55/070", "1001/079/080")
    active = {"licence_active"}
    instants = [story.settles(recruiter, "green", active, licence__status="active")]
    story.settles(other, "green", active)

    # Certified once the major finding is closed.
    body = story.write(
        "certification",
        "/v1/certification-bodies",
        {"name": "Fair Labour Audits", "accreditation_number": "IRIS-CB-7"},
        story.owner,
        201,
    )
    auditor = mint_dev_token(story.settings, "certification_body", cb_id=body["cb_id"])
    certification: dict = {}

    def apply() -> bool:
        # Certification accepts the application once it has seen the licence active.
        body = {"recruiter_id": recruiter}
        answer = call(story.url("certification"), "/v1/certifications", auditor, body)[1]
        certification.update(answer)
        return "certification_id" in certification

    assert wait_for(apply, timeout=60)
    path = f"/v1/certifications/{certification['certification_id']}"
    audit = story.write(
        "certification",
        f"{path}/audits",
        {
            "type": "initial",
            "conducted_on": (date.today() - timedelta(days=10)).isoformat(),
            "findings": [
                {"principle": "no_fees_to_workers", "severity": "major", "description": "fees"}
            ],
        },
        auditor,
        201,
    )
    story.settles(
        recruiter,
        "green",
        active,
        certification__status="applied",
        certification__open_major_findings=1,
    )
    finding = audit["findings"][0]["finding_id"]
    story.write(
        "certification",
        f"{path}/findings/{finding}/close",
        {"verified_on": (date.today() - timedelta(days=1)).isoformat()},
        auditor,
    )
    story.write(
        "certification",
        f"{path}/decisions",
        {
            "decision": "grant",
            "certificate_number": "IRIS-NP-0042",
            "valid_until": (date.today() + timedelta(days=700)).isoformat(),
        },
        auditor,
    )
    instants.append(
        story.settles(
            recruiter,
            "green",
            active | {"certificate_valid"},
            certification__status="certified",
            certification__open_major_findings=0,
        )
    )

    # A worker's report, substantiated and referred: amber.
    complaint = {
        "subject": {"recruiter_id": recruiter},
        "categories": ["fees_charged", "passport_retention"],
        "fee_paid": {"amount": "1500", "currency": "USD"},
        "destination_country": "QA",
        "reporter": {"name": WORKER_NAME, "contact": "+974 5555 0101"},
        "narrative": NARRATIVE,
    }
    report: dict = {}

    def filed() -> bool:
        # Monitoring takes a report on a recruiter once its own directory knows it.
        status, answer = call(story.url("monitoring"), "/v1/reports", story.monitor, complaint)
        report.update(answer)
        return status == 201

    assert wait_for(filed, timeout=60), report
    reports = f"/v1/reports/{report['report_id']}"
    story.write("monitoring", f"{reports}/substantiate", {}, story.monitor)
    story.write("monitoring", f"{reports}/refer", {"country": "NP"}, story.monitor)
    instants.append(
        story.settles(
            recruiter,
            "amber",
            {"substantiated_report_open"},
            monitoring__substantiated_open=1,
            monitoring__by_category={"fees_charged": 1, "passport_retention": 1},
        )
    )

    # The licence suspended: red, and the certificate suspended by policy.
    story.write(
        "licensing", f"/v1/licences/{licence}/suspend", {"reason": "fees charged"}, story.ministry
    )
    instants.append(
        story.settles(
            recruiter,
            "red",
            {"licence_not_active", "certificate_suspended", "substantiated_report_open"},
            licence__status="suspended",
            certification__status="suspended",
        )
    )

    # Reinstated: amber, since the certificate stays suspended.
    story.write("licensing", f"/v1/licences/{licence}/reinstate", {}, story.ministry)
    instants.append(
        story.settles(
            recruiter,
            "amber",
            {"certificate_suspended", "substantiated_report_open"},
            licence__status="active",
            certification__status="suspended",
        )
    )

    # The report resolved with the fees reimbursed.
    story.write(
        "monitoring",
        f"{reports}/resolve",
        {"outcome": "fees_reimbursed", "fees_reimbursed": {"amount": "1500", "currency": "USD"}},
        story.monitor,
    )
    instants.append(
        story.settles(
            recruiter,
            "amber",
            {"certificate_suspended"},
            monitoring__substantiated_resolved=1,
            monitoring__fees_reimbursed=[{"amount": "1500", "currency": "USD"}],
        )
    )

    # Earlier instants keep their answers: verdict and reasons.
    asked = [
        (story.status(who, t)["verdict"], codes(story.status(who, t))) for who, t, *_ in story.steps
    ]
    assert asked == [(verdict, reasons) for *_, verdict, reasons in story.steps]
    expected = ["green", "green", "amber", "red", "amber", "amber"]
    assert [story.status(recruiter, t)["verdict"] for t in instants] == expected
    assert all(reason["event_id"] for reason in story.status(recruiter, instants[3])["reasons"])
    before_everything = rfc3339(datetime.now(UTC) - timedelta(days=400))
    assert codes(story.status(recruiter, before_everything)) == {"no_licence"}

    check_views(story, recruiter, other)
    return recruiter, other, "0912/080/081", instants


def check_views(story: Story, recruiter: str, other: str) -> None:
    base = story.url("verification")
    public = story.status(recruiter)
    assert "detail" not in public
    official = story.status(recruiter, token=story.consul)
    assert official["detail"]["referrals"][0]["country"] == "NP"
    assert official["detail"]["reports"][0]["substantiated_at"]
    by_number = story.ask("/v1/licences/NP/0912%2F080%2F081")
    assert by_number["recruiter_id"] == recruiter and by_number["verdict"] == "amber"
    status, missing = call(base, "/v1/licences/NP/9999")
    assert status == 404 and missing["detail"] == (
        "no recruiter with that licence number in country NP is known to this registry"
    )
    found = story.ask("/v1/recruiters?q=himalayan%20OVERSEAS&country=NP")
    assert [hit["recruiter_id"] for hit in found["items"]] == [recruiter]
    amber = story.ask("/v1/recruiters?country=NP&status=amber")
    assert [hit["recruiter_id"] for hit in amber["items"]] == [recruiter]
    history = story.ask(f"/v1/recruiters/{recruiter}/history")
    assert "licence_suspended" in {entry["event"] for entry in history["events"]}
    assert not {entry["event"] for entry in history["events"]} & {"report_received"}
    batch = story.ask(
        "/v1/verifications",
        body={
            "items": [
                {"recruiter_id": recruiter},
                {"country": "NP", "licence_number": "1001/079/080"},
                {"recruiter_id": "rec-unknown"},
            ]
        },
    )
    assert [r["found"] for r in batch["results"]] == [True, True, False]
    assert batch["results"][1]["status"]["recruiter_id"] == other
    claims = verified_receipt(base, batch["receipt"])
    assert [r.get("verdict") for r in claims["results"]] == ["amber", "green", None]
    with pytest.raises(jwt.InvalidSignatureError):
        verified_receipt(base, tampered(public["receipt"]))


def snapshot(story: Story, recruiter: str, other: str, number: str, instants: list[str]):
    """Every answer that must survive a replay and a restart, receipts aside."""

    def unsigned(answer: dict) -> dict:
        return {key: value for key, value in answer.items() if key != "receipt"}

    answers = [unsigned(story.status(recruiter, t)) for t in instants]
    answers.append(unsigned(story.status(other, instants[-1])))
    answers.append(unsigned(story.status(recruiter, instants[-1], token=story.consul)))
    answers.append(story.ask(f"/v1/recruiters/{recruiter}/history")["events"])
    answers.append(story.ask("/v1/recruiters?country=NP")["items"])
    return answers


def settled(take):
    """A snapshot once two taken apart agree: positions are written just after documents."""
    previous = take()
    for _ in range(20):
        time.sleep(1.5)
        current = take()
        if current == previous:
            return current
        previous = current
    raise AssertionError("the answers kept changing")


def poison_turns_only_its_recruiter_unknown(story: Story, recruiter: str, other: str) -> None:
    settings = story.settings
    # JSON, so the embedded bus can read its key, but no event of any schema.
    poison = json.dumps({"partitionkey": recruiter, "type": "not an event"}).encode()
    if settings.backend == "stack":
        producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
        producer.send(settings.topic("licensing.events"), key=recruiter.encode(), value=poison)
        producer.flush()
        producer.close()
    else:
        inject_into_producer_table(settings, poison)
    story.settles(recruiter, "unknown", {"integrity_gap", "certificate_suspended"})
    assert story.status(other)["verdict"] == "green"
    assert dead_lettered(settings, recruiter, poison)


def inject_into_producer_table(settings, body: bytes) -> None:
    """The embedded bus is the producers' event table: a corrupt row is a poison message."""
    with sqlite3.connect(settings.service_dir("licensing") / "events.sqlite3") as database:
        database.execute(
            "INSERT INTO commits (commit_id, stream_id, first_version, idempotency_key,"
            " published) VALUES ('poison', 'poison', 1, 'poison', 1)"
        )
        database.execute(
            "INSERT INTO events (commit_id, stream_id, version, body)"
            " VALUES ('poison', 'poison', 1, ?)",
            (body.decode(),),
        )


def dead_lettered(settings, recruiter: str, poison: bytes) -> bool:
    if settings.backend == "embedded":
        backend = open_backend(settings)
        found = backend.read_models("verification").find("dead_letters", Query({"key": recruiter}))
        return any(letter["value"] == poison.decode() for letter in found.items)
    consumer = KafkaConsumer(
        settings.topic("licensing.events.dlq"),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
    )
    letters = [record for record in consumer if record.value == poison]
    consumer.close()
    return bool(letters) and all(dict(r.headers).get("reason") for r in letters)
