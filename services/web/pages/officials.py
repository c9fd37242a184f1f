"""Consular and ministry officials sign in with their token to see what the public does not.

The token lives only in a Secure, HTTP-only, same-site cookie: never in a URL, a page or
a log line. Each request checks it again; one that no longer verifies signs the person out.
"""

from __future__ import annotations

import time

import jwt
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from services.web.errors import PageProblem
from services.web.safety import check_form
from shared.auth.tokens import Principal, TokenVerifier
from shared.errors import Unauthorized

COOKIE = "official"
OFFICIALS = ("consular_officer", "ministry_officer")
MAX_TOKEN = 8192


def official_token() -> str | None:
    return g.get("official_token")


def forget_official(response: Response) -> None:
    response.delete_cookie(COOKIE, secure=True, httponly=True, samesite="Strict")


def install(app: Flask, verifier: TokenVerifier) -> None:
    app.extensions["web.verifier"] = verifier

    @app.before_request
    def recognise() -> None:
        token = request.cookies.get(COOKIE)
        g.official = g.official_token = None
        if token:
            principal = checked(verifier, token)
            if principal is not None and principal.role in OFFICIALS:
                g.official, g.official_token = principal, token

    @app.after_request
    def drop_stale(response: Response) -> Response:
        if request.cookies.get(COOKIE) and g.get("official") is None:
            forget_official(response)
        return response

    @app.context_processor
    def who() -> dict:
        return {"official": g.get("official")}


def checked(verifier: TokenVerifier, token: str) -> Principal | None:
    if len(token) > MAX_TOKEN:
        return None
    try:
        return verifier.verify(token)
    except Unauthorized:
        return None


def blueprint() -> Blueprint:
    pages = Blueprint("officials", __name__)

    @pages.get("/sign-in")
    def sign_in_form():
        return render_template("sign_in.html")

    @pages.post("/sign-in")
    def sign_in():
        check_form()
        token = request.form.get("token", "").strip()

        principal = checked(current_app.extensions["web.verifier"], token) if token else None
        if principal is None:
            raise PageProblem(
                401, _("Sign-in refused"), _("This token is not valid or has expired.")
            )
        if principal.role not in OFFICIALS:
            raise PageProblem(
                403,
                _("Sign-in refused"),
                _("Only consular and ministry officials sign in here."),
            )
        response = redirect(url_for("lookup.search"), 303)
        response.set_cookie(
            COOKIE,
            token,
            max_age=seconds_left(token),
            secure=True,
            httponly=True,
            samesite="Strict",
        )
        return response

    @pages.post("/sign-out")
    def sign_out():
        check_form()
        response = redirect(url_for("lookup.search"), 303)
        forget_official(response)
        return response

    return pages


def seconds_left(token: str) -> int:
    expires = jwt.decode(token, options={"verify_signature": False}).get("exp", 0)
    return max(0, int(expires - time.time()))
