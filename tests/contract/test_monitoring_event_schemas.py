"""The monitoring event schemas accept well-formed data and reject the rest."""

from services.monitoring.schemas import ReceiveReport
from shared.events.monitoring import CATEGORIES as DOMAIN_CATEGORIES
from tests.contract.helpers import schema_validator as validator

REPORT = {"report_id": "rep-1"}
REFERRAL = {**REPORT, "referral_id": "ref-rep-1"}
MONEY = {"amount": "1200.50", "currency": "USD"}
NAMED = {"country": "KE", "licence_number": None}
CATEGORIES = list(DOMAIN_CATEGORIES)

# type -> (valid data, overrides that each make it invalid). Every type is also checked
# for each required field missing and for an extra property.
SAMPLES = {
    "monitoring/report_received": (
        {
            **REPORT,
            "org_id": None,
            "recruiter_id": None,
            "named_recruiter": NAMED,
            "categories": ["fees_charged"],
            "fee_paid": None,
            "destination_country": None,
            "recruitment_date": None,
        },
        [
            {"report_id": None},
            {"org_id": "org 1"},
            {"recruiter_id": "rec/1"},
            {"named_recruiter": {**NAMED, "name": "Acme Manpower Ltd"}},
            {"named_recruiter": {**NAMED, "country": "Kenya"}},
            {"named_recruiter": {**NAMED, "licence_number": ""}},
            {"named_recruiter": {**NAMED, "licence_number": " 17"}},
            {"named_recruiter": {**NAMED, "licence_number": "x" * 65}},
            {"named_recruiter": {**NAMED, "worker_name": "Jane Doe"}},
            {"named_recruiter": {k: v for k, v in NAMED.items() if k != "licence_number"}},
            {"named_recruiter": "Acme Manpower Ltd"},
            {"categories": []},
            {"categories": None},
            {"categories": ["fees_charged", "fees_charged"]},
            {"categories": ["rudeness"]},
            {"fee_paid": {**MONEY, "amount": "-5"}},
            {"fee_paid": {**MONEY, "amount": "01"}},
            {"fee_paid": {**MONEY, "amount": "1.23456"}},
            {"fee_paid": {**MONEY, "amount": 1200}},
            {"fee_paid": {**MONEY, "currency": "usd"}},
            {"fee_paid": {"amount": "1200"}},
            {"fee_paid": {**MONEY, "extra": 1}},
            {"destination_country": "SAU"},
            {"recruitment_date": "2026-02-30"},
            {"recruitment_date": "01/03/2026"},
        ],
    ),
    "monitoring/report_review_started": (REPORT, [{"report_id": ""}, {"report_id": None}]),
    "monitoring/report_substantiated": (REPORT, [{"report_id": "rep 1"}]),
    "monitoring/report_unsubstantiated": (REPORT, [{"report_id": "x" * 65}]),
    "monitoring/report_resolved": (
        {**REPORT, "outcome": "fees_reimbursed", "fees_reimbursed": MONEY},
        [
            {"outcome": "sanctioned"},
            {"outcome": None},
            {"fees_reimbursed": {**MONEY, "currency": "US"}},
            {"fees_reimbursed": {**MONEY, "amount": "1e3"}},
            {"fees_reimbursed": {"currency": "USD"}},
            {"fees_reimbursed": "1200 USD"},
        ],
    ),
    "monitoring/report_withdrawn": (REPORT, [{"report_id": "rep.1"}]),
    "monitoring/report_matched": (
        {**REPORT, "recruiter_id": "rec-1"},
        [{"recruiter_id": None}, {"recruiter_id": ""}],
    ),
    "monitoring/report_referred": (
        {**REFERRAL, "country": "KE", "recruiter_id": None, "categories": CATEGORIES},
        [
            {"country": "ke"},
            {"country": None},
            {"categories": []},
            {"categories": ["other", "other"]},
            {"recruiter_id": "rec 1"},
        ],
    ),
    "monitoring/referral_acknowledged_noted": (
        REFERRAL,
        [{"referral_id": None}, {"report_id": "rep/1"}],
    ),
    "monitoring/referral_outcome_noted": (
        {**REFERRAL, "outcome": "sanctioned"},
        [{"outcome": "remedied"}, {"outcome": None}, {"referral_id": ""}],
    ),
    "monitoring/intermediaries_named": (
        {**REPORT, "intermediaries": [{"intermediary_id": "i1", "country": "NP"}]},
        [
            {"intermediaries": []},
            {"intermediaries": [{"intermediary_id": "i1", "country": "NP", "name": "Ram"}]},
            {"intermediaries": [{"intermediary_id": "i1", "country": "Nepal"}]},
            {"intermediaries": [{"country": "NP"}]},
        ],
    ),
    "monitoring/intermediary_linked": (
        {
            **REPORT,
            "intermediary_id": "i1",
            "recruiter_id": "rec-1",
            "link": "unregistered",
            "agent_id": None,
        },
        [{"link": "friend"}, {"agent_id": "a 1"}, {"intermediary_id": None}],
    ),
}


def test_nullable_fields_accept_values_too():
    extras = {
        "monitoring/report_received": {
            "org_id": "org-1",
            "recruiter_id": "rec-1",
            "named_recruiter": None,
            "categories": CATEGORIES,
            "fee_paid": MONEY,
            "destination_country": "SA",
            "recruitment_date": "2026-03-01",
        },
        "monitoring/report_resolved": {"outcome": "not_remedied", "fees_reimbursed": None},
        "monitoring/report_referred": {"recruiter_id": "rec-1", "categories": ["other"]},
        "monitoring/intermediary_linked": {"link": "declared_agent", "agent_id": "a1"},
    }
    for name, override in extras.items():
        validator(name).validate({**SAMPLES[name][0], **override})
    named = {**NAMED, "licence_number": "RA/2024/17"}
    validator("monitoring/report_received").validate(
        {**SAMPLES["monitoring/report_received"][0], "named_recruiter": named}
    )
    for outcome in ["remedied", "other"]:
        validator("monitoring/report_resolved").validate(
            {**SAMPLES["monitoring/report_resolved"][0], "outcome": outcome}
        )
    for outcome in ["no_action", "not_found"]:
        validator("monitoring/referral_outcome_noted").validate(
            {**SAMPLES["monitoring/referral_outcome_noted"][0], "outcome": outcome}
        )


def test_schemas_api_and_domain_name_the_same_categories():
    """SPEC §4's categories, in the events, the domain and the API alike."""
    for name in ("monitoring/report_received", "monitoring/report_referred"):
        enum = validator(name).schema["properties"]["categories"]["items"]["enum"]
        assert sorted(enum) == sorted(DOMAIN_CATEGORIES)
    api = ReceiveReport().fields["categories"].inner.validate.choices
    assert sorted(api) == sorted(DOMAIN_CATEGORIES) and len(DOMAIN_CATEGORIES) == 8
