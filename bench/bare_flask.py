"""A bare Flask app for ``bench.verification_latency``: the floor under the real endpoint.

It answers ``GET /v1/recruiters/<recruiter_id>`` with one fixed JSON document, read at
start from the file named by ``BENCH_BARE_BODY_FILE`` (a body the verification service
returned). It has no store, no rate limiter, no token check, no metrics and no receipt;
it serialises the document on each request, as the service does.

    BENCH_BARE_BODY_FILE=body.json .venv/bin/python -m gunicorn "bench.bare_flask:create_app()"
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from flask import Flask

BODY_FILE = "BENCH_BARE_BODY_FILE"


def create_app() -> Flask:
    body = json.loads(Path(os.environ[BODY_FILE]).read_bytes())
    app = Flask("bench.bare_flask")
    # As the services set it, so that the bytes sent are those the service sent.
    app.json.sort_keys = False

    @app.get("/v1/recruiters/<recruiter_id>")
    def check_recruiter(recruiter_id: str) -> dict[str, Any]:
        return body

    return app
