"""Query strings and bodies of the verification API."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.verification.log.schemas import AnswerProof
from shared.consistency import PATTERN
from shared.events.licensing import AGENT_ROLES, LICENCE_STATUS_AFTER
from shared.fields import ID, NUMBER, Country, CountryInPath, Instant

VERDICTS = ["green", "amber", "red", "unknown"]
STATUSES = [*VERDICTS, *sorted(set(LICENCE_STATUS_AFTER.values())), "none"]
MAX_ITEMS = 1000


class Consistent(Schema):
    consistent_with = fields.String(
        validate=validate.Regexp(PATTERN),
        metadata={
            "description": "A Registry-Token from a write response; repeatable. The answer "
            "waits until it reflects those writes, or is 503 with Retry-After."
        },
    )


class AsOf(Consistent):
    as_of = Instant(metadata={"description": "The instant to answer for; now if absent."})


class Licence(Schema):
    country = CountryInPath(required=True)
    licence_number = fields.String(required=True, validate=NUMBER)


class Search(Consistent):
    q = fields.String(validate=validate.Length(1, 200), metadata={"description": "A name"})
    country = Country()
    status = fields.String(
        validate=validate.OneOf(STATUSES),
        metadata={"description": "A verdict, or a licence status ('none': no licence)"},
    )
    agent_country = Country(metadata={"description": "With agent_licence_number"})
    agent_licence_number = fields.String(
        validate=NUMBER,
        metadata={
            "description": "The recruiters that work through the agent holding this licence "
            "number in agent_country (which agencies use this sub-agent?)"
        },
    )
    limit = fields.Integer(load_default=20, validate=validate.Range(1, 100))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 10_000))

    @validates_schema
    def by_name_or_by_agent(self, data, **kwargs):
        agent = [name for name in ("agent_country", "agent_licence_number") if name in data]
        if len(agent) == 1:
            raise ValidationError("give agent_country and agent_licence_number together")
        if agent and any(name in data for name in ("q", "country", "status")):
            raise ValidationError("search by name, country and status, or by an agent's licence")


class Item(Schema):
    recruiter_id = fields.String(validate=ID)
    country = Country()
    licence_number = fields.String(validate=NUMBER)

    json_schema = {
        "oneOf": [
            {"required": ["recruiter_id"], "not": {"required": ["country"]}},
            {"required": ["country", "licence_number"], "not": {"required": ["recruiter_id"]}},
        ],
        "not": {"required": ["recruiter_id", "licence_number"]},
    }

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


# What the answers hold (documentation of the responses; SPEC §11).


class Reason(Schema):
    code = fields.String(
        metadata={
            "enum": [
                "no_licence",
                "licence_not_active",
                "licence_expiring",
                "conditions_in_force",
                "certificate_suspended",
                "certificate_withdrawn",
                "surveillance_overdue",
                "substantiated_report_open",
                "integrity_gap",
                "catching_up",
                "chain_risk",
                "licence_active",
                "certificate_valid",
            ],
            "description": "licence_active and certificate_valid are the grounds of a green"
            " answer; every other code is a concern",
        }
    )
    message = fields.String()
    event_id = fields.String(allow_none=True, metadata={"description": "The event it rests on"})
    position = fields.String(metadata={"description": "For a message set aside: where it was"})


class Condition(Schema):
    condition_id = fields.String()
    text = fields.String()
    in_force_since = fields.String()


class LicenceStatus(Schema):
    licence_number = fields.String()
    status = fields.String()
    valid_from = fields.String(allow_none=True)
    valid_until = fields.String(allow_none=True)
    conditions = fields.List(fields.Nested(Condition))


class CertificationStatus(Schema):
    status = fields.String()
    certificate_number = fields.String(allow_none=True)
    cb_id = fields.String()
    valid_until = fields.String(allow_none=True)
    open_major_findings = fields.Integer()


class Sum(Schema):
    amount = fields.String()
    currency = fields.String()


class MonitoringSummary(Schema):
    substantiated_open = fields.Integer()
    substantiated_resolved = fields.Integer()
    by_category = fields.Dict(keys=fields.String(), values=fields.Integer())
    fees_reported = fields.List(fields.Nested(Sum))
    fees_reimbursed = fields.List(fields.Nested(Sum))


class ChainAgent(Schema):
    agent_id = fields.String()
    name = fields.String(metadata={"description": "The agent's business name, as declared"})
    country = fields.String()
    role = fields.String(metadata={"enum": list(AGENT_ROLES)})
    recruiter_id = fields.String(
        metadata={"description": "When the agent's licence number is a registered recruiter's"}
    )
    verdict = fields.String(
        metadata={"enum": VERDICTS, "description": "That recruiter's own answer"}
    )


class Chain(Schema):
    agents = fields.List(fields.Nested(ChainAgent))
    reports_naming_unregistered_intermediaries = fields.Integer(
        metadata={
            "description": "Substantiated reports of the last 12 months naming an "
            "intermediary who is none of the declared agents"
        }
    )


class Position(Schema):
    topic = fields.String()
    partition = fields.Integer()
    offset = fields.Integer(metadata={"description": "The next offset the projection reads"})


class Freshness(Schema):
    as_of = fields.String(metadata={"description": "The instant the answer is for"})
    positions = fields.List(fields.Nested(Position))
    lag_seconds = fields.Float(
        metadata={
            "description": "How long the oldest message this answer has not read yet has "
            "waited on the bus (its recruiter's partitions for a status): 0 when none"
        }
    )


class Identity(Schema):
    recruiter_id = fields.String()
    legal_name = fields.String(allow_none=True)
    trade_names = fields.List(fields.String(), allow_none=True)
    country = fields.String(allow_none=True)
    registration_number = fields.String(allow_none=True)


class Status(Identity, Freshness):
    licence = fields.Nested(LicenceStatus, allow_none=True)
    certification = fields.Nested(CertificationStatus, allow_none=True)
    monitoring = fields.Nested(MonitoringSummary)
    chain = fields.Nested(Chain)
    verdict = fields.String(metadata={"enum": VERDICTS})
    reasons = fields.List(fields.Nested(Reason))
    detail = fields.Dict(
        metadata={
            "description": "Officials only: branches, officers, violations, referrals, "
            "reports, and the chain: every link with its dates, and the intermediaries named"
        }
    )


class SignedStatus(Status):
    log = fields.Nested(
        AnswerProof,
        allow_none=True,
        metadata={
            "description": "The public log's leaf stating this answer and its inclusion proof "
            "(SPEC §17); null while no leaf states it yet (the log follows within seconds) or "
            "when the answer is unknown because this reader lags"
        },
    )
    receipt = fields.String(
        metadata={"description": "Compact JWS (ES256 or EdDSA), kid in header; names the leaf"}
    )


class Hit(Identity):
    licence_number = fields.String(allow_none=True)
    licence_status = fields.String(allow_none=True)
    verdict = fields.String(metadata={"enum": VERDICTS})


class Hits(Freshness):
    items = fields.List(fields.Nested(Hit))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class Entry(Schema):
    effective_at = fields.String()
    recorded_at = fields.String()
    event = fields.String()
    event_id = fields.String()
    data = fields.Dict()


class History(Identity, Freshness):
    events = fields.List(fields.Nested(Entry))


class LeafName(Schema):
    index = fields.Integer()
    size = fields.Integer()


class NamedStatus(Status):
    log = fields.Nested(
        LeafName,
        allow_none=True,
        metadata={
            "description": "The public log's leaf stating this answer, its proof at "
            "/v1/log/proof/inclusion; null while no leaf states it yet"
        },
    )


class Result(Schema):
    query = fields.Nested(Item)
    found = fields.Boolean()
    status = fields.Nested(NamedStatus)
    detail = fields.Dict()


class Verified(Freshness):
    results = fields.List(fields.Nested(Result))
    receipt = fields.String()


class Keys(Schema):
    keys = fields.List(fields.Dict(), metadata={"description": "Public JWKs"})
