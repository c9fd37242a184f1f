"""The monitoring API: monitors' triage, anonymous intake, and workers' tracking."""

from __future__ import annotations

from flask import Blueprint, Response, g, request

from services.monitoring import commands as c
from services.monitoring import handlers, schemas
from services.monitoring.crypto import Vault, master_key
from services.monitoring.projections import (
    RecruiterDirectory,
    agent_declared,
    recruiter_by_licence,
    suggestions,
)
from shared.commands import StreamWriter
from shared.fields import Empty
from shared.http.auth import requires
from shared.http.bodies import json_body
from shared.http.commands import respond, run_command
from shared.http.openapi import documented
from shared.http.problems import Problem
from shared.http.ratelimit import rate_limited
from shared.http.routes import typed_command_route
from shared.replay import CurrentCollection
from shared.service import Parts

MONITOR = ["monitor"]
WRITE_ERRORS = [404, 409, 412, 503]
# Triage commands: path, command, body, summary.
TRIAGE = [
    ("review", c.ReviewReport, schemas.Note, "Start reviewing a report"),
    ("substantiate", c.SubstantiateReport, schemas.Note, "Substantiate a report"),
    ("unsubstantiate", c.UnsubstantiateReport, schemas.Note, "Find a report unsubstantiated"),
    ("withdraw", c.WithdrawReport, schemas.Note, "Withdraw a report"),
    ("refer", c.ReferReport, schemas.Refer, "Refer a substantiated report to a country's ministry"),
    ("resolve", c.ResolveReport, schemas.Resolve, "Resolve a report with its remedy"),
]


def blueprint(parts: Parts) -> Blueprint:
    routes = Blueprint("monitoring", __name__)
    writer: StreamWriter = parts.writer
    store = parts.read_models
    vault = Vault(master_key(parts.settings.data_dir))
    directory = CurrentCollection(store, RecruiterDirectory.name, RecruiterDirectory.collection)
    desk = handlers.Desk(
        writer,
        store,
        vault,
        lambda recruiter_id: store.get(directory(), recruiter_id) is not None,
        lambda country, number: recruiter_by_licence(store, directory(), country, number),
        lambda recruiter_id, agent_id: agent_declared(store, directory(), recruiter_id, agent_id),
    )

    def send(organisation: str, command: object) -> Response:
        return run_command(writer, lambda ctx: handlers.handle(desk, ctx, organisation, command))

    def receive(organisation: str) -> Response:
        if "Idempotency-Key" in request.headers:
            # Each report has its own tracking code, which no stored answer may repeat.
            raise Problem(400, "Bad request", "reports take no Idempotency-Key: each is new")
        return send(organisation, c.ReceiveReport(**json_body(schemas.ReceiveReport())))

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

    def triage(command: c.TriageReport) -> Response:
        return send(g.principal.org_id, command)

    for path, kind, schema, summary in TRIAGE:
        rule, name = f"/v1/reports/<report_id>/{path}", f"{kind.decision}_report"
        route = (rule, name, kind, schema, summary, triage)
        typed_command_route(
            routes, *route, roles=MONITOR, response=schemas.ReportOut(), errors=WRITE_ERRORS
        )

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
        command = c.MatchReport(report_id, **json_body(schemas.Match()))
        return send(g.principal.org_id, command)

    @routes.post("/v1/reports/<report_id>/intermediaries/<intermediary_id>/link")
    @documented(
        "Link an intermediary the report names to a declared agent, or mark it unregistered",
        body=schemas.LinkIntermediary(),
        response=schemas.ReportOut(),
        roles=MONITOR,
        errors=WRITE_ERRORS,
    )
    @requires(*MONITOR)
    def link_intermediary(report_id: str, intermediary_id: str):
        body = json_body(schemas.LinkIntermediary())
        command = c.LinkIntermediary(report_id, intermediary_id, **body)
        return send(g.principal.org_id, command)

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
