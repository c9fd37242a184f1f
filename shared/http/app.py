"""The Flask application every service is built on."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask
from prometheus_client import CollectorRegistry

from shared.auth.tokens import TokenVerifier
from shared.config import Settings
from shared.http import problems
from shared.http.observability import health_blueprint, instrument
from shared.http.openapi import openapi_document
from shared.http.ratelimit import RateLimiter
from shared.ratewindows.base import RateWindows

MAX_BODY = 1024 * 1024


@dataclass
class RegistryExtension:
    """What routes reach through ``current_app.extensions["registry"]``."""

    service: str
    settings: Settings
    verifier: TokenVerifier
    rate_limiter: RateLimiter
    parts: Any = None


def create_service_app(
    service: str,
    settings: Settings,
    checks: Mapping[str, Callable[[], None]],
    blueprints: Iterable[Blueprint] = (),
    parts: Any = None,
    *,
    rate_windows: RateWindows,
) -> Flask:
    """``rate_windows``: where public requests are counted, shared by every process."""
    app = Flask(f"registry.{service}")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.json.sort_keys = False
    app.extensions["registry"] = RegistryExtension(
        service=service,
        settings=settings,
        verifier=TokenVerifier(settings),
        rate_limiter=RateLimiter(settings.public_rate_per_minute, rate_windows),
        parts=parts,
    )
    metrics = CollectorRegistry()
    instrument(app, service, metrics)
    problems.register(app)
    app.register_blueprint(health_blueprint(checks, metrics))
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    document = {}

    @app.get("/openapi.json")
    def openapi() -> dict:
        if not document:
            document.update(openapi_document(app, service))
        return document

    return app
