"""Automatic expiry: an active licence whose last valid day has passed is recorded expired.

Safe to run in several processes at once: each expiry is appended at the recruiter
stream's expected version, so of two schedulers racing on one licence exactly one
succeeds; the other reloads, finds it expired, and records nothing.
"""

from __future__ import annotations

import logging

from services.licensing.domain import Recruiter
from services.licensing.projections import LicenceRegister
from shared.clock import Clock, utc_now
from shared.commands import StreamWriter
from shared.readmodels.base import Query, ReadModelStore, every
from shared.replay import CurrentCollection
from shared.service import Parts, Worker, periodic

log = logging.getLogger(__name__)
ACTOR = "system/licence-expiry"


def expire_due_licences(
    writer: StreamWriter, register: ReadModelStore, collection: str, clock: Clock = utc_now
) -> int:
    """Record every expiry now due, in one pass over the register; how many licences
    expired. The register follows the bus, so a licence it still lists may already be
    expired: loading the recruiter tells, and the next tick sees the register caught up."""
    today = clock().date()
    due = Query({}, below=("next_expiry", today.isoformat()), order_by="next_expiry")
    return sum(
        _expire(writer, document["recruiter_id"], today)
        for document in every(register, collection, due)
    )


def _expire(writer: StreamWriter, recruiter_id: str, today) -> int:
    expired: list[str] = []

    def expire(recruiter: Recruiter) -> list[str]:
        expired[:] = recruiter.expire_due(today)
        return expired

    if writer.act(Recruiter, recruiter_id, expire, ACTOR) is None:
        return 0
    log.info("licences expired", extra={"recruiter_id": recruiter_id, "licences": expired})
    return len(expired)


def expiry_worker(parts: Parts) -> Worker:
    register = CurrentCollection(
        parts.read_models, LicenceRegister.name, LicenceRegister.collection
    )
    return periodic(
        "licensing.expiry",
        "REGISTRY_EXPIRY_INTERVAL_SECONDS",
        lambda: expire_due_licences(
            parts.writer, parts.read_models, register(), parts.writer.clock
        ),
    )
