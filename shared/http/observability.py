"""Request ids, one JSON log line per request, Prometheus metrics, health and readiness.

Log lines name the route pattern, never the raw path or query string: paths can hold
secrets such as a worker's tracking code.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Mapping

from flask import Blueprint, Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from shared.errors import Unavailable
from shared.http.openapi import documented
from shared.http.problems import Problem
from shared.logs import correlation_id, request_id

log = logging.getLogger("registry.http")
# Label values come from a fixed set, so a client cannot grow the metrics without bound.
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
HEADER_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")


def instrument(app: Flask, service: str, registry: CollectorRegistry) -> None:
    requests = Counter(
        "http_requests_total",
        "HTTP requests answered",
        ["service", "method", "route", "status"],
        registry=registry,
    )
    latency = Histogram(
        "http_request_duration_seconds", "Time to answer", ["service", "route"], registry=registry
    )

    @app.before_request
    def start() -> None:
        g.started = time.perf_counter()
        g.request_id = _safe_id(request.headers.get("X-Request-Id")) or str(uuid.uuid4())
        g.tokens = (
            request_id.set(g.request_id),
            correlation_id.set(_safe_id(request.headers.get("X-Correlation-Id")) or g.request_id),
        )

    @app.after_request
    def finish(response: Response) -> Response:
        route = request.url_rule.rule if request.url_rule else "(unmatched)"
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        method = request.method if request.method in METHODS else "OTHER"
        requests.labels(service, method, route, str(response.status_code)).inc()
        latency.labels(service, route).observe(elapsed)
        response.headers["X-Request-Id"] = g.get("request_id", "")
        log.info(
            "request",
            extra={
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 2),
            },
        )
        return response

    @app.teardown_request
    def forget(_: BaseException | None) -> None:
        tokens = g.pop("tokens", None)
        if tokens:
            request_id.reset(tokens[0])
            correlation_id.reset(tokens[1])


def health_blueprint(
    checks: Mapping[str, Callable[[], None]], registry: CollectorRegistry
) -> Blueprint:
    blueprint = Blueprint("health", __name__)

    @blueprint.get("/healthz")
    @documented("The process is alive")
    def healthz() -> dict:
        return {"status": "ok"}

    @blueprint.get("/readyz")
    @documented("The store and the bus answer", errors=[503])
    def readyz() -> dict:
        failing = []
        for name, check in checks.items():
            try:
                check()
            except Unavailable:
                failing.append(name)
        if failing:
            raise Problem(
                503,
                "Service unavailable",
                f"not ready: {', '.join(failing)} unreachable",
                headers={"Retry-After": "5"},
                checks={n: n not in failing for n in checks},
            )
        return {"status": "ready", "checks": {name: True for name in checks}}

    @blueprint.get("/metrics")
    @documented("Prometheus metrics, text format")
    def metrics() -> Response:
        return Response(generate_latest(exposed(registry)), mimetype=CONTENT_TYPE_LATEST)

    return blueprint


def exposed(registry: CollectorRegistry) -> CollectorRegistry:
    """What /metrics shows: under gunicorn (``PROMETHEUS_MULTIPROC_DIR`` set, see
    registry_cli.run) the sum over every HTTP process of the service, whichever answers."""
    if not os.environ.get(MULTIPROCESS_DIR):
        return registry
    every = CollectorRegistry()
    multiprocess.MultiProcessCollector(every)
    return every


MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def _safe_id(value: str | None) -> str | None:
    if value and len(value) <= 128 and set(value) <= HEADER_SAFE:
        return value
    return None
