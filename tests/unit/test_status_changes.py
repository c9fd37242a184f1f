"""Which changes of a recruiter's public answer are published, at which instant, and when
the next one is looked for (SPEC §15); no I/O."""

from __future__ import annotations

from datetime import UTC, datetime

from services.verification.announcements import StatusAnnouncer
from services.verification.changes import Answer, change_id, changed_since, decide
from services.verification.schedule import StatusSchedule, mark_due
from shared.events.schemas import default_schemas
from tests.fakes import InMemoryEventStore, InMemoryReadModelStore
from tests.unit.test_verification_domain import (
    RECRUITER,
    at,
    certified,
    licensed,
    registered,
)

GREEN = Answer("green", ("licence_active",), "active", None)


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_first_answer_is_a_change_dated_from_when_it_began():
    decision = decide(licensed().record(), at(30), None)
    change = decision.change
    assert (change.verdict, change.reasons, change.previous_verdict) == (
        "green",
        ["licence_active"],
        None,
    )
    # Issued on day 2, valid from 2026-01-03: green since that midnight.
    assert change.changed_at == "2026-01-03T00:00:00.000Z"
    assert (change.licence_status, change.certificate_status) == ("active", None)


def test_the_same_answer_again_is_no_change_and_the_next_look_is_its_last_30_days():
    decision = decide(licensed(valid_until="2026-06-30").record(), at(30), GREEN)
    assert decision.change is None
    assert decision.next_check == instant("2026-05-31T00:00:00")


def test_a_licence_entering_its_last_30_days_changes_at_that_midnight():
    record = licensed(valid_until="2026-06-30").record()
    decision = decide(record, instant("2026-05-31T00:00:00"), GREEN)
    assert decision.change.verdict == "amber"
    assert decision.change.reasons == ["licence_expiring"]
    assert decision.change.changed_at == "2026-05-31T00:00:00.000Z"
    assert decision.change.previous_verdict == "green"
    assert decision.next_check == instant("2026-07-01T00:00:00")


def test_a_licence_reaching_valid_until_turns_red_the_next_day():
    record = licensed(valid_until="2026-06-30").record()
    amber = Answer("amber", ("licence_expiring",), "active", None)
    decision = decide(record, instant("2026-07-01T00:00:00.001"), amber)
    assert (decision.change.verdict, decision.change.licence_status) == ("red", "expired")
    assert decision.change.changed_at == "2026-07-01T00:00:00.000Z"


def test_a_suspension_is_a_change_at_its_effective_instant():
    story = licensed()
    story.licence("licence_suspended", 50, reason="fees")
    decision = decide(story.record(), at(60), GREEN)
    assert decision.change.verdict == "red"
    assert decision.change.changed_at == "2026-02-20T00:00:00.000Z"
    assert decision.change.licence_status == "suspended"


def test_a_certificate_suspension_counts_for_twelve_months_after_it_ended():
    story = certified(licensed())
    story.certification("certificate_suspended", 20, reason="audit", cause="body")
    story.certification("certificate_reinstated", 30, reason="fixed")
    record = story.record()
    amber = decide(record, at(100), None).change
    assert amber.verdict == "amber" and "certificate_suspended" in amber.reasons
    # Followed from look to look, as the announcer does: the first change is at the end.
    now, answer, decision = at(100), Answer.of(amber.to_data()), None
    while decision is None or decision.change is None:
        decision = decide(record, now, answer)
        now = decision.next_check or now
    green = decision.change
    assert green.verdict == "green" and green.changed_at == "2027-01-31T00:00:00.001Z"


def test_surveillance_falling_due_changes_the_answer_on_its_day():
    story = certified(licensed())
    story.certification("surveillance_overdue", 20, due_since="2026-03-01", last_audit_on=None)
    record = story.record()
    before = decide(record, at(40), None)
    assert before.change.verdict == "green"
    assert before.next_check == instant("2026-03-01T00:00:00")
    after = decide(record, instant("2026-03-01T00:00:00"), Answer.of(before.change.to_data()))
    assert after.change.reasons == ["surveillance_overdue"]
    assert after.change.certificate_status == "certified"


def test_an_answer_unknown_only_for_a_gap_is_not_published_nor_scheduled():
    story = licensed()
    story.facts[-1]["version"] = 5  # versions 3 and 4 are still on their way
    decision = decide(story.record(), at(30), GREEN)
    assert decision == decision.__class__(None, None)


def test_an_answer_unknown_for_a_message_set_aside_is_published():
    record = licensed().record()
    record.dead_letters = [{"kind": "dead_letter", "position": "licensing.events/0/7"}]
    change = decide(record, at(30), GREEN).change
    assert (change.verdict, change.reasons) == ("unknown", ["integrity_gap"])


def test_changed_since_walks_back_over_points_where_nothing_changed():
    story = registered()
    story.licence("licence_applied", 20, recruiter_id=RECRUITER, country="KE", licence_number="R")
    # Red with no licence from day 0, red with a licence not active from day 20.
    red = Answer("red", ("licence_not_active",), "applied", None)
    assert changed_since(story.record(), at(30), red) == at(20)
    story.licence("licence_denied", 25, reason="incomplete")
    denied = Answer("red", ("licence_not_active",), "denied", None)
    assert changed_since(story.record(), at(30), denied) == at(25)


def test_the_event_id_is_derived_from_recruiter_instant_and_facts():
    change = decide(licensed().record(), at(30), None).change
    assert change_id(change) == change_id(decide(licensed().record(), at(40), None).change)
    other = decide(licensed(valid_until="2026-06-30").record(), at(30), None).change
    assert change_id(other) == change_id(change)  # same facts, same instant
    suspended = licensed()
    suspended.licence("licence_suspended", 50, reason="fees")
    assert change_id(decide(suspended.record(), at(60), None).change) != change_id(change)


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def announcer_over(story, now: datetime):
    store, events = InMemoryReadModelStore(), InMemoryEventStore(default_schemas())
    document = {"kind": "recruiter", "recruiter_id": RECRUITER, "facts": story.facts}
    store.put("recruiter_status_g1", RECRUITER, document, 0)
    clock = Clock(now)
    return store, events, clock, StatusAnnouncer(store, events, clock)


def published(events) -> list[dict]:
    return [event for commit in events.commits for event in commit.events]


def test_the_announcer_publishes_a_marked_recruiter_once_and_schedules_its_next_change():
    store, events, clock, announcer = announcer_over(licensed("2026-06-30"), at(30))
    mark_due(store, RECRUITER)
    assert announcer.announce_due() == 1
    mark_due(store, RECRUITER)  # a redelivered event marks it again
    announcer.announce_due()
    assert [e["data"]["verdict"] for e in published(events)] == ["green"]
    [first] = published(events)
    assert first["id"] == change_id(decide(licensed("2026-06-30").record(), at(30), None).change)
    assert (first["subject"], first["partitionkey"], first["recruiterid"]) == (RECRUITER,) * 3
    assert first["effectiveat"] == first["data"]["changed_at"]
    schedule = store.get(StatusSchedule.collection, RECRUITER).document
    assert schedule["due"] == "2026-05-31T00:00:00.000Z"
    assert announcer.announce_due() == 0  # nothing due before then


def test_the_announcer_wakes_at_the_transition_when_the_clock_reaches_it():
    store, events, clock, announcer = announcer_over(licensed("2026-06-30"), at(30))
    mark_due(store, RECRUITER)
    announcer.announce_due()
    clock.now = instant("2026-05-30T23:59:59")
    assert announcer.announce_due() == 0
    clock.now = instant("2026-05-31T00:00:00")
    assert announcer.announce_due() == 1
    amber = published(events)[-1]
    assert (amber["data"]["verdict"], amber["effectiveat"]) == (
        "amber",
        "2026-05-31T00:00:00.000Z",
    )
    assert amber["streamversion"] == 2


def test_a_restart_that_lost_the_schedule_publishes_nothing_twice():
    store, events, clock, announcer = announcer_over(licensed(), at(30))
    mark_due(store, RECRUITER)
    announcer.announce_due()
    store.delete(StatusSchedule.collection, RECRUITER)  # appended, then crashed
    mark_due(store, RECRUITER)
    announcer.announce_due()
    assert len(published(events)) == 1
    assert store.get(StatusSchedule.collection, RECRUITER).document["version"] == 1
