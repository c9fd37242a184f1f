"""``./registry replay``: a rebuilt projection answers the same, and the live consumer
carries on in the new generation (SPEC §9), on both backends."""

import pytest

from shared.consumer import wait_for
from shared.readmodels.base import Query
from shared.replay import CurrentCollection, current_generation, rebuild
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

        def apply(self, event):
            FailsMidway.applied += 1
            if FailsMidway.applied > 3:
                raise Interrupted
            return super().apply(event)

    with pytest.raises(Interrupted):
        rebuild(parts.backend, SERVICE, FailsMidway, batch=2)
    assert current_generation(parts.read_models, NoticeBoard.name).number == 1

    generation = rebuild(parts.backend, SERVICE, NoticeBoard)
    assert generation.number == 2
    assert board(parts) == before
