"""What an answer shows: the status document (SPEC §11), a search hit, and the facts a
receipt signs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.verification.domain import Record, Status
from shared.clock import rfc3339

IDENTITY = ("legal_name", "trade_names", "country", "registration_number")


def identity(record: Record) -> dict[str, Any]:
    registered = record.registration()
    event = registered["event"] if registered else None
    return {"recruiter_id": record.recruiter_id, **{n: getattr(event, n, None) for n in IDENTITY}}


def status_document(
    record: Record, status: Status, at: datetime, positions: list, lag: float, official: bool
) -> dict[str, Any]:
    document = {
        **identity(record),
        **status.public,
        "verdict": status.verdict,
        "reasons": [reason.as_dict() for reason in status.reasons],
        "as_of": rfc3339(at),
        "positions": positions,
        "lag_seconds": lag,
    }
    return document | ({"detail": status.detail} if official else {})


def receipt_facts(document: dict[str, Any]) -> dict[str, Any]:
    """The facts a receipt signs: who, the verdict and why, licence and certificate."""
    licence, certificate = document["licence"], document["certification"]
    return {
        "sub": document["recruiter_id"],
        "recruiter": {
            name: document[name]
            for name in ("recruiter_id", "legal_name", "country", "registration_number")
        },
        "verdict": document["verdict"],
        "reasons": sorted({reason["code"] for reason in document["reasons"]}),
        "licence": {name: licence[name] for name in ("licence_number", "status", "valid_until")}
        if licence
        else None,
        "certificate": {
            name: certificate[name]
            for name in ("certificate_number", "status", "cb_id", "valid_until")
        }
        if certificate
        else None,
        "as_of": document["as_of"],
        "positions": document["positions"],
        "lag_seconds": document["lag_seconds"],
    }


def search_hit(record: Record, status: Status) -> dict[str, Any]:
    licence = status.public["licence"]
    return {
        **identity(record),
        "licence_number": licence["licence_number"] if licence else None,
        "licence_status": licence["status"] if licence else None,
        "verdict": status.verdict,
    }
