"""The gunicorn worker every service runs: gunicorn's own refusals (a request line over
4,094 bytes, a malformed header) are answered as problem+json, like the application's."""

from __future__ import annotations

import json

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

from shared.http.problems import PROBLEM, TYPES


def write_problem(sock, status: int, reason: str, message: str) -> None:
    """Stands in for ``gunicorn.util.write_error``, which writes an HTML page."""
    detail = message or "the request could not be completed"
    body = json.dumps(
        {
            "type": TYPES + reason.lower().replace(" ", "-"),
            "title": reason,
            "status": status,
            "detail": detail,
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        f"Content-Type: {PROBLEM}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


# gunicorn's workers call util.write_error by module attribute; this process is ours alone.
util.write_error = write_problem


class ProblemWorker(ThreadWorker):
    """gunicorn's threaded worker, with problem+json error pages."""
