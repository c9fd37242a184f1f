"""Command routes declared as rows of a table: documented, role-checked, registered."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask import Blueprint, Response
from marshmallow import Schema

from shared.http.auth import requires
from shared.http.bodies import json_body
from shared.http.openapi import documented


def command_route(
    routes: Blueprint,
    rule: str,
    name: str,
    view: Callable,
    summary: str,
    *,
    body: Schema,
    roles: Sequence[str],
    response: Schema | None = None,
    status: int = 200,
    errors: Sequence[int] = (),
) -> None:
    """Register ``view`` as ``POST rule`` for ``roles``, described in the OpenAPI document."""
    view.__name__ = name
    described = documented(
        summary, body=body, response=response, status=status, roles=roles, errors=errors
    )
    routes.add_url_rule(rule, view_func=described(requires(*roles)(view)), methods=["POST"])


def typed_command_route(
    routes: Blueprint,
    rule: str,
    name: str,
    kind: type,
    schema: type[Schema],
    summary: str,
    send: Callable[[object], Response],
    *,
    roles: Sequence[str],
    response: Schema | None = None,
    status: int = 200,
    errors: Sequence[int] = (),
) -> None:
    """A command route whose command is the path's ids and the validated body, as they
    are, handed to ``send``."""

    def view(**ids: str) -> Response:
        return send(kind(**ids, **json_body(schema())))

    command_route(
        routes,
        rule,
        name,
        view,
        summary,
        body=schema(),
        roles=roles,
        response=response,
        status=status,
        errors=errors,
    )
