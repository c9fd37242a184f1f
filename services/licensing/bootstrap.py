"""Wires the licensing service's adapters; nothing is built at import time."""

from __future__ import annotations

from flask import Flask

from services.licensing.api import blueprint
from services.licensing.expiry import expiry_worker
from services.licensing.projections import LicenceRegister, ReferralInbox
from shared.config import Settings
from shared.service import ServiceDefinition, Worker

SERVICE = ServiceDefinition(
    name="licensing",
    produces=True,
    projections=(LicenceRegister, ReferralInbox),
    blueprints=lambda parts: [blueprint(parts)],
    schedulers=(expiry_worker,),
)


def create_app(settings: Settings | None = None) -> Flask:
    return SERVICE.create_app(settings)


def create_workers(settings: Settings | None = None) -> list[Worker]:
    return SERVICE.workers(settings)
