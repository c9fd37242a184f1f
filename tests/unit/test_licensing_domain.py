"""The licensing domain on its own: no store, no bus, no HTTP."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import product

import pytest

from services.licensing.domain import (
    DEPOSIT,
    LICENCE,
    RECORDS,
    LicenceNumberClaim,
    Recruiter,
    Referral,
    claim_stream,
    recruiter_id_for,
    recruiter_of,
    referral_stream,
)
from shared.errors import Conflict, Invalid, NotFound, TransitionForbidden
from shared.events.envelope import STREAM_ID, Provenance, wrap
from shared.events.schemas import EventSchemas

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
ISSUED_AT = datetime(2025, 1, 1, tzinfo=UTC)
VALID_FROM, VALID_UNTIL = date(2025, 1, 1), date(2026, 6, 30)  # lapsed by NOW
DAY_AFTER_EXPIRY = datetime(2026, 7, 1, tzinfo=UTC)
STATES = ("applied", "active", "suspended", "expired", "denied", "revoked", "cancelled")
TERMINAL = {"denied", "revoked", "cancelled"}
DATA = {
    "issue": {"valid_from": VALID_FROM, "valid_until": VALID_UNTIL},
    "deny": {"reason": "incomplete file"},
    "suspend": {"reason": "unpaid wages"},
    "reinstate": {"reason": None},
    "renew": {"valid_until": date(2028, 6, 30)},
    "expire": {"valid_until": VALID_UNTIL},
    "revoke": {"reason": "fraud"},
    "cancel": {"reason": None},
    "impose_condition": {"text": "report quarterly"},
    "lift_condition": {"condition_id": "c1"},
}


def registered(stream_id: str = "rec-x") -> Recruiter:
    recruiter = Recruiter(stream_id)
    recruiter.now = NOW
    recruiter.register("Acme Manpower", "KE", "C.1/2020", ["Acme"], "Nairobi")
    return recruiter


SCHEMAS = EventSchemas()


def wrapped(aggregate) -> list[dict]:
    events = wrap(
        "licensing",
        aggregate.id,
        aggregate.version + 1,
        aggregate.pending,
        Provenance("ministry_officer/KE"),
        NOW,
        aggregate.id,
        aggregate.id if isinstance(aggregate, Recruiter) else None,
    )
    for event in events:
        SCHEMAS.validate(event)
    return events


def licence_in(state: str, recruiter: Recruiter | None = None) -> tuple[Recruiter, str]:
    """A recruiter whose newest licence is in ``state``; active ones hold condition c1."""
    recruiter = recruiter or registered()
    lid = recruiter.next_licence_id()
    recruiter.apply_for_licence(lid, f"RA/{lid[-1]}")
    if state == "denied":
        recruiter.decide(lid, "deny", NOW, **DATA["deny"])
    elif state != "applied":
        recruiter.decide(lid, "issue", NOW, ISSUED_AT, **DATA["issue"])
        recruiter.decide(lid, "impose_condition", NOW, ISSUED_AT, text="keep records")
        if state == "expired":
            assert recruiter.expire_due(NOW.date()) == [lid]
        elif state != "active":
            command = {"suspended": "suspend", "revoked": "revoke", "cancelled": "cancel"}[state]
            recruiter.decide(lid, command, NOW, **DATA[command])
    assert recruiter.licence(lid).status == state
    return recruiter, lid


def test_the_helper_reaches_every_state_of_the_table():
    assert set(STATES) == LICENCE.states
    assert set(DATA) == LICENCE.commands == set(RECORDS)


# --- 1. the lifecycle table, pair by pair -------------------------------------------------


@pytest.mark.parametrize(("state", "command"), sorted(product(STATES, sorted(DATA))))
def test_every_state_and_command_pair_follows_the_table(state, command):
    recruiter, lid = licence_in(state)
    before = len(recruiter.pending)
    if (state, command) in LICENCE.transitions:
        recruiter.decide(lid, command, NOW, **DATA[command])
        assert recruiter.licence(lid).status == LICENCE.transitions[(state, command)]
        assert len(recruiter.pending) == before + 1
        assert recruiter.pending[-1].name == RECORDS[command].event_name
        assert recruiter.pending[-1].data["licence_id"] == lid
    else:
        with pytest.raises(TransitionForbidden) as error:
            recruiter.decide(lid, command, NOW, **DATA[command])
        assert error.value.state == state
        assert state in str(error.value)
        assert len(recruiter.pending) == before
        assert recruiter.licence(lid).status == state


def test_unknown_licence_is_not_found():
    with pytest.raises(NotFound):
        registered().decide("rec-x-l9", "issue", NOW, **DATA["issue"])


# --- 2. effective_at ----------------------------------------------------------------------


def test_effective_at_defaults_to_now_and_may_be_backdated():
    recruiter, lid = licence_in("applied")
    recruiter.decide(lid, "issue", NOW, **DATA["issue"])
    assert recruiter.pending[-1].effective_at == NOW
    assert recruiter.licence(lid).last_effective_at == NOW

    recruiter, lid = licence_in("applied")
    recruiter.decide(lid, "issue", NOW, ISSUED_AT, **DATA["issue"])
    assert recruiter.pending[-1].effective_at == ISSUED_AT
    assert recruiter.licence(lid).last_effective_at == ISSUED_AT


@pytest.mark.parametrize(
    ("ahead", "allowed"), [(timedelta(days=365), True), (timedelta(days=367), False)]
)
def test_effective_at_at_most_a_year_ahead(ahead, allowed):
    recruiter, lid = licence_in("active")
    before = len(recruiter.pending)
    if allowed:
        recruiter.decide(lid, "suspend", NOW, NOW + ahead, reason="x")
        assert recruiter.pending[-1].effective_at == NOW + ahead
        return
    with pytest.raises(Invalid) as error:
        recruiter.decide(lid, "suspend", NOW, NOW + ahead, reason="x")
    assert "effective_at" in error.value.errors
    assert len(recruiter.pending) == before
    assert recruiter.licence(lid).status == "active"


def test_a_decision_may_not_precede_the_previous_one():
    recruiter, lid = licence_in("applied")
    recruiter.decide(lid, "issue", NOW, NOW - timedelta(days=2), **DATA["issue"])
    before = len(recruiter.pending)
    with pytest.raises(Invalid) as error:
        recruiter.decide(lid, "suspend", NOW, NOW - timedelta(days=3), reason="x")
    assert "effective_at" in error.value.errors
    assert len(recruiter.pending) == before
    assert recruiter.licence(lid).status == "active"
    recruiter.decide(lid, "suspend", NOW, NOW - timedelta(days=2), reason="x")  # same instant
    assert recruiter.licence(lid).status == "suspended"


def test_expiry_is_not_recorded_before_an_earlier_recorded_decision():
    """An expiry found late is dated no earlier than the licence's previous decision."""
    recruiter, lid = licence_in("applied")
    recruiter.decide(lid, "issue", NOW, ISSUED_AT, **DATA["issue"])
    recruiter.decide(lid, "impose_condition", NOW, text="report")  # effective NOW, lapsed
    condition_at = recruiter.licence(lid).last_effective_at
    recruiter.expire_due(NOW.date())
    assert recruiter.licence(lid).last_effective_at >= condition_at
    # Decisions only: an application recorded today may concern a licence issued long ago.
    decisions = [c for c in recruiter.pending if c.name != "licence_applied"]
    times = [c.effective_at for c in decisions if c.data.get("licence_id") == lid]
    assert times == sorted(times)


# --- 3. validity dates --------------------------------------------------------------------


@pytest.mark.parametrize("valid_until", [VALID_FROM, VALID_FROM - timedelta(days=1)])
def test_issue_needs_valid_until_after_valid_from(valid_until):
    recruiter, lid = licence_in("applied")
    with pytest.raises(Invalid) as error:
        recruiter.decide(lid, "issue", NOW, valid_from=VALID_FROM, valid_until=valid_until)
    assert "valid_until" in error.value.errors
    assert recruiter.licence(lid).status == "applied"


@pytest.mark.parametrize("state", ["active", "expired"])
@pytest.mark.parametrize("valid_until", [VALID_UNTIL, VALID_UNTIL - timedelta(days=1)])
def test_renew_must_extend_the_current_valid_until(state, valid_until):
    recruiter, lid = licence_in(state)
    before = len(recruiter.pending)
    with pytest.raises(Invalid) as error:
        recruiter.decide(lid, "renew", NOW, valid_until=valid_until)
    assert "valid_until" in error.value.errors
    assert len(recruiter.pending) == before
    assert recruiter.licence(lid).valid_until == VALID_UNTIL.isoformat()
    recruiter.decide(lid, "renew", NOW, valid_until=VALID_UNTIL + timedelta(days=1))
    assert recruiter.licence(lid).valid_until == "2026-07-01"
    assert recruiter.licence(lid).status == "active"


# --- 4. at most one licence that is not terminal ------------------------------------------


@pytest.mark.parametrize("state", STATES)
def test_a_new_application_only_after_a_terminal_licence(state):
    recruiter, first = licence_in(state)
    second = recruiter.next_licence_id()
    if state in TERMINAL:
        recruiter.apply_for_licence(second, "RA/2")
        assert recruiter.licence(second).status == "applied"
        assert recruiter.licence(first).status == state
    else:
        before = len(recruiter.pending)
        with pytest.raises(Conflict, match=first):
            recruiter.apply_for_licence(second, "RA/2")
        assert len(recruiter.pending) == before
        assert list(recruiter.licences) == [first]


# --- 5. conditions ------------------------------------------------------------------------


def test_conditions_are_numbered_lifted_and_not_lifted_twice():
    recruiter, lid = licence_in("applied")
    recruiter.decide(lid, "issue", NOW, **DATA["issue"])
    recruiter.decide(lid, "impose_condition", NOW, text="first")
    recruiter.decide(lid, "impose_condition", NOW, text="second")
    licence = recruiter.licence(lid)
    assert [c.data["condition_id"] for c in recruiter.pending[-2:]] == ["c1", "c2"]
    assert list(licence.conditions) == ["c1", "c2"]
    assert licence.conditions["c2"]["text"] == "second"
    assert licence.conditions["c1"]["imposed_at"] == "2026-11-25T12:00:00.000Z"
    assert len(licence.conditions_in_force) == 2

    later = NOW + timedelta(hours=1)
    recruiter.decide(lid, "lift_condition", NOW, later, condition_id="c1")
    assert licence.conditions["c1"]["lifted_at"] == "2026-11-25T13:00:00.000Z"
    assert licence.conditions["c2"]["lifted_at"] is None
    assert [c["condition_id"] for c in licence.conditions_in_force] == ["c2"]

    before = len(recruiter.pending)
    for condition_id in ("c1", "c9"):
        with pytest.raises(NotFound):
            recruiter.decide(lid, "lift_condition", later, condition_id=condition_id)
    assert len(recruiter.pending) == before
    recruiter.decide(lid, "impose_condition", later, text="third")
    assert list(licence.conditions) == ["c1", "c2", "c3"]


# --- 6. automatic expiry ------------------------------------------------------------------


def test_expire_due_expires_only_lapsed_active_licences_once():
    recruiter, revoked = licence_in("revoked")  # lapsed too, but terminal
    recruiter, lid = licence_in("active", recruiter)
    assert recruiter.expire_due(VALID_UNTIL) == []  # the last valid day is still valid
    before = len(recruiter.pending)
    assert recruiter.expire_due(VALID_UNTIL + timedelta(days=1)) == [lid]
    assert len(recruiter.pending) == before + 1
    change = recruiter.pending[-1]
    assert change.name == "licence_expired"
    assert change.data == {"licence_id": lid, "valid_until": "2026-06-30"}
    assert change.effective_at == DAY_AFTER_EXPIRY
    assert recruiter.licence(lid).status == "expired"
    assert recruiter.licence(revoked).status == "revoked"
    assert recruiter.expire_due(NOW.date()) == []
    assert len(recruiter.pending) == before + 1


@pytest.mark.parametrize("state", ["applied", "suspended", "denied", "cancelled"])
def test_expire_due_leaves_licences_that_are_not_active(state):
    recruiter, lid = licence_in(state)
    before = len(recruiter.pending)
    assert recruiter.expire_due(NOW.date()) == []
    assert len(recruiter.pending) == before
    assert recruiter.licence(lid).status == state


def test_expire_due_leaves_licences_still_valid():
    recruiter, lid = licence_in("active")
    recruiter.decide(lid, "renew", NOW, valid_until=date(2027, 1, 1))
    assert recruiter.expire_due(date(2027, 1, 1)) == []
    assert recruiter.licence(lid).status == "active"


# --- 7. security deposit ------------------------------------------------------------------


def test_deposit_moves_and_balance():
    recruiter = registered()
    recruiter.move_deposit("lodge", Decimal("1000.00"), "KES")
    assert (recruiter.deposit_status, recruiter.deposit_currency) == ("held", "KES")
    assert recruiter.deposit_balance == Decimal(1000)
    assert recruiter.pending[-1].data == {"amount": "1000", "currency": "KES"}

    before = len(recruiter.pending)
    with pytest.raises(Invalid) as error:
        recruiter.move_deposit("draw", Decimal("1000.01"), "KES", claim_reference="k1")
    assert "amount" in error.value.errors
    with pytest.raises(Invalid) as error:
        recruiter.move_deposit("draw", Decimal(10), "USD", claim_reference="k1")
    assert "currency" in error.value.errors
    with pytest.raises(Invalid):
        recruiter.move_deposit("top_up", Decimal(10), "USD")
    assert len(recruiter.pending) == before
    assert recruiter.deposit_balance == Decimal(1000)

    recruiter.move_deposit("top_up", Decimal("250.50"), "KES")
    recruiter.move_deposit("draw", Decimal(400), "KES", claim_reference="k1")
    assert recruiter.deposit_balance == Decimal("850.5")
    recruiter.move_deposit("draw", Decimal("850.5"), "KES", claim_reference="k2")  # all of it
    recruiter.move_deposit("top_up", Decimal("99.25"), "KES")

    recruiter.move_deposit("forfeit", None, None, reason="breach")
    change = recruiter.pending[-1]
    assert change.name == "deposit_forfeited"
    assert change.data == {"amount": "99.25", "currency": "KES", "reason": "breach"}
    assert recruiter.deposit_status == "forfeited"
    assert recruiter.deposit_balance == 0


@pytest.mark.parametrize("command", sorted(DEPOSIT.commands))
def test_no_deposit_move_after_forfeit(command):
    recruiter = registered()
    recruiter.move_deposit("lodge", Decimal(100), "KES")
    recruiter.move_deposit("forfeit", None, None, reason="breach")
    before = len(recruiter.pending)
    with pytest.raises(TransitionForbidden) as error:
        recruiter.move_deposit(command, Decimal(1), "KES", claim_reference="k", reason="r")
    assert error.value.state == "forfeited"
    assert len(recruiter.pending) == before


@pytest.mark.parametrize("command", ["draw", "top_up", "forfeit"])
def test_no_deposit_move_before_lodging(command):
    recruiter = registered()
    with pytest.raises(TransitionForbidden) as error:
        recruiter.move_deposit(command, Decimal(1), "KES", claim_reference="k", reason="r")
    assert error.value.state == "none"
    assert recruiter.deposit_status == "none"
    assert len(recruiter.pending) == 1


# --- 8. registration and ids --------------------------------------------------------------


def test_register_twice_is_a_conflict():
    recruiter = registered()
    with pytest.raises(Conflict):
        recruiter.register("Other", "KE", "C.1/2020", [], None)
    assert len(recruiter.pending) == 1
    assert recruiter.legal_name == "Acme Manpower"
    rebuilt = Recruiter.rebuild("rec-x", wrapped(recruiter))
    with pytest.raises(Conflict):
        rebuilt.register("Other", "KE", "C.1/2020", [], None)


def test_recruiter_id_for_is_a_stable_digest_of_country_and_number():
    rid = recruiter_id_for("KE", "C.1/2020")
    assert rid == recruiter_id_for("KE", "C.1/2020")
    assert rid == recruiter_id_for("KE", "  c.1/2020 ")
    assert rid.startswith("rec-") and STREAM_ID.match(rid)
    assert rid != recruiter_id_for("UG", "C.1/2020")
    assert rid != recruiter_id_for("KE", "C.1/2021")
    assert claim_stream("KE", " ra/1 ") == claim_stream("KE", "RA/1")
    assert claim_stream("KE", "RA/1") != claim_stream("UG", "RA/1")


@pytest.mark.parametrize("stream_id", ["rec-x", recruiter_id_for("KE", "C.1/2020")])
def test_recruiter_of_round_trips_licence_ids(stream_id):
    recruiter = registered(stream_id)
    lid = recruiter.next_licence_id()
    assert lid == f"{stream_id}-l1"
    assert recruiter_of(lid) == stream_id
    recruiter.apply_for_licence(lid, "RA/1")
    assert recruiter.next_licence_id() == f"{stream_id}-l2"
    assert recruiter_of(recruiter.next_licence_id()) == stream_id


@pytest.mark.parametrize(
    "licence_id", ["", "rec-x", "rec-x-l", "rec-x-lx", "rec-x-l1a", "x-l1", "rec-x-1", "l1"]
)
def test_recruiter_of_refuses_malformed_ids(licence_id):
    with pytest.raises(NotFound):
        recruiter_of(licence_id)


def test_licence_number_claim_names_its_holder():
    claim = LicenceNumberClaim(claim_stream("KE", "RA/1"))
    claim.now = NOW
    assert not claim.exists
    claim.claim("KE", "RA/1", "rec-x", "rec-x-l1")
    assert claim.exists
    assert (claim.recruiter_id, claim.licence_id) == ("rec-x", "rec-x-l1")
    [event] = wrapped(claim)
    again = LicenceNumberClaim.rebuild(claim.id, [event])
    assert (again.recruiter_id, again.licence_id, again.version) == ("rec-x", "rec-x-l1", 1)


# --- 9. rebuilding from validated events --------------------------------------------------


def snapshot(recruiter: Recruiter) -> dict:
    return {
        "registration": (
            recruiter.legal_name,
            recruiter.country,
            recruiter.registration_number,
            recruiter.trade_names,
            recruiter.address,
            recruiter.registered_at,
        ),
        "licences": {
            lid: (
                lic.status,
                lic.licence_number,
                lic.valid_from,
                lic.valid_until,
                lic.conditions,
                [c["condition_id"] for c in lic.conditions_in_force],
                lic.last_effective_at,
                lic.applied_at,
            )
            for lid, lic in recruiter.licences.items()
        },
        "deposit": (
            recruiter.deposit_status,
            recruiter.deposit_currency,
            recruiter.deposit_balance,
        ),
    }


@pytest.mark.parametrize("state", STATES)
def test_rebuild_from_schema_valid_events_gives_the_same_recruiter(state):
    recruiter, lid = licence_in(state)
    if state == "active":
        recruiter.decide(lid, "impose_condition", NOW, text="second")
        recruiter.decide(lid, "lift_condition", NOW, condition_id="c1")
        recruiter.decide(lid, "renew", NOW, valid_until=date(2028, 6, 30))
    if state == "revoked":
        licence_in("applied", recruiter)
    recruiter.move_deposit("lodge", Decimal("500.5"), "KES")
    recruiter.move_deposit("top_up", Decimal(100), "KES")
    recruiter.move_deposit("draw", Decimal("0.25"), "KES", claim_reference="k1")
    if state == "cancelled":
        recruiter.move_deposit("forfeit", None, None, reason="breach")
    events = wrapped(recruiter)
    assert [e["streamversion"] for e in events] == list(range(1, len(events) + 1))

    rebuilt = Recruiter.rebuild(recruiter.id, events)
    assert rebuilt.version == len(recruiter.pending)
    assert rebuilt.pending == []
    assert snapshot(rebuilt) == snapshot(recruiter)
    assert rebuilt.licence(lid).status == state


# --- 10. referrals ------------------------------------------------------------------------

REFERRAL_IDS = {"referral_id": "r1", "report_id": "w1", "country": "KE"}


def referral() -> Referral:
    referral = Referral(referral_stream("r1"))
    referral.now = NOW
    return referral


def test_referral_acknowledged_then_closed():
    case = referral()
    assert case.status == "referred"
    case.acknowledge({**REFERRAL_IDS, "summary": "not recorded"})
    assert case.status == "acknowledged"
    case.close(REFERRAL_IDS, "sanctioned", "licence suspended")
    assert case.status == "closed"
    assert [c.name for c in case.pending] == ["referral_acknowledged", "referral_closed"]
    assert case.pending[0].data == REFERRAL_IDS
    assert case.pending[1].data == {
        **REFERRAL_IDS,
        "outcome": "sanctioned",
        "note": "licence suspended",
    }
    assert Referral.rebuild(case.id, wrapped(case)).status == "closed"


def test_referral_closed_straight_from_referred():
    case = referral()
    case.close(REFERRAL_IDS, "no_action", None)
    assert case.status == "closed"
    assert Referral.rebuild(case.id, wrapped(case)).status == "closed"


@pytest.mark.parametrize(
    ("history", "command"),
    [
        (["acknowledge"], "acknowledge"),
        (["close"], "acknowledge"),
        (["close"], "close"),
        (["acknowledge", "close"], "acknowledge"),
        (["acknowledge", "close"], "close"),
    ],
)
def test_referral_refuses_moves_out_of_its_table(history, command):
    case = referral()
    moves = {
        "acknowledge": lambda: case.acknowledge(REFERRAL_IDS),
        "close": lambda: case.close(REFERRAL_IDS, "not_found", None),
    }
    for step in history:
        moves[step]()
    state = case.status
    with pytest.raises(TransitionForbidden) as error:
        moves[command]()
    assert error.value.state == state
    assert state in str(error.value)
    assert len(case.pending) == len(history)
