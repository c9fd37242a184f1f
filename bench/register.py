"""A large register written through the licensing event store's own append path.

Each recruiter is decided by the licensing domain itself (so every event is one the
service could have recorded) and saved as the service saves a command: one commit for
the recruiter's stream and one for its licence-number claim. About 20 events each:

    registered, licence applied, issued, 4 branches, 4 officers, 2 violations, a
    condition imposed and lifted, suspended and reinstated, a deposit lodged and topped
    up; plus the licence number's claim.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from bench.clients import FAR
from services.licensing.domain import (
    LicenceNumberClaim,
    Recruiter,
    claim_stream,
    recruiter_id_for,
)
from shared.commands import CommandContext, StreamWriter
from shared.events.envelope import Provenance
from shared.eventstore.base import EventStore

COUNTRY = "KE"
CONTEXT = CommandContext(Provenance("ministry_officer/bench"))


def large_name(n: int) -> str:
    return f"Register Agency {n:06d}"


def load_register(
    store: EventStore, recruiters: int, progress: Callable[[int], None] = lambda n: None
) -> tuple[list[str], int]:
    """Append ``recruiters`` recruiters; their ids and the number of events written."""
    writer = StreamWriter(store, "licensing")
    ids, events = [], 0
    for n in range(recruiters):
        recruiter = Recruiter.rebuild(recruiter_id_for(COUNTRY, f"LR-{n:06d}"), [])
        recruiter.now = writer.clock()
        number = f"LRA-{n:06d}"
        licence_id = decide(recruiter, n, number, writer)
        claim = LicenceNumberClaim.rebuild(claim_stream(COUNTRY, number), [])
        claim.now = writer.clock()
        claim.claim(COUNTRY, number, recruiter.id, licence_id)
        for aggregate in (recruiter, claim):
            events += len(aggregate.pending)
            writer.save(aggregate, CONTEXT, lambda _: {})
        ids.append(recruiter.id)
        if n % 1000 == 999:
            progress(n + 1)
    return ids, events


def decide(recruiter: Recruiter, n: int, number: str, writer: StreamWriter) -> str:
    recruiter.register(large_name(n), COUNTRY, f"LR-{n:06d}", [f"Trade {n:06d}"], None)
    licence_id = recruiter.next_licence_id()
    recruiter.apply_for_licence(licence_id, number)
    now = writer.clock()
    recruiter.decide(licence_id, "issue", now, valid_from="2026-01-01", valid_until=FAR)
    for k in range(4):
        recruiter.open_branch(f"Branch {k}", f"Street {k}", COUNTRY)
        recruiter.appoint_officer(f"Officer {k}", "director")
    for _ in range(2):
        recruiter.record_violation("late filing", date(2026, 1, 1), None)
    condition = recruiter.decide(licence_id, "impose_condition", now, text="quarterly audit")
    recruiter.decide(licence_id, "lift_condition", now, condition_id=condition)
    recruiter.decide(licence_id, "suspend", now, reason="benchmark")
    recruiter.decide(licence_id, "reinstate", now)
    recruiter.move_deposit("lodge", Decimal(1000), "USD")
    recruiter.move_deposit("top_up", Decimal(500), "USD")
    return licence_id
