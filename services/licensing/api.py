"""The licensing API: each route turns HTTP into a typed command and hands it to a handler."""

from __future__ import annotations

import re

from flask import Blueprint, Response, g

from services.licensing import commands as c
from services.licensing import handlers, schemas
from services.licensing.projections import ReferralInbox, find_referral, referrals_of
from services.licensing.views import referral_view
from shared.fields import Empty, Money
from shared.http.auth import requires
from shared.http.bodies import json_body, query_args
from shared.http.commands import respond, run_command
from shared.http.openapi import documented
from shared.http.routes import typed_command_route
from shared.replay import CurrentCollection
from shared.service import Parts

OFFICER = ["ministry_officer"]
LICENCE_OUT = schemas.LicenceOut()
RECRUITER_OUT = schemas.RecruiterOut()
WRITE_ERRORS = [404, 409, 412, 503]
WRITE = {"roles": OFFICER, "errors": WRITE_ERRORS}
# Licence decisions: path under the licence, command, body, summary.
DECISIONS = [
    ("issue", c.IssueLicence, schemas.IssueLicence, "Issue a licence applied for"),
    ("deny", c.DenyLicence, schemas.WithReason, "Deny a licence application"),
    ("renew", c.RenewLicence, schemas.RenewLicence, "Renew an active or expired licence"),
    ("suspend", c.SuspendLicence, schemas.WithReason, "Suspend an active licence"),
    ("reinstate", c.ReinstateLicence, schemas.WithOptionalReason, "Reinstate a suspended licence"),
    ("revoke", c.RevokeLicence, schemas.WithReason, "Revoke a licence"),
    ("cancel", c.CancelLicence, schemas.WithOptionalReason, "Cancel a surrendered licence"),
    ("conditions", c.ImposeCondition, schemas.ImposeCondition, "Impose a condition"),
    ("conditions/<condition_id>/lift", c.LiftCondition, schemas.Decision, "Lift a condition"),
]
# What else a ministry records on a recruiter: path under the recruiter, command, body,
# summary, the name under which the answer gives the id of what it created (201) if any.
AMENDMENTS = [
    (
        "violations",
        c.RecordViolation,
        schemas.RecordViolation,
        "Record a violation and its penalty",
        "violation_id",
    ),
    ("branches", c.OpenBranch, schemas.OpenBranch, "Open a branch", "branch_id"),
    ("branches/<branch_id>/close", c.CloseBranch, schemas.CloseBranch, "Close a branch", None),
    (
        "officers",
        c.AppointOfficer,
        schemas.AppointOfficer,
        "Appoint an officer of the recruiter",
        "officer_id",
    ),
    ("officers/<officer_id>/remove", c.RemoveOfficer, Empty, "Remove an officer", None),
    (
        "agents",
        c.DeclareAgent,
        schemas.DeclareAgent,
        "Declare an agent of the recruiter",
        "agent_id",
    ),
    ("agents/<agent_id>/end", c.EndAgentLink, schemas.EndAgentLink, "End a link to an agent", None),
    ("deposit/lodge", c.LodgeDeposit, Money, "Lodge the security deposit", None),
    (
        "deposit/draw",
        c.DrawDeposit,
        schemas.DrawDeposit,
        "Draw on the deposit to pay workers' claims",
        None,
    ),
    ("deposit/top-up", c.TopUpDeposit, Money, "Top the deposit up", None),
    ("deposit/forfeit", c.ForfeitDeposit, schemas.ForfeitDeposit, "Forfeit the deposit", None),
]


def blueprint(parts: Parts) -> Blueprint:
    routes = Blueprint("licensing", __name__)
    writer = parts.writer
    inbox = CurrentCollection(parts.read_models, ReferralInbox.name, ReferralInbox.collection)
    office = handlers.Office(writer, lambda rid: find_referral(parts.read_models, inbox(), rid))

    def send(command: object) -> Response:
        country = g.principal.country
        return run_command(writer, lambda ctx: handlers.handle(office, ctx, country, command))

    @routes.post("/v1/recruiters")
    @documented(
        "Register a recruiter",
        body=schemas.RegisterRecruiter(),
        response=RECRUITER_OUT,
        status=201,
        roles=OFFICER,
        errors=[409, 503],
    )
    @requires(*OFFICER)
    def register_recruiter():
        return send(c.RegisterRecruiter(**json_body(schemas.RegisterRecruiter())))

    @routes.get("/v1/recruiters/<recruiter_id>")
    @documented(
        "A recruiter as the ministry sees it",
        response=RECRUITER_OUT,
        roles=OFFICER,
        errors=[404, 503],
    )
    @requires(*OFFICER)
    def show_recruiter(recruiter_id: str):
        return respond(handlers.show_recruiter(writer, g.principal.country, recruiter_id))

    @routes.post("/v1/licences")
    @documented(
        "Apply for a licence",
        body=schemas.ApplyForLicence(),
        response=LICENCE_OUT,
        status=201,
        roles=OFFICER,
        errors=WRITE_ERRORS,
    )
    @requires(*OFFICER)
    def apply_for_licence():
        return send(c.ApplyForLicence(**json_body(schemas.ApplyForLicence())))

    @routes.get("/v1/licences/<licence_id>")
    @documented("A licence", response=LICENCE_OUT, roles=OFFICER, errors=[404, 503])
    @requires(*OFFICER)
    def show_licence(licence_id: str):
        return respond(handlers.show_licence(writer, g.principal.country, licence_id))

    for path, kind, schema, summary in DECISIONS:
        status = 201 if kind is c.ImposeCondition else 200
        rule, name = f"/v1/licences/<licence_id>/{path}", f"{kind.decision}_licence"
        route = (rule, name, kind, schema, summary, send)
        typed_command_route(routes, *route, response=LICENCE_OUT, status=status, **WRITE)
    for path, kind, schema, summary, created in AMENDMENTS:
        rule, name = f"/v1/recruiters/<recruiter_id>/{path}", re.sub(r"\W+", "_", path)
        route = (rule, name, kind, schema, summary, send)
        answer = {
            "response": schemas.recruiter_out_with(created),
            "status": 201 if created else 200,
        }
        typed_command_route(routes, *route, **answer, **WRITE)

    @routes.get("/v1/referrals")
    @documented(
        "The ministry's inbox of referred reports",
        query=schemas.ReferralQuery(),
        roles=OFFICER,
        errors=[422, 503],
    )
    @requires(*OFFICER)
    def list_referrals():
        query = query_args(schemas.ReferralQuery())
        page = referrals_of(parts.read_models, inbox(), g.principal.country, query)
        return page | {"items": [referral_view(item) for item in page["items"]]}

    @routes.post("/v1/referrals/<referral_id>/acknowledge")
    @documented("Acknowledge a referral", body=Empty(), roles=OFFICER, errors=WRITE_ERRORS)
    @requires(*OFFICER)
    def acknowledge_referral(referral_id: str):
        json_body(Empty())
        return send(c.AcknowledgeReferral(referral_id))

    @routes.post("/v1/referrals/<referral_id>/close")
    @documented(
        "Close a referral with its outcome",
        body=schemas.CloseReferral(),
        roles=OFFICER,
        errors=WRITE_ERRORS,
    )
    @requires(*OFFICER)
    def close_referral(referral_id: str):
        return send(c.CloseReferral(referral_id, **json_body(schemas.CloseReferral())))

    return routes
