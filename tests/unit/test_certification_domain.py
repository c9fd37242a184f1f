"""The certification domain on its own: no store, no bus, no HTTP."""

from datetime import UTC, date, datetime, timedelta
from itertools import product

import pytest

from services.certification.domain import (
    BODY,
    CERTIFICATION,
    RECORDS,
    Certification,
    CertificationBody,
)
from shared.errors import Conflict, Forbidden, Invalid, NotFound, TransitionForbidden
from shared.events.envelope import Provenance, wrap
from shared.events.schemas import EventSchemas

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
TODAY = NOW.date()
LATER = NOW + timedelta(days=1)
VALID_UNTIL = date(2027, 11, 24)
AFTER_EXPIRY = VALID_UNTIL + timedelta(days=1)
STATES = ("applied", "certified", "suspended", "withdrawn", "expired")
COMMANDS = ("audit", "grant", "suspend", "reinstate", "withdraw", "renew", "expire")
GRANT = {"certificate_number": "IRIS/KE/1", "valid_until": VALID_UNTIL}
DATA = {
    "grant": GRANT,
    "suspend": {"reason": "fees charged to workers"},
    "reinstate": {},
    "withdraw": {"reason": "repeated breaches"},
    "renew": {"certificate_number": "IRIS/KE/2", "valid_until": date(2029, 11, 24)},
}
BODY_STATES = ("accredited", "suspended", "withdrawn")
MAJOR = {"principle": "no_fees_to_workers", "severity": "major", "description": "fees charged"}
MINOR = {"principle": "transparency", "severity": "minor", "description": "contract unclear"}
OBSERVATION = {"principle": "confidentiality", "severity": "observation", "description": "note"}

SCHEMAS = EventSchemas()


def applied(stream_id: str = "cert-1") -> Certification:
    certification = Certification(stream_id)
    certification.now = NOW
    certification.apply("rec-1", "cb-1", licence_active=True)
    return certification


def audited(stream_id: str = "cert-1") -> Certification:
    """Applied, and audited once without findings: a grant comes after an audit."""
    certification = applied(stream_id)
    certification.record_audit("initial", TODAY, [])
    return certification


def certification_in(state: str) -> Certification:
    """A certification in ``state``; granted ones were granted at NOW until VALID_UNTIL."""
    certification = audited()
    if state == "withdrawn":
        certification.decide("withdraw", TODAY, True, **DATA["withdraw"])
    elif state != "applied":
        certification.decide("grant", TODAY, True, **GRANT)
        if state == "suspended":
            certification.decide("suspend", TODAY, True, **DATA["suspend"])
        elif state == "expired":
            assert certification.expire_due(AFTER_EXPIRY)
    assert certification.status == state
    return certification


def body_in(state: str) -> CertificationBody:
    body = CertificationBody("cb-1")
    body.now = NOW
    body.accredit("Fair Audits Ltd", "ACC/1")
    if state != "accredited":
        body.decide({"suspended": "suspend", "withdrawn": "withdraw"}[state], "lapsed")
    assert body.status == state
    return body


def wrapped(aggregate) -> list[dict]:
    recruiter_id = getattr(aggregate, "recruiter_id", None)
    events = wrap(
        "certification",
        aggregate.id,
        aggregate.version + 1,
        aggregate.pending,
        Provenance("certification_body/cb-1"),
        NOW,
        aggregate.id,
        recruiter_id,
    )
    for event in events:
        SCHEMAS.validate(event)
    return events


def test_the_helpers_reach_every_state_of_the_tables():
    assert set(STATES) == CERTIFICATION.states
    assert set(COMMANDS) == CERTIFICATION.commands == set(RECORDS) | {"audit"}
    assert set(BODY_STATES) == BODY.states


# --- 1. the lifecycle tables, pair by pair ------------------------------------------------


def run(certification: Certification, command: str):
    if command == "audit":
        return certification.record_audit("surveillance", TODAY, [])
    if command == "expire":
        return certification.expire_due(AFTER_EXPIRY)
    return certification.decide(command, TODAY, True, **DATA[command])


@pytest.mark.parametrize(("state", "command"), sorted(product(STATES, COMMANDS)))
def test_every_state_and_command_pair_follows_the_table(state, command):
    certification = certification_in(state)
    if command == "renew" and (state, "audit") in CERTIFICATION.transitions:
        certification.now = LATER
        certification.record_audit("recertification", LATER.date(), [])
    before = len(certification.pending)
    if (state, command) in CERTIFICATION.transitions:
        run(certification, command)
        assert certification.status == CERTIFICATION.transitions[(state, command)]
        assert len(certification.pending) == before + 1
        change = certification.pending[-1]
        recorded = RECORDS[command].event_name if command in RECORDS else "audit_recorded"
        assert change.name == recorded
        assert change.data["certification_id"] == "cert-1"
        return
    if command == "expire":
        assert certification.expire_due(AFTER_EXPIRY) is False
    with pytest.raises(TransitionForbidden) as error:
        if command == "expire":
            certification.decide("expire", TODAY, True)
        else:
            run(certification, command)
    assert error.value.state == state
    assert state in str(error.value)
    assert len(certification.pending) == before
    assert certification.status == state


@pytest.mark.parametrize(("state", "command"), sorted(product(BODY_STATES, BODY.commands)))
def test_every_body_state_and_command_pair_follows_the_table(state, command):
    body = body_in(state)
    before = len(body.pending)
    if (state, command) in BODY.transitions:
        body.decide(command, "because")
        assert body.status == BODY.transitions[(state, command)]
        assert len(body.pending) == before + 1
        names = {"suspend": "body_suspended", "restore": "body_restored"}
        assert body.pending[-1].name == names.get(command, "body_withdrawn")
        assert body.pending[-1].data == {"cb_id": "cb-1", "reason": "because"}
        return
    with pytest.raises(TransitionForbidden) as error:
        body.decide(command, "because")
    assert error.value.state == state
    assert state in str(error.value)
    assert len(body.pending) == before
    assert body.status == state


def test_a_body_is_accredited_once():
    body = body_in("accredited")
    with pytest.raises(Conflict):
        body.accredit("Other", "ACC/2")
    assert len(body.pending) == 1
    assert (body.name, body.accreditation_number) == ("Fair Audits Ltd", "ACC/1")


# --- 2. grant rules -----------------------------------------------------------------------


def test_an_open_major_finding_blocks_the_grant_until_closed():
    certification = applied()
    certification.record_audit("initial", TODAY, [MAJOR, MINOR])
    major = f"{certification.pending[-1].data['audit_id']}-f1"
    assert certification.open_major_findings == 1
    before = len(certification.pending)
    with pytest.raises(Conflict):
        certification.decide("grant", TODAY, True, **GRANT)
    assert len(certification.pending) == before
    assert certification.status == "applied"
    certification.close_finding(major, TODAY)
    assert certification.open_major_findings == 0
    certification.decide("grant", TODAY, True, **GRANT)
    assert certification.status == "certified"
    assert certification.pending[-1].data == {
        "certification_id": "cert-1",
        "certificate_number": "IRIS/KE/1",
        "valid_until": "2027-11-24",
    }


def test_minor_findings_and_observations_do_not_block_the_grant():
    certification = applied()
    certification.record_audit("initial", TODAY, [MINOR, OBSERVATION])
    assert len(certification.findings) == 2
    assert certification.open_major_findings == 0
    certification.decide("grant", TODAY, True, **GRANT)
    assert certification.status == "certified"


def test_grant_needs_an_active_licence():
    certification = audited()
    with pytest.raises(Conflict):
        certification.decide("grant", TODAY, False, **GRANT)
    assert len(certification.pending) == 2
    assert certification.status == "applied"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**GRANT, "valid_until": TODAY}, "valid_until"),
        ({**GRANT, "valid_until": TODAY - timedelta(days=1)}, "valid_until"),
        ({**GRANT, "valid_until": date(2029, 11, 26)}, "valid_until"),  # 3 years + 1 day
        ({"certificate_number": "IRIS/KE/1"}, "valid_until"),
        ({"valid_until": VALID_UNTIL}, "certificate_number"),
        ({**GRANT, "certificate_number": ""}, "certificate_number"),
    ],
)
def test_grant_refuses_bad_validity_or_number(data, field):
    certification = audited()
    with pytest.raises(Invalid) as error:
        certification.decide("grant", TODAY, True, **data)
    assert field in error.value.errors
    assert len(certification.pending) == 2
    assert certification.status == "applied"
    assert certification.certificate_number is None


@pytest.mark.parametrize("today", [TODAY, date(2029, 1, 1), date(2027, 3, 1)])
def test_valid_until_at_most_three_years_ahead(today):
    """Exactly three calendar years is allowed, one day more is not, leap day or no."""
    limit = today.replace(year=today.year + 3)
    certification = audited()
    with pytest.raises(Invalid) as error:
        certification.decide("grant", today, True, **{**GRANT, "valid_until": limit + timedelta(1)})
    assert "valid_until" in error.value.errors
    assert certification.status == "applied"
    certification.decide("grant", today, True, **{**GRANT, "valid_until": limit})
    assert certification.valid_until == limit.isoformat()


# --- 3. who may act -----------------------------------------------------------------------


def test_apply_needs_an_active_licence():
    certification = Certification("cert-1")
    certification.now = NOW
    with pytest.raises(Conflict):
        certification.apply("rec-1", "cb-1", licence_active=False)
    assert certification.pending == []
    assert not certification.exists
    assert certification.status == "none"


def test_only_the_owning_body_may_act():
    certification = applied()
    certification.ensure_owned_by("cb-1")
    with pytest.raises(Forbidden):
        certification.ensure_owned_by("cb-2")
    assert (certification.cb_id, certification.recruiter_id) == ("cb-1", "rec-1")


@pytest.mark.parametrize("state", BODY_STATES)
def test_only_an_accredited_body_may_act(state):
    body = body_in(state)
    if state == "accredited":
        body.ensure_may_act()
        return
    with pytest.raises(Forbidden, match=state):
        body.ensure_may_act()


def test_a_body_never_accredited_may_not_act():
    with pytest.raises(Forbidden):
        CertificationBody("cb-9").ensure_may_act()


# --- 4. findings --------------------------------------------------------------------------


def test_findings_are_numbered_per_audit_and_closed_once():
    certification = applied()
    first = certification.record_audit("initial", TODAY, [MAJOR, MINOR])
    second = certification.record_audit("special", TODAY, [OBSERVATION])
    assert first != second
    assert [f["finding_id"] for f in certification.pending[1].data["findings"]] == [
        f"{first}-f1",
        f"{first}-f2",
    ]
    assert [f["finding_id"] for f in certification.pending[2].data["findings"]] == [f"{second}-f1"]
    assert set(certification.findings) == {f"{first}-f1", f"{first}-f2", f"{second}-f1"}
    assert certification.findings[f"{second}-f1"].audit_id == second
    assert certification.findings[f"{first}-f1"].severity == "major"

    certification.record_corrective_action(f"{first}-f1", "refund fees", date(2027, 1, 31))
    certification.record_corrective_action(f"{first}-f1", "train staff", None)
    assert certification.findings[f"{first}-f1"].corrective_actions == [
        {"description": "refund fees", "due_on": "2027-01-31"},
        {"description": "train staff", "due_on": None},
    ]
    certification.close_finding(f"{first}-f1", TODAY)
    assert certification.findings[f"{first}-f1"].closed_on == "2026-11-25"
    before = len(certification.pending)
    with pytest.raises(Conflict):
        certification.close_finding(f"{first}-f1", TODAY)
    with pytest.raises(Conflict):
        certification.record_corrective_action(f"{first}-f1", "too late", None)
    for unknown in ("aud-x-f1", f"{first}-f3"):
        with pytest.raises(NotFound):
            certification.close_finding(unknown, TODAY)
        with pytest.raises(NotFound):
            certification.record_corrective_action(unknown, "x", None)
    assert len(certification.pending) == before
    assert certification.findings[f"{first}-f2"].closed_on is None


# --- 5. renewal ---------------------------------------------------------------------------


@pytest.mark.parametrize("audit", [None, "surveillance", "recertification_before_grant"])
def test_renew_needs_a_recertification_audit_after_the_grant(audit):
    certification = applied()
    certification.now = NOW - timedelta(days=1)
    certification.record_audit("initial", TODAY, [])
    if audit == "recertification_before_grant":
        certification.record_audit("recertification", TODAY, [])
    certification.now = NOW
    certification.decide("grant", TODAY, True, **GRANT)
    if audit == "surveillance":
        certification.now = LATER
        certification.record_audit("surveillance", LATER.date(), [])
    before = len(certification.pending)
    with pytest.raises(Conflict):
        certification.decide("renew", TODAY, True, **DATA["renew"])
    assert len(certification.pending) == before
    assert certification.valid_until == "2027-11-24"


def test_renew_after_a_recertification_audit_keeps_the_certificate_certified():
    certification = certification_in("certified")
    certification.now = LATER
    certification.record_audit("recertification", LATER.date(), [])
    certification.now = LATER + timedelta(hours=1)
    certification.decide("renew", LATER.date(), True, **DATA["renew"])
    assert certification.status == "certified"
    assert certification.valid_until == "2029-11-24"
    assert certification.certificate_number == "IRIS/KE/2"
    assert certification.pending[-1].name == "certificate_renewed"
    # The audit was used up by this renewal: another renewal needs another audit.
    with pytest.raises(Conflict):
        certification.decide("renew", LATER.date(), True, **DATA["renew"])


def test_renew_is_refused_with_an_open_major_finding():
    certification = certification_in("certified")
    certification.now = LATER
    certification.record_audit("recertification", LATER.date(), [MAJOR])
    with pytest.raises(Conflict):
        certification.decide("renew", LATER.date(), True, **DATA["renew"])
    assert certification.valid_until == "2027-11-24"


# --- 6. reasons ---------------------------------------------------------------------------


@pytest.mark.parametrize(("command", "reason"), list(product(["suspend", "withdraw"], [None, ""])))
def test_suspend_and_withdraw_need_a_reason(command, reason):
    certification = certification_in("certified")
    before = len(certification.pending)
    data = {} if reason is None else {"reason": reason}
    with pytest.raises(Invalid) as error:
        certification.decide(command, TODAY, True, **data)
    assert "reason" in error.value.errors
    assert len(certification.pending) == before
    assert certification.status == "certified"


def test_decisions_record_the_body_as_cause_and_reinstate_without_reason():
    certification = certification_in("suspended")
    assert certification.pending[-1].data == {
        "certification_id": "cert-1",
        "reason": "fees charged to workers",
        "cause": "body",
    }
    assert certification.suspension_cause == "body"
    certification.decide("reinstate", TODAY, True)
    assert certification.pending[-1].data == {"certification_id": "cert-1", "reason": None}
    assert (certification.suspended_at, certification.suspension_cause) == (None, None)


# --- 7. policies on a clock ---------------------------------------------------------------


def test_suspend_for_licence_suspends_only_a_certified_certificate():
    certification = certification_in("certified")
    assert certification.suspend_for_licence() is True
    assert certification.status == "suspended"
    assert certification.suspension_cause == "licence"
    assert certification.pending[-1].name == "certificate_suspended"
    assert certification.pending[-1].data["cause"] == "licence"
    before = len(certification.pending)
    assert certification.suspend_for_licence() is False
    assert len(certification.pending) == before


@pytest.mark.parametrize("state", ["applied", "suspended", "withdrawn", "expired"])
def test_suspend_for_licence_leaves_other_states(state):
    certification = certification_in(state)
    before = len(certification.pending)
    assert certification.suspend_for_licence() is False
    assert len(certification.pending) == before
    assert certification.status == state


@pytest.mark.parametrize("cause", ["body", "licence"])
@pytest.mark.parametrize(("days", "withdrawn"), [(179, False), (181, True)])
def test_a_long_suspension_is_withdrawn_after_180_days(cause, days, withdrawn):
    certification = certification_in("certified")
    if cause == "licence":
        certification.suspend_for_licence()
    else:
        certification.decide("suspend", TODAY, True, reason="x")
    before = len(certification.pending)
    later = NOW + timedelta(days=days)
    certification.now = later
    assert certification.withdraw_long_suspension(later) is withdrawn
    if not withdrawn:
        assert len(certification.pending) == before
        assert certification.status == "suspended"
        return
    assert len(certification.pending) == before + 1
    assert certification.status == "withdrawn"
    assert certification.pending[-1].name == "certificate_withdrawn"
    assert certification.pending[-1].data["cause"] == "policy"
    assert certification.withdraw_long_suspension(later) is False


def test_the_suspension_clock_restarts_after_a_reinstatement():
    certification = certification_in("suspended")
    certification.now = NOW + timedelta(days=100)
    certification.decide("reinstate", TODAY, True)
    certification.decide("suspend", TODAY, True, reason="again")
    assert certification.withdraw_long_suspension(NOW + timedelta(days=200)) is False
    assert certification.withdraw_long_suspension(NOW + timedelta(days=281)) is True


@pytest.mark.parametrize("state", ["applied", "certified", "withdrawn", "expired"])
def test_only_suspensions_are_withdrawn_by_the_clock(state):
    certification = certification_in(state)
    before = len(certification.pending)
    assert certification.withdraw_long_suspension(NOW + timedelta(days=400)) is False
    assert len(certification.pending) == before


def test_surveillance_is_flagged_a_year_after_the_grant_once():
    certification = certification_in("certified")
    due = TODAY + timedelta(days=365)
    assert certification.flag_overdue_surveillance(due) is False
    before = len(certification.pending)
    assert certification.flag_overdue_surveillance(due + timedelta(days=1)) is True
    assert len(certification.pending) == before + 1
    assert certification.pending[-1].name == "surveillance_overdue"
    assert certification.pending[-1].data == {
        "certification_id": "cert-1",
        "due_since": due.isoformat(),
    }
    assert certification.overdue_since == due.isoformat()
    assert certification.flag_overdue_surveillance(due + timedelta(days=1)) is False
    assert certification.flag_overdue_surveillance(due + timedelta(days=2)) is False
    assert len(certification.pending) == before + 1


@pytest.mark.parametrize("type_", ["surveillance", "recertification"])
def test_a_surveillance_or_recertification_audit_moves_the_due_day(type_):
    certification = certification_in("certified")
    audited = TODAY + timedelta(days=200)
    certification.record_audit(type_, audited, [])
    assert certification.flag_overdue_surveillance(TODAY + timedelta(days=366)) is False
    assert certification.flag_overdue_surveillance(audited + timedelta(days=365)) is False
    assert certification.flag_overdue_surveillance(audited + timedelta(days=366)) is True
    assert certification.overdue_since == (audited + timedelta(days=365)).isoformat()


def test_a_special_audit_does_not_move_the_due_day():
    certification = certification_in("certified")
    certification.record_audit("special", TODAY + timedelta(days=200), [])
    assert certification.flag_overdue_surveillance(TODAY + timedelta(days=366)) is True


def test_surveillance_of_a_suspended_certificate_is_still_flagged():
    certification = certification_in("suspended")
    assert certification.flag_overdue_surveillance(TODAY + timedelta(days=366)) is True


@pytest.mark.parametrize("state", ["applied", "withdrawn", "expired"])
def test_surveillance_is_not_flagged_without_a_certificate_in_force(state):
    certification = certification_in(state)
    if state == "applied":
        certification.record_audit("initial", TODAY, [])
    before = len(certification.pending)
    assert certification.flag_overdue_surveillance(TODAY + timedelta(days=800)) is False
    assert len(certification.pending) == before


def test_expire_due_expires_only_after_valid_until():
    certification = certification_in("certified")
    assert certification.expire_due(VALID_UNTIL) is False  # the last valid day is valid
    assert certification.expire_due(TODAY) is False
    before = len(certification.pending)
    assert certification.expire_due(AFTER_EXPIRY) is True
    assert certification.status == "expired"
    assert len(certification.pending) == before + 1
    assert certification.pending[-1].data == {
        "certification_id": "cert-1",
        "valid_until": "2027-11-24",
    }
    assert certification.expire_due(AFTER_EXPIRY) is False
    assert len(certification.pending) == before + 1


# --- 8. rebuilding from validated events --------------------------------------------------


def snapshot(certification: Certification) -> dict:
    return {
        "status": certification.status,
        "open_major_findings": certification.open_major_findings,
        "certificate_number": certification.certificate_number,
        "valid_until": certification.valid_until,
        "parties": (certification.recruiter_id, certification.cb_id),
        "findings": certification.findings,
        "audits": certification.audits,
        "granted_at": certification.granted_at,
        "last_audit_on": certification.last_audit_on,
        "suspension": (certification.suspended_at, certification.suspension_cause),
        "overdue_since": certification.overdue_since,
    }


def history(scenario: str) -> Certification:
    certification = applied()
    first = certification.record_audit("initial", TODAY, [MAJOR, MINOR, OBSERVATION])
    certification.record_corrective_action(f"{first}-f1", "refund fees", date(2027, 1, 31))
    if scenario == "applied_with_open_major":
        return certification
    certification.close_finding(f"{first}-f1", TODAY)
    certification.decide("grant", TODAY, True, **GRANT)
    certification.now = LATER
    if scenario == "renewed":
        certification.record_audit("recertification", LATER.date(), [MINOR])
        certification.decide("renew", LATER.date(), True, **DATA["renew"])
    elif scenario == "overdue":
        assert certification.flag_overdue_surveillance(TODAY + timedelta(days=366))
    elif scenario == "suspended_for_licence":
        assert certification.suspend_for_licence()
    elif scenario == "withdrawn_by_policy":
        assert certification.suspend_for_licence()
        certification.now = LATER + timedelta(days=181)
        assert certification.withdraw_long_suspension(certification.now)
    elif scenario == "reinstated":
        certification.decide("suspend", TODAY, True, reason="x")
        certification.decide("reinstate", TODAY, True, reason="fixed")
    elif scenario == "expired":
        assert certification.expire_due(AFTER_EXPIRY)
    return certification


@pytest.mark.parametrize(
    "scenario",
    [
        "applied_with_open_major",
        "renewed",
        "overdue",
        "suspended_for_licence",
        "withdrawn_by_policy",
        "reinstated",
        "expired",
    ],
)
def test_rebuild_from_schema_valid_events_gives_the_same_certification(scenario):
    certification = history(scenario)
    events = wrapped(certification)
    assert [e["streamversion"] for e in events] == list(range(1, len(events) + 1))
    rebuilt = Certification.rebuild(certification.id, events)
    assert rebuilt.version == len(certification.pending)
    assert rebuilt.pending == []
    assert snapshot(rebuilt) == snapshot(certification)


@pytest.mark.parametrize("state", BODY_STATES)
def test_rebuild_a_body_from_schema_valid_events(state):
    body = body_in(state)
    if state == "suspended":
        body.decide("restore", None)
    rebuilt = CertificationBody.rebuild(body.id, wrapped(body))
    assert (rebuilt.status, rebuilt.name, rebuilt.accreditation_number) == (
        body.status,
        "Fair Audits Ltd",
        "ACC/1",
    )
    assert rebuilt.version == len(body.pending)


def test_a_grant_needs_an_audit_and_audit_dates_cannot_be_in_the_future():
    certification = applied()
    with pytest.raises(Conflict, match="after an audit"):
        certification.decide("grant", TODAY, True, **GRANT)
    with pytest.raises(Invalid):
        certification.record_audit("initial", TODAY + timedelta(days=1), [], today=TODAY)
    audit = certification.record_audit("initial", TODAY - timedelta(days=5), [MAJOR], today=TODAY)
    with pytest.raises(Invalid):
        certification.close_finding(f"{audit}-f1", TODAY - timedelta(days=6), today=TODAY)
    with pytest.raises(Invalid):
        certification.close_finding(f"{audit}-f1", TODAY + timedelta(days=1), today=TODAY)
    certification.close_finding(f"{audit}-f1", TODAY, today=TODAY)


def test_reinstatement_needs_an_active_licence_and_a_suspended_certificate_expires():
    certification = certification_in("suspended")
    with pytest.raises(Conflict, match="no active licence"):
        certification.decide("reinstate", TODAY, False)
    assert certification.expire_due(AFTER_EXPIRY)
    assert certification.status == "expired"


def test_grant_keeps_only_its_own_fields():
    certification = audited()
    certification.decide("grant", TODAY, True, **GRANT, reason="clean audit")
    assert set(certification.pending[-1].data) == {
        "certification_id",
        "certificate_number",
        "valid_until",
    }
