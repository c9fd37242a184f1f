"""Wires the verification service's adapters; nothing is built at import time."""

from __future__ import annotations

from flask import Flask

from services.verification.api import blueprint
from services.verification.log import api as log_api
from services.verification.projections import LicenceNumbers, RecruiterStatus
from shared.config import Settings
from shared.service import ServiceDefinition, Worker

SERVICE = ServiceDefinition(
    name="verification",
    produces=False,
    projections=(RecruiterStatus, LicenceNumbers),
    blueprints=lambda parts: [blueprint(parts), log_api.blueprint(parts)],
)


def create_app(settings: Settings | None = None) -> Flask:
    return SERVICE.create_app(settings)


def create_workers(settings: Settings | None = None) -> list[Worker]:
    return SERVICE.workers(settings)
