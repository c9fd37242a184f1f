"""Errors as ``application/problem+json`` (RFC 9457), for every case of SPEC §7."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from flask import Flask, Response, json
from werkzeug.exceptions import HTTPException

from shared import errors

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
TYPES = "https://recruiter-registry.org/problems/"
TOO_LARGE = "the request body is larger than 1 MiB"


class Problem(Exception):
    """An HTTP answer that is an error; raised anywhere in a request."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        errors: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: object,
    ):
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})
        self.extra = extra

    def response(self) -> Response:
        body: dict[str, object] = {
            "type": TYPES + self.title.lower().replace(" ", "-"),
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            **self.extra,
        }
        if self.errors:
            body["errors"] = self.errors
        response = Response(json.dumps(body), status=self.status, mimetype=PROBLEM)
        response.headers.update(self.headers)
        return response


def from_error(error: errors.RegistryError, if_match_sent: bool = False) -> Problem:
    if isinstance(error, errors.NotFound):
        return Problem(404, "Not found", str(error))
    if isinstance(error, errors.Invalid):
        return Problem(422, "Invalid request", str(error), error.errors)
    if isinstance(error, errors.InvalidEvent):
        # The request passed its own checks but would make an event its schema refuses.
        log.warning("command produced an invalid event: %s", error)
        return Problem(422, "Invalid request", "the request cannot be recorded as it is")
    if isinstance(error, errors.TransitionForbidden):
        return Problem(409, "Transition forbidden", str(error), current_state=error.state)
    if isinstance(error, errors.ConcurrencyError) and if_match_sent:
        return Problem(412, "Precondition failed", str(error))
    if isinstance(error, errors.Conflict):
        return Problem(409, "Conflict", str(error))
    if isinstance(error, errors.Unauthorized):
        return Problem(401, "Unauthorized", str(error), headers={"WWW-Authenticate": "Bearer"})
    if isinstance(error, errors.Forbidden):
        return Problem(403, "Forbidden", str(error))
    if isinstance(error, errors.CatchingUp):
        return Problem(
            503, "Catching up", str(error), headers={"Retry-After": str(error.retry_after)}
        )
    if isinstance(error, errors.Unavailable):
        return Problem(
            503,
            "Service unavailable",
            "a store or the bus is unreachable; retry later",
            headers={"Retry-After": str(error.retry_after)},
        )
    log.error("unmapped registry error %s", type(error).__name__)
    return Problem(500, "Internal error", "the request could not be completed")


def register(app: Flask) -> None:
    from flask import request

    @app.errorhandler(Problem)
    def on_problem(problem: Problem) -> Response:
        return problem.response()

    @app.errorhandler(errors.RegistryError)
    def on_registry_error(error: errors.RegistryError) -> Response:
        return from_error(error, if_match_sent="If-Match" in request.headers).response()

    @app.errorhandler(HTTPException)
    def on_http_exception(error: HTTPException) -> Response:
        status = error.code or 500
        detail = {
            413: TOO_LARGE,
            404: "no such resource",
            405: "this method is not allowed here",
        }.get(status, error.description or error.name)
        problem = Problem(status, error.name, detail)
        if status == 405 and error.valid_methods:
            problem.headers["Allow"] = ", ".join(error.valid_methods)
        return problem.response()

    @app.errorhandler(Exception)
    def on_unexpected(error: Exception) -> Response:
        log.exception("unhandled error")
        return Problem(500, "Internal error", "the request could not be completed").response()
