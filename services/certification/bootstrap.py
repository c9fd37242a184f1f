"""Wires the certification service's adapters; nothing is built at import time."""

from __future__ import annotations

from flask import Flask

from services.certification.api import blueprint
from services.certification.policies import LicencePolicy, clock_policy_worker
from services.certification.projections import CertificationRegister, LicenceStatus
from shared.config import Settings
from shared.service import ServiceDefinition, Worker

SERVICE = ServiceDefinition(
    name="certification",
    produces=True,
    projections=(LicenceStatus, CertificationRegister),
    reactions=(LicencePolicy,),
    blueprints=lambda parts: [blueprint(parts)],
    schedulers=(clock_policy_worker,),
)


def create_app(settings: Settings | None = None) -> Flask:
    return SERVICE.create_app(settings)


def create_workers(settings: Settings | None = None) -> list[Worker]:
    return SERVICE.workers(settings)
