"""Query strings and bodies of the verification API."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.events.licensing import LICENCE_STATUS_AFTER
from shared.fields import ID, NUMBER, Country, Instant

VERDICTS = ["green", "amber", "red", "unknown"]
STATUSES = [*VERDICTS, *sorted(set(LICENCE_STATUS_AFTER.values())), "none"]
MAX_ITEMS = 1000


class AsOf(Schema):
    as_of = Instant(metadata={"description": "The instant to answer for; now if absent."})


class Licence(Schema):
    country = Country(required=True)
    licence_number = fields.String(required=True, validate=NUMBER)


class Search(Schema):
    q = fields.String(validate=validate.Length(1, 200), metadata={"description": "A name"})
    country = Country()
    status = fields.String(
        validate=validate.OneOf(STATUSES),
        metadata={"description": "A verdict, or a licence status ('none': no licence)"},
    )
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 10_000))


class Item(Schema):
    recruiter_id = fields.String(validate=ID)
    country = Country()
    licence_number = fields.String(validate=NUMBER)

    @validates_schema
    def one_way_to_name_a_recruiter(self, data, **kwargs):
        by_licence = {"country", "licence_number"} & data.keys()
        if ("recruiter_id" in data) == bool(by_licence):
            raise ValidationError("give either recruiter_id, or country and licence_number")
        if by_licence and len(by_licence) < 2:
            raise ValidationError("give both country and licence_number")


class Verify(Schema):
    items = fields.List(fields.Nested(Item), required=True, validate=validate.Length(1, MAX_ITEMS))
    as_of = Instant()
