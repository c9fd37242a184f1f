"""The log's public routes (SPEC §17): a checkpoint, its key, tiles and proofs.

Tiles and proofs name fixed tree sizes, so their bytes never change: served with a
year-long, immutable cache lifetime for mirrors and witnesses. The checkpoint moves.
"""

from __future__ import annotations

from flask import Blueprint, Response

from registry_client.tlog.note import valid_key_name
from services.verification.log import schemas
from services.verification.log.keys import current_signer, log_keys_dir
from services.verification.log.public_log import PublicLog
from services.verification.log.store import ReadModelLogStore
from shared.http.bodies import query_args
from shared.http.openapi import documented
from shared.http.ratelimit import rate_limited
from shared.service import Parts

IMMUTABLE = "public, max-age=31536000, immutable"
FRESH = "no-cache"


def public_log(parts: Parts, reading: bool = False) -> PublicLog:
    """The log; ``reading``: for a process that only reads it, keeping the hashes read."""
    settings = parts.settings
    if not valid_key_name(settings.log_origin):
        raise ValueError("REGISTRY_LOG_ORIGIN must be a name without spaces or '+'")
    return PublicLog(
        ReadModelLogStore(parts.read_models, keep_blocks=reading),
        lambda: current_signer(log_keys_dir(settings), settings.log_origin),
    )


def text(body: str, cache: str) -> Response:
    return Response(body, mimetype="text/plain", headers={"Cache-Control": cache})


def blueprint(parts: Parts) -> Blueprint:
    routes = Blueprint("verification_log", __name__)
    log = public_log(parts, reading=True)

    @routes.get("/v1/log/checkpoint")
    @documented("The latest checkpoint: a C2SP signed note of the log's size and root")
    def show_checkpoint():
        return text(log.checkpoint(), FRESH)

    @routes.get("/v1/log/key")
    @documented("The checkpoints' Ed25519 verifier key, as Go's sumdb/note writes it")
    def show_log_key():
        return text(log.verifier_key() + "\n", FRESH)

    @routes.get("/v1/log/tile/<path:tile>")
    @documented("A C2SP tlog-tiles hash tile or entry bundle", errors=[404])
    def show_tile(tile: str):
        body = log.tile(tile)
        return Response(
            body, mimetype="application/octet-stream", headers={"Cache-Control": IMMUTABLE}
        )

    @routes.get("/v1/log/proof/inclusion")
    @documented(
        "Proof that a leaf is in the tree of a given size (RFC 9162 §2.1.3)",
        query=schemas.InclusionQuery(),
        response=schemas.InclusionProof(),
        errors=[404, 429],
    )
    @rate_limited
    def prove_inclusion():
        query = query_args(schemas.InclusionQuery())
        return _immutable(log.inclusion(query["index"], query["size"]))

    @routes.get("/v1/log/proof/consistency")
    @documented(
        "Proof that a tree extends an older one (RFC 9162 §2.1.4)",
        query=schemas.ConsistencyQuery(),
        response=schemas.ConsistencyProof(),
        errors=[404, 429],
    )
    @rate_limited
    def prove_consistency():
        query = query_args(schemas.ConsistencyQuery())
        return _immutable(log.consistency(query["first"], query["second"]))

    return routes


def _immutable(body: dict) -> tuple[dict, int, dict[str, str]]:
    return body, 200, {"Cache-Control": IMMUTABLE}
