import pytest

from shared.commands import CommandContext, StreamWriter
from shared.errors import ConcurrencyError, Invalid, NotFound, TransitionForbidden
from shared.events.envelope import Provenance
from shared.lifecycle import Lifecycle
from tests.fakes import InMemoryEventStore
from tests.fixtures.notices import NOTICE, Notice, amend_notice, post_notice, schemas


def context(**kwargs):
    return CommandContext(Provenance("ministry_officer/KE"), **kwargs)


@pytest.fixture
def writer():
    return StreamWriter(InMemoryEventStore(schemas()), "testing")


def test_a_command_stores_its_events_and_returns_the_new_state(writer):
    outcome = post_notice(writer, context(), "n1", "Hiring", "KE")
    assert outcome.status == 201
    assert outcome.body["status"] == "posted"
    assert outcome.version == 1
    outcome = amend_notice(writer, context(), "n1", "Hiring nurses")
    assert outcome.version == 2
    assert [e["type"] for e in writer.store.load("n1")] == [
        "registry.testing.notice_posted.v1",
        "registry.testing.notice_amended.v1",
    ]


def test_unknown_stream_is_not_found(writer):
    with pytest.raises(NotFound):
        amend_notice(writer, context(), "missing", "x")


def test_stale_if_match_is_a_concurrency_error_and_stores_nothing(writer):
    post_notice(writer, context(), "n1", "Hiring", "KE")
    with pytest.raises(ConcurrencyError):
        amend_notice(writer, context(expected_version=7), "n1", "x")
    assert len(writer.store.load("n1")) == 1


def test_same_idempotency_key_returns_the_stored_outcome(writer):
    first = context(idempotency_key="k1", request_hash="h")
    outcome = post_notice(writer, first, "n1", "Hiring", "KE")
    assert writer.previous_outcome(first) == outcome
    with pytest.raises(Invalid):
        writer.previous_outcome(context(idempotency_key="k1", request_hash="other"))
    assert writer.previous_outcome(context(idempotency_key="k2", request_hash="h")) is None


def test_a_racing_retry_with_the_same_key_answers_like_the_winner(writer):
    ctx = context(idempotency_key="k1", request_hash="h")
    first = post_notice(writer, ctx, "n1", "Hiring", "KE")
    notice = writer.load(Notice, "n1")
    notice.amend("again")
    replay = writer.save(notice, ctx, lambda n: {"unused": True})
    assert replay == first
    assert len(writer.store.load("n1")) == 1


def test_lifecycle_table_allows_listed_moves_and_refuses_the_rest():
    assert NOTICE.next_state("posted", "withdraw") == "withdrawn"
    for state in NOTICE.states:
        for command in NOTICE.commands:
            if (state, command) not in NOTICE.transitions:
                with pytest.raises(TransitionForbidden) as error:
                    NOTICE.next_state(state, command)
                assert error.value.state == state


def test_forbidden_transition_names_the_current_state(writer):
    post_notice(writer, context(), "n1", "Hiring", "KE")
    notice = writer.load(Notice, "n1")
    notice.withdraw("filled")
    writer.save(notice, context(), lambda n: {})
    with pytest.raises(TransitionForbidden, match="withdrawn"):
        amend_notice(writer, context(), "n1", "x")


def test_empty_lifecycle_refuses_everything():
    with pytest.raises(TransitionForbidden):
        Lifecycle("thing", {}).next_state("new", "go")


def test_a_system_actor_retries_when_someone_else_wrote_first(writer):
    post_notice(writer, context(), "n1", "a", "KE")
    raced = []

    def amend(notice) -> bool:
        if not raced:  # another writer amends between this load and its save
            raced.append(True)
            rival = writer.load(Notice, "n1")
            rival.amend("by the rival")
            writer.save(rival, context(), lambda n: {})
        notice.amend("by the system")
        return True

    saved = writer.act(Notice, "n1", amend, "system/test", cause="event-1")
    assert saved is not None and saved.title == "by the system"
    events = writer.store.load("n1")
    assert [e["data"].get("title") for e in events] == ["a", "by the rival", "by the system"]
    assert events[-1]["causationid"] == "event-1" and events[-1]["actor"] == "system/test"
    assert writer.act(Notice, "n1", lambda notice: False, "system/test") is None
    assert writer.act(Notice, "absent", amend, "system/test") is None
