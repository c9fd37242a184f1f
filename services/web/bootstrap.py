"""Wires the public site; nothing is built at import time."""

from __future__ import annotations

from flask import Flask
from prometheus_client import CollectorRegistry

from services.web import errors, formats, language, safety, words
from services.web.batch_csv import MAX_BYTES
from services.web.pages import batch, lookup, officials, receipt, reports
from services.web.settings import SiteSettings
from services.web.upstream import Upstream
from shared.auth.tokens import TokenVerifier
from shared.config import Settings
from shared.http.observability import health_blueprint, instrument
from shared.logs import configure_logging

# The CSV upload's limit, and a little more for the form's other fields.
MAX_REQUEST = MAX_BYTES + 64 * 1024


def create_app(settings: Settings | None = None, upstream: Upstream | None = None) -> Flask:
    """``upstream``: the client to the APIs; unit tests pass a fake."""
    site = SiteSettings.from_env(settings)
    configure_logging(site.registry.log_level)
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=MAX_REQUEST, SEND_FILE_MAX_AGE_DEFAULT=3600)
    upstream = upstream or Upstream(site.verification_url, site.monitoring_url)
    metrics = CollectorRegistry()
    instrument(app, "web", metrics)
    language.install(app)
    safety.install(app)
    formats.install(app)
    words.install(app)
    errors.install(app)
    officials.install(app, TokenVerifier(site.registry))
    checks = {
        "verification": lambda: upstream.ping("verification"),
        "monitoring": lambda: upstream.ping("monitoring"),
    }
    app.register_blueprint(health_blueprint(checks, metrics))
    for pages in (lookup, batch, reports, receipt):
        app.register_blueprint(pages.blueprint(upstream))
    app.register_blueprint(officials.blueprint())
    return app
