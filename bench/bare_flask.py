"""A bare Flask app: the floor under the public ``GET /v1/recruiters/{id}``.

It answers with the recruiter's document, read by its key from the same read-model store
the verification service reads (the current generation of ``recruiter_status``), in one
single-document read: no folding of facts into a verdict, no rate limiter, no token
check, no metrics and no receipt. Settings come from the environment, as the service's.

    .venv/bin/python -m gunicorn "bench.bare_flask:create_app()"
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from services.verification.projections import RecruiterStatus
from shared.backend import open_backend
from shared.config import Settings
from shared.replay import CurrentCollection


def create_app() -> Flask:
    store = open_backend(Settings.from_env()).read_models("verification")
    current = CurrentCollection(store, RecruiterStatus.name, RecruiterStatus.collection)
    app = Flask("bench.bare_flask")
    app.json.sort_keys = False

    @app.get("/v1/recruiters/<recruiter_id>")
    def check_recruiter(recruiter_id: str) -> tuple[dict[str, Any], int]:
        found = store.get(current(), recruiter_id)
        return (found.document, 200) if found else ({"title": "not found"}, 404)

    return app
