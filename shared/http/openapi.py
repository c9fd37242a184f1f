"""OpenAPI 3.1 documents generated from the routes and their marshmallow schemas.

A route says what it takes and gives with ``@documented(...)``; the document is built
from the application's URL map, so it cannot drift from the code, and the committed
copy in ``contracts/openapi/`` is checked against it by a test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema

ERRORS = {
    400: "Malformed request",
    401: "Missing or invalid token",
    403: "The token does not cover this",
    404: "Not found",
    409: "Conflicts with the current state",
    412: "If-Match does not match the current version",
    413: "Body over 1 MiB",
    414: "Request line (method, path and query) over 4,094 bytes",
    415: "Body is not application/json",
    422: "Invalid fields",
    429: "Too many requests",
    503: "A store or the bus is unreachable",
}
PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "description": "messages per field"},
    },
}


@dataclass(frozen=True)
class Operation:
    summary: str
    body: Schema | None
    response: Schema | None
    status: int
    query: Schema | None
    path: Schema | None
    roles: Sequence[str]
    errors: Sequence[int]
    # A body that is not JSON: its media type and JSON Schema (a CSV file, say).
    raw_body: tuple[str, dict[str, Any]] | None = None


def documented(
    summary: str,
    *,
    body: Schema | None = None,
    response: Schema | None = None,
    status: int = 200,
    query: Schema | None = None,
    path: Schema | None = None,
    roles: Sequence[str] = (),
    errors: Sequence[int] = (),
    raw_body: tuple[str, dict[str, Any]] | None = None,
) -> Callable:
    """Describe a route for the OpenAPI document; put it above the route's other decorators.
    ``path`` describes path parameters that must be well formed (others are any string)."""
    implied = {414} | ({400, 415, 413, 422} if body is not None or raw_body else set())
    implied |= {401, 403} if roles else set()
    implied |= {422} if path is not None or query is not None else set()
    operation = Operation(
        summary,
        body,
        response,
        status,
        query,
        path,
        tuple(roles),
        tuple(sorted({*implied, *errors})),
        raw_body,
    )

    def decorate(view: Callable) -> Callable:
        view.openapi = operation
        return view

    return decorate


def openapi_document(app: Flask, service: str) -> dict[str, Any]:
    marshmallow = MarshmallowPlugin()
    spec = APISpec(
        title=f"Recruiter registry: {service}",
        version="1",
        openapi_version="3.1.0",
        plugins=[marshmallow],
    )
    spec.components.schema("Problem", PROBLEM)
    spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        operation: Operation | None = getattr(app.view_functions[rule.endpoint], "openapi", None)
        if operation is None:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        described = operation.path.fields if operation.path is not None else {}
        parameters = [
            {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"<(?:[^:<>]+:)?([^<>]+)>", rule.rule)
            if name not in described
        ]
        spec.path(
            path=path,
            parameters=parameters,
            operations={method.lower(): _operation(operation, rule.endpoint) for method in methods},
        )
    _add_rules_across_fields(spec, marshmallow)
    return spec.to_dict()


def _add_rules_across_fields(spec: APISpec, marshmallow: MarshmallowPlugin) -> None:
    """A schema's ``json_schema`` attribute states in JSON Schema what its
    ``validates_schema`` checks (one field or another, two fields together)."""
    for key, name in marshmallow.converter.refs.items():
        rules = getattr(key[0], "json_schema", None)
        if rules:
            spec.components.schemas[name].update(rules)


def _operation(operation: Operation, endpoint: str) -> dict[str, Any]:
    success: dict[str, Any] = {"description": operation.summary}
    if operation.response is not None:
        success["content"] = {"application/json": {"schema": operation.response}}
    responses: dict[str, Any] = {str(operation.status): success}
    for status in operation.errors:
        responses[str(status)] = {
            "description": ERRORS[status],
            "content": {"application/problem+json": {"schema": "Problem"}},
        }
    described: dict[str, Any] = {
        "operationId": endpoint.replace(".", "_"),
        "summary": operation.summary,
        "responses": responses,
    }
    if operation.body is not None:
        described["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": operation.body}},
        }
    if operation.raw_body is not None:
        media, schema = operation.raw_body
        described["requestBody"] = {"required": True, "content": {media: {"schema": schema}}}
    parameters = []
    if operation.path is not None:
        parameters.append({"in": "path", "schema": operation.path})
    if operation.query is not None:
        parameters.append({"in": "query", "schema": operation.query})
    if parameters:
        described["parameters"] = parameters
    if operation.roles:
        described["security"] = [{"bearer": []}]
        described["description"] = "Roles: " + ", ".join(operation.roles)
    return described
