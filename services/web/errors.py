"""Every refusal is a page in the reader's language with the right status, never a trace."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from services.web.safety import ForgedForm
from services.web.upstream import Broken, Busy, NotKnown, Refused, SignInRefused

log = logging.getLogger("registry.web")


class PageProblem(Exception):
    """A page that cannot be shown as asked: its status and what to tell the reader."""

    def __init__(self, status: int, title: str, message: str, problems: list[str] | None = None):
        super().__init__(title)
        self.status, self.title, self.message = status, title, message
        self.problems = problems or []


def problem_page(status: int, title: str, message: str, problems=(), headers=None):
    body = render_template(
        "problem.html", status=status, title=title, message=message, problems=problems
    )
    return body, status, headers or {}


def install(app: Flask) -> None:
    @app.errorhandler(PageProblem)
    def refused(error: PageProblem):
        return problem_page(error.status, error.title, error.message, error.problems)

    @app.errorhandler(NotKnown)
    def not_known(_error):
        return problem_page(404, _("Not found"), _("The registry does not know this page."))

    @app.errorhandler(Refused)
    def refused_by_api(_error):
        return problem_page(
            422, _("Please check what you typed"), _("The registry could not read your request.")
        )

    @app.errorhandler(Busy)
    def busy(error: Busy):
        if error.status == 429:
            title = _("Too many requests")
            message = _("Please wait %(seconds)s seconds and try again.", seconds=error.retry_after)
        else:
            title = _("Please try again soon")
            message = _("The registry is busy or restarting. Try again in a minute.")
        return problem_page(
            error.status, title, message, headers={"Retry-After": error.retry_after}
        )

    @app.errorhandler(Broken)
    def broken(error: Broken):
        log.error("an API answered %s", error.detail)
        return problem_page(
            502, _("Something went wrong"), _("The registry could not answer. Try again later.")
        )

    @app.errorhandler(SignInRefused)
    def signed_out(_error):
        page = problem_page(
            401, _("Please sign in again"), _("Your sign-in has ended. Sign in again to continue.")
        )
        body, status, headers = page
        from services.web.pages.officials import forget_official

        response = app.make_response((body, status, headers))
        forget_official(response)
        return response

    @app.errorhandler(ForgedForm)
    def forged(_error):
        return problem_page(
            403,
            _("This form has expired"),
            _("Go back, reload the page and send the form again."),
        )

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_error):
        return problem_page(
            413, _("The file is too large"), _("Send a file of at most 1 MiB (about 1,000 rows).")
        )

    @app.errorhandler(HTTPException)
    def http_problem(error: HTTPException):
        if error.code == 404:
            return problem_page(404, _("Not found"), _("There is no page at this address."))
        if error.code == 405:
            return problem_page(405, _("Not allowed"), _("This page cannot be used that way."))
        return problem_page(
            error.code or 400, _("Bad request"), _("The registry could not read your request.")
        )

    @app.errorhandler(Exception)
    def failed(error: Exception):
        log.exception("page failed: %s", type(error).__name__)
        return problem_page(
            500, _("Something went wrong"), _("The registry could not answer. Try again later.")
        )
