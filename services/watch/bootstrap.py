"""Wires the watch service's adapters; nothing is built at import time."""

from __future__ import annotations

from flask import Flask

from services.watch.api import blueprint
from services.watch.collections import KEPT
from services.watch.delivery import Courier, PinnedSender, Receipts
from services.watch.handlers import Watch
from services.watch.projections import (
    AgentLinks,
    ChangeFanOut,
    KnownRecruiters,
    principals_of,
)
from shared.clock import utc_now
from shared.config import Settings
from shared.replay import CurrentCollection
from shared.service import Parts, ServiceDefinition, Worker, polling


def watch_of(parts: Parts) -> Watch:
    return Watch(parts.read_models, parts.settings.clock(), parts.settings.webhooks_allow_local)


def courier(parts: Parts) -> Worker:
    settings = parts.settings
    delivering = Courier(
        parts.read_models,
        # The wall clock, never a moved one: receivers check webhook-timestamp against theirs.
        utc_now,
        PinnedSender(settings.webhooks_allow_local),
        Receipts(settings.verification_url),
        settings.webhook_retry_base_seconds,
        settings.webhook_retry_cap_seconds,
    )
    return polling("watch.deliveries", delivering.deliver_due)


def fan_out(parts: Parts) -> ChangeFanOut:
    """Entries with ``include_chain`` also get the changes of the agents their recruiter
    works through, found in the current generation of ``AgentLinks``."""
    store = parts.read_models
    links = CurrentCollection(store, AgentLinks.name, AgentLinks.collection)
    return ChangeFanOut(store, lambda agent: principals_of(store, links(), agent))


SERVICE = ServiceDefinition(
    name="watch",
    produces=False,
    projections=(KnownRecruiters, AgentLinks),
    reactions=(fan_out,),
    collections=KEPT,
    blueprints=lambda parts: [blueprint(watch_of(parts))],
    schedulers=(courier,),
)


def create_app(settings: Settings | None = None) -> Flask:
    return SERVICE.create_app(settings)


def create_workers(settings: Settings | None = None) -> list[Worker]:
    return SERVICE.workers(settings)
