"""Reading a JSON command body: 415, 400 and 422 before any handler runs."""

from __future__ import annotations

import json
from typing import Any

from flask import request
from marshmallow import Schema, ValidationError

from shared.http.problems import TOO_LARGE, Problem


def json_body(schema: Schema) -> dict[str, Any]:
    """The request body loaded through ``schema``; unknown fields are refused."""
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise Problem(415, "Unsupported media type", "send the body as application/json")
    raw = raw_body()
    try:
        data = json.loads(raw or b"null")
    except json.JSONDecodeError as error:
        detail = f"the body is not valid JSON ({error.msg} at line {error.lineno})"
        raise Problem(400, "Malformed JSON", detail) from error
    except UnicodeDecodeError as error:
        raise Problem(400, "Malformed JSON", "the body is not UTF-8 text") from error
    except RecursionError as error:
        raise Problem(400, "Malformed JSON", "the body is nested too deeply") from error
    except ValueError as error:
        # Python refuses to turn more than 4,300 digits into an int.
        raise Problem(400, "Malformed JSON", "a number in the body is too long") from error
    if not _encodable(data):
        raise Problem(422, "Invalid request", "text must be valid Unicode (no lone surrogates)")
    if not isinstance(data, dict):
        raise Problem(422, "Invalid request", "the body must be a JSON object")
    return loaded(schema, data, "some fields are missing or wrong")


def raw_body() -> bytes:
    """The body's bytes, 413 beyond the limit, chunked or not."""
    raw = request.get_data(cache=True)
    # A chunked body has no Content-Length: Werkzeug stops at the limit without refusing,
    # and only a read past the limit tells whether more was sent.
    if request.content_length is None and request.stream.read(1):
        raise Problem(413, "Request Entity Too Large", TOO_LARGE)
    return raw


def _encodable(data: Any) -> bool:
    """JSON escapes can spell lone surrogates, which no store can keep as UTF-8."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def query_args(schema: Schema) -> dict[str, Any]:
    """Query-string parameters loaded through ``schema``; values stay plain strings or
    numbers, so nothing from a URL can reach a store as an operator."""
    return loaded(schema, request.args.to_dict(), "some query parameters are wrong")


def path_args(schema: Schema, **values: str) -> dict[str, Any]:
    """Path parameters loaded through ``schema``, when a route's path must name something
    well formed (a country code, a licence number)."""
    return loaded(schema, values, "some path parameters are wrong")


def loaded(schema: Schema, values: Any, detail: str) -> dict[str, Any]:
    try:
        return schema.load(values)
    except ValidationError as error:
        raise Problem(422, "Invalid request", detail, errors=error.messages) from error
