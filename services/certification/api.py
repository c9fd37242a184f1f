"""The certification API: each route turns HTTP into a command and hands it to a handler."""

from __future__ import annotations

from flask import Blueprint, g

from services.certification import handlers, schemas
from services.certification.projections import LicenceStatus
from shared.commands import StreamWriter
from shared.http.auth import requires
from shared.http.bodies import json_body
from shared.http.commands import respond, run_command
from shared.http.openapi import documented
from shared.http.routes import command_route
from shared.replay import CurrentCollection
from shared.service import Parts

OWNER = ["scheme_owner"]
BODY = ["certification_body"]
BODY_OUT = schemas.BodyOut()
CERTIFICATION_OUT = schemas.CertificationOut()
WRITE_ERRORS = [404, 409, 412, 503]


def blueprint(parts: Parts) -> Blueprint:
    routes = Blueprint("certification", __name__)
    writer: StreamWriter = parts.writer
    licences = CurrentCollection(parts.read_models, LicenceStatus.name, LicenceStatus.collection)

    @routes.post("/v1/certification-bodies")
    @documented(
        "Accredit a certification body",
        body=schemas.AccreditBody(),
        response=BODY_OUT,
        status=201,
        roles=OWNER,
        errors=[503],
    )
    @requires(*OWNER)
    def accredit_body():
        body = json_body(schemas.AccreditBody())
        return run_command(writer, lambda ctx: handlers.accredit_body(writer, ctx, **body))

    for action, schema, summary in (
        ("suspend", schemas.BodyDecision, "Suspend a body's accreditation"),
        ("restore", schemas.RestoreBody, "Restore a suspended accreditation"),
        ("withdraw", schemas.BodyDecision, "Withdraw a body's accreditation"),
    ):
        _body_route(routes, writer, action, schema, summary)

    @routes.post("/v1/certifications")
    @documented(
        "Apply for certification of a licensed recruiter",
        body=schemas.ApplyForCertification(),
        response=CERTIFICATION_OUT,
        status=201,
        roles=BODY,
        errors=[409, 503],
    )
    @requires(*BODY)
    def apply_for_certification():
        recruiter_id = json_body(schemas.ApplyForCertification())["recruiter_id"]
        found = handlers.licences_of(parts.read_models, licences(), recruiter_id)
        return run_command(
            writer,
            lambda ctx: handlers.apply_for_certification(
                writer, ctx, g.principal.cb_id, recruiter_id, found
            ),
        )

    @routes.get("/v1/certifications/<certification_id>")
    @documented(
        "A certification, to the body that holds it",
        response=CERTIFICATION_OUT,
        roles=BODY,
        errors=[404, 503],
    )
    @requires(*BODY)
    def show_certification(certification_id: str):
        return respond(handlers.show_certification(writer, g.principal.cb_id, certification_id))

    @routes.post("/v1/certifications/<certification_id>/audits")
    @documented(
        "Record an audit and its findings",
        body=schemas.RecordAudit(),
        response=CERTIFICATION_OUT,
        status=201,
        roles=BODY,
        errors=WRITE_ERRORS,
    )
    @requires(*BODY)
    def record_audit(certification_id: str):
        body = json_body(schemas.RecordAudit())
        return _act(
            certification_id,
            lambda c: c.record_audit(
                body["type"], body["conducted_on"], body["findings"], handlers.today(writer)
            ),
            created="audit_id",
            status=201,
        )

    @routes.post("/v1/certifications/<certification_id>/findings/<finding_id>/corrective-actions")
    @documented(
        "Record a corrective action on a finding",
        body=schemas.CorrectiveAction(),
        response=CERTIFICATION_OUT,
        status=201,
        roles=BODY,
        errors=WRITE_ERRORS,
    )
    @requires(*BODY)
    def record_corrective_action(certification_id: str, finding_id: str):
        body = json_body(schemas.CorrectiveAction())
        return _act(
            certification_id,
            lambda c: c.record_corrective_action(
                finding_id, body["description"], body.get("due_on")
            ),
            status=201,
        )

    @routes.post("/v1/certifications/<certification_id>/findings/<finding_id>/close")
    @documented(
        "Close a finding once verified",
        body=schemas.CloseFinding(),
        response=CERTIFICATION_OUT,
        roles=BODY,
        errors=WRITE_ERRORS,
    )
    @requires(*BODY)
    def close_finding(certification_id: str, finding_id: str):
        body = json_body(schemas.CloseFinding())
        return _act(
            certification_id,
            lambda c: c.close_finding(finding_id, body["verified_on"], handlers.today(writer)),
        )

    @routes.post("/v1/certifications/<certification_id>/decisions")
    @documented(
        "Grant, suspend, reinstate, withdraw or renew the certificate",
        body=schemas.Decision(),
        response=CERTIFICATION_OUT,
        roles=BODY,
        errors=WRITE_ERRORS,
    )
    @requires(*BODY)
    def decide(certification_id: str):
        body = json_body(schemas.Decision())
        command = body.pop("decision")

        def change(certification):
            found = handlers.licences_of(parts.read_models, licences(), certification.recruiter_id)
            handlers.decide_certification(
                writer, certification, command, found, g.principal.actor, **body
            )

        return _act(certification_id, change)

    def _act(certification_id: str, change, created: str | None = None, status: int = 200):
        return run_command(
            writer,
            lambda ctx: handlers.act_on_certification(
                writer, ctx, g.principal.cb_id, certification_id, change, created, status
            ),
        )

    return routes


def _body_route(routes: Blueprint, writer: StreamWriter, action: str, schema, summary: str) -> None:
    def decide(cb_id: str):
        reason = json_body(schema()).get("reason")
        return run_command(
            writer, lambda ctx: handlers.decide_body(writer, ctx, cb_id, action, reason)
        )

    command_route(
        routes,
        f"/v1/certification-bodies/<cb_id>/{action}",
        f"{action}_body",
        decide,
        summary,
        body=schema(),
        roles=OWNER,
        response=BODY_OUT,
        errors=WRITE_ERRORS,
    )
