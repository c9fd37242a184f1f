"""The certification API: each route turns HTTP into a typed command and hands it to a handler."""

from __future__ import annotations

from flask import Blueprint, Response, g

from services.certification import commands as c
from services.certification import handlers, schemas
from services.certification.projections import LicenceStatus
from shared.http.auth import requires
from shared.http.bodies import json_body
from shared.http.commands import respond, run_command
from shared.http.openapi import documented
from shared.http.routes import typed_command_route
from shared.replay import CurrentCollection
from shared.service import Parts

OWNER = ["scheme_owner"]
BODY = ["certification_body"]
BODY_OUT = schemas.BodyOut()
CERTIFICATION_OUT = schemas.CertificationOut()
WRITE_ERRORS = [404, 409, 412, 503]
# What the scheme owner decides on a body's accreditation: command, body, summary.
BODY_DECISIONS = [
    (c.SuspendBody, schemas.BodyDecision, "Suspend a body's accreditation"),
    (c.RestoreBody, schemas.RestoreBody, "Restore a suspended accreditation"),
    (c.WithdrawBody, schemas.BodyDecision, "Withdraw a body's accreditation"),
]
# What a body records on its certification: path, command, body, summary, status.
CERTIFICATION_COMMANDS = [
    ("audits", c.RecordAudit, schemas.RecordAudit, "Record an audit and its findings", 201),
    (
        "findings/<finding_id>/corrective-actions",
        c.RecordCorrectiveAction,
        schemas.CorrectiveAction,
        "Record a corrective action on a finding",
        201,
    ),
    (
        "findings/<finding_id>/close",
        c.CloseFinding,
        schemas.CloseFinding,
        "Close a finding once verified",
        200,
    ),
    (
        "decisions",
        c.DecideOnCertificate,
        schemas.Decision,
        "Grant, suspend, reinstate, withdraw or renew the certificate",
        200,
    ),
]
NAMES = {
    c.RecordAudit: "record_audit",
    c.RecordCorrectiveAction: "record_corrective_action",
    c.CloseFinding: "close_finding",
    c.DecideOnCertificate: "decide",
}


def blueprint(parts: Parts) -> Blueprint:
    routes = Blueprint("certification", __name__)
    writer = parts.writer
    licences = CurrentCollection(parts.read_models, LicenceStatus.name, LicenceStatus.collection)

    def licence_status(recruiter_id: str) -> dict | None:
        stored = parts.read_models.get(licences(), recruiter_id)
        return stored.document if stored else None

    desk = handlers.Desk(writer, licence_status)

    def send(command: object) -> Response:
        caller = handlers.Caller(g.principal.actor, g.principal.cb_id)
        return run_command(writer, lambda ctx: handlers.handle(desk, ctx, caller, command))

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
        return send(c.AccreditBody(**json_body(schemas.AccreditBody())))

    for kind, schema, summary in BODY_DECISIONS:
        rule = f"/v1/certification-bodies/<cb_id>/{kind.decision}"
        route = (rule, f"{kind.decision}_body", kind, schema, summary, send)
        typed_command_route(routes, *route, roles=OWNER, response=BODY_OUT, errors=WRITE_ERRORS)

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
        return send(c.ApplyForCertification(**json_body(schemas.ApplyForCertification())))

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

    for path, kind, schema, summary, status in CERTIFICATION_COMMANDS:
        rule = f"/v1/certifications/<certification_id>/{path}"
        route = (rule, NAMES[kind], kind, schema, summary, send)
        typed_command_route(
            routes,
            *route,
            roles=BODY,
            response=CERTIFICATION_OUT,
            status=status,
            errors=WRITE_ERRORS,
        )

    return routes
