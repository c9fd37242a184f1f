"""A worker reports a recruiter without an account, and follows the report by its code.

The tracking code is shown once, on the confirmation, and is only ever sent back in a
form post: never in a URL, so it stays out of histories, referrers and access logs.
"""

from __future__ import annotations

import re

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from services.web import countries
from services.web.report_form import CATEGORIES, RECRUITER_ID, read_report
from services.web.safety import check_form
from services.web.upstream import NotKnown, Refused, Upstream, path
from services.web.words import FORM_PROBLEMS

TRACKING_CODE = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
PRIVATE = {"Cache-Control": "no-store"}


def blueprint(upstream: Upstream) -> Blueprint:
    pages = Blueprint("reports", __name__)

    @pages.get("/report")
    def report_form():
        recruiter_id = request.args.get("recruiter_id", "")
        values = {"recruiter_id": recruiter_id if RECRUITER_ID.match(recruiter_id) else ""}
        return form_page(values, {})

    @pages.post("/report")
    def file_report():
        check_form()
        report = read_report(request.form)
        if report.problems:
            return form_page(report.values, report.problems, 422)
        try:
            answer = upstream.post("monitoring", "/v1/public/reports", report.body)
        except Refused as refused:
            return form_page(report.values, problems_named(refused.errors), 422)
        return render_template("reported.html", code=answer["tracking_code"]), 201, PRIVATE

    @pages.get("/track")
    def track_form():
        return render_template("track.html", found=None)

    @pages.post("/track")
    def track():
        check_form()
        code = request.form.get("code", "").strip()
        try:
            if not TRACKING_CODE.match(code):
                raise NotKnown()
            found = upstream.get("monitoring", path("v1", "public", "reports", "track", code))
        except NotKnown:
            message = _("No report has this tracking code. Check it and try again.")
            return render_template("track.html", found=None, wrong=message), 404, PRIVATE
        return render_template("track.html", found=found), 200, PRIVATE

    return pages


def problems_named(errors: dict) -> dict[str, str]:
    """The form's fields the API refused (a recruiter it does not know, say), or the whole
    form when it names none of them."""
    subject = errors.get("subject")
    named = set(errors) | (set(subject) if isinstance(subject, dict) else set())
    return {name: name for name in named if name in FORM_PROBLEMS} or {"form": ""}


def form_page(values: dict, problems: dict, status: int = 200):
    page = render_template(
        "report.html",
        values=values,
        problems=problems,
        categories=CATEGORIES,
        countries=countries.choices(),
    )
    return page, status, PRIVATE
