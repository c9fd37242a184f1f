"""Wires the verification service's adapters; nothing is built at import time."""

from __future__ import annotations

from flask import Flask

from services.verification.announcements import StatusAnnouncer, run_announcer
from services.verification.api import blueprint
from services.verification.log import api as log_api
from services.verification.projections import LicenceNumbers, RecruiterStatus
from services.verification.schedule import StatusSchedule
from shared.config import Settings
from shared.service import Parts, ServiceDefinition, Worker


def status_announcer(parts: Parts) -> Worker:
    announcer = StatusAnnouncer(parts.read_models, parts.events, parts.settings.clock())
    return Worker("verification.status_changes", lambda stop: run_announcer(announcer, stop))


SERVICE = ServiceDefinition(
    name="verification",
    # Its status changes (SPEC §15), stored as the outbox of verification.events.
    produces=True,
    projections=(RecruiterStatus, LicenceNumbers),
    collections=(StatusSchedule,),
    blueprints=lambda parts: [blueprint(parts), log_api.blueprint(parts)],
    schedulers=(status_announcer,),
)


def create_app(settings: Settings | None = None) -> Flask:
    return SERVICE.create_app(settings)


def create_workers(settings: Settings | None = None) -> list[Worker]:
    return SERVICE.workers(settings)
