"""The licensing API: each route turns HTTP into a command and hands it to a handler."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, g

from services.licensing import handlers, schemas
from services.licensing.projections import ReferralInbox
from services.licensing.views import referral_view
from shared.commands import Outcome, StreamWriter
from shared.errors import NotFound
from shared.fields import Empty, Money
from shared.http.auth import requires
from shared.http.bodies import json_body, query_args
from shared.http.commands import respond, run_command
from shared.http.openapi import documented
from shared.http.routes import command_route
from shared.readmodels.base import Query
from shared.replay import CurrentCollection
from shared.service import Parts

OFFICER = ["ministry_officer"]
LICENCE_OUT = schemas.LicenceOut()
RECRUITER_OUT = schemas.RecruiterOut()
WRITE_ERRORS = [404, 409, 412, 503]
# Licence decisions: path under the licence, command, body, summary, status.
DECISIONS = [
    ("issue", "issue", schemas.IssueLicence, "Issue a licence applied for", 200),
    ("deny", "deny", schemas.WithReason, "Deny a licence application", 200),
    ("renew", "renew", schemas.RenewLicence, "Renew an active or expired licence", 200),
    ("suspend", "suspend", schemas.WithReason, "Suspend an active licence", 200),
    ("reinstate", "reinstate", schemas.WithOptionalReason, "Reinstate a suspended licence", 200),
    ("revoke", "revoke", schemas.WithReason, "Revoke a licence", 200),
    ("cancel", "cancel", schemas.WithOptionalReason, "Cancel a surrendered licence", 200),
    ("conditions", "impose_condition", schemas.ImposeCondition, "Impose a condition", 201),
    ("conditions/<condition_id>/lift", "lift_condition", schemas.Decision, "Lift a condition", 200),
]
# What else a ministry records on a recruiter: path under the recruiter, body, summary,
# the change (recruiter, body, path ids) -> id of what it created, that id's name, status.
AMENDMENTS = [
    (
        "violations",
        schemas.RecordViolation,
        "Record a violation and its penalty",
        lambda r, b: r.record_violation(b["description"], b["decided_on"], b.get("penalty")),
        "violation_id",
        201,
    ),
    (
        "branches",
        schemas.OpenBranch,
        "Open a branch",
        lambda r, b: r.open_branch(b["name"], b["address"], b.get("country") or r.country),
        "branch_id",
        201,
    ),
    (
        "branches/<branch_id>/close",
        schemas.CloseBranch,
        "Close a branch",
        lambda r, b, branch_id: r.close_branch(branch_id, b.get("reason")),
        None,
        200,
    ),
    (
        "officers",
        schemas.AppointOfficer,
        "Appoint an officer of the recruiter",
        lambda r, b: r.appoint_officer(b["name"], b["position"]),
        "officer_id",
        201,
    ),
    (
        "officers/<officer_id>/remove",
        Empty,
        "Remove an officer",
        lambda r, b, officer_id: r.remove_officer(officer_id),
        None,
        200,
    ),
    (
        "deposit/lodge",
        Money,
        "Lodge the security deposit",
        lambda r, b: r.move_deposit("lodge", b["amount"], b["currency"]),
        None,
        200,
    ),
    (
        "deposit/draw",
        schemas.DrawDeposit,
        "Draw on the deposit to pay workers' claims",
        lambda r, b: r.move_deposit(
            "draw", b["amount"], b["currency"], claim_reference=b["claim_reference"]
        ),
        None,
        200,
    ),
    (
        "deposit/top-up",
        Money,
        "Top the deposit up",
        lambda r, b: r.move_deposit("top_up", b["amount"], b["currency"]),
        None,
        200,
    ),
    (
        "deposit/forfeit",
        schemas.ForfeitDeposit,
        "Forfeit the deposit",
        lambda r, b: r.move_deposit("forfeit", None, None, reason=b["reason"]),
        None,
        200,
    ),
]


def blueprint(parts: Parts) -> Blueprint:
    routes = Blueprint("licensing", __name__)
    writer: StreamWriter = parts.writer
    inbox = CurrentCollection(parts.read_models, ReferralInbox.name, ReferralInbox.collection)

    def command(handle: Callable[..., Outcome], *args: Any, **kwargs: Any) -> Response:
        country = g.principal.country
        return run_command(
            writer, lambda context: handle(writer, context, country, *args, **kwargs)
        )

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
        return command(handlers.register_recruiter, json_body(schemas.RegisterRecruiter()))

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
        body = json_body(schemas.ApplyForLicence())
        return command(handlers.apply_for_licence, body["recruiter_id"], body["licence_number"])

    @routes.get("/v1/licences/<licence_id>")
    @documented("A licence", response=LICENCE_OUT, roles=OFFICER, errors=[404, 503])
    @requires(*OFFICER)
    def show_licence(licence_id: str):
        return respond(handlers.show_licence(writer, g.principal.country, licence_id))

    for path, name, schema, summary, status in DECISIONS:
        _licence_route(routes, command, path, name, schema, summary, status)
    for path, schema, summary, change, created, status in AMENDMENTS:
        _recruiter_route(routes, command, path, schema, summary, change, created, status)

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
        where = {
            "country": g.principal.country,
            **({"status": query["status"]} if "status" in query else {}),
        }
        per_page = query["per_page"]
        page = parts.read_models.find(
            inbox(),
            Query(
                where, order_by="referred_at", limit=per_page, offset=(query["page"] - 1) * per_page
            ),
        )
        items = [referral_view(item) for item in page.items]
        return {"items": items, "total": page.total, "page": query["page"], "per_page": per_page}

    @routes.post("/v1/referrals/<referral_id>/acknowledge")
    @documented("Acknowledge a referral", body=Empty(), roles=OFFICER, errors=WRITE_ERRORS)
    @requires(*OFFICER)
    def acknowledge_referral(referral_id: str):
        json_body(Empty())
        referral = _referral(referral_id)
        return command(handlers.acknowledge_referral, referral)

    @routes.post("/v1/referrals/<referral_id>/close")
    @documented(
        "Close a referral with its outcome",
        body=schemas.CloseReferral(),
        roles=OFFICER,
        errors=WRITE_ERRORS,
    )
    @requires(*OFFICER)
    def close_referral(referral_id: str):
        body = json_body(schemas.CloseReferral())
        referral = _referral(referral_id)
        return command(handlers.close_referral, referral, body["outcome"], body.get("note"))

    def _referral(referral_id: str) -> dict[str, Any]:
        found = parts.read_models.find(inbox(), Query({"referral_id": referral_id}, limit=1)).items
        if not found:
            raise NotFound(f"no referral {referral_id} in your inbox")
        return found[0]

    return routes


def _licence_route(routes, command, path, name, schema, summary, status) -> None:
    def decide(licence_id: str, **ids: str):
        body = json_body(schema())
        return command(handlers.decide_licence, licence_id, name, status=status, **ids, **body)

    command_route(
        routes,
        f"/v1/licences/<licence_id>/{path}",
        f"{name}_licence",
        decide,
        summary,
        body=schema(),
        roles=OFFICER,
        response=LICENCE_OUT,
        status=status,
        errors=WRITE_ERRORS,
    )


def _recruiter_route(routes, command, path, schema, summary, change, created, status) -> None:
    def amend(recruiter_id: str, **ids: str):
        body = json_body(schema())
        return command(
            handlers.amend_recruiter,
            recruiter_id,
            lambda r: change(r, body, **ids),
            created,
            status,
        )

    command_route(
        routes,
        f"/v1/recruiters/<recruiter_id>/{path}",
        re.sub(r"\W+", "_", path),
        amend,
        summary,
        body=schema(),
        roles=OFFICER,
        response=schemas.recruiter_out_with(created),
        status=status,
        errors=WRITE_ERRORS,
    )
