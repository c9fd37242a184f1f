"""Reading your own writes (SPEC §13): an answer waits until the projection holds every
write its caller names by Registry-Token, or answers 503 when it does not in time."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from services.verification.handlers import Registry
from services.verification.projections import document_for, holds
from shared.consistency import Written
from shared.errors import CatchingUp
from shared.events.licensing import LicenceApplied
from shared.text import licence_key

POLL_SECONDS = 0.05


def await_writes(
    registry: Registry,
    tokens: Sequence[str],
    wait_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> None:
    """Return once every named write is in the projection; streams it does not follow
    (a certification body, a licence-number claim) are never waited for."""
    written = [Written.from_token(token) for token in tokens]
    pending = [
        (key, w) for w in written if (key := document_for(w.service, w.stream, w.recruiter_id))
    ]
    deadline = monotonic() + wait_seconds
    while pending:
        found = registry.store.get_many(registry.recruiters(), sorted({key for key, _ in pending}))
        pending = [
            (key, w)
            for key, w in pending
            if not _reflected(registry, found[key].document if key in found else None, w)
        ]
        if not pending:
            return
        if monotonic() >= deadline:
            raise CatchingUp(
                f"this registry has not yet read {len(pending)} of the writes named by "
                f"consistent_with (waited {wait_seconds:g} s); retry shortly"
            )
        sleep(POLL_SECONDS)


def _reflected(registry: Registry, document: dict[str, Any] | None, written: Written) -> bool:
    """The recruiter's record holds the stream up to the version, and every licence number
    applied for by then is found by its number too (a document of its own, which a store
    without transactions may show after the record)."""
    if not holds(document, written.stream, written.version):
        return False
    numbers = {
        (fact["data"]["country"], fact["data"]["licence_number"])
        for fact in document["facts"]
        if fact["stream"] == written.stream
        and fact["kind"] == LicenceApplied.event_name
        and fact["version"] <= written.version
    }
    return len(registry.holders(numbers)) == len({licence_key(*number) for number in numbers})
