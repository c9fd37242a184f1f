"""Command routes declared as rows of a table: documented, role-checked, registered."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flask import Blueprint
from marshmallow import Schema

from shared.http.auth import requires
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
