"""Request and response bodies of the watch API."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.fields import ID, NUMBER, Country, Text

URL = validate.Length(1, 2000)


class CreateWatchlist(Schema):
    name = Text(200, required=True)


class AddEntry(Schema):
    recruiter_id = fields.String(validate=ID)
    country = Country()
    licence_number = fields.String(validate=NUMBER)
    label = Text(200, allow_none=True)
    include_chain = fields.Boolean(
        load_default=False,
        metadata={"description": "Also watch the recruiter's agents (SPEC §16), once known"},
    )

    json_schema = {
        "oneOf": [
            {
                "required": ["recruiter_id"],
                "not": {"anyOf": [{"required": ["country"]}, {"required": ["licence_number"]}]},
            },
            {"required": ["country", "licence_number"], "not": {"required": ["recruiter_id"]}},
        ]
    }

    @validates_schema
    def by_id_or_number(self, data, **kwargs):
        by_number = "country" in data or "licence_number" in data
        if "recruiter_id" in data and by_number:
            raise ValidationError("give recruiter_id, or country and licence_number, not both")
        if "recruiter_id" not in data and not ("country" in data and "licence_number" in data):
            raise ValidationError("give recruiter_id, or country and licence_number")


class Subscribe(Schema):
    # The pattern is the rule in production; REGISTRY_WEBHOOKS_ALLOW_LOCAL=1 (development)
    # also takes http. Where a name resolves to, no schema can say: 422 naming why.
    url = fields.String(
        required=True,
        validate=URL,
        metadata={"description": "https only; a public address", "pattern": "^https://"},
    )


class Page(Schema):
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 10_000))


class After(Schema):
    after = fields.Integer(
        load_default=0,
        validate=validate.Range(0, 2**53),
        metadata={"description": "The cursor of the last item read (0: from the start)"},
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))


class Status(Schema):
    verdict = fields.String()
    reasons = fields.List(fields.String())
    licence_status = fields.String(allow_none=True)
    certificate_status = fields.String(allow_none=True)
    changed_at = fields.String()


class Entry(Schema):
    entry_id = fields.String()
    recruiter_id = fields.String()
    country = fields.String(allow_none=True)
    licence_number = fields.String(allow_none=True)
    label = fields.String(allow_none=True)
    include_chain = fields.Boolean()
    verdict = fields.String(metadata={"description": "unknown until a status change is heard"})
    status = fields.Nested(Status, allow_none=True)


class EntryAdded(Schema):
    entry_id = fields.String()
    recruiter_id = fields.String()


class SubscriptionOut(Schema):
    subscription_id = fields.String()
    watchlist_id = fields.String()
    url = fields.String()
    state = fields.String(metadata={"description": "active, or disabled after 24 hours failing"})
    failing_since = fields.String(allow_none=True)
    disabled_at = fields.String(allow_none=True)
    created_at = fields.String()


class SubscriptionWithSecret(SubscriptionOut):
    secret = fields.String(metadata={"description": "whsec_...: shown this once"})


class WatchlistOut(Schema):
    watchlist_id = fields.String()
    name = fields.String()
    created_at = fields.String()


class WatchlistShown(WatchlistOut):
    entries = fields.List(fields.Nested(Entry))
    entries_total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
    subscriptions = fields.List(fields.Nested(SubscriptionOut))


class RowOut(Schema):
    row = fields.Integer()
    taken = fields.Boolean()
    reason = fields.String()
    entry_id = fields.String()
    recruiter_id = fields.String()


class ImportOut(Schema):
    rows = fields.List(fields.Nested(RowOut))
    taken = fields.Integer()
    refused = fields.Integer()


class Change(Schema):
    cursor = fields.String()
    kind = fields.String(metadata={"description": "status_changed or subscription_disabled"})
    event_id = fields.String()
    recruiter_id = fields.String()
    verdict = fields.String()
    previous_verdict = fields.String(allow_none=True)
    reasons = fields.List(fields.String())
    licence_status = fields.String(allow_none=True)
    certificate_status = fields.String(allow_none=True)
    changed_at = fields.String()
    subscription_id = fields.String()
    at = fields.String()
    reason = fields.String()


class Changes(Schema):
    changes = fields.List(fields.Nested(Change))
    next = fields.String(metadata={"description": "pass as ?after= to read on"})


class Attempt(Schema):
    at = fields.String()
    status = fields.Integer(allow_none=True)
    error = fields.String(allow_none=True)


class Delivery(Schema):
    delivery_id = fields.String()
    webhook_id = fields.String()
    event_id = fields.String()
    recruiter_id = fields.String()
    verdict = fields.String()
    changed_at = fields.String()
    state = fields.String(metadata={"description": "pending, delivered or failed"})
    attempts = fields.Integer()
    next_attempt_at = fields.String(allow_none=True)
    last_attempt = fields.Nested(Attempt, allow_none=True)
    delivered_at = fields.String(allow_none=True)


class Deliveries(Schema):
    deliveries = fields.List(fields.Nested(Delivery))
    next = fields.String()
