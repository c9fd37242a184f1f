"""Request bodies of the monitoring API."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.events.monitoring import CATEGORIES
from shared.fields import ID, NUMBER, Country, Day, Money, Text


class Subject(Schema):
    """A known recruiter, or one as the worker names it."""

    recruiter_id = fields.String(validate=ID)
    name = fields.String(validate=validate.Length(1, 300))
    country = Country()
    licence_number = fields.String(validate=NUMBER, allow_none=True)

    json_schema = {
        "oneOf": [
            {
                "required": ["recruiter_id"],
                "not": {"anyOf": [{"required": [k]} for k in ("name", "country")]},
            },
            {"required": ["name", "country"], "not": {"required": ["recruiter_id"]}},
        ],
        "not": {"required": ["recruiter_id", "licence_number"]},
    }

    @validates_schema
    def known_or_named(self, data, **kwargs):
        if "recruiter_id" in data and ("name" in data or "country" in data):
            raise ValidationError("give recruiter_id, or name and country, not both")
        if "recruiter_id" not in data and not ("name" in data and "country" in data):
            raise ValidationError("give recruiter_id, or name and country")
        if "recruiter_id" in data and "licence_number" in data:
            raise ValidationError(
                "a licence number goes with a name and country, not a recruiter_id"
            )


class Reporter(Schema):
    name = fields.String(validate=validate.Length(1, 300), allow_none=True)
    contact = fields.String(validate=validate.Length(1, 300), allow_none=True)


class Intermediary(Schema):
    """Someone who stood between the worker and the recruiter: the name and role are sealed
    with the reporter's data, never published."""

    name = fields.String(required=True, validate=validate.Length(1, 300))
    country = Country(required=True)
    role_as_described = fields.String(validate=validate.Length(1, 300), allow_none=True)


class ReceiveReport(Schema):
    subject = fields.Nested(Subject, required=True)
    categories = fields.List(
        fields.String(validate=validate.OneOf(CATEGORIES)),
        required=True,
        validate=validate.Length(1, 8),
    )
    fee_paid = fields.Nested(Money, allow_none=True)
    destination_country = Country(allow_none=True)
    recruitment_date = Day(allow_none=True)
    reporter = fields.Nested(Reporter, allow_none=True)
    narrative = Text(maximum=20_000, allow_none=True)
    intermediaries = fields.List(
        fields.Nested(Intermediary), validate=validate.Length(1, 10), allow_none=True
    )


class Note(Schema):
    note = Text(allow_none=True)


class Refer(Schema):
    country = Country(required=True)


class Resolve(Schema):
    outcome = fields.String(
        required=True,
        validate=validate.OneOf(["fees_reimbursed", "remedied", "not_remedied", "other"]),
    )
    fees_reimbursed = fields.Nested(Money, allow_none=True)


class LinkIntermediary(Schema):
    agent_id = fields.String(validate=ID)
    unregistered = fields.Boolean(validate=validate.Equal(True))

    json_schema = {
        "oneOf": [
            {"required": ["agent_id"], "not": {"required": ["unregistered"]}},
            {"required": ["unregistered"], "not": {"required": ["agent_id"]}},
        ]
    }

    @validates_schema
    def agent_or_unregistered(self, data, **kwargs):
        if ("agent_id" in data) == ("unregistered" in data):
            raise ValidationError("give agent_id, or unregistered: true, not both")


class Match(Schema):
    recruiter_id = fields.String(required=True, validate=ID)


# What the answers hold.


class Received(Schema):
    report_id = fields.String()
    status = fields.String()
    tracking_code = fields.String(
        metadata={"description": "Shown once: the worker's only way to follow the report"}
    )


class Update(Schema):
    status = fields.String()
    at = fields.String(allow_none=True, metadata={"format": "date-time"})


class ReportOut(Schema):
    report_id = fields.String()
    status = fields.String()
    organisation = fields.String()
    recruiter_id = fields.String(allow_none=True)
    named_recruiter = fields.Dict(allow_none=True)
    categories = fields.List(fields.String())
    fee_paid = fields.Dict(allow_none=True)
    referral = fields.Dict(allow_none=True)
    outcome = fields.String(allow_none=True)
    updates = fields.List(fields.Nested(Update))
    intermediaries = fields.List(fields.Dict())
    version = fields.Integer()


class ReportWithPersonalData(ReportOut):
    personal_data = fields.Dict()


class Erased(Schema):
    report_id = fields.String()
    personal_data = fields.String()


class Tracked(Schema):
    status = fields.String()
    updates = fields.List(fields.Nested(Update))
    referral = fields.Dict()


class Suggestions(Schema):
    items = fields.List(fields.Dict())
