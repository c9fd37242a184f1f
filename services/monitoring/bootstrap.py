"""Wires the monitoring service's adapters; nothing is built at import time."""

from __future__ import annotations

from flask import Flask

from services.monitoring.api import blueprint
from services.monitoring.projections import RecruiterDirectory
from services.monitoring.reactions import ReferralAnswers
from shared.config import Settings
from shared.service import ServiceDefinition, Worker

SERVICE = ServiceDefinition(
    name="monitoring",
    produces=True,
    projections=(RecruiterDirectory,),
    reactions=(ReferralAnswers,),
    blueprints=lambda parts: [blueprint(parts)],
)


def create_app(settings: Settings | None = None) -> Flask:
    return SERVICE.create_app(settings)


def create_workers(settings: Settings | None = None) -> list[Worker]:
    return SERVICE.workers(settings)
