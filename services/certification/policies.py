"""Policies the certification service runs itself, each event caused by another.

- When a recruiter's licence leaves ``active``, its granted certificates are suspended
  with cause "licence"; the event's ``causationid`` is the licensing event's id. A later
  reinstatement of the licence does not lift them: the body decides.
- On a clock: a suspension older than 180 days becomes a withdrawal; no surveillance
  audit 12 months after the grant or the last audit is flagged; a certificate past its
  validity expires.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from services.certification.domain import Certification
from services.certification.projections import (
    CERTIFICATION,
    LICENSING,
    CertificationRegister,
    licences_after,
)
from shared.clock import Clock, parse_instant
from shared.commands import StreamWriter
from shared.events.catalogue import Received
from shared.events.certification import CertificateGranted, CertificateReinstated
from shared.events.licensing import LEAVES_ACTIVE
from shared.process import Action, ProcessManager
from shared.readmodels.base import Query, ReadModelStore, every
from shared.replay import CurrentCollection
from shared.service import Parts, Worker, periodic

ACTOR = "system/certification-policy"


def act(
    writer: StreamWriter,
    certification_id: str,
    change: Callable[[Certification], bool],
    causation_id: str | None = None,
    cause: Callable[[Certification], str | None] | None = None,
) -> bool:
    """Apply a policy to one certification; False when there was nothing to do. The new
    event cites ``causation_id``, or the event ``cause`` finds in the certification."""
    cited = cause or causation_id
    return writer.act(Certification, certification_id, change, ACTOR, cited) is not None


class LicencePolicy(ProcessManager):
    """Joins a recruiter's licence status and certifications, whichever arrives first.

    A licence leaving active suspends every certification it knows of; a certificate
    granted or reinstated while the licence is not active is suspended on arrival. Both
    cite the licensing event that took the licence away. The memory, per recruiter:
    licence statuses, certification ids, and the events handled."""

    name = "licence_policy"
    collection = "licence_policy"
    topics = (LICENSING, CERTIFICATION)
    actor = ACTOR

    def __init__(self, parts: Parts):
        super().__init__(parts.read_models, parts.writer)

    def key_for(self, event: Received) -> str | None:
        return event.recruiter_id

    def decide(
        self, memory: dict[str, Any], event: Received
    ) -> tuple[dict[str, Any], list[Action]]:
        memory = {**memory, "recruiter_id": event.recruiter_id}
        if event.source == "/licensing":
            return self._licence_changed(memory, event)
        if not event.subject.startswith("cert-"):
            return memory, []
        memory["certifications"] = sorted({*memory.get("certifications", []), event.subject})
        cause = memory.get("left_active_event")
        if isinstance(event.event, (CertificateGranted, CertificateReinstated)) and cause:
            since = parse_instant(memory["left_active_at"])
            return memory, [_suspension(event.subject, since, cause)]
        return memory, []

    def _licence_changed(
        self, memory: dict[str, Any], event: Received
    ) -> tuple[dict[str, Any], list[Action]]:
        licences = licences_after(memory.get("licences", {}), event.event)
        if licences is None:
            return memory, []
        active = "active" in licences.values()
        left = isinstance(event.event, LEAVES_ACTIVE) and not active
        keep = None if active else memory.get("left_active_event")
        memory |= {
            "licences": licences,
            "left_active_event": event.id if left else keep,
            "left_active_at": event.effective_at if left else memory.get("left_active_at"),
        }
        if not left:
            return memory, []
        since = parse_instant(event.effective_at)
        certifications = memory.get("certifications", [])
        return memory, [_suspension(c, since, event.id) for c in certifications]


def _suspension(certification_id: str, since: datetime, cause: str) -> Action:
    return Action(Certification, certification_id, lambda c: c.suspend_for_licence(since), cause)


def run_clock_policies(
    writer: StreamWriter, store: ReadModelStore, collection: str, clock: Clock
) -> int:
    """Withdraw long suspensions, flag overdue surveillance, expire certificates: how many acted."""
    now: datetime = clock()
    acted = 0
    for document in every(store, collection, Query({"watch": True})):
        certification_id = document["certification_id"]
        acted += act(
            writer,
            certification_id,
            lambda c: c.withdraw_long_suspension(now),
            cause=lambda c: c.latest.get("certificate_suspended"),
        )
        acted += act(
            writer,
            certification_id,
            lambda c: c.flag_overdue_surveillance(now.date()),
            cause=_last_surveillance_basis,
        )
        acted += act(
            writer, certification_id, lambda c: c.expire_due(now.date()), cause=_validity_basis
        )
    return acted


def _last_surveillance_basis(certification: Certification) -> str | None:
    """The audit or grant the twelve months run from, whichever came last."""
    granted = certification.granted_at.date().isoformat() if certification.granted_at else ""
    if (certification.last_audit_on or "") > granted:
        return certification.latest.get("audit_recorded")
    return _validity_basis(certification)


def _validity_basis(certification: Certification) -> str | None:
    """The grant or renewal that set the certificate's validity."""
    return certification.latest.get("certificate_renewed") or certification.latest.get(
        "certificate_granted"
    )


def clock_policy_worker(parts: Parts) -> Worker:
    register = CurrentCollection(
        parts.read_models, CertificationRegister.name, CertificationRegister.collection
    )
    return periodic(
        "certification.policies",
        "REGISTRY_POLICY_INTERVAL_SECONDS",
        lambda: run_clock_policies(parts.writer, parts.read_models, register(), parts.writer.clock),
    )
