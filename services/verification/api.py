"""The public verification API (SPEC §5): no token needed; officials' tokens add detail."""

from __future__ import annotations

from flask import Blueprint, g, request
from marshmallow import ValidationError

from services.verification import handlers, schemas
from services.verification.consistency import await_writes
from services.verification.handlers import Registry
from services.verification.log.api import public_log
from services.verification.log.appender import LogLeaves
from services.verification.log.proofs import AnswerProofs
from services.verification.projections import RecruiterStatus
from services.verification.receipts import ReceiptSigner
from shared.errors import NotFound
from shared.fields import ID
from shared.http.auth import optional_token
from shared.http.bodies import json_body, path_args, query_args
from shared.http.openapi import documented
from shared.http.ratelimit import rate_limited
from shared.service import Parts

OFFICIALS = ("consular_officer", "ministry_officer")
PUBLIC_ERRORS = [401, 422, 429, 503]


def official() -> bool:
    return g.principal is not None and g.principal.role in OFFICIALS


def known_form(recruiter_id: str) -> str:
    """Only a recruiter id reaches the store: other documents share its collection."""
    try:
        ID(recruiter_id)
    except ValidationError as error:
        raise NotFound(f"no recruiter with id {recruiter_id} is known to this registry") from error
    return recruiter_id


def blueprint(parts: Parts) -> Blueprint:
    routes = Blueprint("verification", __name__)
    # Built once: a schema costs more to build than to load a query with.
    as_of, licence, search = schemas.AsOf(), schemas.Licence(), schemas.Search()
    consistent_with, verify = schemas.Consistent(), schemas.Verify()
    signer = ReceiptSigner.for_settings(parts.settings)
    head = parts.backend.head(RecruiterStatus.topics)
    registry = Registry(
        parts.read_models,
        signer,
        parts.settings.clock(),
        head,
        parts.settings.stale_after_seconds,
        AnswerProofs(public_log(parts, reading=True), LogLeaves(parts.read_models)),
    )

    def consistent() -> None:
        """Wait for the writes the caller names (SPEC §13)."""
        tokens = request.args.getlist("consistent_with")
        await_writes(registry, tokens, parts.settings.consistency_wait_seconds)

    @routes.get("/v1/recruiters/<recruiter_id>")
    @documented(
        "Can I trust this recruiter, as of this instant, and why; with a signed receipt",
        query=as_of,
        response=schemas.SignedStatus(),
        errors=[404, *PUBLIC_ERRORS],
    )
    @rate_limited
    @optional_token
    def check_recruiter(recruiter_id: str):
        at = query_args(as_of).get("as_of")
        consistent()
        return handlers.check_recruiter(registry, known_form(recruiter_id), at, official())

    @routes.get("/v1/licences/<country>/<path:licence_number>")
    @documented(
        "The same answer, for the licence number printed on a worker's papers",
        query=as_of,
        path=licence,
        response=schemas.SignedStatus(),
        errors=[404, *PUBLIC_ERRORS],
    )
    @rate_limited
    @optional_token
    def check_licence(country: str, licence_number: str):
        query = query_args(as_of)
        path = path_args(licence, country=country, licence_number=licence_number)
        consistent()
        return handlers.check_licence(
            registry, path["country"], path["licence_number"], query.get("as_of"), official()
        )

    @routes.get("/v1/recruiters")
    @documented(
        "Find recruiters by name, whatever the case and accents",
        query=search,
        response=schemas.Hits(),
        errors=PUBLIC_ERRORS,
    )
    @rate_limited
    @optional_token
    def find_recruiters():
        query = query_args(search)
        consistent()
        return handlers.find_recruiters(registry, query)

    @routes.get("/v1/recruiters/<recruiter_id>/history")
    @documented(
        "A recruiter's timeline",
        query=consistent_with,
        response=schemas.History(),
        errors=[404, *PUBLIC_ERRORS],
    )
    @rate_limited
    @optional_token
    def show_history(recruiter_id: str):
        query_args(consistent_with)
        consistent()
        return handlers.show_history(registry, known_form(recruiter_id), official())

    @routes.post("/v1/verifications")
    @documented(
        "Check up to 1,000 recruiters at once, with one receipt",
        query=consistent_with,
        body=verify,
        response=schemas.Verified(),
        errors=PUBLIC_ERRORS,
    )
    @rate_limited
    @optional_token
    def verify_many():
        query_args(consistent_with)
        body = json_body(verify)
        consistent()
        return handlers.verify_many(registry, body["items"], body.get("as_of"), official())

    @routes.get("/.well-known/jwks.json")
    @documented("The public keys that sign receipts", response=schemas.Keys())
    def publish_keys():
        return signer.jwks()

    return routes
