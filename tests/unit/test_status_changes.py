"""Which changes of a recruiter's public answer are published, at which instant, and when
the next one is looked for (SPEC §15); no I/O."""

from __future__ import annotations

from datetime import UTC, datetime

from services.verification.announcements import StatusAnnouncer
from services.verification.chained import NO_CHAIN, ChainRecords
from services.verification.changes import Answer, change_id, change_points, changed_since, decide
from services.verification.domain import Record
from services.verification.projections import number_key
from services.verification.schedule import DUE_NOW, StatusSchedule, mark_due
from shared.clock import rfc3339
from shared.events.schemas import default_schemas
from shared.text import licence_key
from tests.fakes import InMemoryEventStore, InMemoryReadModelStore
from tests.unit.test_verification_chain import declare
from tests.unit.test_verification_domain import (
    RECRUITER,
    Story,
    at,
    certified,
    licensed,
    registered,
)

GREEN = Answer("green", ("licence_active",), "active", None)


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_first_answer_is_a_change_dated_from_when_it_began():
    decision = decide(licensed().record(), at(30), None, NO_CHAIN)
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
    decision = decide(licensed(valid_until="2026-06-30").record(), at(30), GREEN, NO_CHAIN)
    assert decision.change is None
    assert decision.next_check == instant("2026-05-31T00:00:00")


def test_a_licence_entering_its_last_30_days_changes_at_that_midnight():
    record = licensed(valid_until="2026-06-30").record()
    decision = decide(record, instant("2026-05-31T00:00:00"), GREEN, NO_CHAIN)
    assert decision.change.verdict == "amber"
    assert decision.change.reasons == ["licence_expiring"]
    assert decision.change.changed_at == "2026-05-31T00:00:00.000Z"
    assert decision.change.previous_verdict == "green"
    assert decision.next_check == instant("2026-07-01T00:00:00")


def test_a_licence_reaching_valid_until_turns_red_the_next_day():
    record = licensed(valid_until="2026-06-30").record()
    amber = Answer("amber", ("licence_expiring",), "active", None)
    decision = decide(record, instant("2026-07-01T00:00:00.001"), amber, NO_CHAIN)
    assert (decision.change.verdict, decision.change.licence_status) == ("red", "expired")
    assert decision.change.changed_at == "2026-07-01T00:00:00.000Z"


def test_a_suspension_is_a_change_at_its_effective_instant():
    story = licensed()
    story.licence("licence_suspended", 50, reason="fees")
    decision = decide(story.record(), at(60), GREEN, NO_CHAIN)
    assert decision.change.verdict == "red"
    assert decision.change.changed_at == "2026-02-20T00:00:00.000Z"
    assert decision.change.licence_status == "suspended"


def test_a_certificate_suspension_counts_for_twelve_months_after_it_ended():
    story = certified(licensed())
    story.certification("certificate_suspended", 20, reason="audit", cause="body")
    story.certification("certificate_reinstated", 30, reason="fixed")
    record = story.record()
    amber = decide(record, at(100), None, NO_CHAIN).change
    assert amber.verdict == "amber" and "certificate_suspended" in amber.reasons
    # Followed from look to look, as the announcer does: the first change is at the end.
    now, answer, decision = at(100), Answer.of(amber.to_data()), None
    while decision is None or decision.change is None:
        decision = decide(record, now, answer, NO_CHAIN)
        now = decision.next_check or now
    green = decision.change
    assert green.verdict == "green" and green.changed_at == "2027-01-31T00:00:00.001Z"


def test_surveillance_falling_due_changes_the_answer_on_its_day():
    story = certified(licensed())
    story.certification("surveillance_overdue", 20, due_since="2026-03-01", last_audit_on=None)
    record = story.record()
    before = decide(record, at(40), None, NO_CHAIN)
    assert before.change.verdict == "green"
    assert before.next_check == instant("2026-03-01T00:00:00")
    after = decide(
        record, instant("2026-03-01T00:00:00"), Answer.of(before.change.to_data()), NO_CHAIN
    )
    assert after.change.reasons == ["surveillance_overdue"]
    assert after.change.certificate_status == "certified"


def test_an_answer_unknown_only_for_a_gap_is_not_published_nor_scheduled():
    story = licensed()
    story.facts[-1]["version"] = 5  # versions 3 and 4 are still on their way
    decision = decide(story.record(), at(30), GREEN, NO_CHAIN)
    assert decision == decision.__class__(None, None)


def test_an_answer_unknown_for_a_message_set_aside_is_published():
    record = licensed().record()
    record.dead_letters = [{"kind": "dead_letter", "position": "licensing.events/0/7"}]
    change = decide(record, at(30), GREEN, NO_CHAIN).change
    assert (change.verdict, change.reasons) == ("unknown", ["integrity_gap"])


def since(record, now: datetime, answer: Answer) -> datetime:
    return changed_since(record, now, answer, NO_CHAIN, change_points(record, NO_CHAIN))


def test_changed_since_walks_back_over_points_where_nothing_changed():
    story = registered()
    story.licence("licence_applied", 20, recruiter_id=RECRUITER, country="KE", licence_number="R")
    # Red with no licence from day 0, red with a licence not active from day 20.
    red = Answer("red", ("licence_not_active",), "applied", None)
    assert since(story.record(), at(30), red) == at(20)
    story.licence("licence_denied", 25, reason="incomplete")
    denied = Answer("red", ("licence_not_active",), "denied", None)
    assert since(story.record(), at(30), denied) == at(25)


def test_the_event_id_is_derived_from_recruiter_instant_and_facts():
    change = decide(licensed().record(), at(30), None, NO_CHAIN).change
    assert change_id(change) == change_id(
        decide(licensed().record(), at(40), None, NO_CHAIN).change
    )
    other = decide(licensed(valid_until="2026-06-30").record(), at(30), None, NO_CHAIN).change
    assert change_id(other) == change_id(change)  # same facts, same instant
    suspended = licensed()
    suspended.licence("licence_suspended", 50, reason="fees")
    assert change_id(decide(suspended.record(), at(60), None, NO_CHAIN).change) != change_id(change)


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
    assert first["id"] == change_id(
        decide(licensed("2026-06-30").record(), at(30), None, NO_CHAIN).change
    )
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


def test_a_look_whose_schedule_is_behind_the_stream_publishes_after_the_last_change():
    store, events, clock, announcer = announcer_over(licensed(), at(30))
    mark_due(store, RECRUITER)
    announcer.announce_due()
    store.delete(StatusSchedule.collection, RECRUITER)  # appended, then crashed
    rewrite_record(store, registered())  # and the answer moved on meanwhile
    announcer.announce_due()
    first, second = published(events)
    assert (first["data"]["verdict"], second["data"]["verdict"]) == ("green", "red")
    assert second["streamversion"] == 2 and second["data"]["previous_verdict"] == "green"
    assert store.get(StatusSchedule.collection, RECRUITER).document["version"] == 2


def test_a_look_during_which_a_replay_switched_generations_leaves_its_recruiters_due():
    store, events, clock, _ = announcer_over(licensed(), at(30))
    generations = iter(["recruiter_status_g1", "recruiter_status_g2"])
    announcer = StatusAnnouncer(store, events, clock, recruiters=lambda: next(generations))
    mark_due(store, RECRUITER)
    assert announcer.announce_due() == 1
    assert len(published(events)) == 1
    assert store.get(StatusSchedule.collection, RECRUITER).document["due"] == DUE_NOW


def rewrite_record(store, story) -> None:
    """The consumer applying the story's events: the record written, then the mark."""
    stored = store.get("recruiter_status_g1", RECRUITER)
    document = {**stored.document, "facts": story.facts}
    store.put("recruiter_status_g1", RECRUITER, document, stored.revision)
    mark_due(store, RECRUITER)


def test_an_answer_published_while_its_record_moved_on_is_what_the_next_look_compares_with():
    store, events, clock, announcer = announcer_over(licensed(), at(30))
    mark_due(store, RECRUITER)
    announcer.announce_due()
    rewrite_record(store, registered())
    append_each = events.append_each

    def append_while_the_consumer_writes(*arguments):
        events.append_each = append_each
        rewrite_record(store, licensed())  # read before, so red is published; green now
        return append_each(*arguments)

    events.append_each = append_while_the_consumer_writes
    announcer.announce_due()
    announcer.announce_due()
    assert [e["data"]["verdict"] for e in published(events)] == ["green", "red", "green"]


# The recruitment chain (SPEC §16): an agency working through an agent that is itself a
# licensed recruiter, whose own answer moves the agency's.
PARTNER = "rec-partner"
PARTNER_NUMBER = ("NP", "DOFE-7")


def partner(valid_until: str = "2028-12-31") -> Story:
    """A licensed recruiter whose licence number the agency's agent gives."""
    story = Story()
    story.add(
        PARTNER,
        "recruiter_registered",
        0,
        recruiter_id=PARTNER,
        legal_name="Terai",
        country="NP",
        registration_number="NP.2",
        trade_names=[],
        address=None,
    )
    licence = {"licence_id": f"{PARTNER}-l1"}
    country, number = PARTNER_NUMBER
    story.add(
        PARTNER,
        "licence_applied",
        1,
        recruiter_id=PARTNER,
        country=country,
        licence_number=number,
        **licence,
    )
    story.add(
        PARTNER,
        "licence_issued",
        2,
        valid_from="2026-01-03",
        valid_until=valid_until,
        **licence,
    )
    return story


def partner_record(story: Story) -> Record:
    return Record(PARTNER, list(story.facts))


def chain_to(story: Story) -> ChainRecords:
    return ChainRecords({licence_key(*PARTNER_NUMBER): PARTNER}, {PARTNER: partner_record(story)})


def agency(declared_on: float = 10) -> Story:
    story = licensed()
    declare(story, declared_on, "a1", PARTNER_NUMBER[1])
    return story


def test_an_agents_suspension_is_a_change_of_the_agency_at_the_suspension_instant():
    agent = partner()
    agent.add(PARTNER, "licence_suspended", 50, licence_id=f"{PARTNER}-l1", reason="fees")
    decision = decide(agency().record(), at(60), GREEN, chain_to(agent))
    change = decision.change
    assert (change.verdict, change.reasons, change.previous_verdict) == (
        "amber",
        ["chain_risk"],
        "green",
    )
    assert change.changed_at == rfc3339(at(50))
    assert (change.licence_status, change.certificate_status) == ("active", None)
    # Without the chain the answer is still green: nothing would be published.
    assert decide(agency().record(), at(60), GREEN, NO_CHAIN).change is None


def test_the_end_of_the_link_is_a_change_back_at_the_instant_it_ended():
    agent = partner()
    agent.add(PARTNER, "licence_suspended", 50, licence_id=f"{PARTNER}-l1", reason="fees")
    story = agency()
    story.licensing("agent_link_ended", 70, agent_id="a1")
    amber = Answer("amber", ("chain_risk",), "active", None)
    change = decide(story.record(), at(80), amber, chain_to(agent)).change
    assert (change.verdict, change.reasons) == ("green", ["licence_active"])
    assert change.changed_at == rfc3339(at(70))


def test_a_link_declared_ahead_to_a_red_agent_is_looked_at_when_it_takes_effect():
    agent = partner()
    agent.add(PARTNER, "licence_suspended", 50, licence_id=f"{PARTNER}-l1", reason="fees")
    story = agency(declared_on=100)  # recorded now, effective on day 100
    chain = chain_to(agent)
    before = decide(story.record(), at(90), GREEN, chain)
    assert before == before.__class__(None, at(100))
    change = decide(story.record(), at(100), GREEN, chain).change
    assert (change.verdict, change.changed_at) == ("amber", rfc3339(at(100)))


def test_the_agents_own_transitions_are_the_agencys_change_points_too():
    chain = chain_to(partner(valid_until="2026-06-30"))
    decision = decide(agency().record(), at(30), GREEN, chain)
    # The agent's licence enters its last 30 days (amber: no change to the agency) and
    # lapses the day after it ends (red: chain_risk); the agency looks at each.
    assert decision == decision.__class__(None, instant("2026-05-31T00:00:00"))
    lapsed = decide(agency().record(), instant("2026-07-01T00:00:00"), GREEN, chain).change
    assert (lapsed.verdict, lapsed.changed_at) == ("amber", "2026-07-01T00:00:00.000Z")


def chain_store(agent: Story, story: Story, now: datetime):
    store, events, clock, announcer = announcer_over(story, now)
    document = {"kind": "recruiter", "recruiter_id": PARTNER, "facts": agent.facts}
    store.put("recruiter_status_g1", PARTNER, document, 0)
    link = {
        "kind": "agent_link",
        "recruiter_id": RECRUITER,
        "agent_id": "a1",
        "licence": licence_key(*PARTNER_NUMBER),
        "ended": False,
    }
    store.put("recruiter_status_g1", f"agent-link:{RECRUITER}:a1", link, 0)
    holder = {
        "kind": "licence_number",
        "recruiter_id": PARTNER,
        "licence_id": f"{PARTNER}-l1",
        "event_id": "e1",
    }
    store.put("recruiter_status_g1", number_key(*PARTNER_NUMBER), holder, 0)
    return store, events, clock, announcer


def settle(announcer: StatusAnnouncer) -> None:
    """Look at what is due until nothing is; a clock that stands still brings no new look."""
    for _ in range(10):
        if announcer.announce_due() == 0:
            return
    raise AssertionError("recruiters kept falling due")


def test_a_batchs_changes_are_appended_and_its_schedules_written_together():
    store, events, clock, announcer = announcer_over(licensed(), at(30))
    document = {"kind": "recruiter", "recruiter_id": PARTNER, "facts": partner().facts}
    store.put("recruiter_status_g1", PARTNER, document, 0)
    calls = []

    def counting(name: str, call):
        def counted(*arguments):
            calls.append(name)
            return call(*arguments)

        return counted

    for target, name in ((events, "append_each"), (events, "append"), (store, "put_each")):
        setattr(target, name, counting(name, getattr(target, name)))
    for recruiter in (RECRUITER, PARTNER):
        mark_due(store, recruiter)
    assert announcer.announce_due() == 2
    assert calls == ["append_each", "put_each"]
    assert sorted(e["subject"] for e in published(events)) == sorted([RECRUITER, PARTNER])
    for recruiter in (RECRUITER, PARTNER):
        assert store.get(StatusSchedule.collection, recruiter).document["version"] == 1


def test_a_change_of_the_agent_marks_the_agency_due_and_its_change_is_published():
    agent, story = partner(), agency()
    store, events, clock, announcer = chain_store(agent, story, at(30))
    mark_due(store, RECRUITER)
    mark_due(store, PARTNER)
    settle(announcer)
    assert sorted((e["subject"], e["data"]["verdict"]) for e in published(events)) == [
        (RECRUITER, "green"),
        (PARTNER, "green"),
    ]

    agent.add(PARTNER, "licence_suspended", 50, licence_id=f"{PARTNER}-l1", reason="fees")
    stored = store.get("recruiter_status_g1", PARTNER)
    store.put(
        "recruiter_status_g1",
        PARTNER,
        {**stored.document, "facts": agent.facts},
        stored.revision,
    )
    clock.now = at(60)
    mark_due(store, PARTNER)  # as the projection does on the suspension, and only it
    settle(announcer)
    red, amber = published(events)[2:]
    assert (red["subject"], red["data"]["verdict"]) == (PARTNER, "red")
    assert (amber["subject"], amber["data"]["verdict"], amber["data"]["reasons"]) == (
        RECRUITER,
        "amber",
        ["chain_risk"],
    )
    assert amber["data"]["changed_at"] == amber["effectiveat"] == rfc3339(at(50))
