"""Headers every page carries, and the CSRF check every form post passes.

Cookies are Secure: browsers keep them from http://127.0.0.1 and localhost too.

CSRF is a double submit: a random token in an HTTP-only, same-site cookie, repeated in a
hidden field of each form; a post whose field does not match the cookie is refused. No
server-side state, so every process agrees without sharing a secret.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, Response, g, request

CSRF_COOKIE = "csrf"
CSRF_FIELD = "csrf_token"
POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


class ForgedForm(Exception):
    """A form post without the token its cookie holds."""


def csrf_token() -> str:
    if "csrf" not in g:
        g.csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    return g.csrf


def check_form() -> None:
    sent, kept = request.form.get(CSRF_FIELD, ""), request.cookies.get(CSRF_COOKIE, "")
    if not kept or not hmac.compare_digest(sent.encode(), kept.encode()):
        raise ForgedForm()


def install(app: Flask) -> None:
    app.jinja_env.globals["csrf_token"] = csrf_token

    @app.after_request
    def protect(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if "csrf" in g and request.cookies.get(CSRF_COOKIE) != g.csrf:
            response.set_cookie(CSRF_COOKIE, g.csrf, httponly=True, samesite="Strict", secure=True)
        return response
