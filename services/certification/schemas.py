"""Request and response bodies of the certification API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from shared.fields import ID, NUMBER, Day, Text

PRINCIPLES = [
    "legal_compliance",
    "ethical_conduct",
    "no_fees_to_workers",
    "freedom_of_movement",
    "transparency",
    "confidentiality",
    "access_to_remedy",
]


class AccreditBody(Schema):
    name = fields.String(required=True, validate=validate.Length(1, 300))
    accreditation_number = fields.String(required=True, validate=NUMBER)


class BodyDecision(Schema):
    reason = Text(required=True)


class RestoreBody(Schema):
    reason = Text(allow_none=True)


class ApplyForCertification(Schema):
    recruiter_id = fields.String(required=True, validate=ID)


class FindingIn(Schema):
    principle = fields.String(required=True, validate=validate.OneOf(PRINCIPLES))
    severity = fields.String(
        required=True, validate=validate.OneOf(["major", "minor", "observation"])
    )
    description = Text(required=True)


class RecordAudit(Schema):
    type = fields.String(
        required=True,
        validate=validate.OneOf(["initial", "surveillance", "recertification", "special"]),
    )
    conducted_on = Day(required=True)
    findings = fields.List(
        fields.Nested(FindingIn), load_default=list, validate=validate.Length(max=200)
    )


class CorrectiveAction(Schema):
    description = Text(required=True)
    due_on = Day(allow_none=True)


class CloseFinding(Schema):
    verified_on = Day(required=True)


class Decision(Schema):
    decision = fields.String(
        required=True,
        validate=validate.OneOf(["grant", "suspend", "reinstate", "withdraw", "renew"]),
    )
    certificate_number = fields.String(validate=NUMBER)
    valid_until = Day()
    reason = Text(allow_none=True)


class BodyOut(Schema):
    cb_id = fields.String()
    name = fields.String()
    accreditation_number = fields.String()
    status = fields.String()
    version = fields.Integer()


class CertificationOut(Schema):
    certification_id = fields.String()
    recruiter_id = fields.String()
    cb_id = fields.String()
    status = fields.String()
    certificate_number = fields.String(allow_none=True)
    valid_until = fields.String(allow_none=True)
    open_major_findings = fields.Integer()
    findings = fields.List(fields.Dict())
    audits = fields.List(fields.Dict())
    surveillance_overdue_since = fields.String(allow_none=True)
    version = fields.Integer()
