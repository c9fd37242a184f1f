"""The verdict rules of SPEC §5 at any instant, from facts in any order; no I/O."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from services.verification.domain import Record, history, status_at

RECRUITER = "rec-abc"
LICENCE = f"{RECRUITER}-l1"
CERT = "cert-1"
JAN = datetime(2026, 1, 1, tzinfo=UTC)


def at(days: float) -> datetime:
    return JAN + timedelta(days=days)


class Story:
    """A recruiter's facts, numbered per stream as the producers number them."""

    def __init__(self):
        self.facts: list[dict] = []
        self.versions: dict[str, int] = defaultdict(int)

    def add(self, stream: str, kind: str, day: float, **data) -> dict:
        self.versions[stream] += 1
        fact = {
            "stream": stream,
            "version": self.versions[stream],
            "kind": kind,
            "event_id": str(uuid.uuid4()),
            "at": at(day).isoformat(),
            "recorded": at(day).isoformat(),
            "data": data,
        }
        self.facts.append(fact)
        return fact

    def licensing(self, kind: str, day: float, **data) -> dict:
        return self.add(RECRUITER, kind, day, **data)

    def licence(self, kind: str, day: float, **data) -> dict:
        return self.licensing(kind, day, licence_id=LICENCE, **data)

    def certification(self, kind: str, day: float, **data) -> dict:
        return self.add(CERT, kind, day, certification_id=CERT, **data)

    def record(self, dead_letters: list | None = None) -> Record:
        return Record(RECRUITER, list(self.facts), dead_letters or [])

    def status(self, day: float, official: bool = False):
        return status_at(self.record(), at(day), official=official)


def registered() -> Story:
    story = Story()
    story.licensing(
        "recruiter_registered",
        0,
        recruiter_id=RECRUITER,
        legal_name="Acme",
        country="KE",
        registration_number="C.1",
        trade_names=[],
        address=None,
    )
    return story


def licensed(valid_until: str = "2028-12-31") -> Story:
    story = registered()
    story.licence("licence_applied", 1, recruiter_id=RECRUITER, country="KE", licence_number="RA/1")
    story.licence("licence_issued", 2, valid_from="2026-01-03", valid_until=valid_until)
    return story


def certified(story: Story) -> Story:
    story.certification("certification_applied", 10, recruiter_id=RECRUITER, cb_id="cb-1")
    story.certification(
        "audit_recorded",
        11,
        audit_id="a-1",
        type="initial",
        conducted_on="2026-01-12",
        findings=[{"finding_id": "f-1", "principle": "transparency", "severity": "major"}],
    )
    story.certification("finding_closed", 12, finding_id="f-1", verified_on="2026-01-13")
    story.certification(
        "certificate_granted", 13, certificate_number="IRIS-1", valid_until="2028-12-31"
    )
    return story


def codes(status) -> list[str]:
    return [reason.code for reason in status.reasons]


def test_an_active_licence_and_nothing_else_is_green_citing_the_issue():
    story = licensed()
    issued = story.facts[-1]
    status = story.status(30)
    assert status.verdict == "green"
    assert [(r.code, r.event_id) for r in status.reasons] == [
        ("licence_active", issued["event_id"])
    ]
    assert "2028-12-31" in status.reasons[0].message
    assert status.public["licence"]["status"] == "active"
    assert status.public["certification"] is None


def test_a_green_answer_cites_the_certificate_grant_too():
    story = certified(licensed())
    granted = story.facts[-1]
    status = story.status(30)
    assert status.verdict == "green"
    assert [(r.code, r.event_id) for r in status.reasons][1] == (
        "certificate_valid",
        granted["event_id"],
    )


def test_no_licence_is_red_and_cites_the_registration():
    story = registered()
    status = story.status(5)
    assert status.verdict == "red" and codes(status) == ["no_licence"]
    assert status.reasons[0].event_id == story.facts[0]["event_id"]


def test_an_application_alone_is_red():
    story = registered()
    story.licence("licence_applied", 1, recruiter_id=RECRUITER, country="KE", licence_number="R")
    assert codes(story.status(5)) == ["licence_not_active"]


def test_a_suspension_is_red_from_its_effective_instant_only():
    story = licensed()
    suspension = story.licence("licence_suspended", 50, reason="fees")
    assert story.status(49).verdict == "green"
    status = story.status(50)
    assert status.verdict == "red" and codes(status) == ["licence_not_active"]
    assert status.reasons[0].event_id == suspension["event_id"]
    story.licence("licence_reinstated", 60, reason=None)
    assert story.status(61).verdict == "green"
    assert story.status(55).verdict == "red"


def test_a_backdated_suspension_changes_the_answer_for_earlier_instants():
    story = licensed()
    story.licence("licence_suspended", 20, reason="fees")
    story.facts[-1]["recorded"] = at(40).isoformat()
    assert story.status(19).verdict == "green"
    assert story.status(25).verdict == "red"


def test_before_its_issue_a_licence_is_not_active():
    story = licensed()
    assert story.status(1.5).verdict == "red"
    assert story.status(0.5).verdict == "red" and codes(story.status(0.5)) == ["no_licence"]


def test_a_licence_expiring_within_30_days_is_amber_and_past_its_end_red():
    story = licensed(valid_until="2026-03-01")
    assert story.status(20).verdict == "green"
    status = story.status(45)
    assert status.verdict == "amber" and codes(status) == ["licence_expiring"]
    after = story.status(60)
    assert after.verdict == "red" and after.public["licence"]["status"] == "expired"
    story.licence("licence_renewed", 55, valid_until="2027-03-01")
    assert story.status(60).verdict == "green"


def test_conditions_in_force_are_amber_until_lifted():
    story = licensed()
    imposed = story.licence("condition_imposed", 20, condition_id="c-1", text="no new offices")
    story.licence("condition_lifted", 30, condition_id="c-1")
    status = story.status(25)
    assert status.verdict == "amber" and codes(status) == ["conditions_in_force"]
    assert status.reasons[0].event_id == imposed["event_id"]
    assert status.public["licence"]["conditions"][0]["text"] == "no new offices"
    assert story.status(31).verdict == "green"


def test_a_certificate_granted_shows_with_no_open_major_finding():
    story = certified(licensed())
    status = story.status(20)
    assert status.verdict == "green"
    assert status.public["certification"] == {
        "status": "certified",
        "certificate_number": "IRIS-1",
        "cb_id": "cb-1",
        "valid_until": "2028-12-31",
        "open_major_findings": 0,
    }
    assert story.status(11.5).public["certification"]["open_major_findings"] == 1
    assert story.status(5).public["certification"] is None


def test_a_certificate_suspension_is_amber_for_twelve_months_after_reinstatement():
    story = certified(licensed())
    suspension = story.certification("certificate_suspended", 100, reason="x", cause="body")
    story.certification("certificate_reinstated", 120, reason=None)
    status = story.status(110)
    assert status.verdict == "amber" and codes(status) == ["certificate_suspended"]
    assert status.public["certification"]["status"] == "suspended"
    later = story.status(120 + 360)
    assert later.verdict == "amber" and later.reasons[0].event_id == suspension["event_id"]
    assert later.public["certification"]["status"] == "certified"
    assert story.status(120 + 366).verdict == "green"


def test_a_withdrawal_counts_for_twelve_months():
    story = certified(licensed())
    story.certification("certificate_withdrawn", 100, reason="x", cause="body")
    assert codes(story.status(200)) == ["certificate_withdrawn"]
    assert story.status(500).verdict == "green"


def test_overdue_surveillance_is_amber_until_the_next_audit():
    story = certified(licensed())
    overdue = story.certification("surveillance_overdue", 400, due_since="2027-01-13")
    status = story.status(401)
    assert codes(status) == ["surveillance_overdue"]
    assert status.reasons[0].event_id == overdue["event_id"]
    # Overdue from the day the audit fell due, not from the day the scheduler noticed.
    assert codes(story.status(390)) == ["surveillance_overdue"]
    assert story.status(370).verdict == "green"
    story.certification(
        "audit_recorded",
        410,
        audit_id="a-2",
        type="surveillance",
        conducted_on="2027-02-14",
        findings=[],
    )
    assert story.status(411).verdict == "green"


def report(story: Story, report_id: str, day: float, categories: list, fee=None) -> None:
    story.add(
        report_id,
        "report_received",
        day,
        report_id=report_id,
        org_id="ngo-1",
        recruiter_id=RECRUITER,
        named_recruiter=None,
        categories=categories,
        fee_paid=fee,
        destination_country="QA",
        recruitment_date=None,
    )


def test_a_substantiated_report_is_amber_until_resolved_and_only_then_counted():
    story = licensed()
    report(story, "rep-1", 10, ["fees_charged"], {"amount": "1200.50", "currency": "USD"})
    report(story, "rep-2", 11, ["deception"], {"amount": "99", "currency": "USD"})
    substantiated = story.add("rep-1", "report_substantiated", 20, report_id="rep-1")
    story.add("rep-2", "report_unsubstantiated", 20, report_id="rep-2")
    assert story.status(15).verdict == "green"
    status = story.status(21)
    assert status.verdict == "amber" and codes(status) == ["substantiated_report_open"]
    assert status.reasons[0].event_id == substantiated["event_id"]
    assert status.public["monitoring"] == {
        "substantiated_open": 1,
        "substantiated_resolved": 0,
        "by_category": {"fees_charged": 1},
        "fees_reported": [{"amount": "1200.50", "currency": "USD"}],
        "fees_reimbursed": [],
    }
    story.add(
        "rep-1",
        "report_resolved",
        30,
        report_id="rep-1",
        outcome="fees_reimbursed",
        fees_reimbursed={"amount": "1200.50", "currency": "USD"},
    )
    resolved = story.status(31)
    assert resolved.verdict == "green"
    assert resolved.public["monitoring"]["substantiated_resolved"] == 1
    assert resolved.public["monitoring"]["fees_reimbursed"] == [
        {"amount": "1200.50", "currency": "USD"}
    ]


def test_a_substantiated_report_withdrawn_without_remedy_stays_open():
    story = licensed()
    report(story, "rep-1", 10, ["passport_retention"])
    story.add("rep-1", "report_substantiated", 20, report_id="rep-1")
    story.add("rep-1", "report_withdrawn", 30, report_id="rep-1")
    status = story.status(31)
    assert codes(status) == ["substantiated_report_open"]
    assert status.public["monitoring"]["substantiated_open"] == 1


def test_asked_by_an_old_licence_number_the_answer_is_about_that_licence():
    story = licensed()
    story.licence("licence_revoked", 50, reason="fees")
    story.licensing(
        "licence_applied",
        60,
        licence_id=f"{RECRUITER}-l2",
        recruiter_id=RECRUITER,
        country="KE",
        licence_number="RA/2",
    )
    story.licensing(
        "licence_issued",
        61,
        licence_id=f"{RECRUITER}-l2",
        valid_from="2026-03-01",
        valid_until="2028-12-31",
    )
    assert story.status(70).verdict == "green"
    asked = status_at(story.record(), at(70), licence_id=LICENCE)
    assert asked.verdict == "red" and codes(asked) == ["licence_not_active"]
    assert asked.public["licence"]["licence_number"] == "RA/1"
    assert asked.public["licence"]["status"] == "revoked"


def test_a_gap_in_any_stream_is_unknown_never_green():
    story = licensed()
    story.facts.pop(1)  # licence_applied never arrived
    status = story.status(30)
    assert status.verdict == "unknown" and "integrity_gap" in codes(status)


def test_a_certification_event_before_the_registration_is_kept_and_waits():
    story = certified(licensed())
    early = Record(RECRUITER, [f for f in story.facts if f["stream"] == CERT])
    status = status_at(early, at(20))
    assert status.verdict == "unknown" and codes(status)[0] == "integrity_gap"
    assert status.public["certification"]["status"] == "certified"


def test_a_dead_letter_turns_the_recruiter_unknown():
    story = licensed()
    letter = {"kind": "dead_letter", "position": "licensing.events/0/7", "reason": "x"}
    status = status_at(story.record([letter]), at(30))
    assert status.verdict == "unknown"
    assert status.reasons[0].as_dict() == {
        "code": "integrity_gap",
        "message": "A message about this recruiter could not be read and was set aside.",
        "event_id": None,
        "position": "licensing.events/0/7",
    }


def test_officials_detail_and_history_hold_what_the_public_does_not_see():
    story = licensed()
    story.licensing(
        "branch_opened", 5, branch_id="b-1", name="Mombasa office", address="x", country="KE"
    )
    story.licensing("officer_appointed", 5, officer_id="o-1", name="J. Doe", position="CEO")
    story.licensing(
        "violation_recorded",
        6,
        violation_id="v-1",
        description="fees",
        decided_on="2026-01-07",
        penalty=None,
    )
    report(story, "rep-1", 7, ["fees_charged"])
    story.licence("licence_suspended", 8, reason="charged fees to J. Doe's recruits")
    assert story.status(10).detail == {}
    status = story.status(10, official=True)
    assert [b["name"] for b in status.detail["branches"]] == ["Mombasa office"]
    assert [o["name"] for o in status.detail["officers"]] == ["J. Doe"]
    assert [v["violation_id"] for v in status.detail["violations"]] == ["v-1"]
    assert status.detail["reports"][0]["received_at"].startswith("2026-01-08")
    public = history(story.record(), official=False)
    assert {entry["event"] for entry in public} == {
        "recruiter_registered",
        "licence_applied",
        "licence_issued",
        "licence_suspended",
    }
    assert "J. Doe" not in str(public)
    official = {entry["event"] for entry in history(story.record(), official=True)}
    assert {"branch_opened", "officer_appointed", "violation_recorded", "report_received"} <= (
        official
    )


def test_thirty_days_before_the_end_is_expiring_and_thirty_one_is_not():
    story = licensed(valid_until="2026-03-03")
    assert story.status(30).verdict == "green"  # 2026-01-31: 31 days left
    assert codes(story.status(31)) == ["licence_expiring"]  # 2026-02-01: 30 days left


def test_a_certificate_past_its_end_without_an_event_shows_expired():
    story = certified(licensed(valid_until="2030-12-31"))
    status = story.status(365 * 3 + 2)  # past the certificate's 2028-12-31
    assert status.public["certification"]["status"] == "expired"
    story.certification("surveillance_overdue", 400, due_since="2027-01-13")
    assert "surveillance_overdue" not in codes(story.status(365 * 3 + 2))


def test_a_gap_in_a_certification_or_report_stream_is_unknown_too():
    story = certified(licensed())
    story.facts = [f for f in story.facts if not (f["stream"] == CERT and f["version"] == 2)]
    assert story.status(30).verdict == "unknown"
    story = licensed()
    report(story, "rep-1", 10, ["other"])
    story.add("rep-1", "report_substantiated", 20, report_id="rep-1")
    story.facts = [f for f in story.facts if f["stream"] != "rep-1" or f["version"] != 1]
    assert story.status(30).verdict == "unknown"


def test_the_history_is_in_effective_order_whatever_the_recording_order():
    story = licensed()
    backdated = story.licence("licence_suspended", 1.5, reason="fees")
    backdated["recorded"] = at(40).isoformat()
    events = [entry["event"] for entry in history(story.record(), official=False)]
    assert events == [
        "recruiter_registered",
        "licence_applied",
        "licence_suspended",
        "licence_issued",
    ]


def test_a_record_with_old_unread_messages_is_never_vouched_for():
    story = licensed()
    assert story.status(10).verdict == "green"
    behind = status_at(story.record(), at(10), behind=42.0)
    assert behind.verdict == "unknown"
    assert [(r.code, r.event_id) for r in behind.reasons] == [("catching_up", None)]
    assert "42 seconds" in behind.reasons[0].message
    story.licence("licence_suspended", 5, reason="fees")
    assert status_at(story.record(), at(10), behind=42.0).verdict == "unknown"
