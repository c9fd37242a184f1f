"""What a ministry sees of a recruiter and a licence: plain dicts for the API."""

from __future__ import annotations

from typing import Any

from services.licensing.domain import Licence, Recruiter, Referral, amount_text
from services.licensing.schemas import ReferralOut
from shared.clock import rfc3339

REFERRAL_OUT = ReferralOut()


def recruiter_view(recruiter: Recruiter) -> dict[str, Any]:
    return {
        "recruiter_id": recruiter.id,
        "legal_name": recruiter.legal_name,
        "country": recruiter.country,
        "registration_number": recruiter.registration_number,
        "trade_names": recruiter.trade_names,
        "address": recruiter.address,
        "registered_at": rfc3339(recruiter.registered_at) if recruiter.registered_at else None,
        "licences": [_licence(lic) for lic in recruiter.licences.values()],
        "violations": recruiter.violations,
        "branches": list(recruiter.branches.values()),
        "officers": list(recruiter.officers.values()),
        "agents": list(recruiter.agents.values()),
        "deposit": {
            "status": recruiter.deposit_status,
            "currency": recruiter.deposit_currency,
            "balance": amount_text(recruiter.deposit_balance),
        },
        "version": recruiter.next_version,
    }


def licence_view(recruiter: Recruiter, licence_id: str) -> dict[str, Any]:
    return {
        **_licence(recruiter.licence(licence_id)),
        "recruiter_id": recruiter.id,
        "country": recruiter.country,
        "version": recruiter.next_version,
    }


def _licence(licence: Licence) -> dict[str, Any]:
    return {
        "licence_id": licence.licence_id,
        "licence_number": licence.licence_number,
        "status": licence.status,
        "valid_from": licence.valid_from,
        "valid_until": licence.valid_until,
        "issuing_office": licence.issuing_office,
        "conditions": list(licence.conditions.values()),
        "conditions_in_force": len(licence.conditions_in_force),
        "last_decision_effective_at": rfc3339(licence.last_effective_at)
        if licence.last_effective_at
        else None,
    }


def referral_view(inbox: dict[str, Any], answer: Referral | None = None) -> dict[str, Any]:
    """A referral as the inbox shows it; after the ministry's answer, as that answer left
    it, with the version of its stream."""
    shown = REFERRAL_OUT.dump(inbox)
    if answer is None:
        return shown
    return shown | {
        "status": answer.status,
        "outcome": answer.outcome,
        "acknowledged_at": answer.acknowledged_at,
        "closed_at": answer.closed_at,
        "version": answer.next_version,
    }
