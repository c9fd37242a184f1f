"""Find a recruiter by name or licence number, and read its verdict, reasons and history."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from services.web import countries
from services.web.errors import PageProblem
from services.web.identifiers import LICENCE_NUMBER, RECRUITER_ID, is_country
from services.web.pages.officials import official_token
from services.web.upstream import NotKnown, Upstream, path

PAGE = 20


def blueprint(upstream: Upstream) -> Blueprint:
    pages = Blueprint("lookup", __name__)

    @pages.get("/")
    def search():
        asked = {name: request.args.get(name, "").strip() for name in ("q", "country", "number")}
        if "search" not in request.args:
            return render_template("search.html", asked=asked, hits=None)
        if asked["number"]:
            country = known_country(asked["country"])
            licence_number(asked["number"])
            return redirect(url_for("lookup.licence", country=country, number=asked["number"]), 303)
        if not asked["q"]:
            raise PageProblem(
                422,
                _("Nothing to search for"),
                _("Type a name, or choose a country and type a licence number."),
            )
        if len(asked["q"]) > 200:
            raise PageProblem(422, _("Name too long"), _("Type at most 200 letters."))
        offset = page_offset(request.args.get("offset"))
        query = {"q": asked["q"], "limit": str(PAGE), "offset": str(offset)}
        if asked["country"]:
            query["country"] = known_country(asked["country"])
        hits = upstream.get("verification", "/v1/recruiters", query, official_token())
        return render_template("search.html", asked=asked, hits=hits, offset=offset, page=PAGE)

    @pages.get("/recruiters/<recruiter_id>")
    def recruiter(recruiter_id: str):
        if not RECRUITER_ID.match(recruiter_id):
            raise not_known_recruiter()
        try:
            status = upstream.get(
                "verification", path("v1", "recruiters", recruiter_id), reading(), official_token()
            )
        except NotKnown as error:
            raise not_known_recruiter() from error
        return show(upstream, status)

    @pages.get("/licences/<country>/<path:number>")
    def licence(country: str, number: str):
        code = known_country(country)
        licence_number(number)
        try:
            status = upstream.get(
                "verification", path("v1", "licences", code, number), reading(), official_token()
            )
        except NotKnown as error:
            raise PageProblem(
                404,
                _("Licence number not known"),
                _(
                    "No recruiter with licence number %(number)s in %(country)s is known to "
                    "this registry.",
                    number=number,
                    country=countries.name(code),
                ),
            ) from error
        return show(upstream, status)

    return pages


def show(upstream: Upstream, status: dict):
    history = upstream.get(
        "verification",
        path("v1", "recruiters", status["recruiter_id"], "history"),
        token=official_token(),
    )
    return render_template(
        "recruiter.html",
        status=status,
        events=list(reversed(history.get("events", []))),
        as_of_day=request.args.get("as_of", ""),
    )


def reading() -> dict[str, str | list[str]]:
    """What the page asks verification: the day, and the writes the answer must reflect
    (``?consistent_with=``, SPEC §13), passed through as they came."""
    return {**as_of(), "consistent_with": request.args.getlist("consistent_with")}


def as_of(asked: str | None = None) -> dict[str, str]:
    """``?as_of=YYYY-MM-DD``: the answer as it stood at the end of that day (UTC)."""
    asked = (request.args.get("as_of", "") if asked is None else asked).strip()
    if not asked:
        return {}
    try:
        day = date.fromisoformat(asked) if len(asked) == 10 else None
    except ValueError:
        day = None
    if day is None or day.year < 1900:
        raise PageProblem(422, _("Date not understood"), _("Write the date as YYYY-MM-DD."))
    return {"as_of": f"{day.isoformat()}T23:59:59Z"}


def known_country(code: str) -> str:
    code = code.strip().upper()
    if not is_country(code):
        raise PageProblem(422, _("Choose a country"), _("Choose the country from the list."))
    return code


def licence_number(number: str) -> str:
    if not LICENCE_NUMBER.match(number):
        raise PageProblem(
            422,
            _("Licence number not understood"),
            _("A licence number has 1 to 64 letters, digits, spaces and . / _ -"),
        )
    return number


def page_offset(value: str | None) -> int:
    return int(value) if value and value.isdigit() and int(value) <= 10_000 else 0


def not_known_recruiter() -> PageProblem:
    return PageProblem(
        404, _("Recruiter not known"), _("No recruiter with this id is known to this registry.")
    )
