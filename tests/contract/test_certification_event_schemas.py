"""The certification event schemas accept well-formed data and reject the rest."""

from tests.contract.helpers import schema_validator as validator

BODY = {"cb_id": "cb-1"}
CERTIFICATION = {"certification_id": "cert-1"}
FINDING = {
    "finding_id": "aud-1-f1",
    "principle": "no_fees_to_workers",
    "severity": "major",
    "description": "Workers paid placement fees",
}

# type -> (valid data, overrides that each make it invalid). Every type is also checked
# for each required field missing and for an extra property.
SAMPLES = {
    "certification/body_accredited": (
        {**BODY, "name": "Fair Audit Ltd", "accreditation_number": "ACC/2024-07"},
        [
            {"name": ""},
            {"name": "x" * 301},
            {"accreditation_number": " 7"},
            {"accreditation_number": "x" * 65},
            {"cb_id": "cb 1"},
        ],
    ),
    "certification/body_suspended": (
        {**BODY, "reason": "Audit quality review"},
        [{"reason": None}, {"reason": ""}],
    ),
    "certification/body_restored": ({**BODY, "reason": None}, [{"reason": "x" * 2001}]),
    "certification/body_withdrawn": (
        {**BODY, "reason": "Accreditation lapsed"},
        [{"reason": None}, {"cb_id": ""}],
    ),
    "certification/certificate_number_claimed": (
        {"certificate_number": "IRIS-1", **CERTIFICATION},
        [{"certificate_number": ""}, {"certification_id": None}],
    ),
    "certification/certification_applied": (
        {**CERTIFICATION, "recruiter_id": "rec-1", **BODY},
        [{"recruiter_id": "rec/1"}, {"cb_id": None}, {"certification_id": "x" * 65}],
    ),
    "certification/audit_recorded": (
        {
            **CERTIFICATION,
            "audit_id": "aud-1",
            "type": "initial",
            "conducted_on": "2026-03-04",
            "findings": [FINDING],
        },
        [
            {"type": "follow_up"},
            {"conducted_on": "2026-02-30"},
            {"findings": None},
            {"findings": [FINDING] * 201},
            {"findings": [{**FINDING, "principle": "kindness"}]},
            {"findings": [{**FINDING, "severity": "critical"}]},
            {"findings": [{**FINDING, "description": ""}]},
            {"findings": [{**FINDING, "finding_id": "f 1"}]},
            {"findings": [{**FINDING, "extra": 1}]},
            {"findings": [{k: v for k, v in FINDING.items() if k != "severity"}]},
        ],
    ),
    "certification/corrective_action_recorded": (
        {
            **CERTIFICATION,
            "finding_id": "aud-1-f1",
            "description": "Fees refunded",
            "due_on": None,
        },
        [{"due_on": "30/06/2026"}, {"description": ""}, {"finding_id": None}],
    ),
    "certification/finding_closed": (
        {**CERTIFICATION, "finding_id": "aud-1-f1", "verified_on": "2026-05-01"},
        [{"verified_on": None}, {"verified_on": "2026-13-01"}],
    ),
    "certification/certificate_granted": (
        {**CERTIFICATION, "certificate_number": "IRIS-2026-001", "valid_until": "2029-03-31"},
        [{"certificate_number": ""}, {"certificate_number": "-1"}, {"valid_until": 2029}],
    ),
    "certification/certificate_suspended": (
        {**CERTIFICATION, "reason": "Licence suspended", "cause": "licence"},
        [{"cause": "policy"}, {"cause": None}, {"reason": None}],
    ),
    "certification/certificate_reinstated": (
        {**CERTIFICATION, "reason": None},
        [{"reason": ""}, {"certification_id": "cert 1"}],
    ),
    "certification/certificate_withdrawn": (
        {**CERTIFICATION, "reason": "Suspended for more than 180 days", "cause": "policy"},
        [{"cause": "licence"}, {"reason": ""}],
    ),
    "certification/certificate_renewed": (
        {**CERTIFICATION, "certificate_number": "IRIS 2029/002", "valid_until": "2032-03-31"},
        [{"certificate_number": "x" * 65}, {"valid_until": "2032-3-31"}],
    ),
    "certification/certificate_expired": (
        {**CERTIFICATION, "valid_until": "2029-03-31"},
        [{"valid_until": None}, {"valid_until": "tomorrow"}],
    ),
    "certification/surveillance_overdue": (
        {**CERTIFICATION, "due_since": "2027-03-04"},
        [{"due_since": None}, {"due_since": "2027-02-29"}],
    ),
}


def test_nullable_fields_accept_values_too():
    extras = {
        "certification/body_restored": {"reason": "Review passed"},
        "certification/certificate_reinstated": {"reason": "Licence reinstated"},
        "certification/corrective_action_recorded": {"due_on": "2026-06-30"},
        "certification/audit_recorded": {"findings": [], "type": "surveillance"},
        "certification/certificate_suspended": {"cause": "body"},
        "certification/certificate_withdrawn": {"cause": "body"},
    }
    for name, override in extras.items():
        validator(name).validate({**SAMPLES[name][0], **override})
    findings = [
        {**FINDING, "principle": principle, "severity": severity, "finding_id": f"f-{n}"}
        for n, (principle, severity) in enumerate(
            [
                ("legal_compliance", "minor"),
                ("ethical_conduct", "observation"),
                ("freedom_of_movement", "major"),
                ("transparency", "minor"),
                ("confidentiality", "observation"),
                ("access_to_remedy", "major"),
            ]
        )
    ]
    for type_ in ["recertification", "special"]:
        validator("certification/audit_recorded").validate(
            {**SAMPLES["certification/audit_recorded"][0], "type": type_, "findings": findings}
        )
