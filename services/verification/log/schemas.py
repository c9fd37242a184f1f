"""What the log's proof routes take and give (SPEC §17)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

# A tree of more than 2**53 leaves is out of reach, and JSON numbers stay exact below it.
INDEX = validate.Range(min=0, max=2**53 - 1)
SIZE = validate.Range(min=1, max=2**53 - 1)


class InclusionQuery(Schema):
    index = fields.Integer(required=True, validate=INDEX)
    size = fields.Integer(required=True, validate=SIZE)


class ConsistencyQuery(Schema):
    first = fields.Integer(required=True, validate=INDEX)
    second = fields.Integer(required=True, validate=SIZE)


HASHES = fields.List(
    fields.String(),
    metadata={"description": "Standard base64 SHA-256 hashes, in RFC 9162 order"},
)


class InclusionProof(Schema):
    index = fields.Integer()
    size = fields.Integer()
    hashes = HASHES


class AnswerProof(InclusionProof):
    leaf = fields.Dict(
        metadata={"description": "The status change this answer is, as the log holds it"}
    )
    checkpoint = fields.String(
        metadata={"description": "A signed checkpoint (C2SP signed note) of the tree of `size`"}
    )


class ConsistencyProof(Schema):
    first = fields.Integer()
    second = fields.Integer()
    hashes = HASHES
