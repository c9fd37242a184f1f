"""``./registry replay``: a rebuilt projection answers the same, and the live consumer
carries on in the new generation (SPEC §9), on both backends."""

import pytest

from shared.consumer import wait_for
from shared.readmodels.base import Query
from shared.replay import CurrentCollection, ReplayFailed, current_generation, rebuild
from shared.service import ServiceDefinition
from tests.contract.helpers import notice_events
from tests.fixtures.notices import SERVICE, NoticeBoard, schemas
from tests.workers import workers_running

TESTING = ServiceDefinition(SERVICE, produces=True, projections=(NoticeBoard,), schemas=schemas)


@pytest.fixture(params=["embedded", "stack"])
def settings(request):
    return request.getfixturevalue(f"{request.param}_settings")


@pytest.fixture
def running(settings):
    with workers_running(settings, TESTING):
        yield


def board(parts) -> dict[str, dict]:
    collection = CurrentCollection(parts.read_models, NoticeBoard.name, NoticeBoard.collection)
    page = parts.read_models.find(collection(), Query({}, limit=100))
    return {document["notice_id"]: document for document in page.items}


def test_replay_rebuilds_the_same_answers_and_the_live_consumer_follows(settings, running):
    parts = TESTING.parts(settings)
    for n in range(3):
        parts.events.append(f"n{n}", 0, notice_events(f"n{n}", 1, 3))
    assert wait_for(
        lambda: len(board(parts)) == 3 and all(d["amendments"] == 2 for d in board(parts).values()),
        timeout=60,
    )
    before = board(parts)

    generation = rebuild(parts.backend, SERVICE, NoticeBoard)

    assert generation.number == 2
    assert current_generation(parts.read_models, NoticeBoard.name) == generation
    assert board(parts) == before
    parts.events.append("n0", 3, notice_events("n0", 4, 1))
    assert wait_for(lambda: board(parts)["n0"]["amendments"] == 3, timeout=60)


def test_an_interrupted_replay_leaves_nothing_a_retry_would_reuse(settings, running):
    parts = TESTING.parts(settings)
    for n in range(3):
        parts.events.append(f"n{n}", 0, notice_events(f"n{n}", 1, 2))
    assert wait_for(
        lambda: len(board(parts)) == 3 and all(d["amendments"] == 1 for d in board(parts).values()),
        timeout=60,
    )
    before = board(parts)

    class Interrupted(BaseException):
        """Like a kill: nothing in the runner may catch it."""

    class FailsMidway(NoticeBoard):
        applied = 0

        def apply_received(self, event):
            FailsMidway.applied += 1
            if FailsMidway.applied > 3:
                raise Interrupted
            return super().apply_received(event)

    with pytest.raises(Interrupted):
        rebuild(parts.backend, SERVICE, FailsMidway, batch=2)
    assert current_generation(parts.read_models, NoticeBoard.name).number == 1

    generation = rebuild(parts.backend, SERVICE, NoticeBoard)
    assert generation.number == 2
    assert board(parts) == before


def test_a_replay_that_cannot_catch_up_fails_in_one_line_and_removes_what_it_built(
    settings, running
):
    parts = TESTING.parts(settings)
    for n in range(3):
        parts.events.append(f"n{n}", 0, notice_events(f"n{n}", 1, 2))

    def settled() -> bool:
        # Each notice's second event too, or the board could still move after the snapshot.
        return [doc["amendments"] for doc in board(parts).values()] == [1, 1, 1]

    assert wait_for(settled, timeout=60)
    before = board(parts)
    built: list[str] = []

    class Remembered(NoticeBoard):
        def create_indexes(self):
            built.append(self.collection)
            super().create_indexes()

    with pytest.raises(ReplayFailed) as failed:
        rebuild(parts.backend, SERVICE, Remembered, timeout_seconds=0, batch=1)

    message = str(failed.value)
    assert "\n" not in message and "did not catch up within 0 s" in message
    assert "generation 2 removed" in message
    assert current_generation(parts.read_models, NoticeBoard.name).number == 1
    assert parts.read_models.find(built[0], Query({}, limit=10)).total == 0
    assert board(parts) == before


def test_replaying_a_service_rebuilds_every_one_of_its_projections(settings, monkeypatch, capsys):
    from registry_cli.__main__ import main
    from services.licensing.bootstrap import SERVICE as LICENSING
    from services.verification.projections import RecruiterStatus, number_key
    from tests.e2e.services import environment
    from tests.licensing_helpers import Ministry

    app = LICENSING.create_app(settings)
    licensing = app.extensions["registry"].parts
    recruiter_id, _ = Ministry(app.test_client(), settings).licensed("C.7/2020", "RA/7")
    if licensing.backend.relay("licensing") is not None:
        while licensing.backend.relay("licensing").relay_once():
            pass
    for variable, value in environment(settings).items():
        monkeypatch.setenv(variable, value)

    assert main(["replay", "verification", "--timeout", "120"]) == 0
    assert main(["replay", "licensing", "--timeout", "120"]) == 0

    store = licensing.backend.read_models("verification")
    statuses = current_generation(store, RecruiterStatus.name)
    assert statuses.number == 2
    rebuilt = statuses.collection(RecruiterStatus.collection)
    # The lookup by licence number is rebuilt with the records it points to.
    assert store.get(rebuilt, number_key("KE", "RA/7")).document["recruiter_id"] == recruiter_id
    assert store.get(rebuilt, recruiter_id) is not None
    printed = capsys.readouterr().out
    assert "verification.recruiter_status: generation 2" in printed
    for projection in LICENSING.projections:
        assert f"licensing.{projection.name}: generation 2" in printed
