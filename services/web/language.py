"""Which language a person reads: ``?lang=``, then their cookie, then Accept-Language."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, Response, g, request
from flask_babel import Babel

LANGUAGES = {
    "en": "English",
    "fil": "Filipino",
    "ne": "नेपाली",
    "id": "Bahasa Indonesia",
    "ar": "العربية",
}
RIGHT_TO_LEFT = {"ar"}
COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600


def chosen_language() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    # Browsers send "tl" for Filipino as often as "fil".
    offered = request.accept_languages.best_match([*LANGUAGES, "tl"])
    return "fil" if offered == "tl" else offered or "en"


def direction(language: str) -> str:
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


def install(app: Flask) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = "en"
    Babel(app, locale_selector=lambda: g.language)

    @app.before_request
    def choose() -> None:
        g.language = chosen_language()

    @app.after_request
    def remember(response: Response) -> Response:
        asked = request.args.get("lang")
        if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
            response.set_cookie(COOKIE, asked, max_age=ONE_YEAR, samesite="Lax", httponly=True)
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        return response

    @app.context_processor
    def languages() -> dict:
        language = g.get("language", "en")
        return {
            "languages": LANGUAGES,
            "language": language,
            "direction": direction(language),
            "in_language": in_language,
        }


def in_language(code: str) -> str:
    """This page in another language: a GET page keeps its query; a form's answer goes
    back to its form, whose post is not repeated."""
    query = request.args.to_dict() if request.method == "GET" else {}
    return f"{request.path}?{urlencode(query | {'lang': code})}"
