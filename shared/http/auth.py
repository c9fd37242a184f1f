"""Role checks for routes: ``@requires("ministry_officer")`` and scope checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request

from shared.auth.tokens import Principal, TokenVerifier
from shared.errors import Forbidden, Unauthorized


def bearer_principal() -> Principal | None:
    """The caller's verified principal, None without a token; a bad token is 401."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("use an Authorization: Bearer token")
    verifier: TokenVerifier = current_app.extensions["registry"].verifier
    return verifier.verify(token.strip())


def requires(*roles: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            principal = bearer_principal()
            if principal is None:
                raise Unauthorized("this action needs a token")
            if principal.role not in roles:
                raise Forbidden(f"a {principal.role} may not do this")
            g.principal = principal
            return view(*args, **kwargs)

        return checked

    return decorator


def optional_token(view: Callable) -> Callable:
    """Public routes that show more to an authenticated official."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        g.principal = bearer_principal()
        return view(*args, **kwargs)

    return checked


def ensure_same(what: str, allowed: str | None, requested: str) -> None:
    """403 when a caller acts on another country's, body's or organisation's records."""
    if allowed != requested:
        raise Forbidden(f"your token does not cover {what} {requested}")
