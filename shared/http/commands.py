"""Turning an HTTP write into a command context, and its outcome back into a response.

Idempotency-Key: a retried request with the same key and body gets the stored
outcome; the same key with another body is refused. If-Match: the stream version the
client last saw, checked before anything is recorded (412 when stale). ETag: the
stream version after the write; Registry-Token: the stream and version, for a reader
to wait for (SPEC §13).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from flask import Response, g, json, request

from shared.commands import CommandContext, Outcome, StreamWriter
from shared.consistency import HEADER
from shared.events.envelope import Provenance
from shared.http.problems import Problem
from shared.logs import correlation_id

IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
ENTITY_TAG = re.compile(r'^"([0-9]+)"$')


def command_context() -> CommandContext:
    principal = getattr(g, "principal", None)
    actor = principal.actor if principal else "public"
    key = request.headers.get("Idempotency-Key")
    scoped_key = request_hash = None
    if key is not None:
        if not IDEMPOTENCY_KEY.match(key):
            raise Problem(400, "Bad request", "Idempotency-Key must be 1 to 255 visible characters")
        caller = f"{actor}:{principal.subject}" if principal else actor
        scoped_key = f"{caller}:{request.method}:{request.path}:{key}"
        request_hash = hashlib.sha256(request.get_data(cache=True)).hexdigest()
    return CommandContext(
        provenance=Provenance(actor=actor, correlation_id=correlation_id.get() or ""),
        idempotency_key=scoped_key,
        request_hash=request_hash,
        expected_version=expected_version(),
    )


def expected_version() -> int | None:
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = ENTITY_TAG.match(header.strip())
    if not match:
        raise Problem(400, "Bad request", 'If-Match must be a strong entity tag such as "3"')
    return int(match.group(1))


def respond(outcome: Outcome, replayed: bool = False) -> Response:
    response = Response(
        json.dumps(outcome.body), status=outcome.status, mimetype="application/json"
    )
    response.headers["ETag"] = f'"{outcome.version}"'
    if outcome.written:
        response.headers[HEADER] = outcome.written
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def run_command(writer: StreamWriter, handle: Callable[[CommandContext], Outcome]) -> Response:
    """Answer a retried request from the store; otherwise handle it and answer."""
    context = command_context()
    previous = writer.previous_outcome(context)
    if previous is not None:
        return respond(previous, replayed=True)
    return respond(handle(context))
