"""The licensing API: each route turns HTTP into a command and hands it to a handler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, g

from services.licensing import handlers, schemas
from services.licensing.projections import ReferralInbox
from shared.commands import Outcome, StreamWriter
from shared.errors import NotFound
from shared.http.auth import requires
from shared.http.bodies import json_body, query_args
from shared.http.commands import respond, run_command
from shared.http.openapi import documented
from shared.readmodels.base import Query
from shared.replay import CurrentCollection
from shared.service import Parts

OFFICER = ["ministry_officer"]
LICENCE_OUT = schemas.LicenceOut()
RECRUITER_OUT = schemas.RecruiterOut()
WRITE_ERRORS = [404, 409, 412, 503]
# Licence decisions: path, command, body schema, summary.
DECISIONS = [
    ("issue", "issue", schemas.IssueLicence, "Issue a licence applied for"),
    ("deny", "deny", schemas.DenyLicence, "Deny a licence application"),
    ("renew", "renew", schemas.RenewLicence, "Renew an active or expired licence"),
    ("suspend", "suspend", schemas.WithReason, "Suspend an active licence"),
    ("reinstate", "reinstate", schemas.WithOptionalReason, "Reinstate a suspended licence"),
    ("revoke", "revoke", schemas.WithReason, "Revoke a licence"),
    ("cancel", "cancel", schemas.WithOptionalReason, "Cancel a licence the recruiter surrendered"),
]
DEPOSIT = [
    ("lodge", "lodge", schemas.Money, "Lodge the security deposit"),
    ("draw", "draw", schemas.DrawDeposit, "Draw on the deposit to pay workers' claims"),
    ("top-up", "top_up", schemas.Money, "Top the deposit up"),
    ("forfeit", "forfeit", schemas.ForfeitDeposit, "Forfeit the deposit"),
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

    for path, name, schema, summary in DECISIONS:
        _licence_route(routes, command, path, name, schema, summary)

    @routes.post("/v1/licences/<licence_id>/conditions")
    @documented(
        "Impose a condition on a licence",
        body=schemas.ImposeCondition(),
        response=LICENCE_OUT,
        status=201,
        roles=OFFICER,
        errors=WRITE_ERRORS,
    )
    @requires(*OFFICER)
    def impose_condition(licence_id: str):
        body = json_body(schemas.ImposeCondition())
        return command(handlers.decide_licence, licence_id, "impose_condition", status=201, **body)

    @routes.post("/v1/licences/<licence_id>/conditions/<condition_id>/lift")
    @documented(
        "Lift a condition",
        body=schemas.Decision(),
        response=LICENCE_OUT,
        roles=OFFICER,
        errors=WRITE_ERRORS,
    )
    @requires(*OFFICER)
    def lift_condition(licence_id: str, condition_id: str):
        body = json_body(schemas.Decision())
        return command(
            handlers.decide_licence, licence_id, "lift_condition", condition_id=condition_id, **body
        )

    @routes.post("/v1/recruiters/<recruiter_id>/violations")
    @documented(
        "Record a violation and its penalty",
        body=schemas.RecordViolation(),
        response=RECRUITER_OUT,
        status=201,
        roles=OFFICER,
        errors=WRITE_ERRORS,
    )
    @requires(*OFFICER)
    def record_violation(recruiter_id: str):
        return command(
            handlers.record_violation, recruiter_id, **json_body(schemas.RecordViolation())
        )

    @routes.post("/v1/recruiters/<recruiter_id>/branches")
    @documented(
        "Open a branch",
        body=schemas.OpenBranch(),
        response=RECRUITER_OUT,
        status=201,
        roles=OFFICER,
        errors=WRITE_ERRORS,
    )
    @requires(*OFFICER)
    def open_branch(recruiter_id: str):
        body = json_body(schemas.OpenBranch())
        return command(
            handlers.open_branch, recruiter_id, body["name"], body["address"], body.get("country")
        )

    @routes.post("/v1/recruiters/<recruiter_id>/branches/<branch_id>/close")
    @documented(
        "Close a branch",
        body=schemas.CloseBranch(),
        response=RECRUITER_OUT,
        roles=OFFICER,
        errors=WRITE_ERRORS,
    )
    @requires(*OFFICER)
    def close_branch(recruiter_id: str, branch_id: str):
        body = json_body(schemas.CloseBranch())
        return command(handlers.close_branch, recruiter_id, branch_id, body.get("reason"))

    @routes.post("/v1/recruiters/<recruiter_id>/officers")
    @documented(
        "Appoint an officer of the recruiter",
        body=schemas.AppointOfficer(),
        response=RECRUITER_OUT,
        status=201,
        roles=OFFICER,
        errors=WRITE_ERRORS,
    )
    @requires(*OFFICER)
    def appoint_officer(recruiter_id: str):
        body = json_body(schemas.AppointOfficer())
        return command(handlers.appoint_officer, recruiter_id, body["name"], body["position"])

    @routes.post("/v1/recruiters/<recruiter_id>/officers/<officer_id>/remove")
    @documented(
        "Remove an officer",
        body=schemas.Empty(),
        response=RECRUITER_OUT,
        roles=OFFICER,
        errors=WRITE_ERRORS,
    )
    @requires(*OFFICER)
    def remove_officer(recruiter_id: str, officer_id: str):
        json_body(schemas.Empty())
        return command(handlers.remove_officer, recruiter_id, officer_id)

    for path, name, schema, summary in DEPOSIT:
        _deposit_route(routes, command, path, name, schema, summary)

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
        items = [schemas.ReferralOut().dump(item) for item in page.items]
        return {"items": items, "total": page.total, "page": query["page"], "per_page": per_page}

    @routes.post("/v1/referrals/<referral_id>/acknowledge")
    @documented("Acknowledge a referral", body=schemas.Empty(), roles=OFFICER, errors=WRITE_ERRORS)
    @requires(*OFFICER)
    def acknowledge_referral(referral_id: str):
        json_body(schemas.Empty())
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


def _licence_route(routes: Blueprint, command, path: str, name: str, schema, summary: str) -> None:
    def decide(licence_id: str):
        return command(handlers.decide_licence, licence_id, name, **json_body(schema()))

    decide.__name__ = f"{name}_licence"
    view = documented(
        summary, body=schema(), response=LICENCE_OUT, roles=OFFICER, errors=WRITE_ERRORS
    )(requires(*OFFICER)(decide))
    routes.add_url_rule(f"/v1/licences/<licence_id>/{path}", view_func=view, methods=["POST"])


def _deposit_route(routes: Blueprint, command, path: str, name: str, schema, summary: str) -> None:
    def move(recruiter_id: str):
        return command(handlers.move_deposit, recruiter_id, name, **json_body(schema()))

    move.__name__ = f"{name}_deposit"
    view = documented(
        summary, body=schema(), response=RECRUITER_OUT, roles=OFFICER, errors=WRITE_ERRORS
    )(requires(*OFFICER)(move))
    routes.add_url_rule(
        f"/v1/recruiters/<recruiter_id>/deposit/{path}", view_func=view, methods=["POST"]
    )
