"""marshmallow fields and small schemas every service's API uses: ISO codes, instants,
money, ids, official numbers, text."""

from __future__ import annotations

from typing import Any

import pycountry
from marshmallow import Schema, ValidationError, fields, validate

ID = validate.Regexp(r"^[A-Za-z0-9_-]{1,64}$", error="not a valid id")
# Registration, licence, accreditation and certificate numbers as authorities print them.
NUMBER = validate.Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9 ./_-]{0,63}$", error="1 to 64 letters, digits, spaces, . / _ -"
)


class _IsoCode(fields.String):
    """An upper-case code that exists in one of pycountry's ISO tables."""

    length: int
    table: Any
    column: str
    error: str

    def _deserialize(self, value, attr, data, **kwargs):
        code = super()._deserialize(value, attr, data, **kwargs)
        well_formed = len(code) == self.length and code.isupper()
        if not well_formed or self.table.get(**{self.column: code}) is None:
            raise ValidationError(self.error)
        return code


class Country(_IsoCode):
    """ISO 3166-1 alpha-2."""

    length, table, column = 2, pycountry.countries, "alpha_2"
    error = "not an ISO 3166-1 alpha-2 country code"


class Currency(_IsoCode):
    """ISO 4217."""

    length, table, column = 3, pycountry.currencies, "alpha_3"
    error = "not an ISO 4217 currency code"


class Instant(fields.AwareDateTime):
    """RFC 3339 with an offset; a bare local time, or one outside 1900-9998, is refused."""

    def __init__(self, **kwargs):
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        instant = super()._deserialize(value, attr, data, **kwargs)
        if not 1900 <= instant.year <= 9998:
            raise ValidationError("an instant between the years 1900 and 9998")
        return instant


def Text(maximum: int = 2000, **kwargs) -> fields.String:  # noqa: N802 (reads as a field type)
    return fields.String(validate=validate.Length(1, maximum), **kwargs)


def Amount(**kwargs) -> fields.Decimal:  # noqa: N802
    """A positive amount of money, up to four decimals; JSON number or string."""
    return fields.Decimal(
        validate=[validate.Range(min=0, min_inclusive=False), _money], as_string=True, **kwargs
    )


def _money(amount) -> None:
    sign, digits, exponent = amount.normalize().as_tuple()
    if exponent < -4 or len(digits) + min(exponent, 0) > 15:
        raise ValidationError("at most 15 digits before the point and 4 after")


class Money(Schema):
    amount = Amount(required=True)
    currency = Currency(required=True)


class Empty(Schema):
    """No fields; an empty JSON object."""
