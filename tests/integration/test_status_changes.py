"""Verification publishes each change of a recruiter's public answer to
``verification.events``, once: a replay of verification publishes nothing again
(SPEC §15), on both backends."""

from __future__ import annotations

import pytest

from services.licensing.bootstrap import SERVICE as LICENSING
from services.verification.bootstrap import SERVICE as VERIFICATION
from shared.consumer import wait_for
from shared.errors import Unavailable
from shared.events.envelope import decode
from shared.events.reading import read
from shared.events.verification import StatusChanged
from tests.e2e.services import replayed
from tests.licensing_helpers import Ministry
from tests.workers import workers_running


@pytest.fixture(params=["embedded", "stack"])
def settings(request):
    return request.getfixturevalue(f"{request.param}_settings")


def published(settings, recruiter_id: str) -> list[tuple[str, str]]:
    """(event id, verdict) of each status change of the recruiter on the bus, read from
    the start of verification.events by a reader of its own."""
    backend = VERIFICATION.parts(settings).backend
    source = backend.source("testing", f"reader-{recruiter_id}", ["verification.events"])
    found = []
    try:
        while True:
            try:
                batch = source.poll(500, 1000)
            except Unavailable:  # nothing published yet: the table is made by the first
                return found
            for message in batch:
                event = read(decode(message.value))
                if isinstance(event.event, StatusChanged) and event.recruiter_id == recruiter_id:
                    found.append((event.id, event.event.verdict))
            if not batch and source.caught_up():
                return found
    finally:
        source.close()


def test_each_change_is_published_once_and_a_replay_publishes_none_again(settings):
    licensing = LICENSING.create_app(settings).test_client()
    kenya = Ministry(licensing, settings)
    with workers_running(settings, LICENSING, VERIFICATION):
        recruiter_id, licence_id = kenya.licensed()

        def verdicts() -> list[str]:
            return [verdict for _, verdict in published(settings, recruiter_id)]

        # Looked at between its registration and its licence, it was red for a moment: a
        # real change, published like any other.
        assert wait_for(lambda: verdicts()[-1:] == ["green"], 120)
        before = verdicts()
        assert before in (["green"], ["red", "green"]), before
        assert (
            kenya.post(f"/v1/licences/{licence_id}/suspend", {"reason": "fees"}).status_code == 200
        )
        assert wait_for(lambda: verdicts() == [*before, "red"], 120)

        replay = replayed(settings, "verification", "--timeout", "120")
        assert replay.returncode == 0, replay.stderr
        assert "verification.recruiter_status: generation 2 is current" in replay.stdout

        # A change after the replay is published: had the replay published again, its
        # events would stand before this one.
        reinstated = kenya.post(f"/v1/licences/{licence_id}/reinstate", {})
        assert reinstated.status_code == 200
        assert wait_for(lambda: len(verdicts()) >= len(before) + 2, 120)
        changes = published(settings, recruiter_id)
    assert [verdict for _, verdict in changes] == [*before, "red", "green"]
    assert len({event_id for event_id, _ in changes}) == len(before) + 2
