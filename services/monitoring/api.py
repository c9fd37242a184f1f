"""The monitoring API: monitors' triage, anonymous intake, and workers' tracking."""

from __future__ import annotations

from flask import Blueprint, g, request

from services.monitoring import handlers, schemas
from services.monitoring.crypto import Vault, master_key
from services.monitoring.projections import RecruiterDirectory, recruiter_by_licence, suggestions
from shared.commands import StreamWriter
from shared.errors import Invalid
from shared.fields import Empty
from shared.http.auth import requires
from shared.http.bodies import json_body
from shared.http.commands import respond, run_command
from shared.http.openapi import documented
from shared.http.problems import Problem
from shared.http.ratelimit import rate_limited
from shared.http.routes import command_route
from shared.replay import CurrentCollection
from shared.service import Parts

MONITOR = ["monitor"]
WRITE_ERRORS = [404, 409, 412, 503]
# Triage commands: path, command, body, summary.
TRIAGE = [
    ("review", "review", schemas.Note, "Start reviewing a report"),
    ("substantiate", "substantiate", schemas.Note, "Substantiate a report"),
    ("unsubstantiate", "unsubstantiate", schemas.Note, "Find a report unsubstantiated"),
    ("withdraw", "withdraw", schemas.Note, "Withdraw a report"),
    ("refer", "refer", schemas.Refer, "Refer a substantiated report to a country's ministry"),
    ("resolve", "resolve", schemas.Resolve, "Resolve a report with its remedy"),
]


def blueprint(parts: Parts) -> Blueprint:
    routes = Blueprint("monitoring", __name__)
    writer: StreamWriter = parts.writer
    store = parts.read_models
    vault = Vault(master_key(parts.settings.data_dir))
    directory = CurrentCollection(store, RecruiterDirectory.name, RecruiterDirectory.collection)

    def known(recruiter_id: str) -> str:
        if store.get(directory(), recruiter_id) is None:
            raise Invalid(
                "no recruiter with that id is known to this registry", {"recruiter_id": ["unknown"]}
            )
        return recruiter_id

    def receive(organisation: str):
        if "Idempotency-Key" in request.headers:
            # Each report has its own tracking code, which no stored answer may repeat.
            raise Problem(400, "Bad request", "reports take no Idempotency-Key: each is new")
        body = json_body(schemas.ReceiveReport())
        subject = body["subject"]
        if subject.get("recruiter_id"):
            known(subject["recruiter_id"])
        matched = None
        if subject.get("licence_number"):
            matched = recruiter_by_licence(
                store, directory(), subject["country"], subject["licence_number"]
            )
        return run_command(
            writer,
            lambda ctx: handlers.receive_report(
                writer, ctx, store, vault, organisation, body, matched
            ),
        )

    @routes.post("/v1/reports")
    @documented(
        "A monitor records a worker's report",
        body=schemas.ReceiveReport(),
        response=schemas.Received(),
        status=201,
        roles=MONITOR,
        errors=[503],
    )
    @requires(*MONITOR)
    def receive_report():
        return receive(g.principal.org_id)

    @routes.post("/v1/public/reports")
    @documented(
        "A worker reports anonymously; keep the tracking code",
        body=schemas.ReceiveReport(),
        response=schemas.Received(),
        status=201,
        errors=[400, 413, 415, 422, 429, 503],
    )
    @rate_limited
    def receive_public_report():
        return receive(parts.settings.public_intake_org)

    @routes.get("/v1/reports/<report_id>")
    @documented(
        "A report with its personal data, to its organisation",
        response=schemas.ReportWithPersonalData(),
        roles=MONITOR,
        errors=[404, 503],
    )
    @requires(*MONITOR)
    def show_report(report_id: str):
        return respond(handlers.show_report(writer, store, vault, g.principal.org_id, report_id))

    @routes.get("/v1/public/reports/track/<code>")
    @documented(
        "What a worker sees with the tracking code",
        response=schemas.Tracked(),
        errors=[404, 429, 503],
    )
    @rate_limited
    def track(code: str):
        return handlers.track(writer, store, code)

    for path, command, schema, summary in TRIAGE:
        _triage_route(routes, writer, store, vault, path, command, schema, summary)

    @routes.get("/v1/reports/<report_id>/suggestions")
    @documented(
        "Known recruiters whose names match the one the report gives",
        response=schemas.Suggestions(),
        roles=MONITOR,
        errors=[404, 503],
    )
    @requires(*MONITOR)
    def suggest(report_id: str):
        report = handlers.show_report(writer, store, vault, g.principal.org_id, report_id).body
        named, name = report["named_recruiter"], report["personal_data"].get("recruiter_as_named")
        if report["recruiter_id"] or not named or not name:
            return {"items": []}
        return {"items": suggestions(store, directory(), name, named["country"])}

    @routes.post("/v1/reports/<report_id>/match")
    @documented(
        "Match a report to a known recruiter",
        body=schemas.Match(),
        response=schemas.ReportOut(),
        roles=MONITOR,
        errors=WRITE_ERRORS,
    )
    @requires(*MONITOR)
    def match(report_id: str):
        recruiter_id = known(json_body(schemas.Match())["recruiter_id"])
        return run_command(
            writer,
            lambda ctx: handlers.act_on_report(
                writer, ctx, g.principal.org_id, report_id, lambda r: r.match(recruiter_id)
            ),
        )

    @routes.post("/v1/reports/<report_id>/erase-personal-data")
    @documented(
        "Erase the reporter's personal data (crypto-shredding)",
        body=Empty(),
        response=schemas.Erased(),
        roles=MONITOR,
        errors=[404, 503],
    )
    @requires(*MONITOR)
    def erase(report_id: str):
        json_body(Empty())
        return handlers.erase_personal_data(store, writer, g.principal.org_id, report_id)

    return routes


def _triage_route(routes, writer, store, vault, path, command, schema, summary) -> None:
    def decide(report_id: str):
        body = json_body(schema())
        note = body.pop("note", None)
        return run_command(
            writer,
            lambda ctx: handlers.act_on_report(
                writer,
                ctx,
                g.principal.org_id,
                report_id,
                lambda r: r.decide(command, **body),
                after=lambda: handlers.add_note(store, vault, report_id, note),
            ),
        )

    command_route(
        routes,
        f"/v1/reports/<report_id>/{path}",
        f"{command}_report",
        decide,
        summary,
        body=schema(),
        roles=MONITOR,
        response=schemas.ReportOut(),
        errors=WRITE_ERRORS,
    )
