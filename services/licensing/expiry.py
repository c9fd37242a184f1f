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
from shared.readmodels.base import Query, ReadModelStore
from shared.replay import CurrentCollection
from shared.service import Parts, Worker, periodic

log = logging.getLogger(__name__)
ACTOR = "system/licence-expiry"


def expire_due_licences(
    writer: StreamWriter, register: ReadModelStore, collection: str, clock: Clock = utc_now
) -> int:
    """Record every expiry now due; the number of licences expired."""
    today = clock().date()
    expired = 0
    while True:
        due = register.find(
            collection, Query({}, below=("next_expiry", today.isoformat()), limit=200)
        )
        progressed = 0
        for document in due.items:
            progressed += _expire(writer, document["recruiter_id"], today)
        expired += progressed
        # Stop when this pass changed nothing: the register may lag behind the store.
        if progressed == 0 or due.total <= len(due.items):
            return expired


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
