"""Request and response bodies of the licensing API (marshmallow; they also make the OpenAPI)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.events.licensing import AGENT_ROLES
from shared.fields import ID, NUMBER, Amount, Country, Currency, Day, Instant, Money, Text

NAME = validate.Length(1, 300)


class RegisterRecruiter(Schema):
    legal_name = fields.String(required=True, validate=NAME)
    country = Country(required=True)
    registration_number = fields.String(required=True, validate=NUMBER)
    trade_names = fields.List(fields.String(validate=NAME), validate=validate.Length(max=20))
    address = fields.String(validate=validate.Length(1, 500), allow_none=True)


class ApplyForLicence(Schema):
    recruiter_id = fields.String(required=True, validate=ID)
    licence_number = fields.String(required=True, validate=NUMBER)


class Decision(Schema):
    effective_at = Instant()


class IssueLicence(Decision):
    valid_from = Day(required=True)
    valid_until = Day(required=True)
    issuing_office = Text(200)

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        if data["valid_until"] <= data["valid_from"]:
            raise ValidationError("must be after valid_from", "valid_until")


class RenewLicence(Decision):
    valid_until = Day(required=True)


class WithReason(Decision):
    reason = Text(required=True)


class WithOptionalReason(Decision):
    reason = Text(allow_none=True)


class ImposeCondition(Decision):
    text = Text(required=True)


class Penalty(Schema):
    description = Text(required=True)
    amount = Amount(allow_none=True)
    currency = Currency(allow_none=True)

    json_schema = {
        "anyOf": [
            {"properties": {"amount": {"type": "null"}, "currency": {"type": "null"}}},
            {
                "required": ["amount", "currency"],
                "properties": {"amount": {"type": "string"}, "currency": {"type": "string"}},
            },
        ]
    }

    @validates_schema
    def amount_has_currency(self, data, **kwargs):
        if (data.get("amount") is None) != (data.get("currency") is None):
            raise ValidationError("give amount and currency together", "currency")


class RecordViolation(Schema):
    description = Text(required=True)
    decided_on = Day(required=True)
    penalty = fields.Nested(Penalty, allow_none=True)


class OpenBranch(Schema):
    name = fields.String(required=True, validate=NAME)
    address = fields.String(required=True, validate=validate.Length(1, 500))
    country = Country()


class CloseBranch(Schema):
    reason = Text(allow_none=True)


class AppointOfficer(Schema):
    name = fields.String(required=True, validate=NAME)
    position = fields.String(required=True, validate=NAME)


class DeclareAgent(Schema):
    name = fields.String(
        required=True,
        validate=NAME,
        metadata={"description": "The agent's business or trade name: public, like a recruiter's"},
    )
    country = Country(required=True)
    role = fields.String(required=True, validate=validate.OneOf(AGENT_ROLES))
    licence_number = fields.String(
        validate=NUMBER,
        metadata={"description": "The agent's own licence number in its country, if licensed"},
    )
    effective_at = Instant()


class EndAgentLink(Schema):
    effective_at = Instant()


class DrawDeposit(Money):
    claim_reference = fields.String(required=True, validate=validate.Length(1, 100))


class ForfeitDeposit(Schema):
    reason = Text(required=True)


class CloseReferral(Schema):
    outcome = fields.String(
        required=True, validate=validate.OneOf(["sanctioned", "no_action", "not_found"])
    )
    note = Text(allow_none=True)


class ReferralQuery(Schema):
    status = fields.String(validate=validate.OneOf(["referred", "acknowledged", "closed"]))
    page = fields.Integer(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class LicenceOut(Schema):
    licence_id = fields.String()
    licence_number = fields.String()
    recruiter_id = fields.String()
    country = fields.String()
    status = fields.String()
    valid_from = fields.String(allow_none=True)
    valid_until = fields.String(allow_none=True)
    issuing_office = fields.String(allow_none=True)
    conditions = fields.List(fields.Dict())
    conditions_in_force = fields.Integer()
    last_decision_effective_at = fields.String(allow_none=True)
    condition_id = fields.String(metadata={"description": "The condition just imposed"})
    version = fields.Integer()


class RecruiterOut(Schema):
    recruiter_id = fields.String()
    legal_name = fields.String()
    country = fields.String()
    registration_number = fields.String()
    trade_names = fields.List(fields.String())
    address = fields.String(allow_none=True)
    registered_at = fields.String(allow_none=True)
    licences = fields.List(fields.Dict())
    violations = fields.List(fields.Dict())
    branches = fields.List(fields.Dict())
    officers = fields.List(fields.Dict())
    agents = fields.List(fields.Dict())
    deposit = fields.Dict()
    version = fields.Integer()


def recruiter_out_with(created: str | None) -> Schema:
    """The recruiter, and the id of what the command created (a branch, an officer)."""
    if created is None:
        return RecruiterOut()
    name = "RecruiterOutWith" + created.title().replace("_", "")
    return type(name, (RecruiterOut,), {created: fields.String()})()


class ReferralOut(Schema):
    referral_id = fields.String()
    report_id = fields.String()
    country = fields.String()
    recruiter_id = fields.String(allow_none=True)
    categories = fields.List(fields.String())
    status = fields.String()
    outcome = fields.String(allow_none=True)
    referred_at = fields.String()
    acknowledged_at = fields.String(allow_none=True)
    closed_at = fields.String(allow_none=True)
