"""When to look again at each recruiter's public answer (see ``announcements``)."""

from __future__ import annotations

from shared.readmodels.base import IndexedCollection, ReadModelStore

# Sorts before every instant: due at once, whatever the clock says.
DUE_NOW = ""


class StatusSchedule(IndexedCollection):
    """Per recruiter: ``due`` (when to look again; null: at its next event), and the
    ``version`` and ``published`` answer of its stream's last status change."""

    collection = "status_schedule"
    indexes = (("due",),)

    def __init__(self, store: ReadModelStore):
        self.store = store


def mark_due(store: ReadModelStore, recruiter_id: str) -> None:
    """Ask for the recruiter's answer to be looked at now. Always a write, even when it is
    due already: an announcer looking at it meanwhile then fails to reschedule it, and
    looks again, at what the event changed. A consumer writing behind writes it after the
    batch's documents."""
    store.change(
        StatusSchedule.collection,
        recruiter_id,
        lambda document: {**(document or {"recruiter_id": recruiter_id}), "due": DUE_NOW},
    )
