"""The licensing and referral event schemas accept well-formed data and reject the rest."""

from tests.contract.helpers import schema_validator as validator

LICENCE = {"licence_id": "lic-1"}
MONEY = {"amount": "1500.50", "currency": "KES"}
PENALTY = {"description": "Fine for overcharging", "amount": "25000", "currency": "KES"}

# type -> (valid data, overrides that each make it invalid). Every type is also checked
# for each required field missing and for an extra property.
SAMPLES = {
    "licensing/recruiter_registered": (
        {
            "recruiter_id": "rec-1",
            "legal_name": "Acme Manpower Ltd",
            "country": "KE",
            "registration_number": "PVT-2019/0042",
            "trade_names": ["Acme Jobs"],
            "address": None,
        },
        [{"trade_names": [""]}, {"trade_names": ["x"] * 21}, {"registration_number": " 42"}],
    ),
    "licensing/licence_number_claimed": (
        {"country": "KE", "licence_number": "RA/2024/17", "recruiter_id": "rec-1", **LICENCE},
        [{"country": "Kenya"}, {"licence_number": ""}],
    ),
    "licensing/licence_applied": (
        {**LICENCE, "recruiter_id": "rec-1", "country": "PH", "licence_number": "POEA-123"},
        [{"recruiter_id": "rec 1"}, {"licence_number": "x" * 65}],
    ),
    "licensing/licence_issued": (
        {**LICENCE, "valid_from": "2026-01-01", "valid_until": "2027-12-31"},
        [{"valid_from": "2026-02-30"}, {"valid_until": "31/12/2027"}],
    ),
    "licensing/licence_denied": ({**LICENCE, "reason": "Incomplete file"}, [{"reason": ""}]),
    "licensing/licence_renewed": ({**LICENCE, "valid_until": "2029-12-31"}, [{"valid_until": 1}]),
    "licensing/licence_suspended": ({**LICENCE, "reason": "Unpaid fees"}, [{"reason": None}]),
    "licensing/licence_reinstated": ({**LICENCE, "reason": None}, [{"reason": "x" * 2001}]),
    "licensing/licence_revoked": ({**LICENCE, "reason": "Repeated fraud"}, [{"licence_id": ""}]),
    "licensing/licence_cancelled": ({**LICENCE, "reason": "Closed business"}, [{"reason": ""}]),
    "licensing/licence_expired": (
        {**LICENCE, "valid_until": "2025-06-30"},
        [{"valid_until": None}],
    ),
    "licensing/condition_imposed": (
        {**LICENCE, "condition_id": "c-1", "text": "Quarterly audit"},
        [{"condition_id": "c/1"}, {"text": ""}],
    ),
    "licensing/condition_lifted": ({**LICENCE, "condition_id": "c-1"}, [{"condition_id": None}]),
    "licensing/violation_recorded": (
        {
            "violation_id": "v-1",
            "description": "Charged placement fees",
            "decided_on": "2026-03-04",
            "penalty": PENALTY,
        },
        [
            {"penalty": {**PENALTY, "amount": "-5"}},
            {"penalty": {**PENALTY, "currency": "kes"}},
            {"penalty": {"description": "Warning", "amount": None}},
            {"penalty": {**PENALTY, "extra": 1}},
            {"decided_on": "2026-13-01"},
        ],
    ),
    "licensing/branch_opened": (
        {"branch_id": "b-1", "name": "Mombasa office", "address": "Moi Ave 1", "country": "KE"},
        [{"address": None}, {"country": "ke"}],
    ),
    "licensing/branch_closed": ({"branch_id": "b-1", "reason": None}, [{"branch_id": "x" * 65}]),
    "licensing/officer_appointed": (
        {"officer_id": "o-1", "name": "A. Director", "position": "Managing director"},
        [{"position": ""}, {"name": "x" * 301}],
    ),
    "licensing/officer_removed": ({"officer_id": "o-1"}, [{"officer_id": 1}]),
    "licensing/deposit_lodged": (MONEY, [{"amount": "01"}, {"amount": 1500}]),
    "licensing/deposit_drawn": (
        {**MONEY, "claim_reference": "CLM-7"},
        [{"claim_reference": ""}, {"amount": "1.23456"}],
    ),
    "licensing/deposit_topped_up": ({"amount": "0.5", "currency": "USD"}, [{"currency": "US"}]),
    "licensing/deposit_forfeited": (
        {"reason": "Licence revoked", **MONEY},
        [{"amount": "1" * 16}, {"reason": ""}],
    ),
    "licensing/referral_acknowledged": (
        {"referral_id": "ref-1", "report_id": "rep-1", "country": "KE"},
        [{"report_id": ""}],
    ),
    "licensing/referral_closed": (
        {
            "referral_id": "ref-1",
            "report_id": "rep-1",
            "country": "KE",
            "outcome": "sanctioned",
            "note": None,
        },
        [{"outcome": "dismissed"}, {"note": ""}],
    ),
    "licensing/agent_declared": (
        {
            "agent_id": "a1",
            "name": "Sagarmatha Village Placements",
            "country": "NP",
            "role": "sub_agent",
            "licence_number": None,
        },
        [{"role": "broker"}, {"country": "np"}, {"name": ""}, {"licence_number": " 7"}],
    ),
    "licensing/agent_link_ended": ({"agent_id": "a1"}, [{"agent_id": "a 1"}]),
    "monitoring/report_referred": (
        {
            "report_id": "rep-1",
            "referral_id": "ref-1",
            "country": "KE",
            "recruiter_id": None,
            "categories": ["fees_charged", "passport_retention"],
        },
        [
            {"categories": []},
            {"categories": ["deception", "deception"]},
            {"categories": ["rudeness"]},
            {"recruiter_id": "rec 1"},
        ],
    ),
}


def test_nullable_fields_accept_values_too():
    extras = {
        "licensing/recruiter_registered": {"address": "1 Main St", "trade_names": []},
        "licensing/licence_reinstated": {"reason": "Fees paid"},
        "licensing/violation_recorded": {"penalty": None},
        "licensing/branch_closed": {"reason": "Lease ended"},
        "licensing/referral_closed": {"outcome": "not_found", "note": "No such agency"},
        "monitoring/report_referred": {"recruiter_id": "rec-1", "categories": ["other"]},
        "licensing/agent_declared": {"licence_number": "NP-DOFE-1234", "role": "foreign_partner"},
    }
    for name, override in extras.items():
        validator(name).validate({**SAMPLES[name][0], **override})
    penalty = {"description": "Warning", "amount": None, "currency": None}
    validator("licensing/violation_recorded").validate(
        {**SAMPLES["licensing/violation_recorded"][0], "penalty": penalty}
    )
