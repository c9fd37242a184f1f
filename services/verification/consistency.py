"""Reading your own writes (SPEC §13): an answer waits until the projection holds every
write its caller names by Registry-Token, or answers 503 when it does not in time."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from services.verification.handlers import Registry
from services.verification.projections import document_for, holds
from shared.consistency import Written
from shared.errors import CatchingUp

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
            if not holds(found[key].document if key in found else None, w.stream, w.version)
        ]
        if not pending:
            return
        if monotonic() >= deadline:
            raise CatchingUp(
                f"this registry has not yet read {len(pending)} of the writes named by "
                f"consistent_with (waited {wait_seconds:g} s); retry shortly"
            )
        sleep(POLL_SECONDS)
