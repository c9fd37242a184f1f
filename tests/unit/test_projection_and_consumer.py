from datetime import UTC, datetime

from shared.bus.base import REPAIRS, Message
from shared.consumer import ConsumerRunner
from shared.events.envelope import Change, Provenance, encode, wrap
from shared.projection import integrity_problems
from tests.fakes import InMemoryReadModelStore, ListSource
from tests.fixtures.notices import NoticeBoard, schemas

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def events(stream="n1"):
    changes = [
        Change("notice_posted", {"notice_id": stream, "title": "a", "country": "KE"}),
        Change("notice_amended", {"title": "b"}),
        Change("notice_amended", {"title": "c"}),
    ]
    return wrap("testing", stream, 1, changes, Provenance("public"), NOW, stream)


def message(offset, value):
    return Message("testing.events", 0, offset, "n1", value)


def test_projection_applies_each_version_once():
    board = NoticeBoard(InMemoryReadModelStore())
    posted, amended, _ = events()
    assert board.apply(posted) and board.apply(amended)
    assert not board.apply(amended)
    assert not board.apply(posted)
    document = board.store.get("notices", "n1").document
    assert document["amendments"] == 1
    assert document["_applied"] == {"n1": 2}
    assert integrity_problems(document) == []


def test_a_skipped_version_is_recorded_as_a_gap():
    board = NoticeBoard(InMemoryReadModelStore())
    posted, _, second_amendment = events()
    board.apply(posted)
    board.apply(second_amendment)
    [problem] = integrity_problems(board.store.get("notices", "n1").document)
    assert problem == {"kind": "gap", "stream": "n1", "after": 1, "got": 3}


def test_runner_sets_poison_aside_and_goes_on():
    good = [encode(e) for e in events()]
    bad_schema = events()[1]
    bad_schema["data"]["title"] = 42
    source = ListSource(
        [
            message(0, good[0]),
            message(1, b"not json at all"),
            message(2, encode(bad_schema)),
            message(3, good[1]),
            message(4, good[1]),
            message(5, good[2]),
        ]
    )
    board = NoticeBoard(InMemoryReadModelStore())
    runner = ConsumerRunner(source, board, schemas())
    assert runner.run_once() == 6
    assert [m.offset for m, _ in source.dead] == [1, 2]
    assert source.dead[0][1].startswith("invalid event: not JSON")
    assert "data title: breaks type" in source.dead[1][1]
    document = board.store.get("notices", "n1").document
    assert document["amendments"] == 2
    assert [p["kind"] for p in integrity_problems(document)] == ["dead_letter", "dead_letter"]
    assert source.committed == 6


def test_runner_rewinds_when_the_store_is_down():
    from shared.errors import Unavailable

    class DownStore(InMemoryReadModelStore):
        def get(self, collection, key):
            raise Unavailable("down")

    source = ListSource([message(0, encode(events()[0]))])
    runner = ConsumerRunner(source, NoticeBoard(DownStore()), schemas())
    try:
        runner.run_once()
    except Unavailable:
        pass
    else:
        raise AssertionError("the outage must surface")
    assert source.committed == 0 and source.next == 0


def test_a_redelivered_dead_letter_is_noted_once():
    board = NoticeBoard(InMemoryReadModelStore())
    poison = message(1, b"junk")
    board.record_dead_letter(poison, "invalid event: not JSON")
    board.record_dead_letter(poison, "invalid event: not JSON")
    assert len(integrity_problems(board.store.get("notices", "n1").document)) == 1


def test_whatever_a_stranger_puts_on_the_topic_is_set_aside():
    deep = b"[" * 100_000 + b"]" * 100_000
    source = ListSource([message(0, b""), message(1, deep), message(2, encode(events()[0]))])
    board = NoticeBoard(InMemoryReadModelStore())
    assert ConsumerRunner(source, board, schemas()).run_once() == 3
    assert [m.offset for m, _ in source.dead] == [0, 1]
    assert board.store.get("notices", "n1").document["status"] == "posted"


def test_a_mark_that_cannot_be_written_does_not_stop_the_consumer():
    class Unmarkable(NoticeBoard):
        def record_dead_letter(self, message, reason):
            raise ValueError("document too large")

    good = [encode(e) for e in events()]
    source = ListSource([message(0, good[0]), message(1, b"garbage"), message(2, good[1])])
    board = Unmarkable(InMemoryReadModelStore())
    assert ConsumerRunner(source, board, schemas()).run_once() == 3
    assert [m.offset for m, _ in source.dead] == [1]
    assert board.store.get("notices", "n1").document["amendments"] == 1
    assert source.committed == 3


def test_a_republished_repair_removes_only_the_mark_of_the_message_it_repairs():
    posted, amended, _ = [encode(e) for e in events()]
    repair = Message("testing.events", 0, 9, "n1", amended, {REPAIRS: "testing.events/0/1"})
    source = ListSource([message(0, posted), message(1, b"junk"), message(2, b"more junk"), repair])
    board = NoticeBoard(InMemoryReadModelStore())
    assert ConsumerRunner(source, board, schemas()).run_once() == 4
    document = board.store.get("notices", "n1").document
    assert document["amendments"] == 1
    marks = [(p["kind"], p["position"]) for p in integrity_problems(document)]
    assert marks == [("dead_letter", "testing.events/0/2")]
