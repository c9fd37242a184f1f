"""Wires the verification service's adapters; nothing is built at import time."""

from __future__ import annotations

from flask import Flask

from services.verification.announcements import StatusAnnouncer
from services.verification.api import blueprint
from services.verification.log import api as log_api
from services.verification.log.api import public_log
from services.verification.log.appender import (
    CONSUMER,
    TOPIC,
    LogAppender,
    LogLeaves,
    run_appender,
)
from services.verification.projections import RecruiterStatus
from services.verification.schedule import StatusSchedule
from shared.bus.base import MessageSource
from shared.config import Settings
from shared.service import Parts, ServiceDefinition, Worker, polling


def log_appender(parts: Parts) -> Worker:
    appender = LogAppender(public_log(parts), LogLeaves(parts.read_models))

    def open_source() -> MessageSource:
        return parts.backend.source("verification", CONSUMER, (TOPIC,))

    return Worker("verification.public_log", lambda stop: run_appender(appender, open_source, stop))


def status_announcer(parts: Parts) -> Worker:
    """Looks for due recruiters every tenth of a second (an indexed query that finds none
    when nothing is due), so a mark or a transition is acted on within that, however the
    injected clock moves."""
    announcer = StatusAnnouncer(parts.read_models, parts.events, parts.settings.clock())
    return polling("verification.status_changes", announcer.announce_due)


SERVICE = ServiceDefinition(
    name="verification",
    # Its status changes (SPEC §15), stored as the outbox of verification.events.
    produces=True,
    projections=(RecruiterStatus,),
    collections=(StatusSchedule, LogLeaves),
    blueprints=lambda parts: [blueprint(parts), log_api.blueprint(parts)],
    schedulers=(status_announcer, log_appender),
)


def create_app(settings: Settings | None = None) -> Flask:
    return SERVICE.create_app(settings)


def create_workers(settings: Settings | None = None) -> list[Worker]:
    return SERVICE.workers(settings)
