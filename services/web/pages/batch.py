"""An employer checks up to 1,000 recruiters from a CSV, reads the table, downloads it."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _

from services.web.batch_csv import MAX_BYTES, MAX_ROWS, pack, read_batch, unpack, write_results
from services.web.errors import PageProblem
from services.web.pages.lookup import as_of
from services.web.pages.officials import official_token
from services.web.safety import check_form
from services.web.upstream import Upstream

# The table shows this many rows; the CSV download has them all.
SHOWN = 100


def blueprint(upstream: Upstream) -> Blueprint:
    pages = Blueprint("batch", __name__)

    def verify(items: list[dict[str, str]]) -> dict:
        body = {"items": items} | as_of_body()
        return upstream.post("verification", "/v1/verifications", body, official_token())

    @pages.get("/check")
    def check_form_page():
        return render_template("check.html", max_rows=MAX_ROWS)

    @pages.post("/check")
    def check():
        check_form()
        upload = request.files.get("file")
        data = upload.read(MAX_BYTES + 1) if upload else b""
        if len(data) > MAX_BYTES:
            raise PageProblem(
                413,
                _("The file is too large"),
                _("Send a file of at most 1 MiB (about 1,000 rows)."),
            )
        batch = read_batch(data)
        if batch.problems:
            return render_template("check.html", max_rows=MAX_ROWS, problems=batch.problems), 422
        answer = verify(batch.items)
        if request.form.get("download"):
            return csv_download(answer)
        results = answer.get("results", [])
        verdicts = Counter(r["status"]["verdict"] if r.get("found") else "none" for r in results)
        return render_template(
            "checked.html",
            results=results[:SHOWN],
            total=len(results),
            verdicts=verdicts,
            packed=pack(batch.items),
            as_of_day=request.form.get("as_of", ""),
        )

    @pages.post("/check/results.csv")
    def download():
        check_form()
        items = unpack(request.form.get("rows", ""))
        if items is None:
            raise PageProblem(
                422, _("Please upload the file again"), _("The list to download was not readable.")
            )
        return csv_download(verify(items))

    return pages


def as_of_body() -> dict[str, str]:
    """The form's as_of date, read the way the recruiter page reads ``?as_of=``."""
    return as_of(request.form.get("as_of", ""))


def csv_download(answer: dict) -> Response:
    return Response(
        write_results(answer),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="registry-check.csv"',
            "Cache-Control": "no-store",
        },
    )
